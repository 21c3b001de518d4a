"""Slack's side of the wire: a request as Slack sends it, the app's answer, and Slack's encodings.

`*_request` encode a payload as Slack puts it on the wire, `signed` adds the v0 signature; a
`Transport` takes a request to the app (`bot.standin.http`, `bot.standin.inprocess`).
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.signature import SignatureVerifier

JSON = dict[str, Any]
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class SlackRequest:
    """One request as Slack sends it: the raw body (what gets signed) and its headers."""

    body: str
    headers: dict[str, str]


@dataclass(frozen=True)
class SlackResponse:
    """The app's answer to one request."""

    status_code: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


Transport = Callable[[SlackRequest], SlackResponse]


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers; Slack rejects (and Bolt 401s) a timestamp 300 s off."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None  # slack_sdk returns None only without a timestamp or body
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def signed(request: SlackRequest, secret: str, timestamp: int | None = None) -> SlackRequest:
    return SlackRequest(request.body, request.headers | sign(secret, request.body, timestamp))


def form_request(fields: dict[str, str]) -> SlackRequest:
    """A slash command: flat form fields."""
    return SlackRequest(urllib.parse.urlencode(fields), {"Content-Type": FORM})


def interactive_request(payload: JSON) -> SlackRequest:
    """Shortcuts, block actions, view submissions, suggestions: one form field of JSON."""
    return SlackRequest(
        "payload=" + urllib.parse.quote(json.dumps(payload)), {"Content-Type": FORM}
    )


def event_request(envelope: JSON, *, retry: int | None = None) -> SlackRequest:
    """An Events API delivery; a retry says so in headers (Slack retries after 3 s unanswered)."""
    headers = {"Content-Type": "application/json"}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return SlackRequest(json.dumps(envelope), headers)
