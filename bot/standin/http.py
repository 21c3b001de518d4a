"""Sending Slack's requests to a running app over HTTP, as Slack does (stdlib only).

No proxy is consulted: the app under test listens on loopback, and a CI proxy must not sit in
between (slack_sdk honours *_PROXY variables and ignores NO_PROXY; this transport reads neither).
"""

from __future__ import annotations

import http.client
import urllib.parse

from bot.standin.wire import SlackRequest, SlackResponse

EVENTS_PATH = "/slack/events"


class HttpTransport:
    """POSTs each request to `base_url` + /slack/events; one connection per request."""

    def __init__(self, base_url: str, *, path: str = EVENTS_PATH, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.path, self.timeout = path, timeout
        parts = urllib.parse.urlsplit(self.base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"HttpTransport needs an http:// URL, got {base_url!r}")
        self._host, self._port = parts.hostname, parts.port or 80

    def __call__(self, request: SlackRequest) -> SlackResponse:
        connection = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        try:
            connection.request(
                "POST", self.path, body=request.body.encode(), headers=request.headers
            )
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", errors="replace")
            headers = {name.lower(): value for name, value in answer.getheaders()}
            return SlackResponse(answer.status, text, headers)
        finally:
            connection.close()
