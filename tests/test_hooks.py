"""handlers.hooks: response_url posts on kept-alive connections, retried as WebhookClient's were."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3

from handlers import hooks


class Hook(ThreadingHTTPServer):
    """An HTTP/1.1 response_url that answers each post with the next of `statuses` (then 200)
    and notes which client connection (its port) every post came on."""

    daemon_threads = True

    def __init__(self) -> None:
        self.statuses: list[tuple[int, dict[str, str]]] = []
        self.posts: list[tuple[int, dict]] = []
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/T1/B1/x"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Hook

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.posts.append((self.client_address[1], body))
        status, headers = self.server.statuses.pop(0) if self.server.statuses else (200, {})
        answer = b"ok" if status == 200 else b"no"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hook]:
    monkeypatch.setattr(hooks, "BACKOFF_SECONDS", 0.0)
    server = Hook()
    yield server
    server.shutdown()
    server.server_close()


def test_posts_to_slack_reuse_one_kept_alive_connection(hook: Hook) -> None:
    for n in range(3):
        assert hooks.post(hook.url, {"text": f"page {n}"}) == hooks.Answered(200, "ok")
    assert [body["text"] for _, body in hook.posts] == ["page 0", "page 1", "page 2"]
    assert len({port for port, _ in hook.posts}) == 1


def test_5xx_and_429_are_retried_twice_and_the_last_answer_is_returned(hook: Hook) -> None:
    hook.statuses = [(500, {}), (429, {"Retry-After": "0"})]
    assert hooks.post(hook.url, {"text": "hi"}).status_code == 200
    assert len(hook.posts) == 3
    hook.posts.clear()
    hook.statuses = [(503, {})] * 3
    assert hooks.post(hook.url, {"text": "hi"}) == hooks.Answered(503, "no")
    assert len(hook.posts) == 3
    hook.posts.clear()
    hook.statuses = [(404, {})]  # not Slack's to change its mind: once
    assert hooks.post(hook.url, {"text": "hi"}).status_code == 404 and len(hook.posts) == 1


def test_a_retry_after_is_honoured_up_to_a_cap() -> None:
    def asked(retry_after: str) -> float | None:
        answer = urllib3.HTTPResponse(status=429, headers={"Retry-After": retry_after})
        return hooks.retries().get_retry_after(answer)

    assert asked("2") == 2.0
    assert asked("3600") == hooks.MAX_RETRY_AFTER_SECONDS


def test_a_url_nothing_answers_raises_after_the_retries(hook: Hook) -> None:
    url = hook.url
    hook.shutdown()
    hook.server_close()
    with pytest.raises(urllib3.exceptions.HTTPError):
        hooks.post(url, {"text": "hi"})
