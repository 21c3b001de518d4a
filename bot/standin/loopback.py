"""The fake Web API's HTTP face: a threaded stdlib server on a free loopback port."""

from __future__ import annotations

import functools
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from bot.standin.webapi import FakeSlack

JSON = dict[str, Any]


def serve(fake: FakeSlack) -> tuple[Server, threading.Thread]:
    """Serve `fake` on 127.0.0.1:<free port> from a daemon thread."""
    server = Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    # shutdown() waits for the serve loop's next poll: keep it short, or every stop costs 0.5 s
    loop = functools.partial(server.serve_forever, poll_interval=0.02)
    thread = threading.Thread(target=loop, name="fakeslack", daemon=True)
    thread.start()
    return server, thread


class Server(ThreadingHTTPServer):
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
        fake = cast(Server, self.server).fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if len(raw) < length:  # the client went away mid-request (a killed process): as Slack,
            self.close_connection = True  # nothing was asked, nothing is recorded
            return
        content_type = self.headers.get("Content-Type", "")
        parts = urllib.parse.urlsplit(self.path)
        if parts.path.startswith("/hooks/"):
            status, text = fake.handle_hook(parts.path, raw, content_type)
            return self._send(status, text.encode(), "text/plain; charset=utf-8", {})
        if parts.path.startswith("/upload/"):
            status, text = fake.handle_upload(parts.path, raw)
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
            fake.record_violation(f"{parts.path}: unparseable body ({error}): {raw[:200]!r}")
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
