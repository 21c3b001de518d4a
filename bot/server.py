"""HTTP mode: Bolt's single endpoint and a health check, served by gunicorn (gthread workers).

Every request to /slack/events passes `bot.verify` (size, Slack's signature, a parseable body)
before Bolt sees it; /healthz is outside it.

Each worker builds its own runtime (bot.runtime) after the fork and starts no scheduler: sweeps
run in one `rapport sweep` process beside the workers (bot.cli, bot.supervisor).
"""

import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from sqlalchemy import Engine

from bot import health, verify
from bot.config import Settings
from bot.logs import configure_logging, correlation_id, new_correlation_id
from bot.runtime import build_runtime

logger = logging.getLogger("rapport.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 8  # per worker; each waits for its listener's ack (at most 3 s)
WORKERS = max(1, min(4, os.cpu_count() or 1))  # unless WEB_CONCURRENCY or --workers says
LOGGED_CHARS = 200  # of any value a client chose (path, headers) in a log line
# A refusal's status line and body; a 401's body is the one Bolt gives.
REFUSALS = {
    400: ("400 Bad Request", "invalid request"),
    401: ("401 Unauthorized", "invalid request"),
    404: ("404 Not Found", "not found"),
    411: ("411 Length Required", "length required"),
    413: ("413 Content Too Large", "request too large"),
}

StartResponse = Callable[..., Any]


class RapportWSGI:
    """Routes /slack/events, once verified, to Bolt and /healthz to the database; logs one line
    per request (a refusal with its reason, never a body)."""

    def __init__(self, bolt_app: App, engine: Engine) -> None:
        self.bolt = bolt_app
        # the secret Bolt's own check (left on behind this one) uses; App has no public getter
        self.signing_secret: str = bolt_app._signing_secret
        self.engine = engine

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        token = correlation_id.set(new_correlation_id())
        started, status, refused = time.perf_counter(), ["-"], [""]

        def recording_start_response(code: str, headers: list, *args: Any) -> Any:
            status[0] = code.split(" ", 1)[0]
            return start_response(code, headers, *args)

        try:
            if environ.get("PATH_INFO") == HEALTH_PATH:
                return self.health(recording_start_response)
            try:
                return self.events(environ, recording_start_response)
            except verify.Refused as refusal:
                refused[0] = f" refused={refusal.reason.replace(' ', '-')}"
                return refuse(refusal.status, recording_start_response)
        finally:
            retry = environ.get("HTTP_X_SLACK_RETRY_NUM")
            logger.info(
                "%s %s %s %.1fms%s%s",
                shown(environ.get("REQUEST_METHOD")),
                shown(environ.get("PATH_INFO")),
                status[0],
                (time.perf_counter() - started) * 1000,
                f" retry={shown(retry)}" if retry else "",
                refused[0],
            )
            correlation_id.reset(token)

    def health(self, start_response: StartResponse) -> list[bytes]:
        """Within a second: 503 when the database can't answer in time ("down"), can't be
        written ("read-only") or its volume is full ("disk full"), asked on a connection of the
        probe's own, never one a request is waiting for."""
        database = health.probe(self.engine)()
        healthy = database == "up"
        body = json.dumps({"ok": healthy, "database": database}).encode()
        start_response(
            "200 OK" if healthy else "503 Service Unavailable",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def events(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != EVENTS_PATH or environ.get("REQUEST_METHOD") != "POST":
            raise verify.Refused(404, "no such endpoint")
        answer = self.bolt.dispatch(verify.verified_request(environ, self.signing_secret))
        response = WsgiHttpResponse(answer.status, answer.headers, answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()


def refuse(status: int, start_response: StartResponse) -> list[bytes]:
    status_line, error = REFUSALS[status]
    body = json.dumps({"error": error}).encode()
    start_response(
        status_line,
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def shown(value: str | None) -> str:
    """A client's value as a log line shows it: cut short, on one line, control bytes escaped."""
    return repr((value or "")[:LOGGED_CHARS])[1:-1]


def build_wsgi(settings: Settings) -> RapportWSGI:
    """One worker's runtime, built after gunicorn forks it (no pool or thread crosses a fork)."""
    runtime = build_runtime(settings)
    return RapportWSGI(runtime.app, runtime.engine)


def workers_for(settings: Settings, workers: int | None = None) -> int:
    """--workers, else WEB_CONCURRENCY (as on Heroku and gunicorn), else up to 4 by CPU count."""
    return workers or settings.web_concurrency or WORKERS


class GunicornServer(BaseApplication):
    def __init__(self, load_app: Callable[[], Any], options: dict[str, Any]) -> None:
        self.load_app, self.options = load_app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        configure_logging()
        return self.load_app()


def gunicorn_options(*, port: int, workers: int = WORKERS) -> dict[str, Any]:
    """How Rapport is served; bench/ack.py serves its bare Bolt baseline the same way."""
    return {
        "bind": f"0.0.0.0:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": HTTP_THREADS,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,  # RapportWSGI logs each request with its correlation id
        # gunicorn 27's control socket has one default path per user: two instances on a host
        # (replicas, or a benchmark's baseline) would take each other's. Rapport doesn't use it.
        "control_socket_disable": True,
    }


def serve_http(settings: Settings, *, port: int, workers: int) -> None:
    """gunicorn's master in this process: it forks the workers and starts no thread of its own."""
    GunicornServer(lambda: build_wsgi(settings), gunicorn_options(port=port, workers=workers)).run()
