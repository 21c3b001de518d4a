"""Answers posted to Slack's response_urls over kept-alive connections.

slack_sdk's WebhookClient opens a new connection (and, to hooks.slack.com, a new TLS session) for
every post; a click's answer, a late command's and every page turned go this way. Here one
urllib3 pool per process keeps its connections to Slack open between posts (a connection Slack
closed meanwhile is noticed and replaced before use), with the retries WebhookClient had: a 429
after its Retry-After, a 5xx or a refused connection, twice. (httpx did the same at twice the
instructions per post; callgrind, in the issue notes.)
"""

import json
import os
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import urllib3

RETRIES = 2
TIMEOUT = urllib3.Timeout(connect=3.0, read=10.0)  # an answer this late is not worth the thread
MAX_RETRY_AFTER_SECONDS = 5.0  # a background post waits this long at most for its turn
BACKOFF_SECONDS = 0.25  # before the first retry of a 5xx; doubled next


class _Retry(urllib3.Retry):
    def get_retry_after(self, response: Any) -> float | None:
        asked = super().get_retry_after(response)
        return None if asked is None else min(asked, MAX_RETRY_AFTER_SECONDS)


def retries() -> urllib3.Retry:
    """No retry once the post may have reached Slack (a timeout, a reset mid-answer): a second
    one could show the answer twice."""
    return _Retry(
        total=RETRIES,
        connect=RETRIES,
        read=0,
        status=RETRIES,
        other=0,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,  # POST too: Slack refused it, nothing was posted
        backoff_factor=BACKOFF_SECONDS,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


@dataclass(frozen=True)
class Answered:
    status_code: int
    body: str


_pools: tuple[int, urllib3.PoolManager, urllib3.PoolManager | None] | None = None  # per pid
_lock = threading.Lock()


def pools() -> tuple[urllib3.PoolManager, urllib3.PoolManager | None]:
    """This process's pools (a forked worker makes its own): direct, and through the HTTPS
    proxy the environment names (HTTPS_PROXY, as WebhookClient reads it), if any."""
    global _pools
    with _lock:
        if _pools is None or _pools[0] != os.getpid():
            direct = urllib3.PoolManager(maxsize=16, block=False, timeout=TIMEOUT)
            proxy = urllib.request.getproxies().get("https")
            proxied = urllib3.ProxyManager(proxy, maxsize=16, timeout=TIMEOUT) if proxy else None
            _pools = (os.getpid(), direct, proxied)
        return _pools[1], _pools[2]


def post(url: str, message: dict[str, Any]) -> Answered:
    """POST `message` as JSON to a response_url; what Slack answered at the last try. A
    connection refused on every try, or a timeout, raises urllib3's HTTPError."""
    direct, proxied = pools()
    host = urllib.parse.urlsplit(url).hostname or ""
    pool = proxied if proxied is not None and not urllib.request.proxy_bypass(host) else direct
    response = pool.request(
        "POST",
        url,
        body=json.dumps(message).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        retries=retries(),
    )
    return Answered(response.status, response.data.decode("utf-8", "replace"))
