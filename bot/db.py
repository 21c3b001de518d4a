"""The database: engine, session factory, SQLite pragmas, migrations and a health check.

Every wait on the database has a deadline (Timeouts), so a database that accepts connections
and then never answers costs a request seconds, not a worker thread forever: a connection that
missed its deadline is closed and the pool makes a new one once the database answers again.
"""

import math
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import cache, partial
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, exc, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from bot.write_turns import WAL_BACKSTOP_PAGES, WriteTurns

if TYPE_CHECKING:
    from alembic.config import Config


def normalize_url(database_url: str) -> URL:
    """Accept the URLs people paste (postgres://, postgresql://) and use psycopg 3 for them."""
    url = make_url(database_url)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url


# Connections a process may open beyond its pool for a burst; counted in README's arithmetic.
MAX_OVERFLOW = 2
# Threads queue for a connection instead of each holding one. A request that can't get one in
# this time fails (and the error handler answers) inside Slack's 3 s ack window, not after it.
POOL_TIMEOUT_SECONDS = 1.0

# How long a request waits on the database. A request that meets a database that has stopped
# answering spends at most one pool wait (1 s) and then either a ping (0.5 s) and a connect
# (1 s), or one statement (1.5 s, plus ANSWER_MARGIN): 2.5-2.75 s, so its answer ("Something
# went wrong ... try again") still beats Slack's 3 s window, and a modal or a menu that reads
# before its ack is answered too. A healthy statement takes milliseconds: 1.5 s is a database
# in trouble, and a retry is better than a timeout at Slack. RAPPORT_DB_STATEMENT_TIMEOUT and
# RAPPORT_DB_CONNECT_TIMEOUT change them for request-serving processes; the sweeper and the CLI
# (migrations, imports) wait longer (SWEEPER_TIMEOUTS, MAINTENANCE_TIMEOUTS).
STATEMENT_TIMEOUT_SECONDS = 1.5
CONNECT_TIMEOUT_SECONDS = 1.0
# A write waiting for another transaction's row lock gives up before its statement would.
LOCK_TIMEOUT_SECONDS = 1.0
# The check on a pooled connection before it's handed out (pool_pre_ping), and /healthz's probe.
PING_TIMEOUT_SECONDS = 0.5
# A pooled connection given back this recently answered just now: it is handed out unpinged (as
# HikariCP's aliveBypassWindowMs), saving a round trip on nearly every request under load; one
# idle longer (through a database restart, say) is pinged first.
PING_AFTER_IDLE_SECONDS = 0.5
# PostgreSQL cancels a statement itself at statement_timeout and says so, keeping the
# connection; the client stops waiting this much later, only when nothing came back at all (the
# network or the server is gone) and closes the connection, which the pool then replaces.
ANSWER_MARGIN_SECONDS = 0.25
# libpq's own connect_timeout is whole seconds, at least 2: a backstop behind CONNECT_TIMEOUT.
LIBPQ_MIN_CONNECT_TIMEOUT = 2


@dataclass(frozen=True)
class Timeouts:
    """How long a process waits on its database before it gives up, in seconds."""

    connect: float = CONNECT_TIMEOUT_SECONDS
    statement: float | None = STATEMENT_TIMEOUT_SECONDS  # None: as long as it takes
    lock: float | None = LOCK_TIMEOUT_SECONDS
    ping: float = PING_TIMEOUT_SECONDS

    @property
    def answer(self) -> float | None:
        """How long the client waits for any answer: the server's own limit, and a margin."""
        return None if self.statement is None else self.statement + ANSWER_MARGIN_SECONDS

    @property
    def busy_ms(self) -> int:
        """SQLite's busy timeout: a write waits this long for another's write lock."""
        return int((self.statement or MAINTENANCE_BUSY_SECONDS) * 1000)


