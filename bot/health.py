"""/healthz's question: is the store up, and can it take writes? Asked on connections of its own
with a short deadline, so a busy pool is not a dead database and a hung probe holds no request's
connection."""

import os
import threading
import weakref
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from bot.db import PING_TIMEOUT_SECONDS, Timeouts, _engine, normalize_url

# A store this close to full is down: the next log would fail, and Slack would see the error.
MIN_FREE_BYTES = 16 * 1024 * 1024


def state(engine: Engine) -> str:
    """ "up", or why not: "down" (no answer), "read-only", or "disk full" (SQLite's volume)."""
    postgres = engine.dialect.name == "postgresql"
    question = (
        "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'"
        if postgres
        else "PRAGMA query_only"
    )
    try:
        with engine.connect() as connection:
            read_only = bool(connection.execute(text(question)).scalar())
    except Exception:
        return "down"
    if read_only:
        return "read-only"
    return "up" if postgres else _sqlite_file_state(engine.url.database)


def _sqlite_file_state(path: str | None) -> str:
    if not path or path == ":memory:":
        return "up"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK):
        return "read-only"
    volume = os.statvfs(folder)
    return "disk full" if volume.f_bavail * volume.f_frsize < MIN_FREE_BYTES else "up"


class Probe:
    """How a database is (`state`) within `seconds`, asked on connections of the probe's own (a
    busy pool is not a dead database, and a hung probe holds no request's connection). At most
    one probe query is in flight: a health check that finds one running waits for it."""

    def __init__(self, database_url: str | URL, *, seconds: float = PING_TIMEOUT_SECONDS) -> None:
        url = database_url if isinstance(database_url, URL) else normalize_url(database_url)
        self.seconds = seconds
        timeouts = Timeouts(connect=seconds, statement=seconds, lock=seconds, ping=seconds)
        self.engine = _engine(url, timeouts, {"poolclass": NullPool})
        self._lock = threading.Lock()
        self._running: Future[str] | None = None

    def __call__(self) -> str:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = Future()
                threading.Thread(
                    target=self._ask, args=(self._running,), name="db-probe", daemon=True
                ).start()
            running = self._running
        try:
            return running.result(timeout=self.seconds)
        except FutureTimeout:
            return "down"

    def _ask(self, answer: Future[str]) -> None:
        answer.set_result(state(self.engine))


_probes: "weakref.WeakKeyDictionary[Engine, Probe]" = weakref.WeakKeyDictionary()
_probes_lock = threading.Lock()


def probe(engine: Engine) -> Probe:
    """The probe for `engine`'s database (one per engine, made on first use)."""
    with _probes_lock:
        if engine not in _probes:
            _probes[engine] = Probe(engine.url)
        return _probes[engine]
