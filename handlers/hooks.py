"""Answers posted to Slack's response_urls over kept-alive connections.

slack_sdk's WebhookClient opens a new connection (and, to hooks.slack.com, a new TLS session) for
every post; a click's answer, a late command's and every page turned go this way. Here one
httpx client per process keeps its connections to Slack open between posts, with the retries
WebhookClient had: a 429 after its Retry-After, a 5xx or a dropped connection, twice.
"""

import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

RETRIES = 2
TIMEOUT_SECONDS = 10.0  # WebhookClient's was 30: an answer this late is not worth the thread
MAX_RETRY_AFTER_SECONDS = 5.0  # a background post waits this long at most for its turn
BACKOFF_SECONDS = 0.25  # before the first retry of a 5xx or a dropped connection; doubled next
_RETRIED = frozenset({429, 500, 502, 503, 504})
# A connection refused, reset, or closed before an answer (a kept-alive one Slack let go): tried
# again. A timeout is not: Slack may have posted the answer, and a second would show twice.
_DROPPED = (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class Answered:
    status_code: int
    body: str


_client: tuple[int, httpx.Client] | None = None  # (pid, client): a forked worker makes its own
_lock = threading.Lock()


def client() -> httpx.Client:
    """This process's client (proxies from the environment, as WebhookClient's)."""
    global _client
    with _lock:
        if _client is None or _client[0] != os.getpid():
            limits = httpx.Limits(max_keepalive_connections=16, keepalive_expiry=30.0)
            _client = (os.getpid(), httpx.Client(timeout=TIMEOUT_SECONDS, limits=limits))
        return _client[1]


def post(url: str, message: dict[str, Any]) -> Answered:
    """POST `message` as JSON to a response_url; what Slack answered at the last try. A
    connection dropped on every try, or a timeout, raises httpx.TransportError."""
    for attempt in range(RETRIES + 1):
        try:
            response = client().post(url, json=message)
        except _DROPPED:
            if attempt == RETRIES:
                raise
            time.sleep(BACKOFF_SECONDS * 2**attempt)
            continue
        if response.status_code not in _RETRIED or attempt == RETRIES:
            return Answered(response.status_code, response.text)
        if response.status_code == 429:
            time.sleep(_retry_after(response))
        else:
            time.sleep(BACKOFF_SECONDS * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _retry_after(response: httpx.Response) -> float:
    try:
        asked = float(response.headers.get("Retry-After", "1"))
    except ValueError:
        asked = 1.0
    return min(max(asked, 0.0), MAX_RETRY_AFTER_SECONDS)
