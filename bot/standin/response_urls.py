"""The response_urls the fake hands out: where each answers, and what a post to one does.

A post is recorded and checked (`checks.response_url_problems`); one Slack accepts becomes a
message of the conversation the url came from, or replaces or deletes the original it means.
A command's ack body is delivered the same way (`via="ack"`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from bot.standin import checks
from bot.standin.checks import JSON, decoded
from bot.standin.conversations import Conversations, Message
from bot.standin.records import Hook, Origin


class ResponseUrls:
    """Each handed-out url's `Origin`, guarded by the lock it is given (the fake's, so a reset
    clears it with everything else); messages go to `conversations` as `bot_user_id`/`bot_id`,
    with a new ts from `ts`."""

    def __init__(
        self,
        lock: threading.Lock,
        conversations: Conversations,
        *,
        ts: Callable[[], str],
        bot_user_id: str,
        bot_id: str,
    ) -> None:
        self._lock, self._conversations, self._ts = lock, conversations, ts
        self._bot_user_id, self._bot_id = bot_user_id, bot_id
        self.clear()

    def clear(self) -> None:
        """Forget every origin; the caller holds the lock (or no other thread can see this yet)."""
        self._origins: dict[str, Origin] = {}
        self._uses: dict[str, int] = {}  # posts to each url so far, those still being handled too

    def add(self, url: str, origin: Origin) -> None:
        with self._lock:
            self._origins[url] = origin

    def handle(
        self,
        path: str,
        url: str,
        raw: bytes,
        content_type: str,
        *,
        hooks: list[Hook],
        violation: Callable[[str], None],
    ) -> tuple[int, str]:
        """Record one post to `url` in `hooks`; return (HTTP status, plain-text answer). What
        real Slack would reject goes to `violation`."""
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            body = None
        recorded = body if isinstance(body, dict) else {"_raw": raw.decode(errors="replace")}
        hook = Hook(path, url, recorded, content_type)
        with self._lock:
            uses = self._uses[url] = self._uses.get(url, 0) + 1
        if problems := checks.response_url_problems(body, content_type, uses):
            with self._lock:
                hooks.append(hook)
            violation(f"response_url {path}: " + "; ".join(problems))
            if problems[0].startswith("body is not"):
                return 400, "invalid_payload"
            return 400, "no_text" if problems[0] == "needs text or blocks" else "invalid_blocks"
        self.deliver(url, recorded, via="response_url")
        with self._lock:  # recorded once delivered: whoever waits for it sees what it did
            hooks.append(hook)
        return 200, "ok"

    def deliver(self, url: str, body: JSON, *, via: str) -> None:
        """What a response_url post (or a command's ack) does to its conversation."""
        with self._lock:
            origin = self._origins.get(url)
        if origin is None or origin.channel is None:
            return  # a response_url handed out without a conversation: recorded only
        if body.get("delete_original") is True:
            if origin.ts:
                self._conversations.delete(origin.channel, origin.ts)
            return
        content = {"text": body.get("text", ""), "blocks": decoded(body.get("blocks", []))}
        replace = body.get("replace_original") is True and origin.ts is not None
        if replace and self._conversations.update(
            origin.channel, origin.ts or "", **content, via=via
        ):
            return
        in_channel = body.get("response_type") == "in_channel"
        message = Message(
            origin.channel, self._ts(), **content, user=self._bot_user_id, bot_id=self._bot_id,
            thread_ts=body.get("thread_ts") or None,
            ephemeral_to=None if in_channel else origin.user, via=via,
        )  # fmt: skip
        self._conversations.add(message)
        with self._lock:
            if origin.ts is None:  # the first answer to a command is what replace_original means
                origin.ts = message.ts
