"""Where the floor of each hot request is: its statements' own cost, beside the bare Bolt app's.

    python bench/floor.py [--runs 200] [--cpu-runs 2000] [--database-url postgresql://...]

Builds bench/ack.py's small store (bench.hotpath.build_store) in a fresh database (a temporary
SQLite file, or a temporary database on --database-url's server, dropped at the end; the
database the URL names is only connected to, to create and drop it), has Rapport answer one
request of each kind (bench.hotpath.measure_in_process, repeat=1) and keeps each request's
statements, in order, with their parameters as the driver got them (an executemany with its
first row only; an enum's value in place of the enum). They are replayed on a copy of the
store taken before that request, so a replayed write does what the request's did (/log-call's
INSERT finds no row of its own to conflict with, its UPDATE a touch to move), and each replay
is one transaction rolled back, so every replay does the same. A rollback costs the database
less than the request's commit (no WAL flush), so every replayed figure is a lower bound.

SQLite: instructions per request, counted by callgrind over one process (every thread): each
figure is the instructions between two dumps (bench.hotpath.mark) around `--runs` runs, after
3 unmeasured ones, divided by `--runs` (start-up and warm-up fall in dumps of their own).

- bare app: the bare Bolt app's whole request (bench/bare_app.py, built from Rapport's answers,
  dispatched in process as bench.hotpath.callgrind_main does: bench/ack.py's "bare Mi"; in
  Bolt's default mode, or with BENCH_BARE_BEFORE_RESPONSE=1 in Rapport's).
- sqlite3: the request's statements on a bare `sqlite3` connection (isolation_level=None,
  Rapport's PRAGMAs), between BEGIN and ROLLBACK: the engine's own work, next to nothing of
  Python's.
- cursor: the same statements on a SQLAlchemy Session's DB-API cursor (rolled back): what the
  Session, its pool and its connection add.
- models: /who-owns only, models.summaries.owner_card_named as Rapport runs it (Core on a
  connection in its own transaction, Turn.reading): what building and reading the statements
  adds.
- ceiling: bare / (bare + sqlite3). A Rapport request does at least the bare app's work and the
  database engine's execution of its statements, so when CPU-bound it can't get above this
  ratio of the bare app's throughput (the goal is 0.90).

PostgreSQL: CPU per request, in a child process (not under valgrind), after unmeasured ones:

- bare app: time.process_time (every thread) over BARE_CPU_REQUESTS requests of the bare app.
- backend, client: the statements replayed `--cpu-runs` times on a bare psycopg connection (as
  the app's: psycopg prepares a statement it has run 5 times), each replay one transaction
  rolled back; backend: the server process's CPU (utime + stime of /proc/<pg_backend_pid>/stat,
  in clock ticks), client: this process's own CPU (the driver's), each per replay.
- ceiling: bare / (bare + backend + client).

Both ceilings set the database's work beside the bare app's in-process request; over HTTP both
apps also do the HTTP server's work, which puts the ceiling there somewhat higher.
"""

import argparse
import json
import os
import pickle
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bench import bare_app  # noqa: E402
from bench.hotpath import (  # noqa: E402
    CHANNEL,
    KINDS,
    SECRET,
    SIZES,
    USER,
    InProcessApp,
    Requests,
    ResponseSink,
    build_store,
    mark,
    measure_in_process,
)
from bot import db  # noqa: E402
from bot.standin.webapi import FakeSlack  # noqa: E402
from models.summaries import owner_card_named  # noqa: E402
from tests.databases import temporary_database  # noqa: E402

TEAM_ID = "T0001"  # bench/hotpath.py's workspace
GOAL = 0.90
WARM = 3  # unmeasured runs before each callgrind phase
CPU_WARM = 50  # unmeasured runs before each CPU phase
BARE_CPU_REQUESTS = 500  # the bare app's requests for its CPU (each waits on Bolt's ack poll)
CALLGRIND_TIMEOUT = 1800  # seconds, the whole valgrind run
WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
Statements = list[tuple[str, Any]]


def phases(sql: dict[str, Statements], postgres: bool) -> list[tuple[str, str]]:
    """The (kind, way) measured, in order: the bare app, then the replays of its statements."""
    out = []
    for kind, statements in sql.items():
        out.append((kind, "bare"))
        if statements:
            out += [(kind, "psycopg")] if postgres else [(kind, "sqlite3"), (kind, "cursor")]
        if kind == "who-owns" and not postgres:
            out.append((kind, "models"))
    return out