MAINTENANCE_BUSY_SECONDS = 60.0
REQUEST_TIMEOUTS = Timeouts()
# The sweeper answers no one within 3 s; a job that can't reach the database fails, is logged,
# and the next sweep tries again.
SWEEPER_TIMEOUTS = Timeouts(connect=5.0, statement=30.0, lock=10.0, ping=5.0)
# `rapport db upgrade` and serve's upgrade: a migration on a big table takes what it takes.
MAINTENANCE_TIMEOUTS = Timeouts(connect=10.0, statement=None, lock=None, ping=10.0)
SQLITE_BUSY_TIMEOUT_MS = REQUEST_TIMEOUTS.busy_ms


def make_engine(
    database_url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = MAX_OVERFLOW,
    pool_timeout: float = POOL_TIMEOUT_SECONDS,
    timeouts: Timeouts = REQUEST_TIMEOUTS,
) -> Engine:
    """An engine for SQLite (WAL, busy timeout, foreign keys) or PostgreSQL (psycopg 3), that
    waits on its database no longer than `timeouts` say."""
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout}
    return _engine(normalize_url(database_url), timeouts, pool)


def _engine(url: URL, timeouts: Timeouts, pool: dict[str, Any]) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            **pool,
            connect_args={"check_same_thread": False, "timeout": timeouts.busy_ms / 1000},
        )
        event.listen(engine, "connect", partial(_sqlite_pragmas, timeouts.busy_ms))
        WriteTurns(timeouts.busy_ms / 1000, url.database).attach(engine)
        return engine
    if url.get_driver_name() != "psycopg":  # a driver of the admin's choosing: its defaults
        return create_engine(url, **pool, pool_pre_ping=True)
    engine = create_engine(url, **pool)
    event.listen(engine, "do_connect", partial(_connect_psycopg, timeouts))
    event.listen(engine, "connect", _mark_fresh)
    event.listen(engine, "checkin", _mark_answered)
    event.listen(engine, "checkout", partial(_ping_on_checkout, engine.dialect, timeouts.ping))
    return engine


NAME_TRIGRAMS = "account_name_trigrams"  # models.name_index.SQLITE_TABLE (not imported: all models)


def _sqlite_pragmas(busy_ms: int, dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    database = cursor.execute("PRAGMA database_list").fetchone()
    if database and database[2]:  # WAL needs a file; an in-memory database keeps its own mode
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP_PAGES}")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Open the account-name FTS5 table (models.name_index) now, outside any transaction: opened
    # first by an account INSERT's trigger, its read made that transaction's write unable to
    # wait for another writer ("database is locked" at once; tests/test_reps.py's 12 at once).
    found = f"SELECT 1 FROM sqlite_master WHERE name = '{NAME_TRIGRAMS}'"
    if cursor.execute(found).fetchone():
        cursor.execute(f"SELECT rowid FROM {NAME_TRIGRAMS} LIMIT 0").fetchall()
    cursor.close()


# -- PostgreSQL: every wait has a deadline ------------------------------------------------------


def _connect_psycopg(
    timeouts: Timeouts, _dialect: Any, _record: Any, cargs: list, cparams: dict
) -> Any:
    """A new connection, within timeouts.connect, whose server cancels slow statements and lock
    waits itself and whose every round trip (statements, commits, pings) has a deadline."""
    server_limits = " ".join(
        f"-c {name}={int(seconds * 1000)}"
        for name, seconds in (
            ("statement_timeout", timeouts.statement),
            ("lock_timeout", timeouts.lock),
        )
        if seconds is not None
    )
    params = {
        "connect_timeout": max(LIBPQ_MIN_CONNECT_TIMEOUT, math.ceil(timeouts.connect)),
        **cparams,  # what the URL says wins
        "options": " ".join(filter(None, [server_limits, cparams.get("options")])),
    }
    connection_class = _deadline_connection_class()

    def connect() -> Any:
        connection = connection_class.connect(*cargs, **params)
        connection.answer_within = timeouts.answer
        return connection

    return _within(timeouts.connect, connect)


