"""Every statement the hot requests run, explained on its database: is an index serving it?

    python bench/plans.py [--stores small,big] [--database-url postgresql://...] [--analyze]
                          [--only who-owns,history,log-call,click-history,crm-help] [--rebuild]

Per store (bench.hotpath.build_store), Rapport answers one request of each kind in process
(bench.hotpath.measure_in_process, which captures the statements with their parameters), and
each distinct statement is explained with the parameters it ran with:

- SQLite: `EXPLAIN QUERY PLAN`, and the statement run once more (a write inside a transaction
  that is rolled back) counting SQLite's virtual-machine steps: the work it did, which a hot
  statement's must not grow with the store.
- PostgreSQL: `EXPLAIN (ANALYZE, BUFFERS)` inside a transaction that is rolled back (so a write
  is planned, run and undone): the rows each node read and the buffers the statement touched.
  (A replayed `INSERT ... ON CONFLICT DO NOTHING` meets the row its request wrote, so on both
  databases its work is that of the conflict check; its plan is the insert's.)
  At the small store the planner rightly reads 300-row tables whole, which says nothing about
  the big one, so there it plans with `enable_seqscan = off`: a Seq Scan left means no index can
  serve the statement.

Verdicts: OK when every big table is reached through an index or a primary key; FLAG when a
plan scans a big table (SQLite `SCAN <table>`, also through an index: that walks all of it;
PostgreSQL `Seq Scan` on a table of more than LOTS rows in the store), or its work shows it
walked many rows all the same (SQLite: more than SQLITE_LOTS VM steps; PostgreSQL: a node that
returns or drops more than LOTS rows, or sorts that many).
Transaction control, `SELECT 1`, PRAGMAs and sqlite_master reads are OK by definition. With both
stores, each statement's work at the big store is set beside the small store's. Exit 1 on a FLAG.

Stores are kept for the next run: SQLite's in files named after the URL's (default
$TMPDIR/rapport-plans/store.db -> store-big-<migration>.db), PostgreSQL's in schemas
`bench_small` and `bench_big` of --database-url's database (nothing else in it is touched).
A kept store is used when it is at the newest migration and holds the store's accounts; each run
adds its few /log-call interactions to Acme. --rebuild builds afresh.

SQLite's planner has no statistics unless ANALYZE ran (build_store analyzes only PostgreSQL);
--analyze runs it before the requests and drops the statistics again at the end.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, make_url, text  # noqa: E402

from bench.hotpath import (  # noqa: E402
    CHANNEL,
    KINDS,
    SIZES,
    USER,
    ResponseSink,
    StoreSize,
    build_store,
    letters,
    measure_in_process,
)
from bot import db  # noqa: E402
from bot.standin.webapi import FakeSlack  # noqa: E402

LOTS = 5_000  # rows a node may read, drop or sort before its statement is FLAGged
SMALL_TABLES = {"alembic_version", "pipeline_stages"}  # a row per migration, a few per workspace
DEFAULT_SQLITE = Path(tempfile.gettempdir()) / "rapport-plans" / "store.db"
SQLITE_STEP = 10  # the progress handler counts SQLite's VM instructions this many at a time
SQLITE_LOTS = 10 * LOTS  # VM steps: a hot statement takes hundreds; walking LOTS rows, more
NOT_QUERIES = re.compile(
    r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET|SHOW|PRAGMA|SELECT 1\s*$|"
    r"SELECT .* FROM sqlite_(master|schema)\b)",
    re.IGNORECASE | re.DOTALL,
)
WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@dataclass
class Plan:
    statement: str
    runs: int  # how often the request ran it
    lines: list[str]  # the database's plan, as it prints it
    flags: list[str]  # why it is FLAGged; none: OK
    work: str = ""  # SQLite: VM steps; PostgreSQL: rows, buffers, time
    cost: float = 0.0  # the work as one number, to set a big store's beside a small one's

    @property
    def verdict(self) -> str:
        return "FLAG" if self.flags else "OK"


# -- verdicts --------------------------------------------------------------------------------------


def is_big(table: str) -> bool:
    return table.strip('"').lower() not in SMALL_TABLES


def sqlite_flags(details: list[str]) -> list[str]:
    """Why an EXPLAIN QUERY PLAN (its detail column) is FLAGged: a scan of a big table. A scan
    of a subquery's own rows (its CO-ROUTINE or MATERIALIZE above, each planned on its own
    lines) reads what that subquery returned, not a table."""
    subqueries = {
        m.group(1) for d in details if (m := re.match(r"(?:CO-ROUTINE|MATERIALIZE) (\S+)", d))
    }
    flags = []
    for detail in details:
        found = re.match(r"SCAN (\S+)(?: AS \S+)?(.*)", detail)
        if not found or detail.startswith("SCAN CONSTANT ROW"):
            continue
        table, rest = found.groups()
        if " VIRTUAL TABLE INDEX " in rest:
            if re.search(r"INDEX \d+:\S", rest):  # the table's own index: an FTS5 MATCH
                continue
            flags.append(f"reads the whole virtual table {table}")
        elif is_big(table) and table not in subqueries and not table.startswith(("(", "subquery")):
            how = " through an index" if "INDEX" in rest else ""
            flags.append(f"scans {table}{how}: its cost grows with the table")
    return flags


PG_SCAN = re.compile(r"Seq Scan on (\S+)")
PG_ROWS = re.compile(r"actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)")
PG_REMOVED = re.compile(r"Rows Removed by (?:Filter|Index Recheck|Join Filter): (\d+)")


def postgres_flags(lines: list[str], few: dict[str, int] | None = None) -> list[str]:
    """Why an EXPLAIN (ANALYZE) is FLAGged: a Seq Scan on a big table (one not in `few`, the
    store's tables of LOTS rows or less), a node that read or dropped more than LOTS rows, a
    sort of more than LOTS."""
    flags = []
    for line in lines:
        node = line.strip().removeprefix("->").strip()
        scan = PG_SCAN.search(node)
        if scan and is_big(scan.group(1)) and scan.group(1) not in (few or {}):
            flags.append(f"Seq Scan on {scan.group(1)}")
        if (rows := PG_ROWS.search(node)) and int(rows.group(1)) * int(rows.group(2)) > LOTS:
            read = int(rows.group(1)) * int(rows.group(2))
            what = "sorts" if node.startswith(("Sort", "Incremental Sort")) else "returns"
            flags.append(f"{node.split('  ')[0]} {what} {read:,} rows")
        if (removed := PG_REMOVED.search(node)) and int(removed.group(1)) > LOTS:
            flags.append(f"{removed.group(0)}: it reads rows it doesn't want")
    return flags


# -- explaining ------------------------------------------------------------------------------------


def explain_all(engine: Engine, captured: list[tuple[str, Any]], *, small: bool) -> list[Plan]:
    """Each distinct statement of `captured`, explained with the first parameters it ran with."""
    first: dict[str, Any] = {}
    runs: dict[str, int] = {}
    for statement, parameters in captured:
        first.setdefault(statement, parameters)
        runs[statement] = runs.get(statement, 0) + 1
    plans = []
    for statement, parameters in first.items():
        if NOT_QUERIES.match(statement):
            plans.append(Plan(statement, runs[statement], ["(not a query of a table)"], []))
        elif engine.dialect.name == "postgresql":
            plans.append(explain_postgres(engine, statement, parameters, runs[statement], small))
        else:
            plans.append(explain_sqlite(engine, statement, parameters, runs[statement]))
    return plans


@contextmanager
def raw_cursor(engine: Engine) -> Iterator[Any]:
    """A DB-API cursor whose work is rolled back at the end, writes included."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
            raw.rollback()
    finally:
        raw.close()


def explain_sqlite(engine: Engine, statement: str, parameters: Any, runs: int) -> Plan:
    with raw_cursor(engine) as cursor:
        details = [row[3] for row in cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
        steps = [0]

        def count() -> int:
            steps[0] += SQLITE_STEP
            return 0

        connection = cursor.connection
        connection.set_progress_handler(count, SQLITE_STEP)
        try:
            rows = len(cursor.execute(statement, parameters).fetchall())
        finally:
            connection.set_progress_handler(None, 0)
    lines = details or ["(no table read: the plan is empty)"]
    work = f"~{steps[0]:,} VM steps, {rows} rows"
    flags = sqlite_flags(details)
    if flags and WRITES.match(statement) and steps[0] < SQLITE_LOTS:
        # A write's plan shows the scans of its foreign-key checks, which SQLite skips at run
        # time when it can't have broken (or mended) a constraint: it did little work here.
        lines += [f"(not run: {flag}; the statement took ~{steps[0]:,} VM steps)" for flag in flags]
        flags = []
    if steps[0] > SQLITE_LOTS:  # an index SEARCH too can walk most of a table
        flags.append(f"took ~{steps[0]:,} VM steps: it walks many rows")
    return Plan(statement, runs, lines, flags, work, steps[0])


PG_BUFFERS = re.compile(r"Buffers: shared(?: hit=(\d+))?(?: read=(\d+))?(?: dirtied=(\d+))?")


def explain_postgres(
    engine: Engine, statement: str, parameters: Any, runs: int, small: bool
) -> Plan:
    with raw_cursor(engine) as cursor:
        if small:  # see the module's docstring: can an index serve it?
            cursor.execute("SET LOCAL enable_seqscan = off")
            few = {}
        else:
            few = few_rows(cursor)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        lines = [row[0] for row in cursor.fetchall()]
    buffers = next((PG_BUFFERS.search(line) for line in lines if "Buffers:" in line), None)
    touched = sum(int(n or 0) for n in buffers.groups()[:2]) if buffers else 0
    top = PG_ROWS.search(lines[0]) if lines else None
    took = next((line for line in lines if line.startswith("Execution Time")), "")
    work = (
        f"{touched:,} buffers, {top.group(1) if top else '?'} rows, "
        f"{took.removeprefix('Execution Time: ')}"
    )
    notes = [
        f"(a Seq Scan on {table} is the planner's choice for its {rows} rows in this store)"
        for table, rows in few.items()
        if f"Seq Scan on {table} " in "\n".join(lines)
    ]
    return Plan(statement, runs, lines + notes, postgres_flags(lines, few), work, touched)


def few_rows(cursor: Any) -> dict[str, int]:
    """The tables of the store's schema with LOTS rows or less (as last analyzed)."""
    cursor.execute(
        "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' "
        "AND relnamespace = current_schema()::regnamespace AND reltuples BETWEEN 0 AND %s",
        (LOTS,),
    )
    return {name: int(rows) for name, rows in cursor.fetchall()}


# -- stores ----------------------------------------------------------------------------------------


def expected_accounts(size: StoreSize) -> int:
    """Accounts build_store makes: the workspace's, and the other one's (an Acme and more)."""
    return size.accounts + 1 + max(10, size.accounts // 100)


def store_url(url: str, size: StoreSize, *, building: bool = False) -> str:
    """Where `size`'s store is kept: a file of its own (SQLite) or a schema (PostgreSQL); or,
    `building`, where it is built until it is complete."""
    parsed = db.normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or DEFAULT_SQLITE)
        name = f"{path.stem}-{size.name}-{db.head_revision()}{'-building' if building else ''}"
        return f"sqlite:///{path.with_name(name + path.suffix)}"
    query = {**parsed.query, "options": f"-csearch_path={schema(size, building)},public"}
    return parsed.set(query=query).render_as_string(hide_password=False)


def schema(size: StoreSize, building: bool = False) -> str:
    return f"bench_{size.name}{'_building' if building else ''}"


def holds_store(url: str, size: StoreSize) -> bool:
    engine = db.make_engine(url, timeouts=db.MAINTENANCE_TIMEOUTS)
    try:
        if not db.is_current(engine):
            return False
        with engine.connect() as connection:
            found = connection.execute(text("SELECT count(*) FROM accounts")).scalar_one()
        return found == expected_accounts(size)
    finally:
        engine.dispose()


def prepared_store(url: str, size: StoreSize, *, rebuild: bool = False) -> str:
    """A URL of `size`'s store near `url`: the kept one, or one built now."""
    at, building = store_url(url, size), store_url(url, size, building=True)
    if not rebuild and holds_store(at, size):
        print(f"  kept store: {safe(at)}", flush=True)
        return at
    if make_url(at).get_backend_name() == "sqlite":
        path, draft = (Path(make_url(u).database or "") for u in (at, building))
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in [*path.parent.glob(path.name + "*"), *path.parent.glob(draft.name + "*")]:
            leftover.unlink()  # the files, their -wal and -shm
        print(f"  building {safe(at)} ...", flush=True)
        print(f"  built in {build_store(building, size):.1f} s", flush=True)
        draft.rename(path)  # only a whole store is kept (build_store closed it: no -wal left)
        return at
    admin = db.make_engine(url, timeouts=db.MAINTENANCE_TIMEOUTS)
    try:
        with admin.begin() as connection:
            if connection.execute(text("SELECT to_regclass('public.accounts')")).scalar():
                raise SystemExit(
                    f"{safe(url)} holds Rapport's tables in its public schema, where a store's "
                    "schema would find them: give an empty database (createdb rapport_bench)"
                )
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema(size, True)} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema(size, True)}"))
            # In public, so each store's schema finds gin_trgm_ops (migration 0019 makes the
            # extension only where there is none yet).
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        print(f"  building {safe(at)} ...", flush=True)
        print(f"  built in {build_store(building, size):.1f} s", flush=True)
        with admin.begin() as connection:  # only a whole store is kept
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema(size)} CASCADE"))
            connection.execute(text(f"ALTER SCHEMA {schema(size, True)} RENAME TO {schema(size)}"))
    finally:
        admin.dispose()
    return at