def plain(parameters: Any) -> Any:
    """The parameters with each enum's value in place of the enum."""
    if isinstance(parameters, dict):
        return {k: v.value if isinstance(v, Enum) else v for k, v in parameters.items()}
    return tuple(v.value if isinstance(v, Enum) else v for v in parameters)


# -- the children: the work measured ---------------------------------------------------------------


def replay(connection: Any, statements: Statements, check: bool = False) -> None:
    """One request's statements, each one's rows fetched (`check`: a write must change a row)."""
    for statement, parameters in statements:
        cursor = connection.execute(statement, parameters)
        if cursor.description is not None:
            cursor.fetchall()
        if check and WRITES.match(statement) and cursor.rowcount < 1:
            raise SystemExit(f"a replayed write changed no row: {' '.join(statement.split())}")


def workloads(plan: dict[str, Any]) -> dict[tuple[str, str], Callable[[bool], None]]:
    """Each phase's one run, by (kind, way); its argument asks a replay to check its writes."""
    saved = plan["saved"]
    requests = Requests(saved["response_url"], saved["click_body"])
    bare = InProcessApp(
        bare_app.build_app(
            saved["answers"], token="xoxb-bench", api_url=plan["api_url"], secret=SECRET
        )
    )
    url, postgres = plan["url"], plan["postgres"]
    sent = [0]

    def request(kind: str) -> Callable[[bool], None]:
        def once(_check: bool) -> None:
            sent[0] += 1
            status, body = bare.request(requests.body(kind, sent[0], "floor"))
            if status != 200:
                raise SystemExit(f"bare app {kind}: {status} {body[:200]!r}")

        return once

    if postgres:
        import psycopg

        conninfo = db.normalize_url(url).set(drivername="postgresql")
        connection: Any = psycopg.connect(conninfo.render_as_string(hide_password=False))
        plan["backend_pid"] = connection.info.backend_pid
    else:
        connection = sqlite3.connect(
            url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
        )
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            connection.execute(f"PRAGMA {pragma}")
        engine = db.make_engine(url)
        factory = db.make_session_factory(engine)

    def on_connection(statements: Statements) -> Callable[[bool], None]:
        def once(check: bool) -> None:
            if postgres:  # psycopg begins the transaction itself
                replay(connection, statements, check)
                connection.rollback()
                return
            connection.execute("BEGIN")
            replay(connection, statements, check)
            connection.execute("ROLLBACK")

        return once

    def on_cursor(statements: Statements) -> Callable[[bool], None]:
        def once(check: bool) -> None:
            with factory() as session:
                replay(session.connection().connection.driver_connection, statements, check)
                session.rollback()

        return once

    def models(_check: bool) -> None:  # as handlers.lookups.answer reads it: Turn.reading
        with engine.begin() as reader:
            assert owner_card_named(session=reader, team_id=TEAM_ID, name="acme") is not None

    out: dict[tuple[str, str], Callable[[bool], None]] = {}
    for kind, way in phases(plan["sql"], postgres):
        statements = plan["sql"][kind]
        if way == "bare":
            out[kind, way] = request(kind)
        elif way == "cursor":
            out[kind, way] = on_cursor(statements)
        elif way == "models":
            out[kind, way] = models
        else:
            out[kind, way] = on_connection(statements)
    return out


def callgrind_child(plan: dict[str, Any]) -> None:
    """Under valgrind: per phase, WARM runs, a mark, `runs` runs, a mark (so phase i's runs are
    dump 2i+2; see bench.hotpath.mark)."""
    for once in workloads(plan).values():
        for n in range(WARM):
            once(n == 0)
        mark()
        for _ in range(plan["runs"]):
            once(False)
        mark()


def backend_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def cpu_child(plan: dict[str, Any]) -> None:
    """Not under valgrind: per phase, seconds of CPU per run (the client's, and the server's
    backend's for a replay), printed as JSON."""
    work = workloads(plan)
    tick = 1 / os.sysconf("SC_CLK_TCK")
    figures: dict[str, dict[str, float]] = {}
    for (kind, way), once in work.items():
        for n in range(CPU_WARM):
            once(n == 0)
        runs = BARE_CPU_REQUESTS if way == "bare" else plan["cpu_runs"]
        ticks, started = backend_ticks(plan["backend_pid"]), time.process_time()
        for _ in range(runs):
            once(False)
        client = (time.process_time() - started) / runs
        backend = (backend_ticks(plan["backend_pid"]) - ticks) * tick / runs
        figures.setdefault(kind, {})
        if way == "bare":
            figures[kind]["bare"] = client
        else:
            figures[kind] |= {"backend": backend, "client": client}
    print(json.dumps(figures))


