"""What each conversation shows: messages by channel and ts, as the stand-in's Slack keeps them.

chat.postMessage and chat.postEphemeral add messages, chat.update and response_url posts with
`replace_original` change them in place, chat.delete and `delete_original` remove them. An
ephemeral message (postEphemeral, a command's answer) is seen only by `ephemeral_to`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True)
class Message:
    channel: str
    ts: str
    text: str = ""
    blocks: list[JSON] = field(default_factory=list)
    user: str | None = None  # the author; the bot's user id for what the app posts
    bot_id: str | None = None
    thread_ts: str | None = None
    ephemeral_to: str | None = None
    edited: bool = False
    via: str = "chat.postMessage"  # the method, "response_url" or "ack" it arrived through
    files: list[JSON] = field(default_factory=list)  # shared by files.completeUploadExternal
    metadata: JSON | None = None  # message metadata: {"event_type": ..., "event_payload": {...}}

    def visible_to(self, user_id: str) -> bool:
        return self.ephemeral_to is None or self.ephemeral_to == user_id

    def to_dict(self, *, with_metadata: bool = False) -> JSON:
        """The message as Slack hands it back (e.g. in a block_actions payload); its metadata
        only where Slack includes it (conversations.history with include_all_metadata)."""
        shown: JSON = {"type": "message", "ts": self.ts, "text": self.text, "blocks": self.blocks}
        extra: JSON = {"user": self.user, "bot_id": self.bot_id, "thread_ts": self.thread_ts}
        extra["files"] = self.files or None
        if with_metadata:
            extra["metadata"] = self.metadata
        return shown | {key: value for key, value in extra.items() if value is not None}


class Conversations:
    """Thread-safe store of messages, one ordered conversation per channel id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, dict[str, Message]] = {}

    def add(self, message: Message) -> Message:
        with self._lock:
            self._channels.setdefault(message.channel, {})[message.ts] = message
        return message

    def update(self, channel: str, ts: str, **changes: Any) -> Message | None:
        """Change a message in place (marked edited); None when there is no such message."""
        with self._lock:
            found = self._channels.get(channel, {}).get(ts)
            if found is None:
                return None
            changed = replace(found, edited=True, **changes)
            self._channels[channel][ts] = changed
            return changed

    def delete(self, channel: str, ts: str) -> bool:
        with self._lock:
            return self._channels.get(channel, {}).pop(ts, None) is not None

    def get(self, channel: str, ts: str) -> Message | None:
        with self._lock:
            return self._channels.get(channel, {}).get(ts)

    def messages(self, channel: str, *, visible_to: str | None = None) -> list[Message]:
        """A channel's messages, oldest first; with `visible_to`, only what that user sees."""
        with self._lock:
            found = list(self._channels.get(channel, {}).values())
        found.sort(key=lambda message: ts_key(message.ts))
        return [m for m in found if visible_to is None or m.visible_to(visible_to)]

    def thread(self, channel: str, thread_ts: str) -> list[Message]:
        """A thread's parent and replies, oldest first."""
        return [
            message
            for message in self.messages(channel)
            if thread_ts in (message.ts, message.thread_ts)
        ]

    def channels(self) -> list[str]:
        with self._lock:
            return sorted(channel for channel, found in self._channels.items() if found)

    def clear(self) -> None:
        with self._lock:
            self._channels.clear()


def ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds or 0), int(micros or 0)
