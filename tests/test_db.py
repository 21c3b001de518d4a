"""The store: URLs people paste, SQLite's pragmas, the health check, the pool's size."""

import fcntl
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, exc, text

from bot import db, server, write_turns
from bot.cli import uses_http
from bot.config import Settings
from bot.server import workers_for


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///rapport.db", "sqlite"),
    ],
)
def test_database_urls_use_psycopg3_for_postgres(url: str, driver: str) -> None:
    assert db.normalize_url(url).drivername == driver


def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(tmp_path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path}/x.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == db.SQLITE_BUSY_TIMEOUT_MS


def test_ping_tells_a_live_database_from_a_dead_one(engine: Engine, tmp_path) -> None:
    assert db.ping(engine) is True
    assert db.ping(db.make_engine(f"sqlite:///{tmp_path}/no/such/dir.db")) is False


@pytest.mark.parametrize(
    ("flag", "app_token", "http"),
    [
        (None, None, True),
        (None, "xapp-1", False),
        ("http", "xapp-1", True),
        ("socket", None, False),
    ],
)
def test_serve_picks_socket_mode_exactly_when_an_app_token_is_set(flag, app_token, http) -> None:
    settings = Settings(_env_file=None, SLACK_APP_TOKEN=app_token)
    assert uses_http(flag, settings) is http


def test_settings_read_exactly_the_documented_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("DATABASE_URL", "SLACK_API_URL", "RAPPORT_STUCK_DAYS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("RAPPORT_ADMINS", "U1, U2 U3")
    monkeypatch.setenv("RAPPORT_STALE_DAYS", "7")
    monkeypatch.setenv("PORT", "8080")
    settings = Settings(_env_file=None)
    assert settings.admins == {"U1", "U2", "U3"}
    assert (settings.stale_days, settings.stuck_days, settings.port) == (7, 21, 8080)
    assert settings.database_url == "sqlite:///rapport.db"
    assert settings.slack_api_url == "https://slack.com/api/"


def test_new_settings_size_the_pool_and_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("RAPPORT_DB_POOL_SIZE", raising=False)
    defaults = Settings(_env_file=None)
    assert defaults.db_pool_size == 5 and workers_for(defaults) == server.WORKERS
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("RAPPORT_DB_POOL_SIZE", "4")
    settings = Settings(_env_file=None)
    assert settings.db_pool_size == 4 and workers_for(settings) == 3
    assert workers_for(settings, 2) == 2  # --workers wins


def test_threads_wait_for_a_free_connection_and_give_up_inside_slacks_ack_window(
    tmp_path,
) -> None:
    assert db.POOL_TIMEOUT_SECONDS < 3
    engine = db.make_engine(
        f"sqlite:///{tmp_path}/x.db", pool_size=1, max_overflow=0, pool_timeout=0.3
    )
    held = engine.connect()
    started = time.monotonic()
    with pytest.raises(exc.TimeoutError):
        engine.connect()
    assert 0.3 <= time.monotonic() - started < 2

    got: list[int] = []

    def query() -> None:
        with engine.connect() as connection:
            got.append(connection.execute(text("SELECT 1")).scalar_one())

    waiter = threading.Thread(target=query)
    waiter.start()
    time.sleep(0.1)
    held.close()  # back to the pool: the waiting thread gets it
    waiter.join(timeout=5)
    assert got == [1]
    engine.dispose()


def test_sqlite_writers_of_a_process_take_turns_and_give_them_back(tmp_path) -> None:
    """A second writer waits on the process's turn, not in SQLite's sleeping busy handler, and
    starts as the first commits; a rollback, or a connection checked in mid-write, gives the
    turn back too."""
    engine = db.make_engine(f"sqlite:///{tmp_path}/x.db")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    events: list[str] = []
    first_wrote = threading.Event()

    def second() -> None:
        first_wrote.wait(5)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (2)"))
            events.append("second wrote")

    other = threading.Thread(target=second)
    other.start()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        first_wrote.set()
        time.sleep(0.2)  # the second writer is waiting for its turn by now
        events.append("first commits")
    other.join(5)
    assert events == ["first commits", "second wrote"]
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO t VALUES (3)"))
        connection.rollback()
        connection.execute(text("INSERT INTO t VALUES (4)"))
    # closed without a commit: checked in, rolled back, turn given back
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (5)"))
    assert time.perf_counter() - started < 0.5
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2, 5]