# -- the parent: stores, statements, children, tables ---------------------------------------------


@contextmanager
def store_copy(url: str, server_url: str | None, folder: Path) -> Iterator[str]:
    """A copy of the store at `url` as it is now (SQLite's backup; PostgreSQL's CREATE DATABASE
    ... TEMPLATE on `server_url`'s server), dropped at the end."""
    if url.startswith("sqlite"):
        copy = folder / "replay.db"
        source, target = sqlite3.connect(url.removeprefix("sqlite:///")), sqlite3.connect(copy)
        source.backup(target)
        target.close()
        source.close()
        yield f"sqlite:///{copy}"
        return
    store = db.normalize_url(url).database
    with temporary_database(server_url, prefix="rapport_replay", template=store) as copy:
        yield copy


def child_env() -> dict[str, str]:
    """This environment without proxies: the bare app posts to 127.0.0.1 (as bench/ack.py)."""
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}


def callgrind_counts(plan_file: Path, phase_count: int, folder: Path) -> list[int]:
    """Instructions of each phase's runs, from one valgrind run of callgrind_child."""
    out = folder / "callgrind.out"
    command = [
        "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
        "--dump-before=os_getppid", "--dump-instr=no", "--compress-strings=no",
        sys.executable, __file__, "--child", "callgrind", str(plan_file),
    ]  # fmt: skip
    run = subprocess.run(
        command, env=child_env(), cwd=ROOT, capture_output=True, text=True,
        timeout=CALLGRIND_TIMEOUT,
    )  # fmt: skip
    if run.returncode != 0:
        raise SystemExit(f"callgrind failed ({run.returncode}):\n{run.stderr[-3000:]}")
    totals = {}
    for dump in folder.glob(out.name + ".*"):
        if (number := dump.name.rsplit(".", 1)[1]).isdigit():
            found = re.search(r"^summary: (\d+)", dump.read_text(errors="replace"), re.M)
            totals[int(number)] = int(found.group(1)) if found else 0
    if len(totals) < 2 * phase_count:  # one per mark; the last, at exit, has no number
        raise SystemExit(f"callgrind: {len(totals)} dumps, {2 * phase_count} expected")
    return [totals[2 * i + 2] for i in range(phase_count)]


def cpu_figures(plan_file: Path) -> dict[str, dict[str, float]]:
    command = [sys.executable, __file__, "--child", "cpu", str(plan_file)]
    run = subprocess.run(
        command, env=child_env(), cwd=ROOT, capture_output=True, text=True, timeout=1800
    )
    if run.returncode != 0:
        raise SystemExit(f"the CPU child failed ({run.returncode}):\n{run.stderr[-3000:]}")
    figures: dict[str, dict[str, float]] = json.loads(run.stdout.splitlines()[-1])
    return figures


def ceiling(bare: float, database: float) -> float:
    return bare / (bare + database) if bare else float("nan")


Row = tuple[list[float | None], float]  # a kind's figures (None: not measured), its ceiling


def print_table(
    columns: list[str], sql: dict[str, Statements], rows: dict[str, Row], shown: str, legend: str
) -> None:
    """One line per kind: its statements, its figures (`shown`, a format spec), its ceiling;
    then `legend` and the kinds whose ceiling is below the goal."""
    head = f"{'request':<14} {'SQL':>3}" + "".join(f" {c:>8}" for c in [*columns, "ceiling"])
    print(head)
    print("-" * len(head))
    for kind, (figures, limit) in rows.items():
        cells = "".join(f" {f:{shown}}" if f is not None else f" {'-':>8}" for f in figures)
        print(f"{kind:<14} {len(sql[kind]):>3}{cells} {limit:8.2f}")
    print(legend)
    low = [kind for kind, (_, limit) in rows.items() if limit < GOAL]
    print(f"ceiling below {GOAL:.2f}: {', '.join(low) if low else 'none'}")


