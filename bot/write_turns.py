"""SQLite's writers take turns (bot.db attaches WriteTurns to every SQLite engine)."""

import logging
import os
import re
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable
from contextlib import closing, suppress
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine.interfaces import ExecutionContext

try:
    import fcntl
except ImportError:  # not on Windows: a process's writers still take turns among themselves
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

# SQLite's own checkpoint, run by a commit once the WAL holds this many pages: only a backstop,
# for when the checkpoints below can't keep up (bot.db sets it on every connection).
WAL_BACKSTOP_PAGES = 10_000
CHECKPOINT_DELAY_SECONDS = 0.2  # a checkpoint waits this long after a commit, to take in more


class WriteTurns:
    """SQLite's writers take turns: a thread lock among a process's, a lock file among processes.

    SQLite lets one connection write at a time; a writer that finds the lock taken sleeps (1, 2,
    5, ... up to 100 ms) and tries again, so under load a /log-call waited hundreds of ms on a
    lock freed long before. Here a connection takes the turn before its first write of a
    transaction (the process's lock, then an fcntl lock on `<database>-turn`, which the kernel
    frees if the process dies) and gives it back once its COMMIT or ROLLBACK is done (or at
    check-in, whatever happened), so the next writer starts the moment the last one is done.
    The turn and SQLite's busy handler share one deadline: a writer that waited for its turn
    waits that much less on SQLite (and none when it waited the whole timeout), so a write
    still fails within the busy timeout. A writer that never takes turns (the sqlite3 shell,
    another program) still meets SQLite's own wait."""

    TAKEN = "rapport_write_turn"  # in the pooled connection's info: what it holds
    SHORTENED = "rapport_busy_shortened"

    def __init__(self, timeout: float, database: str | None) -> None:
        self.timeout = timeout
        self.lock = threading.Lock()  # not an RLock: a collected connection's turn is given
        # back by whichever thread checks it in
        on_disk = database if database not in (None, "", ":memory:") else None
        self.path = f"{on_disk}-turn" if on_disk and fcntl is not None else None
        self.opened: tuple[int, int] | None = None  # (pid, fd): a forked worker opens its own
        self.checkpoints = Checkpoints(on_disk) if on_disk else None

    def attach(self, engine: Engine) -> None:
        """Wraps this engine's own dialect's execute, commit and rollback: an engine event
        (before_cursor_execute) would make SQLAlchemy dispatch events on every statement, about
        90,000 instructions each."""
        event.listen(engine.pool, "checkin", self.checked_in)
        dialect: Any = engine.dialect
        for name in ("do_execute", "do_executemany", "do_execute_no_params"):
            setattr(dialect, name, self._taking_turn(getattr(dialect, name)))
        for name in ("do_commit", "do_rollback"):  # given back once SQLite has finished
            setattr(dialect, name, self._then_give_back(getattr(dialect, name)))

    def _taking_turn(self, execute: Callable[..., None]) -> Callable[..., None]:
        def taking_turn(cursor: Any, statement: str, *rest: Any) -> None:
            # SQLAlchemy passes the execution context last: (parameters,) context
            context = rest[-1] if rest and isinstance(rest[-1], ExecutionContext) else None
            self.before_write(context, statement)
            execute(cursor, statement, *rest)

        return taking_turn

    def before_write(self, context: Any, statement: str) -> None:
        if context is None or not _WRITES.match(statement):
            return
        conn: Connection = context.root_connection
        if self.TAKEN in conn.info:
            return
        deadline = time.monotonic() + self.timeout
        if not self.lock.acquire(timeout=self.timeout):
            conn.info[self.TAKEN] = ()
        else:
            conn.info[self.TAKEN] = ("thread", "file") if self._take_file(deadline) else ("thread",)
        if (left := deadline - time.monotonic()) < self.timeout - 0.001:
            conn.info[self.SHORTENED] = True
            _busy_timeout(conn.connection.dbapi_connection, max(0.0, left))

    def _take_file(self, deadline: float) -> bool:
        """The lock file's turn, by `deadline` (polled: fcntl's wait has none); True if taken or
        there is no lock file to take."""
        if (fd := self._fd()) is None:
            return True
        pause = 0.0002
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except OSError:
                if time.monotonic() + pause > deadline:
                    return False
                time.sleep(pause)
                pause = min(2 * pause, 0.002)

    def _fd(self) -> int | None:
        """This process's descriptor of the lock file (opened under the thread lock)."""
        if self.path is None:
            return None
        if self.opened is None or self.opened[0] != os.getpid():
            try:
                self.opened = (os.getpid(), os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            except OSError:  # not ours to write: SQLite's own wait, as before
                self.path = None
                return None
        return self.opened[1]

    def _then_give_back(self, finish: Callable[[Any], None]) -> Callable[[Any], None]:
        def finished(dbapi_connection: Any) -> None:
            info = _info(dbapi_connection)
            wrote = self.TAKEN in info
            try:
                finish(dbapi_connection)
            finally:
                self._give_back(info, dbapi_connection)
            if wrote and self.checkpoints is not None:
                self.checkpoints.soon()

        return finished

    def checked_in(self, dbapi_connection: Any, record: Any) -> None:
        self._give_back(record.info, dbapi_connection)

    def _give_back(self, info: dict, dbapi_connection: Any) -> None:
        if info.pop(self.SHORTENED, False) and dbapi_connection is not None:
            with suppress(Exception):  # a broken connection is dropped, its timeout with it
                _busy_timeout(dbapi_connection, self.timeout)
        held = info.pop(self.TAKEN, ())
        if "file" in held and self.opened is not None:
            fcntl.lockf(self.opened[1], fcntl.LOCK_UN)
        if "thread" in held:
            self.lock.release()


class Checkpoints:
    """The WAL copied back into the database by a thread of its own, a moment after commits.

    SQLite's default has the commit that fills the WAL to 1,000 pages copy it back and sync both
    files (5-20 ms of fsync), while that writer still holds its turn: every 100-odd /log-calls,
    every other writer waited behind it. A PASSIVE checkpoint takes no write lock, so here
    writers go on while it syncs; SQLite's own stays as the backstop (`WAL_BACKSTOP_PAGES`) for
    a WAL that a steady stream of writes keeps from starting over."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.lock = threading.Lock()
        self.pending: int | None = None  # the pid whose timer will run it (a fork has none)

    def soon(self) -> None:
        """A checkpoint in `CHECKPOINT_DELAY_SECONDS`, unless one is on its way already."""
        with self.lock:
            if self.pending == os.getpid():
                return
            self.pending = os.getpid()
        timer = threading.Timer(CHECKPOINT_DELAY_SECONDS, self.run)
        timer.daemon = True
        timer.start()

    def run(self) -> None:
        with self.lock:
            self.pending = None
        try:
            # mode=rw: a database deleted meanwhile (a test's) is not made again, empty
            uri = f"file:{urllib.parse.quote(self.database)}?mode=rw"
            with closing(sqlite3.connect(uri, uri=True, timeout=0)) as connection:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:  # gone, or busy: the next commit asks again; the backstop stands
            logger.debug("WAL checkpoint of %s skipped", self.database, exc_info=True)


def _info(pooled: Any) -> dict:
    try:
        return pooled.info
    except NotImplementedError:  # the dialect's first look at a new connection: no turn taken
        return {}


def _busy_timeout(dbapi_connection: Any, seconds: float) -> None:
    dbapi_connection.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")


_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
