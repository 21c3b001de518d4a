"""A fake Slack Web API on loopback, for end-to-end tests.

Point the bot's ``WebClient(base_url=fake.api_url)`` at it and put ``fake.response_url()`` values in
the payloads it receives. Every Web API call and every response_url post is recorded, answered the
way real Slack answers (shared/SLACK-CONTRACT.md §4, §5), and checked against Slack's OpenAPI spec
plus the contract's stricter rules; anything real Slack would reject lands in ``violations``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

JSON = dict[str, Any]
SPEC_ENV = "RAPPORT_SLACK_SPEC"
MESSAGE_BLOCKS_MAX, VIEW_BLOCKS_MAX, VIEW_TEXT_MAX = 50, 100, 24
PRIVATE_METADATA_MAX, TEXT_MAX, RESPONSE_URL_USES = 3000, 40_000, 5
CONTENT = ("text", "blocks", "attachments", "markdown_text")

# SLACK-CONTRACT §4.2: rules the October 2020 spec is too permissive about. Each tuple is a group
# of alternatives, at least one of which must be present; they replace spec rules on the same args.
CONTRACT_REQUIRED: dict[str, list[tuple[str, ...]]] = {
    "chat.postMessage": [("channel",), CONTENT],
    "chat.postEphemeral": [("channel",), ("user",), CONTENT],
    "chat.update": [("channel",), ("ts",), CONTENT],
    "chat.delete": [("channel",), ("ts",)],
    "chat.getPermalink": [("channel",), ("message_ts",)],
    "conversations.open": [("users", "channel")],
    "views.open": [("view",), ("trigger_id", "interactivity_pointer")],
    "views.update": [("view",), ("view_id", "external_id")],
    "views.publish": [("user_id",), ("view",)],
    "views.push": [("view",), ("trigger_id", "interactivity_pointer")],
    "users.info": [("user",)],
}


def spec_path() -> Path:
    """Where the OpenAPI spec is read from: $RAPPORT_SLACK_SPEC, else <repo>/../shared/…"""
    if env := os.environ.get(SPEC_ENV):
        return Path(env)
    shared = Path(__file__).resolve().parents[1].parent / "shared"
    return shared / "slack-api-specs" / "slack_web_openapi_v2.json"


@functools.cache
def _load_spec(path: Path) -> dict[str, frozenset[str]]:
    if not path.is_file():
        raise FileNotFoundError(
            f"Slack's Web API OpenAPI spec was not found at {path}. FakeSlack expects "
            f"slack_web_openapi_v2.json (slackapi/slack-api-specs, web-api/) there, "
            f"or a path to it in ${SPEC_ENV}."
        )
    spec = json.loads(path.read_text(encoding="utf-8"))
    return {
        route.lstrip("/"): frozenset(
            param["name"]
            for op in ops.values()
            if isinstance(op, dict)
            for param in op.get("parameters", [])
            if param.get("required") and param.get("name") != "token"
        )
        for route, ops in spec["paths"].items()
    }


def spec_required_args() -> dict[str, frozenset[str]]:
    """Every method in the spec, mapped to the arguments it marks required (``token`` aside)."""
    return _load_spec(spec_path())


def required_groups(method: str) -> list[tuple[str, ...]]:
    """The spec's required args plus the contract's rules, as groups of alternatives."""
    groups = list(CONTRACT_REQUIRED.get(method, []))
    covered = {name for group in groups for name in group}
    extra = sorted(spec_required_args().get(method, frozenset()) - covered)
    return groups + [(name,) for name in extra]


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _decoded(value: Any) -> Any:
    """A blocks/view argument; form bodies carry it as a JSON string."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def block_problems(blocks: Any, limit: int) -> list[str]:
    """What Slack would reject in a blocks array, with slack_sdk's own validators run."""
    blocks = _decoded(blocks)
    if not isinstance(blocks, list):
        return [f"blocks must be a JSON array, got {type(blocks).__name__}"]
    problems = [f"{len(blocks)} blocks, at most {limit} allowed"] if len(blocks) > limit else []
    for index, raw in enumerate(blocks):
        try:
            block = Block.parse(raw) if isinstance(raw, dict) else None
            if block is None:
                problems.append(f"block {index} is not a known block: {str(raw)[:80]}")
            else:
                block.to_dict()
        except SlackObjectFormationError as error:
            problems.append(f"block {index} ({raw.get('type')}): {error}")
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            problems.append(f"block {index} is malformed: {error!r}")
    return problems


