"""A fake Slack Web API on loopback: records calls, answers like Slack, keeps the conversations.

Point the app's ``WebClient(base_url=fake.api_url)`` at it and put ``fake.response_url(...)``
values in the payloads it receives. Every Web API call and every response_url post is recorded,
answered the way real Slack answers, and checked (`checks`): anything real Slack would reject
lands in ``violations``. What the app posts is kept per conversation (``messages(channel)``), the
last view of each id and each user's Home tab too, so a console can show what Slack would show.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.standin import checks, files, loopback, spec
from bot.standin.answers import Answers
from bot.standin.checks import JSON
from bot.standin.conversations import Conversations, Message
from bot.standin.files import Files, Upload
from bot.standin.records import Call, Hook, Origin, Script, Scripts, channel_record, user_record
from bot.standin.response_urls import ResponseUrls

HOOKS = "(response_url)"  # the scripts' key for response_url posts
SCOPES = (
    "commands,chat:write,users:read,app_mentions:read,im:history,im:write,channels:read,"
    "groups:read,files:write"
)


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
        self._scripts = Scripts(self._lock)
        self._answers = Answers(
            self._lock, self.conversations, next_id=self.next_id, team_id=team_id,
            team_domain=team_domain, bot_user_id=bot_user_id, bot_id=bot_id,
        )  # fmt: skip
        self._response_urls = ResponseUrls(
            self._lock, self.conversations, ts=self._answers.ts, bot_user_id=bot_user_id,
            bot_id=bot_id,
        )  # fmt: skip
        self._files = Files(
            self._lock, self.conversations, next_id=self.next_id, ts=self._answers.ts,
            bot_user_id=bot_user_id,
        )  # fmt: skip
        self._clear_state()

    def _clear_state(self) -> None:
        self.users: dict[str, JSON] = {}
        self.channels: dict[str, JSON] = {}
        self.calls: list[Call] = []
        self.hooks: list[Hook] = []
        self.refused_hooks: list[str] = []
        self.violations: list[str] = []
        self._flaky: list[list[Any]] = []  # [every, status, methods, calls seen]
        self._answers.clock = None
        self._scripts.clear()
        self._response_urls.clear()
        self._answers.clear()
        self._files.clear()
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
        self._response_urls.add(url, Origin(channel, user, message_ts))
        return url

    def add_user(self, user_id: str, *, team_id: str | None = None, **profile: Any) -> JSON:
        """A person users.info knows; `profile` takes `records.user_record`'s keywords (name,
        real_name, tz, is_admin, is_owner, is_restricted, is_ultra_restricted, is_bot, deleted,
        email, locale)."""
        user = user_record(user_id, team_id=team_id or self.team_id, **profile)
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
        members: list[str] | None = None,
    ) -> JSON:
        """A channel conversations.info knows (is_ext_shared: Slack Connect) and its `members`,
        by default Rapport and the full members and bots added so far (conversations.members)."""
        channel = channel_record(
            channel_id, team_id=self.team_id, name=name, is_private=is_private,
            is_ext_shared=is_ext_shared,
        )  # fmt: skip
        with self._lock:
            self.channels[channel_id] = channel
            self._answers.set_members(channel_id, members, users=self.users)
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
        self._scripts.add(method, Script(error, status, retry_after, times, delay))

    def flaky(self, every: int, *, status: int, methods: tuple[str, ...] = ()) -> None:
        """Every `every`th call (to `methods`, or to any method but auth.test) fails with
        `status`: a 429 with Retry-After 1, else {"ok": false, "error": "fatal_error"}."""
        with self._lock:
            self._flaky.append([every, status, methods, 0])

    def use_clock(self, clock: Callable[[], float] | None) -> None:
        """New message ts at `clock()` (seconds since the epoch) rather than numbered from 2023:
        for conversations.history's oldest/latest against the app's (injected) time."""
        self._answers.clock = clock

    def slow(self, method: str, delay: float, *, times: int = 1) -> None:
        """The next `times` calls to `method` succeed as usual, but only after `delay` seconds."""
        self._scripts.add(method, Script(None, 200, None, times, delay))

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
            self._response_urls.deliver(response_url, shown, via="ack")

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

    def files_in(self, channel: str) -> list[Upload]:
        """The files shared into `channel` through the external upload, oldest first."""
        return self._files.shared_in(channel)

    def view(self, view_id: str) -> JSON | None:
        """The latest content of a modal or Home view, as last opened, pushed or updated."""
        return self._answers.views.get(view_id)

    def home(self, user_id: str) -> JSON | None:
        """The Home tab last published for `user_id`."""
        return self._answers.views.home(user_id)

    def top_modal(self) -> JSON | None:
        """The modal opened or pushed last, as last updated."""
        return self._answers.views.top_modal()

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

    def handle_api(
        self, method: str, args: JSON, content_type: str, authorization: str | None
    ) -> tuple[int, JSON, dict[str, str]]:
        """Record one Web API call; return (HTTP status, JSON answer, extra headers)."""
        with self._lock:
            self.calls.append(Call(method, args, content_type, authorization))
        if self.check_spec and not checks.known_method(method):
            self.record_violation(f"{method}: no such Web API method (not in Slack's OpenAPI spec)")
            return 200, {"ok": False, "error": "unknown_method"}, {}
        error, messages = checks.call_problems(method, args, use_spec=self.check_spec)
        if messages:
            self.record_violation(f"{method}: " + "; ".join(messages) + f" (args: {sorted(args)})")
        if (flaked := self._flake(method)) is not None:
            return flaked
        script = self._scripts.take(method)  # a scripted answer wins; the call was still checked
        if script is not None and (scripted := script.play()) is not None:
            return scripted
        if not authorization or not authorization.startswith("Bearer "):
            return 200, {"ok": False, "error": "not_authed"}, {}
        if not authorization.startswith("Bearer xoxb-"):
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if error is not None:
            detail = {"messages": [f"[ERROR] {message}" for message in messages]}
            return 200, {"ok": False, "error": error, "response_metadata": detail}, {}
        if method in files.METHODS:
            members = self._answers.members
            return 200, self._files.answer(method, args, base_url=self.url, members=members), {}
        body = self._answers.answer(method, args, users=self.users, channels=self.channels)
        return 200, body, {"x-oauth-scopes": self.scopes} if method == "auth.test" else {}

    def handle_upload(self, path: str, raw: bytes) -> tuple[int, str]:
        """The bytes of a file, POSTed to an upload_url files.getUploadURLExternal handed out."""
        status, text, problem = self._files.receive(path, raw)
        if problem:
            self.record_violation(problem)
        return status, text

    def _flake(self, method: str) -> tuple[int, JSON, dict[str, str]] | None:
        with self._lock:
            for rule in self._flaky:
                every, status, methods, _ = rule
                if (methods and method not in methods) or (not methods and method == "auth.test"):
                    continue
                rule[3] += 1
                if rule[3] % every == 0:
                    if status == 429:
                        return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
                    return status, {"ok": False, "error": "fatal_error"}, {}
        return None

    # -- answering response_url posts -------------------------------------------------------

    def fail_response_urls(self, *, status: int = 500, times: int = 1) -> None:
        """The next `times` response_url posts (any url) are refused with `status`; their urls go
        to `refused_hooks`, not `hooks`."""
        self._scripts.add(HOOKS, Script("refused", status, None, times, 0.0))

    def handle_hook(self, path: str, raw: bytes, content_type: str) -> tuple[int, str]:
        """Record one response_url post; return (HTTP status, plain-text answer)."""
        url = self.url.rstrip("/") + path
        if (script := self._scripts.take(HOOKS)) is not None:
            with self._lock:
                self.refused_hooks.append(url)
            return script.status, "refused"
        return self._response_urls.handle(
            path, url, raw, content_type, hooks=self.hooks, violation=self.record_violation
        )
