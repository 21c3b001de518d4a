"""HTTP mode: Bolt's single endpoint and a health check, served by gunicorn (gthread workers)."""

import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from bot import db
from bot.app import LISTENER_THREADS, create_app, utcnow
from bot.config import Settings
from bot.logs import configure_logging, correlation_id, new_correlation_id
from bot.scheduler import start_scheduler
from handlers import dates
from handlers.deps import Deps

logger = logging.getLogger("rapport.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 8  # per worker; each waits for its listener's ack (at most 3 s)
WORKERS = max(1, min(4, os.cpu_count() or 1))
# Every listener thread, every HTTP thread (health checks) and the scheduler may hold a connection.
DB_POOL_SIZE = LISTENER_THREADS + HTTP_THREADS + 1

StartResponse = Callable[..., Any]


class RapportWSGI:
    """Routes /slack/events to Bolt and /healthz to the database; logs one line per request."""

    def __init__(self, bolt_app: App, engine: Engine) -> None:
        self.slack = SlackRequestHandler(bolt_app, path=EVENTS_PATH)
        self.engine = engine

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        token = correlation_id.set(new_correlation_id())
        started, status = time.perf_counter(), ["-"]

        def recording_start_response(code: str, headers: list, *args: Any) -> Any:
            status[0] = code.split(" ", 1)[0]
            return start_response(code, headers, *args)

        try:
            if environ.get("PATH_INFO") == HEALTH_PATH:
                return self.health(recording_start_response)
            return self.slack(environ, recording_start_response)
        finally:
            retry = environ.get("HTTP_X_SLACK_RETRY_NUM")
            logger.info(
                "%s %s %s %.1fms%s",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                status[0],
                (time.perf_counter() - started) * 1000,
                f" retry={retry}" if retry else "",
            )
            correlation_id.reset(token)

    def health(self, start_response: StartResponse) -> list[bytes]:
        healthy = db.ping(self.engine)
        body = json.dumps({"ok": healthy, "database": "up" if healthy else "down"}).encode()
        start_response(
            "200 OK" if healthy else "503 Service Unavailable",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]


def build_wsgi(settings: Settings) -> RapportWSGI:
    """One worker's runtime: engine, handlers' deps, the Bolt app and the sweep scheduler."""
    engine = db.make_engine(settings.database_url, pool_size=DB_POOL_SIZE)
    deps = build_deps(settings, engine)
    app = create_app(settings, deps)
    start_scheduler(settings, deps)
    dates.warm_up(deps.now())
    return RapportWSGI(app, engine)


def build_deps(settings: Settings, engine: Engine) -> Deps:
    return Deps(
        db=db.make_session_factory(engine),
        now=utcnow,
        admins=settings.admins,
        stale_days=settings.stale_days,
        stuck_days=settings.stuck_days,
        deals_channel=settings.deals_channel,
    )


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


def serve_http(settings: Settings, *, port: int) -> None:
    GunicornServer(lambda: build_wsgi(settings), gunicorn_options(port=port)).run()
