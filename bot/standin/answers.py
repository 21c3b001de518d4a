"""What the fake Web API answers a call that passed its checks, method by method.

`Answers` picks the answer for a method; each is a plain function of the state it needs, except
views.*, kept in `Views` (the modals and Home tabs the app opened, pushed, updated, published).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from collections.abc import Callable

from bot.standin.checks import JSON, decoded
from bot.standin.conversations import Conversations, Message
from bot.standin.records import full_members, user_record

VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")


class Answers:
    """The answers of one workspace's fake: its bot posts to `conversations`, and `next_id`
    numbers messages and views. `lock` is the fake's, guarding the views and the directory."""

    def __init__(
        self,
        lock: threading.Lock,
        conversations: Conversations,
        *,
        next_id: Callable[[], int],
        team_id: str,
        team_domain: str,
        bot_user_id: str,
        bot_id: str,
    ) -> None:
        self._lock, self._conversations, self._next_id = lock, conversations, next_id
        self._team_id, self._team_domain = team_id, team_domain
        self._bot_user_id, self._bot_id = bot_user_id, bot_id
        self.views = Views(lock)
        self.clock: Callable[[], float] | None = None  # seconds since the epoch; see FakeSlack
        self.clear()

    def ts(self) -> str:
        """A new message ts: numbered, or at the injected clock's time when one is set."""
        n = self._next_id()
        if self.clock is not None:
            return f"{int(self.clock())}.{n % 1_000_000:06d}"
        return ts_of(n)

    def clear(self) -> None:
        """Forget every view and channel's members; the caller holds the lock."""
        self.views.clear()
        self._members: dict[str, list[str]] = {}

    def set_members(
        self, channel_id: str, members: list[str] | None, *, users: dict[str, JSON]
    ) -> None:
        """Who conversations.members lists in `channel_id`: `members`, or by default Rapport and
        the full members and bots among `users`; the caller holds the lock."""
        if members is None:
            members = full_members(users, team_id=self._team_id, bot_user_id=self._bot_user_id)
        self._members[channel_id] = list(members)

    @property
    def members(self) -> dict[str, list[str]]:
        """Each channel's members as conversations.members lists them."""
        return self._members

    def answer(
        self, method: str, args: JSON, *, users: dict[str, JSON], channels: dict[str, JSON]
    ) -> JSON:
        """The answer to a checked, authorized call; `users` and `channels` are the directory."""
        channel = str(args.get("channel", ""))
        if channel[:1] in ("U", "W"):  # posting to a user id opens (or reuses) the DM
            channel = "D" + channel[1:]
        if method == "auth.test":
            return auth_test(
                team_id=self._team_id, team_domain=self._team_domain,
                bot_user_id=self._bot_user_id, bot_id=self._bot_id,
            )  # fmt: skip
        if method.startswith("chat."):
            return chat(
                method, channel, args, conversations=self._conversations, ts=self.ts,
                bot_user_id=self._bot_user_id, bot_id=self._bot_id, team_domain=self._team_domain,
            )  # fmt: skip
        if method == "conversations.history":
            return history(self._conversations, channel, args)
        if method in VIEW_METHODS:
            view = self.views.show(
                method, args, next_id=self._next_id, team_id=self._team_id, bot_id=self._bot_id
            )
            return {"ok": True, "view": view}
        if method == "users.info" and args.get("user") == self._bot_user_id:
            return {"ok": True, "user": with_locale(self.bot_user(), args)}
        with self._lock:
            return directory(
                method, channel, args, users=users, channels=channels, channel_members=self._members
            )

    def bot_user(self) -> JSON:
        """Rapport's own bot user, as users.info answers it (real Slack knows its app's bot)."""
        return user_record(
            self._bot_user_id, team_id=self._team_id, name="rapport", real_name="Rapport",
            tz="America/Los_Angeles", is_admin=False, is_owner=False, is_restricted=False,
            is_ultra_restricted=False, is_bot=True, deleted=False, email=None,
        )  # fmt: skip


def ts_of(n: int) -> str:
    """The message ts of the fake's `n`th id: unique, increasing, shaped like Slack's."""
    return f"{1700000600 + n - 1}.{n * 100:06d}"


def error(error: str) -> JSON:
    return {"ok": False, "error": error}


def auth_test(*, team_id: str, team_domain: str, bot_user_id: str, bot_id: str) -> JSON:
    return {
        "ok": True, "url": f"https://{team_domain}.slack.com/",
        "team": team_domain.title(), "user": "rapport", "team_id": team_id,
        "user_id": bot_user_id, "bot_id": bot_id, "is_enterprise_install": False,
    }  # fmt: skip