def test_the_wal_is_copied_back_by_a_checkpoint_off_the_writers_path(tmp_path) -> None:
    """A commit leaves the WAL as it is (SQLite's own checkpoint is only a backstop, at
    WAL_BACKSTOP_PAGES); a moment later a thread of its own copies it into the database file."""
    path = tmp_path / "x.db"
    engine = db.make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == (
            write_turns.WAL_BACKSTOP_PAGES
        )
        connection.execute(text("CREATE TABLE t (blob TEXT)"))
    time.sleep(write_turns.CHECKPOINT_DELAY_SECONDS + 0.5)
    before = path.stat().st_size
    started = time.perf_counter()
    with engine.begin() as connection:  # 1 MB: about 250 pages in the WAL
        connection.execute(text("INSERT INTO t VALUES (:blob)"), {"blob": "x" * 1_000_000})
    committed = time.perf_counter()
    assert path.stat().st_size == before, "the commit itself copied the WAL back"
    while path.stat().st_size == before and time.perf_counter() - started < 5:
        time.sleep(0.02)
    assert path.stat().st_size > before + 900_000
    assert time.perf_counter() - committed >= write_turns.CHECKPOINT_DELAY_SECONDS * 0.9
    engine.dispose()


def test_a_checkpoint_asked_for_in_a_forked_worker_is_run_there(tmp_path) -> None:
    """A fork inherits the parent's "one is on its way", but not the thread that would run it."""
    checkpoints = write_turns.Checkpoints(str(tmp_path / "x.db"))
    checkpoints.pending = os.getpid() + 1  # the parent's timer, not running in this process
    ran = threading.Event()
    checkpoints.run = ran.set  # type: ignore[method-assign]
    checkpoints.soon()
    assert ran.wait(5)
    checkpoints.soon()  # one on its way here now: no second timer
    assert checkpoints.pending == os.getpid()


def test_a_write_waiting_for_its_turn_waits_that_much_less_on_sqlite(tmp_path) -> None:
    """The turn and SQLite's busy handler share one deadline: with another process holding the
    write lock, a writer queued behind this process's first one fails within the busy timeout
    too, not after the first one's wait and then its own."""
    path = tmp_path / "x.db"
    busy = db.Timeouts(statement=0.4)
    engine = db.make_engine(f"sqlite:///{path}", timeouts=busy)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    other_process = sqlite3.connect(path, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    took: dict[str, float] = {}

    def write(n: int) -> None:
        started = time.perf_counter()
        with pytest.raises(exc.OperationalError, match="locked"), engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        took[f"writer {n}"] = time.perf_counter() - started

    writers = [threading.Thread(target=write, args=(n,)) for n in (1, 2)]
    writers[0].start()
    time.sleep(0.1)  # the first holds the turn, asleep in SQLite's busy handler
    writers[1].start()
    for writer in writers:
        writer.join(5)
    other_process.execute("ROLLBACK")
    other_process.close()
    assert set(took) == {"writer 1", "writer 2"}
    assert all(0.3 < seconds < 0.4 + 0.15 for seconds in took.values()), took
    with engine.begin() as connection:  # the full busy timeout is back once the turn is
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 400
        connection.execute(text("INSERT INTO t VALUES (3)"))
    engine.dispose()


TURN_HOLDER = """
import sys
from sqlalchemy import text
from bot import db
engine = db.make_engine(sys.argv[1])
with engine.begin() as connection:
    connection.execute(text("INSERT INTO t VALUES (1)"))
    print("wrote", flush=True)
    sys.stdin.readline()
print("committed", flush=True)
"""


def test_sqlite_writers_of_two_processes_take_turns_on_the_lock_file(tmp_path) -> None:
    """Another process's writer holds `<database>-turn` (an fcntl lock) from its first write to
    its commit; this process's writer waits for it there and writes once it is given back."""
    path = tmp_path / "x.db"
    engine = db.make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    holder = subprocess.Popen(
        [sys.executable, "-c", TURN_HOLDER, f"sqlite:///{path}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert holder.stdin and holder.stdout
    try:
        assert holder.stdout.readline().strip() == "wrote"
        turn = os.open(f"{path}-turn", os.O_RDWR)
        with pytest.raises(OSError):
            fcntl.lockf(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the other process holds it
        wrote = threading.Event()

        def write() -> None:
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (2)"))
            wrote.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert not wrote.wait(0.2)  # waiting for its turn
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert wrote.wait(1.0)
        writer.join(1)
        assert holder.stdout.readline().strip() == "committed"
        fcntl.lockf(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)  # given back by both
        fcntl.lockf(turn, fcntl.LOCK_UN)
        os.close(turn)
    finally:
        holder.kill()
        holder.wait(5)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]
    engine.dispose()
