"""What the fake Web API records and scripts, and the directory records it serves.

`Call` and `Hook` are what tests inspect; `Script` is one scripted answer (`FakeSlack.fail`,
`slow`), kept per method in `Scripts`; `Origin` is where a response_url answers. `user_record`
and `channel_record` build what users.info / users.list and conversations.info hand back,
shaped as real Slack's; `full_members` is who a channel holds unless a test says otherwise.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.standin.checks import JSON


@dataclass
class Call:
    method: str
    args: JSON
    content_type: str
    authorization: str | None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Hook:
    path: str
    url: str
    body: JSON
    content_type: str
    at: float = field(default_factory=time.monotonic)


@dataclass
class Script:
    error: str | None  # None: answer normally, only later (a slow Slack)
    status: int
    retry_after: int | None
    times: int
    delay: float

    def play(self) -> tuple[int, JSON, dict[str, str]] | None:
        """Wait the delay; then the scripted failure, or None to answer as usual."""
        time.sleep(self.delay)
        if self.error is None:
            return None
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return self.status, {"ok": False, "error": self.error}, headers


class Scripts:
    """Scripted answers per method, oldest first, guarded by the lock it is given (the fake's,
    so a reset clears them with everything else)."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self.clear()

    def clear(self) -> None:
        """Forget every script; the caller holds the lock (or no other thread can see this yet)."""
        self._scripts: dict[str, list[Script]] = {}

    def add(self, method: str, script: Script) -> None:
        with self._lock:
            self._scripts.setdefault(method, []).append(script)

    def take(self, method: str) -> Script | None:
        """The script for this call to `method`, used up after its `times` calls."""
        with self._lock:
            queue = self._scripts.get(method)
            if not queue:
                return None
            script = queue[0]
            script.times -= 1
            if script.times <= 0:
                queue.pop(0)
            return script


@dataclass
class Origin:
    """Where a response_url answers: the conversation, who acted, and the message acted on."""

    channel: str | None
    user: str | None
    ts: str | None  # the "original" that replace_original / delete_original mean


def user_record(
    user_id: str,
    *,
    team_id: str,
    name: str | None = None,
    real_name: str | None = None,
    tz: str = "America/New_York",
    is_admin: bool = False,
    is_owner: bool = False,
    is_restricted: bool = False,
    is_ultra_restricted: bool = False,
    is_bot: bool = False,
    deleted: bool = False,
    email: str | None = None,
    locale: str = "en-US",
) -> JSON:
    """A user as users.info answers it, with tz_label and tz_offset as of now in `tz`; `locale`
    is handed out only to a call with include_locale (see answers.directory)."""
    name = name or user_id.lower()
    real_name = real_name if real_name is not None else name
    now = datetime.now(ZoneInfo(tz))
    offset = now.utcoffset()
    profile: JSON = {"real_name": real_name, "display_name": name}
    if email is not None:
        profile["email"] = email
    return {
        "id": user_id, "team_id": team_id, "name": name,
        "real_name": real_name, "tz": tz, "tz_label": now.tzname(),
        "tz_offset": int(offset.total_seconds()) if offset else 0, "deleted": deleted,
        "is_bot": is_bot, "is_app_user": False, "is_admin": is_admin, "is_owner": is_owner,
        "is_primary_owner": False, "is_restricted": is_restricted,
        "is_ultra_restricted": is_ultra_restricted, "profile": profile, "locale": locale,
    }  # fmt: skip


def channel_record(
    channel_id: str, *, team_id: str, name: str, is_private: bool, is_ext_shared: bool
) -> JSON:
    """A channel as conversations.info answers it; a Slack Connect one has is_ext_shared."""
    return {
        "id": channel_id, "name": name, "is_channel": not is_private, "is_group": is_private,
        "is_im": False, "is_private": is_private, "is_archived": False, "is_general": False,
        "is_shared": is_ext_shared, "is_ext_shared": is_ext_shared, "is_org_shared": False,
        "is_pending_ext_shared": False, "is_member": True, "context_team_id": team_id,
    }  # fmt: skip


def full_members(users: dict[str, JSON], *, team_id: str, bot_user_id: str) -> list[str]:
    """A channel's members by default: Rapport, and every user of `team_id` in `users` who is
    neither a guest nor deactivated (bots included)."""
    return [bot_user_id] + [
        user["id"]
        for user in users.values()
        if user["team_id"] == team_id
        and not (user["is_restricted"] or user["is_ultra_restricted"] or user["deleted"])
    ]
