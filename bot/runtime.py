"""The runtime, assembled in one place for every process: a gunicorn worker, Socket Mode, the
sweeper, the console. Nothing here runs at import; each process calls `build_runtime` once."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot import db
from bot.app import create_app, make_client, utcnow
from bot.config import Settings
from bot.importing import scrub_error_files
from handlers import dates
from handlers.blocks import chart
from handlers.deps import Deps

# The sweeper runs one job at a time: it keeps one connection (at most 1 + db.MAX_OVERFLOW).
SWEEPER_POOL_SIZE = 1


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    deps: Deps
    client: WebClient  # the app's Web API client; sweep jobs send with it
    app: App

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(
    settings: Settings,
    *,
    socket_mode: bool = False,
    client: WebClient | None = None,
    now: Callable[[], datetime] = utcnow,
    pool_size: int | None = None,
    handles_requests: bool = True,
    warm_up: bool = True,
) -> Runtime:
    """Engine, handlers' deps, Web API client and Bolt app for this process.

    `client` and `now` let the console point Rapport at its own Slack stand-in and clock.
    """
    engine = db.make_engine(
        settings.database_url,
        pool_size=pool_size or settings.db_pool_size,
        timeouts=settings.db_timeouts() if handles_requests else db.SWEEPER_TIMEOUTS,
    )
    deps = build_deps(settings, engine, now=now)
    client = client or make_client(settings)
    app = create_app(settings, deps, client=client, socket_mode=socket_mode)
    if handles_requests and warm_up:  # the console skips it: a person types slower than that
        dates.warm_up(now())
        chart.warm_up()
    return Runtime(settings=settings, engine=engine, deps=deps, client=client, app=app)


def build_deps(settings: Settings, engine: Engine, *, now: Callable[[], datetime] = utcnow) -> Deps:
    return Deps(
        db=db.make_session_factory(engine),
        now=now,
        admins=settings.admins,
        stale_days=settings.stale_days,
        stuck_days=settings.stuck_days,
        deals_channel=settings.deals_channel,
        currency=settings.currency,
        scrub_files=scrub_error_files,
    )