def view_problems(view: Any) -> list[str]:
    """What Slack would reject in a modal or Home tab view."""
    view = _decoded(view)
    if not isinstance(view, dict):
        return [f"view must be a JSON object, got {type(view).__name__}"]
    problems: list[str] = []
    if view.get("type") == "modal" and not view.get("title"):
        problems.append("a modal needs a title")
    for key in ("title", "submit", "close"):
        text = view.get(key)
        text = text.get("text", "") if isinstance(text, dict) else text
        if isinstance(text, str) and len(text) > VIEW_TEXT_MAX:
            problems.append(f"{key} is {len(text)} chars, at most {VIEW_TEXT_MAX} allowed")
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > PRIVATE_METADATA_MAX:
        problems.append(
            f"private_metadata is {len(metadata)} chars, at most {PRIVATE_METADATA_MAX}"
        )
    problems += block_problems(view.get("blocks", []), VIEW_BLOCKS_MAX)
    try:
        View(**view).validate_json()
    except SlackObjectFormationError as error:
        if not problems:
            problems.append(str(error))
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        problems.append(f"view is malformed: {error!r}")
    return problems


def message_problems(body: JSON) -> list[str]:
    """Block and text limits shared by chat.* calls and response_url posts."""
    problems = []
    if "blocks" in body:
        problems += block_problems(body["blocks"], MESSAGE_BLOCKS_MAX)
    text = body.get("text")
    if isinstance(text, str) and len(text) > TEXT_MAX:
        problems.append(f"text is {len(text)} chars, at most {TEXT_MAX}")
    return problems


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


