"""Fixtures: a database per test run, a fake Slack Web API, and the real app on a free port.

DATABASE_URL chooses the store: unset or sqlite runs on a fresh SQLite file; a PostgreSQL URL
gets a new database of its own on that server for this run, dropped at the end.
"""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

import models  # noqa: F401
from bot import db
from bot.app import create_app
from bot.config import Settings
from bot.server import RapportWSGI
from bot.standin.driver import TEAM_ID, SlackDriver
from bot.standin.http import HttpTransport
from bot.standin.listeners import ListenerWork
from bot.standin.webapi import FakeSlack
from handlers.deps import Deps
from tests.databases import temporary_database

SIGNING_SECRET = "test-signing-secret"
OTHER_TEAM = "T0OTHER"

for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(proxy, None)  # slack_sdk honours proxies and ignores NO_PROXY


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with temporary_database(os.environ.get("DATABASE_URL")) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.make_engine(database_url, pool_size=30)
    db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A transaction for model tests; committed at the end, then the tables are cleaned."""
    with db.make_session_factory(engine).begin() as session:
        yield session


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "engine" not in request.fixturenames:
        return
    engine: Engine = request.getfixturevalue("engine")
    tables = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


class Clock:
    """Injected time: tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def _fake_slack_server() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM_ID, check_spec=True) as fake:
        yield fake


@pytest.fixture
def fake_slack(_fake_slack_server: FakeSlack) -> Iterator[FakeSlack]:
    """The session's fake, fully reset, with the standard workspace's users."""
    fake = _fake_slack_server
    fake.reset()
    fake.add_user("U0ALICE", name="alice", real_name="Alice Ng", tz="America/New_York")
    fake.add_user("U0BOB", name="bob", real_name="Bob Berg", tz="Europe/Berlin")
    fake.add_user("U0ADMIN", name="ada", real_name="Ada Admin", tz="Asia/Tokyo", is_admin=True)
    fake.add_user("U0GUEST", name="gus", real_name="Gus Guest", is_restricted=True)
    fake.add_user("U0SINGLE", name="sal", real_name="Sal Single", is_ultra_restricted=True)
    fake.add_user("U0STRANGER", name="stan", real_name="Stan Stranger", team_id=OTHER_TEAM)
    fake.add_user("U0ROBOT", name="robot", is_bot=True)
    yield fake
    assert not fake.violations, "calls that break Slack's contract:\n" + "\n".join(fake.violations)


@pytest.fixture
def settings(fake_slack: FakeSlack, database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
        DATABASE_URL=database_url,
        RAPPORT_ADMINS="U0ROOT",
    )


@pytest.fixture
def deps(engine: Engine, clock: Clock, settings: Settings) -> Deps:
    return Deps(db=db.make_session_factory(engine), now=clock, admins=settings.admins)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(settings: Settings, deps: Deps, engine: Engine, fake: FakeSlack) -> Iterator[SlackDriver]:
    """A real app for `deps` behind a real HTTP server on a free port, driven like Slack drives
    it; settled means its listeners and its background directory work are done."""
    app = create_app(settings, deps)
    work = ListenerWork(app)
    server = make_server(
        "127.0.0.1",
        0,
        RapportWSGI(app, engine),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    # shutdown() waits for serve_forever's next poll; the default 0.5 s costs that per test
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()

    def settle() -> None:
        work.wait_idle()
        deps.directory.wait_idle()

    transport = HttpTransport(f"http://127.0.0.1:{server.server_port}")
    try:
        yield SlackDriver(transport, SIGNING_SECRET, fake, settle=settle)
        settle()  # no listener may outlive its test and write into the next one
    finally:
        server.shutdown()
        server.server_close()
        deps.directory.close()


@pytest.fixture
def slack(
    settings: Settings, deps: Deps, engine: Engine, fake_slack: FakeSlack
) -> Iterator[SlackDriver]:
    """The real app behind a real HTTP server on a free port, driven like Slack drives it."""
    with serve(settings, deps, engine, fake_slack) as driver:
        yield driver


def sqlite_or_postgres(url: str) -> str:
    return make_url(url).get_backend_name()