def _within(seconds: float, connect: Callable[[], Any]) -> Any:
    """`connect()` in a thread of its own, waited for `seconds`: libpq's own connect timeout is
    whole seconds and at least 2. An attempt given up on ends at libpq's timeout, and a
    connection it still makes is closed."""
    import psycopg

    future: Future[Any] = Future()

    def attempt() -> None:
        try:
            future.set_result(connect())
        except BaseException as error:  # handed to the waiting thread
            future.set_exception(error)

    threading.Thread(target=attempt, name="db-connect", daemon=True).start()
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        future.add_done_callback(_close_late_connection)
        raise psycopg.errors.ConnectionTimeout(
            f"no connection to the database within {seconds:g} s"
        ) from None


def _close_late_connection(future: Future[Any]) -> None:
    if future.exception() is None:
        future.result().close()


@cache
def _deadline_connection_class() -> Any:
    """psycopg's Connection, with a deadline on every wait for the server (psycopg >= 3.3)."""
    import psycopg
    from psycopg.errors import _WaitTimeout  # what Connection.wait raises at its timeout

    class DeadlineConnection(psycopg.Connection[Any]):
        answer_within: float | None = None

        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            if timeout is not None or self.answer_within is None:
                return super().wait(gen, interval, timeout)  # a caller's own deadline
            try:
                return super().wait(gen, interval, self.answer_within)
            except _WaitTimeout:
                # Mid-protocol, the connection is no good to anyone: closed, the pool drops it
                # (the dialect's is_disconnect sees `closed`) instead of lending it out wedged.
                self.close()
                raise psycopg.OperationalError(
                    f"no answer from the database within {self.answer_within:g} s"
                ) from None

    return DeadlineConnection


def _mark_fresh(_dbapi_connection: Any, record: Any) -> None:
    record.info["fresh"] = True


def _mark_answered(_dbapi_connection: Any, record: Any) -> None:
    """Given back to the pool: it answered its last statement just now (an invalidated one
    is not given back, and a new one replaces it)."""
    record.info["answered_at"] = time.monotonic()


def _ping_on_checkout(
    dialect: Any, seconds: float, dbapi_connection: Any, record: Any, _proxy: Any
) -> None:
    """pool_pre_ping with its own, shorter deadline: a pooled connection that doesn't answer in
    `seconds` is dropped, with every other pooled one (they share its server), and the pool
    connects afresh. A connection that was just made, or that was given back less than
    PING_AFTER_IDLE_SECONDS ago, has answered already."""
    if record.info.pop("fresh", False):
        return
    if time.monotonic() - record.info.get("answered_at", -math.inf) < PING_AFTER_IDLE_SECONDS:
        return
    answer_within, dbapi_connection.answer_within = dbapi_connection.answer_within, seconds
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as error:
        raise exc.InvalidatePoolError(f"ping failed: {error}") from error
    finally:
        dbapi_connection.answer_within = answer_within


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for `with factory.begin() as session:`; objects stay readable after commit."""
    return sessionmaker(engine, class_=Session, expire_on_commit=False)


def alembic_config(engine: Engine) -> "Config":
    from alembic.config import Config  # alembic on first use: a quarter second of every start

    config = Config()
    config.set_main_option("script_location", str(files("migrations")))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


REVISION = re.compile(r'^(down_)?revision: str(?: \| None)? = "([^"]+)"', re.MULTILINE)


def head_revision() -> str:
    """The newest migration's revision, read from migrations/versions without importing alembic
    (a quarter second): the one no other migration revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in files("migrations").joinpath("versions").iterdir():
        if path.name.endswith(".py"):
            for down, revision in REVISION.findall(path.read_text(encoding="utf-8")):
                (revised if down else revisions).add(revision)
    [head] = revisions - revised
    return head


def is_current(engine: Engine) -> bool:
    """Whether the schema is at the newest migration already (then `upgrade` has nothing to do)."""
    try:
        with engine.connect() as connection:
            found = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except exc.DBAPIError:
        return False  # no alembic_version table yet: a new store
    return [row[0] for row in found] == [head_revision()]


def ping(engine: Engine) -> bool:
    """Whether the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
