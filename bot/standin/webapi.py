"""A fake Slack Web API on loopback: records calls, answers like Slack, keeps the conversations.

Point the app's ``WebClient(base_url=fake.api_url)`` at it and put ``fake.response_url(...)``
values in the payloads it receives. Every Web API call and every response_url post is recorded,
answered the way real Slack answers, and checked (`checks`): anything real Slack would reject
lands in ``violations``. What the app posts is kept per conversation (``messages(channel)``), the
last view of each id and each user's Home tab too, so a console can show what Slack would show.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.standin import checks, loopback, spec
from bot.standin.checks import CONTENT, JSON, decoded
from bot.standin.conversations import Conversations, Message

SCOPES = "commands,chat:write,users:read,app_mentions:read,im:history,channels:read,groups:read"


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
class _Script:
    error: str | None  # None: answer normally, only later (a slow Slack)
    status: int
    retry_after: int | None
    times: int
    delay: float


@dataclass
class _Origin:
    """Where a response_url answers: the conversation, who acted, and the message acted on."""

    channel: str | None
    user: str | None
    ts: str | None  # the "original" that replace_original / delete_original mean


class FakeSlack:
    """Slack's Web API for one workspace. `check_spec=False` skips the OpenAPI spec's checks
    (unknown methods and the spec's required arguments); Slack's own limits are always checked."""

    scopes = SCOPES

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_domain: str = "acme",
        bot_user_id: str = "U0CRMBOT1",
        bot_id: str = "B0CRMBOT1",
        check_spec: bool = True,
    ) -> None:
        if check_spec:
            spec.required_args()  # fail early and clearly if the shipped spec is unreadable
        self.check_spec = check_spec
        self.team_id, self.team_domain = team_id, team_domain
        self.bot_user_id, self.bot_id = bot_user_id, bot_id
        self.conversations = Conversations()
        self._lock = threading.Lock()
        self._counter = 0
        self._server: loopback.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = self.api_url = ""
        self._clear_state()

    def _clear_state(self) -> None:
        self.users: dict[str, JSON] = {}
        self.channels: dict[str, JSON] = {}
        self.calls: list[Call] = []
        self.hooks: list[Hook] = []
        self.violations: list[str] = []
        self._scripts: dict[str, list[_Script]] = {}
        self._origins: dict[str, _Origin] = {}
        self._views: dict[str, JSON] = {}
        self._home_views: dict[str, str] = {}
        self._view_roots: dict[str, str] = {}
        self._external_ids: dict[str, str] = {}
        self._last_opened: str | None = None
        self.conversations.clear()

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._server, self._thread = loopback.serve(self)
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        self.api_url = self.url + "api/"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget everything: calls, hooks, violations, scripts, users, channels, views and
        messages. Ids keep counting, so a late call from before can't pass for a new one."""
        with self._lock:
            self._clear_state()

    # -- setting the scene ------------------------------------------------------------------

    def next_id(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def response_url(
        self,
        name: str = "cmd",
        *,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """A response_url this fake serves; posts to it become messages of `channel`, seen by
        `user` unless in_channel, and `message_ts` is the original they may replace."""
        url = f"{self.url}hooks/{name}-{self.next_id()}"
        with self._lock:
            self._origins[url] = _Origin(channel, user, message_ts)
        return url

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "America/New_York",
        team_id: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
    ) -> JSON:
        name = name or user_id.lower()
        real_name = real_name if real_name is not None else name
        now = datetime.now(ZoneInfo(tz))
        offset = now.utcoffset()
        profile: JSON = {"real_name": real_name, "display_name": name}
        if email is not None:
            profile["email"] = email
        user: JSON = {
            "id": user_id, "team_id": team_id or self.team_id, "name": name,
            "real_name": real_name, "tz": tz, "tz_label": now.tzname(),
            "tz_offset": int(offset.total_seconds()) if offset else 0, "deleted": deleted,
            "is_bot": is_bot, "is_app_user": False, "is_admin": is_admin, "is_owner": is_owner,
            "is_primary_owner": False, "is_restricted": is_restricted,
            "is_ultra_restricted": is_ultra_restricted, "profile": profile,
        }  # fmt: skip
        with self._lock:
            self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str = "sales",
        is_private: bool = False,
        is_ext_shared: bool = False,
    ) -> JSON:
        """A channel conversations.info knows; a Slack Connect one has is_ext_shared."""
        channel = {
            "id": channel_id, "name": name, "is_channel": not is_private, "is_group": is_private,
            "is_im": False, "is_private": is_private, "is_archived": False, "is_general": False,
            "is_shared": is_ext_shared, "is_ext_shared": is_ext_shared, "is_org_shared": False,
            "is_pending_ext_shared": False, "is_member": True, "context_team_id": self.team_id,
        }  # fmt: skip
        with self._lock:
            self.channels[channel_id] = channel
        return channel

    def fail(
        self,
        method: str,
        *,
        error: str = "fatal_error",
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """The next `times` calls to `method` answer {"ok": false, "error": error} with `status`.

        A 429 carries Retry-After (1 unless given) and error "ratelimited" unless one is given.
        """
        if status == 429:
            error = "ratelimited" if error == "fatal_error" else error
            retry_after = 1 if retry_after is None else retry_after
        with self._lock:
            self._scripts.setdefault(method, []).append(
                _Script(error, status, retry_after, times, delay)
            )

    def slow(self, method: str, delay: float, *, times: int = 1) -> None:
        """The next `times` calls to `method` succeed as usual, but only after `delay` seconds."""
        with self._lock:
            self._scripts.setdefault(method, []).append(_Script(None, 200, None, times, delay))

    def show_ack(self, response_url: str, status: int, content_type: str, body: str) -> None:
        """A command's ack body is its first answer: Slack shows it (ephemeral unless in_channel)
        in the command's conversation, and later replace_original posts replace it."""
        if status != 200 or not body:
            return
        shown: JSON = {"text": body}
        if "json" in content_type:
            parsed = json.loads(body)
            shown = parsed if isinstance(parsed, dict) else {"text": body}
        if checks.present(shown.get("text")) or checks.present(shown.get("blocks")):
            self._deliver(response_url, shown, via="ack")

    # -- inspection -------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def hooks_to(self, response_url: str) -> list[Hook]:
        with self._lock:
            return [hook for hook in self.hooks if hook.url == response_url]

    def messages(self, channel: str, *, visible_to: str | None = None) -> list[Message]:
        """A conversation as Slack shows it, oldest first (ephemerals only to their user)."""
        return self.conversations.messages(channel, visible_to=visible_to)

    def message(self, channel: str, ts: str) -> Message | None:
        return self.conversations.get(channel, ts)

    def view(self, view_id: str) -> JSON | None:
        """The latest content of a modal or Home view, as last opened, pushed or updated."""
        with self._lock:
            return self._views.get(view_id)

    def home(self, user_id: str) -> JSON | None:
        """The Home tab last published for `user_id`."""
        with self._lock:
            view_id = self._home_views.get(user_id)
            return self._views.get(view_id) if view_id else None

    def wait_for(self, method: str, count: int = 1, timeout: float = 3.0) -> list[Call]:
        """Poll until at least `count` calls to `method` arrived; return all of them."""
        deadline = time.monotonic() + timeout
        while len(found := self.calls_to(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} call(s) to {method} within {timeout}s, got {len(found)}; "
                    + self._seen()
                )
            time.sleep(0.01)
        return found

    def wait_for_hook(self, response_url: str, count: int = 1, timeout: float = 3.0) -> list[Hook]:
        """Poll until at least `count` posts to `response_url` arrived; return all of them."""
        deadline = time.monotonic() + timeout
        while len(found := self.hooks_to(response_url)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} post(s) to {response_url} within {timeout}s, got "
                    f"{len(found)}; " + self._seen()
                )
            time.sleep(0.01)
        return found

    def _seen(self) -> str:
        with self._lock:
            calls = [call.method for call in self.calls]
            hooks = [hook.path for hook in self.hooks]
            problems = list(self.violations)
        return f"API calls: {calls or 'none'}; hooks: {hooks or 'none'}; violations: " + (
            "\n".join(problems) or "none"
        )

    # -- answering the Web API --------------------------------------------------------------

    def record_violation(self, text: str) -> None:
        with self._lock:
            self.violations.append(text)

    def _take_script(self, method: str) -> _Script | None:
        with self._lock:
            queue = self._scripts.get(method)
            if not queue:
                return None
            script = queue[0]
            script.times -= 1
            if script.times <= 0:
                queue.pop(0)
            return script

    def handle_api(
        self, method: str, args: JSON, content_type: str, authorization: str | None
    ) -> tuple[int, JSON, dict[str, str]]:
        """Record one Web API call; return (HTTP status, JSON answer, extra headers)."""
        with self._lock:
            self.calls.append(Call(method, args, content_type, authorization))
        if self.check_spec and not checks.known_method(method):
            self.record_violation(f"{method}: no such Web API method (not in Slack's OpenAPI spec)")
            return 200, {"ok": False, "error": "unknown_method"}, {}
        error, messages = self._check(method, args)
        if messages:
            self.record_violation(f"{method}: " + "; ".join(messages) + f" (args: {sorted(args)})")
        script = self._take_script(method)  # a scripted answer wins, but the call was still checked
        if script is not None:
            time.sleep(script.delay)
            if script.error is not None:
                headers = {}
                if script.retry_after is not None:
                    headers["Retry-After"] = str(script.retry_after)
                return script.status, {"ok": False, "error": script.error}, headers
        if not authorization or not authorization.startswith("Bearer "):
            return 200, {"ok": False, "error": "not_authed"}, {}
        if not authorization.startswith("Bearer xoxb-"):
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if error is not None:
            detail = {"messages": [f"[ERROR] {message}" for message in messages]}
            return 200, {"ok": False, "error": error, "response_metadata": detail}, {}
        return self._answer(method, args)

    def _check(self, method: str, args: JSON) -> tuple[str | None, list[str]]:
        """(the error Slack would answer, or None; every problem found)."""
        missing = checks.missing_groups(method, args, use_spec=self.check_spec)
        messages = [f"missing required argument {' or '.join(group)}" for group in missing]
        error = None
        if missing:
            error = "no_text" if missing[0] == CONTENT else "invalid_arguments"
        if method.startswith("chat.") and (content := checks.message_problems(args)):
            messages += content
            if error is None:
                error = "msg_too_long" if content[-1].startswith("text is") else "invalid_blocks"
        view = checks.view_problems(args["view"]) if method.startswith("views.") else []
        if "view" in args and view:
            messages += view
            error = error or "invalid_arguments"
        return error, messages

    def _ts(self) -> str:
        n = self.next_id()
        return f"{1700000600 + n - 1}.{n * 100:06d}"

    def _answer(self, method: str, args: JSON) -> tuple[int, JSON, dict[str, str]]:
        channel = str(args.get("channel", ""))
        if channel[:1] in ("U", "W"):  # posting to a user id opens (or reuses) the DM
            channel = "D" + channel[1:]
        if method == "auth.test":
            return 200, self._auth_test(), {"x-oauth-scopes": self.scopes}
        if method.startswith("chat."):
            return 200, self._chat(method, channel, args), {}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            return 200, {"ok": True, "view": self._view(method, args)}, {}
        return 200, self._directory(method, channel, args), {}

    def _auth_test(self) -> JSON:
        return {
            "ok": True, "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_domain.title(), "user": "rapport", "team_id": self.team_id,
            "user_id": self.bot_user_id, "bot_id": self.bot_id, "is_enterprise_install": False,
        }  # fmt: skip

    def _directory(self, method: str, channel: str, args: JSON) -> JSON:
        with self._lock:
            if method == "users.info":
                user = self.users.get(str(args["user"]))
                return {"ok": True, "user": user} if user else _error("user_not_found")
            if method == "conversations.info":
                found = self.channels.get(channel)
                return {"ok": True, "channel": found} if found else _error("channel_not_found")
            members = list(self.users.values())
        if method == "users.list":
            return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}
        if method == "conversations.open":  # a DM's id derives from its user; a group DM's too
            users = sorted(str(args.get("users", "")).split(","))
            digest = hashlib.sha1(",".join(users).encode()).hexdigest()[:8].upper()
            dm = "D" + users[0][1:] if len(users) == 1 else "G" + digest
            return {"ok": True, "channel": {"id": args.get("channel") or dm}}
        return {"ok": True}

    def _chat(self, method: str, channel: str, args: JSON) -> JSON:
        body: JSON = {"ok": True}
        content = {"text": args.get("text", ""), "blocks": decoded(args.get("blocks", []))}
        if method == "chat.postMessage":
            ts = self._ts()
            thread_ts = args.get("thread_ts") or None
            posted = self.conversations.add(
                Message(channel, ts, **content, user=self.bot_user_id, bot_id=self.bot_id,
                        thread_ts=thread_ts)
            )  # fmt: skip
            message = posted.to_dict()
            if "blocks" not in args:
                del message["blocks"]
            body |= {"channel": channel, "ts": ts, "message": message}
        elif method == "chat.postEphemeral":
            ts = self._ts()
            self.conversations.add(
                Message(channel, ts, **content, user=self.bot_user_id, bot_id=self.bot_id,
                        thread_ts=args.get("thread_ts") or None, ephemeral_to=str(args["user"]),
                        via=method)
            )  # fmt: skip
            body["message_ts"] = ts
        elif method == "chat.update":
            # Real Slack answers message_not_found for a ts it never saw; the app's tests click
            # recorded payloads with made-up ts values, so an unknown one is answered ok here.
            changes = {k: v for k, v in content.items() if k in args}
            self.conversations.update(channel, str(args["ts"]), **changes)
            message = {"type": "message", "text": content["text"]}
            if "blocks" in args:
                message["blocks"] = content["blocks"]
            body |= {"channel": channel, "ts": args["ts"], "text": content["text"]}
            body["message"] = message
        elif method == "chat.delete":
            self.conversations.delete(channel, str(args["ts"]))
            body |= {"channel": channel, "ts": args["ts"]}
        elif method == "chat.getPermalink":
            ts = str(args["message_ts"]).replace(".", "")
            permalink = f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts}"
            body |= {"channel": channel, "permalink": permalink}
        return body

    def _view(self, method: str, args: JSON) -> JSON:
        view = decoded(args["view"])
        n = self.next_id()
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
            echoed = ("title", "submit", "close", "blocks", "private_metadata", "external_id",
                      "clear_on_close", "notify_on_close")  # fmt: skip
            shown = {
                "id": view_id, "team_id": self.team_id, "type": view.get("type"),
                "callback_id": view.get("callback_id", ""), "hash": f"{1700000600 + n}.h{n:06d}",
                "root_view_id": root, "previous_view_id": None, "app_id": "A0RAPPORT",
                "bot_id": self.bot_id, "state": {"values": {}},
            } | {key: view[key] for key in echoed if key in view}  # fmt: skip
            self._views[view_id] = shown
        return shown

    # -- answering response_url posts -------------------------------------------------------

    def handle_hook(self, path: str, raw: bytes, content_type: str) -> tuple[int, str]:
        """Record one response_url post; return (HTTP status, plain-text answer)."""
        url = self.url.rstrip("/") + path
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            body = None
        recorded = body if isinstance(body, dict) else {"_raw": raw.decode(errors="replace")}
        with self._lock:
            self.hooks.append(Hook(path, url, recorded, content_type))
            uses = sum(1 for h in self.hooks if h.url == url)
        if problems := checks.response_url_problems(body, content_type, uses):
            self.record_violation(f"response_url {path}: " + "; ".join(problems))
            if problems[0].startswith("body is not"):
                return 400, "invalid_payload"
            return 400, "no_text" if problems[0] == "needs text or blocks" else "invalid_blocks"
        self._deliver(url, recorded, via="response_url")
        return 200, "ok"

    def _deliver(self, url: str, body: JSON, *, via: str) -> None:
        """What a response_url post (or a command's ack) does to its conversation."""
        with self._lock:
            origin = self._origins.get(url)
        if origin is None or origin.channel is None:
            return  # a response_url handed out without a conversation: recorded only
        if body.get("delete_original") is True:
            if origin.ts:
                self.conversations.delete(origin.channel, origin.ts)
            return
        content = {"text": body.get("text", ""), "blocks": decoded(body.get("blocks", []))}
        replace = body.get("replace_original") is True and origin.ts is not None
        if replace and self.conversations.update(
            origin.channel, origin.ts or "", **content, via=via
        ):
            return
        in_channel = body.get("response_type") == "in_channel"
        message = Message(
            origin.channel, self._ts(), **content, user=self.bot_user_id, bot_id=self.bot_id,
            thread_ts=body.get("thread_ts") or None,
            ephemeral_to=None if in_channel else origin.user, via=via,
        )  # fmt: skip
        self.conversations.add(message)
        with self._lock:
            if origin.ts is None:  # the first answer to a command is what replace_original means
                origin.ts = message.ts


def _error(error: str) -> JSON:
    return {"ok": False, "error": error}
