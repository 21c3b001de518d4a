"""Slack's external file upload, as the stand-in plays it: files.getUploadURLExternal hands out
an upload_url the fake serves, the app POSTs the bytes there, and files.completeUploadExternal
shares the file into a conversation (slack_sdk's `files_upload_v2` makes exactly these three
requests).

Errors as Slack answers them (docs.slack.dev, via slack-ruby/slack-api-ref): a `length` below 1
is missing_argument, alt text over 1,000 characters alt_txt_too_large, an id whose bytes never
arrived file_not_found, a channel the bot isn't a member of not_in_channel.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

from bot.standin.checks import JSON
from bot.standin.conversations import Conversations, Message

METHODS = ("files.getUploadURLExternal", "files.completeUploadExternal")
UPLOAD_PATH = "/upload/v1/"
ALT_TEXT_MAX = 1000


@dataclass
class Upload:
    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    data: bytes | None = None  # None until the bytes arrive at the upload_url
    title: str | None = None
    channel: str | None = None  # set once completed: where it was shared (None: private)


class Files:
    """The uploads of one fake workspace, guarded by the fake's lock."""

    def __init__(
        self,
        lock: threading.Lock,
        conversations: Conversations,
        *,
        next_id: Callable[[], int],
        ts: Callable[[], str],
        bot_user_id: str,
    ) -> None:
        self._lock, self._conversations = lock, conversations
        self._next_id, self._ts, self._bot_user_id = next_id, ts, bot_user_id
        self.uploads: dict[str, Upload] = {}

    def clear(self) -> None:
        """Forget every upload; the caller holds the lock."""
        self.uploads = {}

    def answer(
        self, method: str, args: JSON, *, base_url: str, members: dict[str, list[str]]
    ) -> JSON:
        if method == "files.getUploadURLExternal":
            return self._upload_url(args, base_url)
        return self._complete(args, members)

    def _upload_url(self, args: JSON, base_url: str) -> JSON:
        try:
            length = int(args.get("length") or 0)
        except (TypeError, ValueError):
            return {"ok": False, "error": "invalid_arguments"}
        if length < 1:
            return {"ok": False, "error": "missing_argument"}
        alt_txt = args.get("alt_txt")
        if isinstance(alt_txt, str) and len(alt_txt) > ALT_TEXT_MAX:
            return {"ok": False, "error": "alt_txt_too_large"}
        file_id = f"F{self._next_id():08d}"
        with self._lock:
            self.uploads[file_id] = Upload(file_id, str(args["filename"]), length, alt_txt)
        upload_url = base_url.rstrip("/") + UPLOAD_PATH + file_id
        return {"ok": True, "upload_url": upload_url, "file_id": file_id}

    def receive(self, path: str, raw: bytes) -> tuple[int, str, str | None]:
        """The bytes POSTed to an upload_url: (HTTP status, text, a violation or None)."""
        file_id = path.removeprefix(UPLOAD_PATH)
        with self._lock:
            upload = self.uploads.get(file_id)
            if upload is None:
                return 404, "not found", f"upload to {path}: no such upload_url"
            upload.data = raw
        if len(raw) != upload.length:
            problem = f"upload {file_id}: {len(raw)} bytes sent, length said {upload.length}"
            return 200, f"OK - {len(raw)}", problem
        return 200, f"OK - {len(raw)}", None

    def _complete(self, args: JSON, members: dict[str, list[str]]) -> JSON:
        files = args.get("files")
        try:
            listed = json.loads(files) if isinstance(files, str) else files
            ids = [(str(f["id"]), f.get("title")) for f in listed or []]
        except (ValueError, TypeError, KeyError):
            return {"ok": False, "error": "invalid_arguments"}
        channel = str(args.get("channel_id") or "") or None
        in_channel = members.get(channel or "")
        if channel and in_channel is not None and self._bot_user_id not in in_channel:
            return {"ok": False, "error": "not_in_channel"}
        shared = []
        with self._lock:
            for file_id, _ in ids:
                upload = self.uploads.get(file_id)
                if upload is None or upload.data is None or upload.channel is not None:
                    return {"ok": False, "error": "file_not_found"}
            for file_id, title in ids:
                upload = self.uploads[file_id]
                upload.title, upload.channel = title or upload.filename, channel
                shared.append({"id": file_id, "title": upload.title, "name": upload.filename})
        if channel:
            text = str(args.get("initial_comment") or "")
            self._conversations.add(
                Message(channel, self._ts(), text, user=self._bot_user_id, files=shared)
            )
        return {"ok": True, "files": shared}

    def shared_in(self, channel: str) -> list[Upload]:
        """The uploads completed into `channel`, oldest first."""
        with self._lock:
            return [u for u in self.uploads.values() if u.channel == channel]