def directory(
    method: str,
    channel: str,
    args: JSON,
    *,
    users: dict[str, JSON],
    channels: dict[str, JSON],
    channel_members: dict[str, list[str]],
) -> JSON:
    """users.info, users.lookupByEmail, users.list, conversations.info, conversations.members,
    conversations.open (and any other method: plain ok), with the directory's lock held."""
    if method == "users.info":
        user = users.get(str(args["user"]))
        return {"ok": True, "user": with_locale(user, args)} if user else error("user_not_found")
    if method == "users.lookupByEmail":  # Slack matches the address whatever its case
        wanted = str(args.get("email", "")).strip().lower()
        for user in users.values():
            if str((user.get("profile") or {}).get("email", "")).lower() == wanted:
                return {"ok": True, "user": user}
        return error("users_not_found")
    if method == "conversations.info":
        found = channels.get(channel)
        return {"ok": True, "channel": found} if found else error("channel_not_found")
    if method == "conversations.members":
        return members_page(channel_members.get(channel), args)
    if method == "users.list":
        members = [with_locale(user, args) for user in users.values()]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}
    if method == "conversations.open":  # a DM's id derives from its user; a group DM's too
        ids = sorted(str(args.get("users", "")).split(","))
        digest = hashlib.sha1(",".join(ids).encode()).hexdigest()[:8].upper()
        dm = "D" + ids[0][1:] if len(ids) == 1 else "G" + digest
        return {"ok": True, "channel": {"id": args.get("channel") or dm}}
    return {"ok": True}


def with_locale(user: JSON, args: JSON) -> JSON:
    """Slack includes a user's `locale` only when the call asks with include_locale=true (the
    SDK sends it as "1")."""
    if str(args.get("include_locale", "")).lower() in ("1", "true"):
        return user
    return {key: value for key, value in user.items() if key != "locale"}


def members_page(members: list[str] | None, args: JSON) -> JSON:
    """One page of conversations.members: `limit` ids (100 unless given, at most 1,000) from the
    opaque `cursor` on; an empty next_cursor ends it. An unknown channel is channel_not_found
    (as real Slack answers for a private channel the bot isn't in)."""
    if members is None:
        return error("channel_not_found")
    limit = min(int(args.get("limit") or 0) or 100, 1000)
    cursor = str(args.get("cursor") or "")
    try:
        start = int(base64.b64decode(cursor).decode().removeprefix("members:")) if cursor else 0
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return error("invalid_cursor")
    end = start + limit
    following = base64.b64encode(f"members:{end}".encode()).decode() if end < len(members) else ""
    page = members[start:end]
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": following}}


def chat(
    method: str,
    channel: str,
    args: JSON,
    *,
    conversations: Conversations,
    ts: Callable[[], str],
    bot_user_id: str,
    bot_id: str,
    team_domain: str,
) -> JSON:
    """chat.*: what it does to `conversations` and what Slack answers; `ts` hands out new ts."""
    body: JSON = {"ok": True}
    content = {"text": args.get("text", ""), "blocks": decoded(args.get("blocks", []))}
    if "metadata" in args:
        content["metadata"] = decoded(args["metadata"])
    if method == "chat.postMessage":
        posted_ts = ts()
        thread_ts = args.get("thread_ts") or None
        posted = conversations.add(
            Message(channel, posted_ts, **content, user=bot_user_id, bot_id=bot_id,
                    thread_ts=thread_ts)
        )  # fmt: skip
        message = posted.to_dict(with_metadata=True)  # Slack echoes what was posted
        if "blocks" not in args:
            del message["blocks"]
        body |= {"channel": channel, "ts": posted_ts, "message": message}
    elif method == "chat.postEphemeral":
        content.pop("metadata", None)
        posted_ts = ts()
        conversations.add(
            Message(channel, posted_ts, **content, user=bot_user_id, bot_id=bot_id,
                    thread_ts=args.get("thread_ts") or None, ephemeral_to=str(args["user"]),
                    via=method)
        )  # fmt: skip
        body["message_ts"] = posted_ts
    elif method == "chat.update":
        # Real Slack answers message_not_found for a ts it never saw; the app's tests click
        # recorded payloads with made-up ts values, so an unknown one is answered ok here.
        changes = {k: v for k, v in content.items() if k in args}
        conversations.update(channel, str(args["ts"]), **changes)
        message = {"type": "message", "text": content["text"]}
        if "blocks" in args:
            message["blocks"] = content["blocks"]
        body |= {"channel": channel, "ts": args["ts"], "text": content["text"]}
        body["message"] = message
    elif method == "chat.delete":
        conversations.delete(channel, str(args["ts"]))
        body |= {"channel": channel, "ts": args["ts"]}
    elif method == "chat.getPermalink":
        plain_ts = str(args["message_ts"]).replace(".", "")
        permalink = f"https://{team_domain}.slack.com/archives/{channel}/p{plain_ts}"
        body |= {"channel": channel, "permalink": permalink}
    return body


