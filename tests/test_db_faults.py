"""A database that hangs, refuses or is locked: every request still gets its answer inside Slack's
3 s window, /healthz says so within a second, and the workers recover without a restart.

The PostgreSQL tests put a loopback TCP proxy (tests/tcpproxy.py) between the app and the test
server; they need DATABASE_URL to be PostgreSQL and are skipped otherwise.
"""

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from wsgiref.simple_server import make_server

import httpx
import pytest
from sqlalchemy import Engine, exc, make_url, text

from bot import db, health
from bot.config import Settings
from bot.runtime import build_runtime
from bot.server import RapportWSGI
from bot.standin.driver import SlackDriver, text_of
from bot.standin.http import HttpTransport
from bot.standin.listeners import ListenerWork
from bot.standin.webapi import FakeSlack
from tests.conftest import SIGNING_SECRET, _QuietHandler, _ThreadingWSGIServer, sqlite_or_postgres
from tests.tcpproxy import TcpProxy

SLACK_WINDOW = 3.0
SORRY = "Something went wrong"


@contextmanager
def serving(settings: Settings, fake_slack: FakeSlack) -> Iterator[SlackDriver]:
    """What one gunicorn worker builds from these settings, behind a real HTTP server."""
    runtime = build_runtime(settings)
    work = ListenerWork(runtime.app)
    wsgi = RapportWSGI(runtime.app, runtime.engine)
    server = make_server(
        "127.0.0.1", 0, wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        transport = HttpTransport(f"http://127.0.0.1:{server.server_port}")
        yield SlackDriver(transport, SIGNING_SECRET, fake_slack, settle=work.wait_idle)
    finally:
        work.wait_idle()
        server.shutdown()
        server.server_close()
        runtime.close()


@pytest.fixture
def proxy(database_url: str, engine: Engine) -> Iterator[TcpProxy]:
    """A proxy in front of the test PostgreSQL server (its schema migrated by `engine`)."""
    if sqlite_or_postgres(database_url) != "postgresql":
        pytest.skip("needs DATABASE_URL=postgresql://…: the fault proxy sits on its TCP port")
    url = make_url(database_url)
    with TcpProxy((url.host or "127.0.0.1", url.port or 5432), lifetime=30) as proxy:
        yield proxy


@pytest.fixture
def proxied(proxy: TcpProxy, settings: Settings, fake_slack: FakeSlack) -> Iterator[SlackDriver]:
    url = make_url(settings.database_url).set(host="127.0.0.1", port=proxy.port)
    through_proxy = settings.model_copy(
        update={"database_url": url.render_as_string(hide_password=False)}
    )
    with serving(through_proxy, fake_slack) as slack:
        yield slack
        proxy.close()  # a listener still waiting on the proxy is let go before the teardown


def timed(call: Callable[[], object]) -> tuple[object, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def healthz(slack: SlackDriver) -> httpx.Response:
    return httpx.get(f"{slack.transport.base_url}/healthz", timeout=10, trust_env=False)


def test_a_hung_database_gets_a_friendly_answer_in_time_and_the_bot_recovers_unrestarted(
    proxied: SlackDriver, proxy: TcpProxy
) -> None:
    slack = proxied
    assert "Created *Acme*" in text_of(slack.command("/crm", "new Acme").reply())  # pool warm

    proxy.switch("hang")
    started = time.monotonic()
    command = slack.command("/crm", "new Globex")
    assert command.response.status_code == 200
    assert time.monotonic() - started < SLACK_WINDOW
    reply = command.reply(timeout=SLACK_WINDOW + 1)
    assert SORRY in text_of(reply) and "try again" in text_of(reply)
    assert time.monotonic() - started < SLACK_WINDOW
    health, took = timed(lambda: healthz(slack))
    assert isinstance(health, httpx.Response) and health.status_code == 503 and took < 1
    assert health.json() == {"ok": False, "database": "down"}

    proxy.switch("pass")
    assert "Created *Initech*" in text_of(slack.command("/crm", "new Initech").reply())
    health, took = timed(lambda: healthz(slack))
    assert isinstance(health, httpx.Response) and health.status_code == 200 and took < 1


def test_a_refusing_database_gets_a_friendly_answer_at_once_and_healthz_says_down(
    proxied: SlackDriver, proxy: TcpProxy
) -> None:
    slack = proxied
    assert "Created *Acme*" in text_of(slack.command("/crm", "new Acme").reply())
    proxy.switch("refuse")
    reply, took = timed(lambda: slack.command("/crm", "new Globex").reply(timeout=SLACK_WINDOW))
    assert isinstance(reply, dict) and SORRY in text_of(reply) and took < SLACK_WINDOW
    health, took = timed(lambda: healthz(slack))
    assert isinstance(health, httpx.Response) and health.status_code == 503 and took < 1
    proxy.switch("pass")
    assert "Created *Globex*" in text_of(slack.command("/crm", "new Globex").reply())


def test_healthz_answers_while_every_pooled_connection_is_busy(
    settings: Settings, deps: object, engine: Engine
) -> None:
    """The probe has connections of its own: a saturated pool is busy, not down."""
    from bot.app import create_app

    busy = db.make_engine(settings.database_url, pool_size=1, max_overflow=0)
    held = busy.connect()
    try:
        wsgi = RapportWSGI(create_app(settings, deps), busy)  # type: ignore[arg-type]
        statuses: list[str] = []
        _, took = timed(lambda: b"".join(wsgi({"PATH_INFO": "/healthz"}, _record(statuses))))
        assert statuses == ["200 OK"] and took < 1
    finally:
        held.close()
        busy.dispose()


@contextmanager
def write_lock_held(database_url: str, engine: Engine) -> Iterator[None]:
    """Another process holds the write lock: SQLite's BEGIN IMMEDIATE, PostgreSQL's table lock."""
    if sqlite_or_postgres(database_url) == "sqlite":
        path = make_url(database_url).database
        assert path
        writer = sqlite3.connect(path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        return
    with engine.connect() as connection, connection.begin() as transaction:
        connection.execute(text("LOCK TABLE reps, accounts IN EXCLUSIVE MODE"))  # reads go on
        yield
        transaction.rollback()


def test_a_locked_database_fails_a_write_in_time_with_the_friendly_answer(
    settings: Settings, engine: Engine, fake_slack: FakeSlack
) -> None:
    with serving(settings, fake_slack) as slack:
        with write_lock_held(settings.database_url, engine):
            reply, took = timed(
                lambda: slack.command("/crm", "new Acme").reply(timeout=SLACK_WINDOW)
            )
            slack.settle()  # the failed write is over before the lock is let go
        assert isinstance(reply, dict) and SORRY in text_of(reply) and took < SLACK_WINDOW
        assert "Created *Acme*" in text_of(slack.command("/crm", "new Acme").reply())


def _record(statuses: list[str]) -> Callable[..., None]:
    return lambda status, headers: statuses.append(status)


def test_a_statement_the_database_never_answers_is_cut_off_and_its_connection_replaced(
    proxy: TcpProxy, database_url: str
) -> None:
    """Past the pre-ping: the database stops answering mid-transaction."""
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    quick = db.Timeouts(connect=0.5, statement=0.2, lock=0.1, ping=0.2)
    engine = db.make_engine(url.render_as_string(hide_password=False), timeouts=quick)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "200ms"
            assert connection.execute(text("SHOW lock_timeout")).scalar() == "100ms"
            with pytest.raises(exc.OperationalError, match="canceling statement"):
                connection.execute(text("SELECT pg_sleep(1)"))  # the server cancels it itself
            connection.rollback()
            proxy.switch("hang")
            started = time.monotonic()
            with pytest.raises(exc.OperationalError, match="no answer from the database"):
                connection.execute(text("SELECT 1"))
            assert time.monotonic() - started < 0.2 + db.ANSWER_MARGIN_SECONDS + 0.3
            assert connection.invalidated
        proxy.switch("pass")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_request_processes_wait_briefly_and_the_sweeper_and_cli_wait_longer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("RAPPORT_DB_STATEMENT_TIMEOUT", "RAPPORT_DB_CONNECT_TIMEOUT"):
        monkeypatch.delenv(variable, raising=False)
    assert Settings(_env_file=None).db_timeouts() == db.REQUEST_TIMEOUTS
    slowest = max(
        db.POOL_TIMEOUT_SECONDS + db.PING_TIMEOUT_SECONDS + db.CONNECT_TIMEOUT_SECONDS,
        db.POOL_TIMEOUT_SECONDS + (db.REQUEST_TIMEOUTS.answer or 0),
    )
    assert slowest < SLACK_WINDOW  # the arithmetic in bot/db.py
    monkeypatch.setenv("RAPPORT_DB_STATEMENT_TIMEOUT", "20")
    monkeypatch.setenv("RAPPORT_DB_CONNECT_TIMEOUT", "5")
    assert Settings(_env_file=None).db_timeouts() == db.Timeouts(connect=5, statement=20)
    assert (db.SWEEPER_TIMEOUTS.statement or 0) > db.STATEMENT_TIMEOUT_SECONDS
    assert db.MAINTENANCE_TIMEOUTS.statement is None  # a migration takes what it takes


def set_read_only(engine: Engine, on: bool) -> None:
    setting = f"SET default_transaction_read_only = {'on' if on else 'off'}"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'ALTER DATABASE "{engine.url.database}" {setting}'))


def test_healthz_says_why_a_store_that_answers_cannot_take_writes(
    slack: SlackDriver, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name == "postgresql":
        set_read_only(engine, True)
        probe = health.Probe(
            engine.url
        )  # fresh connections: the pooled ones keep their old setting
        try:
            assert probe() == "read-only"
        finally:
            probe.engine.dispose()
            set_read_only(engine, False)
        return
    monkeypatch.setattr(health, "MIN_FREE_BYTES", 1 << 62)  # no volume has that much free
    answer = httpx.get(f"{slack.transport.base_url}/healthz", trust_env=False)
    assert answer.status_code == 503
    assert answer.json() == {"ok": False, "database": "disk full"}


def test_a_connection_given_back_just_now_is_handed_out_unpinged(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pre-ping costs a round trip: a connection that answered less than
    PING_AFTER_IDLE_SECONDS ago is handed out as it is; one idle longer is pinged first."""
    if sqlite_or_postgres(database_url) != "postgresql":
        pytest.skip("SQLite has no server to ping")
    engine = db.make_engine(database_url, pool_size=1, max_overflow=0)
    pings: list[float] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(1) or ping(c))
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.2)
    try:
        for _ in range(3):  # made (answered already), then twice given back just now
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        assert pings == []
        time.sleep(0.3)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert pings == [1]
    finally:
        engine.dispose()