class FakeSlack:
    scopes = "commands,chat:write,users:read,app_mentions:read,im:history,channels:read,groups:read"

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_domain: str = "acme",
        bot_user_id: str = "U0CRMBOT1",
        bot_id: str = "B0CRMBOT1",
    ) -> None:
        self.spec = spec_required_args()  # fail early and clearly if the spec is missing
        self.team_id, self.team_domain = team_id, team_domain
        self.bot_user_id, self.bot_id = bot_user_id, bot_id
        self.users: dict[str, JSON] = {}
        self.channels: dict[str, JSON] = {}
        self.calls: list[Call] = []
        self.hooks: list[Hook] = []
        self.violations: list[str] = []
        self._scripts: dict[str, list[_Script]] = {}
        self._lock = threading.Lock()
        self._counter = 0
        self._home_views: dict[str, str] = {}
        self._view_roots: dict[str, str] = {}
        self._external_ids: dict[str, str] = {}
        self._last_opened: str | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = self.api_url = ""

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        self.api_url = self.url + "api/"
        serve = functools.partial(self._server.serve_forever, poll_interval=0.02)
        self._thread = threading.Thread(target=serve, name="fakeslack", daemon=True)
        self._thread.start()
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

    # -- scripting --------------------------------------------------------------------------

    def _next(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.url}hooks/{name}-{self._next()}"

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

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.hooks.clear()
            self.violations.clear()
            self._scripts.clear()

    # -- inspection -------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def hooks_to(self, response_url: str) -> list[Hook]:
        with self._lock:
            return [hook for hook in self.hooks if hook.url == response_url]

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

    # -- answering --------------------------------------------------------------------------

    def _violation(self, text: str) -> None:
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
        if method not in self.spec:
            self._violation(f"{method}: no such Web API method (not in Slack's OpenAPI spec)")
            return 200, {"ok": False, "error": "unknown_method"}, {}
        error, messages = self._check(method, args)
        if messages:
            self._violation(f"{method}: " + "; ".join(messages) + f" (args: {sorted(args)})")
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
        missing = [g for g in required_groups(method) if not any(_present(args.get(a)) for a in g)]
        messages = [f"missing required argument {' or '.join(group)}" for group in missing]
        error = None
        if missing:
            error = "no_text" if missing[0] == CONTENT else "invalid_arguments"
        if method.startswith("chat.") and (content := message_problems(args)):
            messages += content
            if error is None:
                error = "msg_too_long" if content[-1].startswith("text is") else "invalid_blocks"
        if method.startswith("views.") and "view" in args and (view := view_problems(args["view"])):
            messages += view
            error = error or "invalid_arguments"
        return error, messages

    def _ts(self) -> str:
        n = self._next()
        return f"{1700000600 + n - 1}.{n * 100:06d}"

    def _answer(self, method: str, args: JSON) -> tuple[int, JSON, dict[str, str]]:
        channel = str(args.get("channel", ""))
        if channel[:1] in ("U", "W"):  # posting to a user id opens (or reuses) the DM
            channel = "D" + channel[1:]
        body: JSON = {"ok": True}
        if method == "auth.test":
            body |= {
                "url": f"https://{self.team_domain}.slack.com/", "team": self.team_domain.title(),
                "user": "rapport", "team_id": self.team_id, "user_id": self.bot_user_id,
                "bot_id": self.bot_id, "is_enterprise_install": False,
            }  # fmt: skip
            return 200, body, {"x-oauth-scopes": self.scopes}
        if method == "users.info":
            with self._lock:
                user = self.users.get(str(args["user"]))
            if user is None:
                return 200, {"ok": False, "error": "user_not_found"}, {}
            body["user"] = user
        elif method == "conversations.info":
            with self._lock:
                found = self.channels.get(channel)
            if found is None:
                return 200, {"ok": False, "error": "channel_not_found"}, {}
            body["channel"] = found
        elif method == "users.list":
            with self._lock:
                body["members"] = list(self.users.values())
            body["response_metadata"] = {"next_cursor": ""}
        elif method == "conversations.open":  # a DM's id derives from its user; a group DM's too
            users = sorted(str(args.get("users", "")).split(","))
            digest = hashlib.sha1(",".join(users).encode()).hexdigest()[:8].upper()
            dm = "D" + users[0][1:] if len(users) == 1 else "G" + digest
            body["channel"] = {"id": args.get("channel") or dm}
        elif method == "chat.postMessage":
            ts = self._ts()
            message = {"type": "message", "bot_id": self.bot_id, "user": self.bot_user_id, "ts": ts}
            message |= {k: _decoded(args[k]) for k in ("text", "blocks", "thread_ts") if k in args}
            body |= {"channel": channel, "ts": ts, "message": message}
        elif method == "chat.postEphemeral":
            body["message_ts"] = self._ts()
        elif method == "chat.update":
            message = {"type": "message", "text": args.get("text", "")}
            if "blocks" in args:
                message["blocks"] = _decoded(args["blocks"])
            body |= {"channel": channel, "ts": args["ts"], "text": message["text"]}
            body["message"] = message
        elif method == "chat.delete":
            body |= {"channel": channel, "ts": args["ts"]}
        elif method == "chat.getPermalink":
            ts = str(args["message_ts"]).replace(".", "")
            permalink = f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts}"
            body |= {"channel": channel, "permalink": permalink}
        elif method in ("views.open", "views.update", "views.push", "views.publish"):
            body["view"] = self._view(method, args)
        return 200, body, {}

    def _view(self, method: str, args: JSON) -> JSON:
        view = _decoded(args["view"])
        n = self._next()
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
        return {
            "id": view_id, "team_id": self.team_id, "type": view.get("type"),
            "callback_id": view.get("callback_id", ""), "hash": f"{1700000600 + n}.h{n:06d}",
            "root_view_id": root, "previous_view_id": None, "app_id": "A0RAPPORT",
            "bot_id": self.bot_id, "state": {"values": {}},
        } | {key: view[key] for key in echoed if key in view}  # fmt: skip

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
        if not isinstance(body, dict) or "json" not in content_type:
            self._violation(f"response_url {path}: body is not a JSON object ({content_type})")
            return 400, "invalid_payload"
        problems = message_problems(body)
        content = _present(body.get("text")) or _present(body.get("blocks"))
        if not content and not body.get("attachments") and body.get("delete_original") is not True:
            problems.insert(0, "needs text or blocks")
        if body.get("response_type", "ephemeral") not in ("ephemeral", "in_channel"):
            problems.append(f"response_type {body['response_type']!r} is not ephemeral/in_channel")
        if uses > RESPONSE_URL_USES:
            problems.append(f"post #{uses}; a response_url takes at most {RESPONSE_URL_USES}")
        if problems:
            self._violation(f"response_url {path}: " + "; ".join(problems))
            return 400, "no_text" if problems[0] == "needs text or blocks" else "invalid_blocks"
        return 200, "ok"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # bursts of concurrent calls must not be refused
    fake: FakeSlack


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # drop idle keep-alive connections eventually

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        fake = cast(_Server, self.server).fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get("Content-Type", "")
        parts = urllib.parse.urlsplit(self.path)
        if parts.path.startswith("/hooks/"):
            status, text = fake.handle_hook(parts.path, raw, content_type)
            return self._send(status, text.encode(), "text/plain; charset=utf-8", {})
        if not parts.path.startswith("/api/"):
            return self._send(404, b"not found", "text/plain; charset=utf-8", {})
        args: JSON = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        try:
            if "json" in content_type:
                body = json.loads(raw.decode("utf-8") or "{}")
                if not isinstance(body, dict):
                    raise ValueError("the JSON body is not an object")
                args |= body
            else:
                args |= dict(urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except ValueError as error:
            fake._violation(f"{parts.path}: unparseable body ({error}): {raw[:200]!r}")
            answer: JSON = {"ok": False, "error": "invalid_json"}
            return self._send(200, json.dumps(answer).encode(), "application/json", {})
        method = parts.path.removeprefix("/api/")
        auth = self.headers.get("Authorization")
        status, answer, headers = fake.handle_api(method, args, content_type, auth)
        self._send(status, json.dumps(answer).encode(), "application/json; charset=utf-8", headers)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