def history(conversations: Conversations, channel: str, args: JSON) -> JSON:
    """conversations.history: a channel's messages (not thread replies, not ephemerals), newest
    first, after `oldest` and up to `latest` (each exclusive unless `inclusive`), `limit` a
    page (100 unless given, at most 999) and an opaque cursor; message metadata only with
    include_all_metadata, as Slack does."""
    inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
    oldest, latest = _ts_arg(args.get("oldest"), 0.0), _ts_arg(args.get("latest"), float("inf"))
    with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
    found = [
        m for m in reversed(conversations.messages(channel))
        if m.ephemeral_to is None and m.thread_ts in (None, m.ts)
        and (oldest <= float(m.ts) <= latest if inclusive else oldest < float(m.ts) < latest)
    ]  # fmt: skip
    limit = min(int(args.get("limit") or 0) or 100, 999)
    cursor = str(args.get("cursor") or "")
    try:
        start = int(base64.b64decode(cursor).decode().removeprefix("history:")) if cursor else 0
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return error("invalid_cursor")
    page, more = found[start : start + limit], start + limit < len(found)
    following = base64.b64encode(f"history:{start + limit}".encode()).decode() if more else ""
    return {
        "ok": True, "messages": [m.to_dict(with_metadata=with_metadata) for m in page],
        "has_more": more, "response_metadata": {"next_cursor": following},
    }  # fmt: skip


def _ts_arg(value: object, default: float) -> float:
    try:
        return float(str(value)) if value not in (None, "") else default
    except ValueError:
        return default


class Views:
    """The latest content of each view id, each user's Home view and each modal's stack root,
    guarded by the lock it is given (the fake's, so a reset clears it with everything else)."""

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self.clear()

    def clear(self) -> None:
        """Forget every view; the caller holds the lock (or no other thread can see this yet)."""
        self._views: dict[str, JSON] = {}
        self._home_views: dict[str, str] = {}
        self._view_roots: dict[str, str] = {}
        self._external_ids: dict[str, str] = {}
        self._last_opened: str | None = None
        self._top: str | None = None  # the modal on top of the stack: opened or pushed last

    def get(self, view_id: str) -> JSON | None:
        with self._lock:
            return self._views.get(view_id)

    def home(self, user_id: str) -> JSON | None:
        with self._lock:
            view_id = self._home_views.get(user_id)
            return self._views.get(view_id) if view_id else None

    def top_modal(self) -> JSON | None:
        """The latest content of the modal opened or pushed last (the console's open form)."""
        with self._lock:
            return self._views.get(self._top) if self._top else None

    def show(
        self, method: str, args: JSON, *, next_id: Callable[[], int], team_id: str, bot_id: str
    ) -> JSON:
        """What views.open / update / push / publish shows, kept as the view's latest content
        and answered as Slack answers it; `next_id` numbers the view."""
        view = decoded(args["view"])
        n = next_id()
        new_id = f"V{n:08d}"
        external_id = view.get("external_id") or args.get("external_id")
        with self._lock:
            if method == "views.update":
                view_id = args.get("view_id") or self._external_ids.get(external_id or "", new_id)
            elif method == "views.publish":
                view_id = self._home_views.setdefault(str(args["user_id"]), new_id)
            else:
                view_id = new_id
            if external_id:
                self._external_ids[external_id] = view_id
            if method == "views.push":  # pushed onto the most recently opened modal's stack
                self._view_roots[view_id] = self._last_opened or view_id
            root = self._view_roots.setdefault(view_id, view_id)
            if method == "views.open":
                self._last_opened = view_id
            if method in ("views.open", "views.push"):
                self._top = view_id
            echoed = ("title", "submit", "close", "blocks", "private_metadata", "external_id",
                      "clear_on_close", "notify_on_close")  # fmt: skip
            shown = {
                "id": view_id, "team_id": team_id, "type": view.get("type"),
                "callback_id": view.get("callback_id", ""), "hash": f"{1700000600 + n}.h{n:06d}",
                "root_view_id": root, "previous_view_id": None, "app_id": "A0RAPPORT",
                "bot_id": bot_id, "state": {"values": {}},
            } | {key: view[key] for key in echoed if key in view}  # fmt: skip
            self._views[view_id] = shown
        return shown
