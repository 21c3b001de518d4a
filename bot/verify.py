"""The door of /slack/events: a request's size and Slack's v0 signature are checked on the raw
bytes, and its body parsed, before Bolt sees any of it.

Bolt 1.30 verifies too, and stays on, but it parses first and checks afterwards: a body that is
not UTF-8 or JSON raises before any check (a 500 and a traceback), and a timestamp that is not an
integer makes slack_sdk's SignatureVerifier raise `int(timestamp)` inside Bolt's middleware, which
hands the unverified body to the app's error handler. Here a request is read up to a limit,
verified (SLACK-CONTRACT §1: HMAC-SHA256 over `v0:{timestamp}:{body}`, a timestamp of digits
within 5 minutes, compared in constant time), and only then parsed, once, the way Bolt parses
it. Whatever fails is `Refused` with a status and a short fixed reason; no body is ever logged.
"""

import hashlib
import hmac
import re
import time
from typing import Any

from slack_bolt import BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest

# Slack's requests are a few KB; a view_submission carrying a full 100-block modal stays well
# under 1 MB. Beyond this nothing is read and the answer is 413.
MAX_BODY_BYTES = 1024 * 1024
MAX_SKEW_SECONDS = 5 * 60  # Slack's replay window; Bolt's check uses the same
DIGITS = re.compile(r"[0-9]{1,15}")  # int() would also take " 1", "+1", "1_0", Arabic digits
# Fields Slack always sends as objects (or null) and lists of objects; Bolt's request parsing
# and matchers index into them, so another shape would raise inside Bolt.
OBJECT_FIELDS = ("event", "team", "user", "channel", "view", "container", "message", "enterprise")
OBJECT_LIST_FIELDS = ("authorizations", "actions")


class Refused(Exception):
    """A request turned away at the door: its status and a reason for the log line."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def read_body(environ: dict[str, Any]) -> bytes:
    """The body, read only when its Content-Length is given, valid and within the limit."""
    declared = environ.get("CONTENT_LENGTH") or ""
    if not declared:
        raise Refused(411, "no content-length")  # Slack always sends one; chunked isn't Slack
    if not DIGITS.fullmatch(declared):
        raise Refused(413 if declared.isascii() and declared.isdigit() else 400, "bad length")
    length = int(declared)
    if length > MAX_BODY_BYTES:
        raise Refused(413, "body too large")
    body: bytes = environ["wsgi.input"].read(length)
    if len(body) != length:
        raise Refused(400, "body shorter than its content-length")
    return body


def check_signature(
    body: bytes, *, timestamp: str | None, signature: str | None, secret: str, now: float
) -> None:
    """Slack's v0 signature of `body`, or `Refused` (401)."""
    if not secret:
        raise Refused(401, "no signing secret configured")
    if timestamp is None or signature is None:
        raise Refused(401, "unsigned")
    if not DIGITS.fullmatch(timestamp):
        raise Refused(401, "timestamp is not an integer")
    if abs(int(now) - int(timestamp)) > MAX_SKEW_SECONDS:
        raise Refused(401, "timestamp out of window")
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = b"v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest().encode()
    # WSGI headers are latin-1 strings; bytes compare in constant time whatever they hold
    if not hmac.compare_digest(expected, signature.encode("latin-1", errors="replace")):
        raise Refused(401, "bad signature")


def verified_request(environ: dict[str, Any], secret: str) -> BoltRequest:
    """The request as Bolt takes it, once it is read, verified and parsed; else `Refused`."""
    body = read_body(environ)
    check_signature(
        body,
        timestamp=environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
        signature=environ.get("HTTP_X_SLACK_SIGNATURE"),
        secret=secret,
        now=time.time(),
    )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not utf-8") from None
    http = WsgiHttpRequest(environ)
    try:
        request = BoltRequest(body=text, query=http.query_string, headers=http.get_headers())
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        # json.JSONDecodeError is a ValueError; the others are Bolt reading a body of the
        # wrong shape (a JSON array, `"authorizations": [1]`), or JSON nested too deep
        raise Refused(400, "body is not a Slack payload") from None
    if not is_slack_shaped(request.body):
        raise Refused(400, "body is not a Slack payload")
    return request


def is_slack_shaped(body: object) -> bool:
    if not isinstance(body, dict):
        return False
    if any(not isinstance(body.get(key), dict | None) for key in OBJECT_FIELDS):
        return False
    return all(
        isinstance(items, list) and all(isinstance(item, dict) for item in items)
        for key in OBJECT_LIST_FIELDS
        if (items := body.get(key)) is not None
    )