def sqlite_table(sql: dict[str, Statements], counts: dict[tuple[str, str], float]) -> None:
    rows: dict[str, Row] = {}
    for kind in sql:
        figures = [counts.get((kind, way)) for way in ("bare", "sqlite3", "cursor", "models")]
        millions = [f / 1e6 if f is not None else None for f in figures]
        rows[kind] = (millions, ceiling(figures[0] or 0.0, figures[1] or 0.0))
    legend = (
        "millions of instructions per request; bare app: the bare Bolt app's whole request;"
        " sqlite3, cursor: the request's statements replayed on a bare sqlite3 connection and"
        " on a Session's DB-API cursor; models: /who-owns's reads as Rapport runs them;"
        " ceiling: bare / (bare + sqlite3)"
    )
    print_table(["bare app", "sqlite3", "cursor", "models"], sql, rows, "8.2f", legend)


def postgres_table(sql: dict[str, Statements], figures: dict[str, dict[str, float]]) -> None:
    rows: dict[str, Row] = {}
    for kind in sql:
        got = figures[kind]
        backend, client = got.get("backend"), got.get("client")
        micros = [f * 1e6 if f is not None else None for f in (got["bare"], backend, client)]
        rows[kind] = (micros, ceiling(got["bare"], (backend or 0.0) + (client or 0.0)))
    legend = (
        "microseconds of CPU per request; bare app: the bare Bolt app's whole request (every"
        " thread); backend, client: the request's statements replayed on a bare psycopg"
        " connection, the server's backend process and the client's; ceiling:"
        " bare / (bare + backend + client)"
    )
    print_table(["bare app", "backend", "client"], sql, rows, "8.0f", legend)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child, plan_file = sys.argv[2:4]
        plan = pickle.loads(Path(plan_file).read_bytes())
        (callgrind_child if child == "callgrind" else cpu_child)(plan)
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200, help="SQLite: runs per callgrind phase")
    parser.add_argument("--cpu-runs", type=int, default=2000, help="PostgreSQL: replays per kind")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    postgres = (args.database_url or "").startswith("postgres")
    if not postgres and shutil.which("valgrind") is None:
        raise SystemExit("needs valgrind (callgrind counts the instructions)")
    with (
        tempfile.TemporaryDirectory(prefix="rapport-floor-") as folder,
        FakeSlack() as fake,
        ResponseSink() as sink,
        temporary_database(args.database_url, prefix="rapport_floor") as url,
    ):
        fake.add_user(USER, name="alice", real_name="Alice Ng", tz="America/New_York")
        fake.add_channel(CHANNEL, name="sales")
        print("building the small store ...", flush=True)
        build_store(url, SIZES["small"])
        kinds = list(KINDS)
        # Rapport leaves the store as a warmed-up app does (its caller, its lookups), then the
        # copy is taken, then the requests whose statements are replayed on the copy.
        measure_in_process(url, fake.api_url, sink, kinds, repeat=1)
        with store_copy(url, args.database_url, Path(folder)) as replay_url:
            measured = measure_in_process(url, fake.api_url, sink, kinds, repeat=1, tag="again")
            sql = {kind: [(s, plain(p)) for s, p in measured.sql[kind]] for kind in kinds}
            plan = {
                "url": replay_url,
                "postgres": postgres,
                "api_url": fake.api_url,
                "saved": {
                    "answers": measured.answers,
                    "response_url": measured.requests.response_url,
                    "click_body": measured.requests.click_body,
                },
                "sql": sql,
                "runs": args.runs,
                "cpu_runs": args.cpu_runs,
            }
            plan_file = Path(folder) / "plan.pickle"
            plan_file.write_bytes(pickle.dumps(plan))
            print("statements per request: " + ", ".join(f"{k} {len(v)}" for k, v in sql.items()))
            if postgres:
                figures = cpu_figures(plan_file)
                print(
                    f"PostgreSQL, small store: CPU per request ({args.cpu_runs} replays, "
                    f"{BARE_CPU_REQUESTS} bare app requests, per kind; {os.cpu_count()} cores)"
                )
                postgres_table(sql, figures)
                return
            print("counting under valgrind (minutes) ...", flush=True)
            started = time.perf_counter()
            order = phases(sql, postgres)
            counts = callgrind_counts(plan_file, len(order), Path(folder))
            print(
                f"SQLite, small store: instructions per request (callgrind, {args.runs} runs "
                f"per figure, {time.perf_counter() - started:.0f} s under valgrind)"
            )
            sqlite_table(sql, {p: c / args.runs for p, c in zip(order, counts, strict=True)})


if __name__ == "__main__":
    main()