def safe(url: str) -> str:
    return urllib.parse.unquote(make_url(url).render_as_string(hide_password=True))


@contextmanager
def sqlite_statistics(url: str, analyze: bool) -> Iterator[None]:
    """With `analyze` on SQLite, the planner's statistics (ANALYZE) while the block runs."""
    if not analyze or not url.startswith("sqlite"):
        yield
        return
    engine = db.make_engine(url, timeouts=db.MAINTENANCE_TIMEOUTS)
    try:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        yield
    finally:
        with engine.begin() as connection:  # the kept store stays as build_store left it
            connection.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
            connection.execute(text("DROP TABLE IF EXISTS sqlite_stat4"))
        engine.dispose()


# -- the run ---------------------------------------------------------------------------------------


def plans_of_store(
    url: str, size: StoreSize, kinds: list[str], fake: FakeSlack, sink: ResponseSink
) -> dict[str, list[Plan]]:
    """Per request kind, the plan of each distinct statement one request of it ran."""
    # A kept store has this /log-call's text from the last run: a new one, so it writes again.
    tag = letters(time.time_ns() // 1000)
    measured = measure_in_process(url, fake.api_url, sink, kinds, repeat=1, tag=tag)
    engine = db.make_engine(url, timeouts=db.MAINTENANCE_TIMEOUTS)
    try:
        return {
            kind: explain_all(engine, measured.sql[kind], small=size.name == "small")
            for kind in kinds
        }
    finally:
        engine.dispose()


def print_plans(store: str, plans: dict[str, list[Plan]]) -> None:
    for kind, found in plans.items():
        print(f"\n== {store} store, {kind}: {len(found)} distinct statement(s)")
        for n, plan in enumerate(found, 1):
            runs = f" (ran {plan.runs}x)" if plan.runs > 1 else ""
            print(f"[{plan.verdict}] {kind} #{n}{runs}: {one_line(plan.statement)}")
            for line in plan.lines:
                print(f"      {line}")
            if plan.work:
                print(f"    work: {plan.work}")
            for flag in plan.flags:
                print(f"    FLAG: {flag}")


def one_line(statement: str, width: int = 160) -> str:
    flat = " ".join(statement.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def print_summary(runs: dict[str, dict[str, list[Plan]]]) -> None:
    stores = list(runs)
    head = f"{'request':<14} {'#':>2} {'statement':<70}" + "".join(
        f" {store + ' work':>14} {'':<4}" for store in stores
    )
    print("\n" + head)
    print("-" * len(head))
    kinds = next(iter(runs.values()))
    for kind in kinds:
        for n, plan in enumerate(kinds[kind]):
            line = f"{kind:<14} {n + 1:>2} {one_line(plan.statement, 70):<70}"
            for store in stores:
                match = [p for p in runs[store][kind] if p.statement == plan.statement]
                line += (
                    f" {match[0].cost:>14,.0f} {match[0].verdict:<4}"
                    if match
                    else f" {'-':>14} {'':<4}"
                )
            print(line)
    print(
        "work: SQLite VM steps (approximate), PostgreSQL buffers touched; OK: an index or a"
        " primary key serves it; FLAG: see the plans above"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--stores", default="small,big", help="of: " + ", ".join(SIZES))
    parser.add_argument(
        "--only", default=",".join(KINDS), help="request kinds, of: " + ", ".join(KINDS)
    )
    parser.add_argument(
        "--database-url", default=f"sqlite:///{DEFAULT_SQLITE}", help="where stores are kept"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the stores afresh")
    parser.add_argument("--analyze", action="store_true", help="SQLite: ANALYZE first")
    args = parser.parse_args()
    stores, kinds = args.stores.split(","), args.only.split(",")
    if unknown := [s for s in stores if s not in SIZES] + [k for k in kinds if k not in KINDS]:
        parser.error(f"unknown: {', '.join(unknown)}")

    runs: dict[str, dict[str, list[Plan]]] = {}
    with FakeSlack() as fake, ResponseSink() as sink:
        fake.add_user(USER, name="alice", real_name="Alice Ng", tz="America/New_York")
        fake.add_channel(CHANNEL, name="sales")
        for store in stores:
            size = SIZES[store]
            print(f"{store} store: {size.accounts:,} accounts ...", flush=True)
            url = prepared_store(args.database_url, size, rebuild=args.rebuild)
            with sqlite_statistics(url, args.analyze):
                runs[store] = plans_of_store(url, size, kinds, fake, sink)
            print_plans(store, runs[store])
    print_summary(runs)
    flagged = [
        f"{store} {kind}: {one_line(plan.statement, 100)}"
        for store, plans in runs.items()
        for kind, found in plans.items()
        for plan in found
        if plan.flags
    ]
    database = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    stats = " (after ANALYZE)" if args.analyze and database == "SQLite" else ""
    if flagged:
        print(f"\n{database}{stats}: {len(flagged)} statement(s) FLAGged:")
        print("\n".join("  " + line for line in flagged))
        sys.exit(1)
    print(f"\n{database}{stats}: every hot statement is served by an index")


if __name__ == "__main__":
    main()
