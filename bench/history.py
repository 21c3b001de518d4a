"""How /history pages scale: 100,000 interactions on one account, first page vs deep pages.

    python bench/history.py [--interactions 100000] [--database-url postgresql://…]

Builds a scratch database (a temp SQLite file, or a new database on the PostgreSQL server named),
times the first page, a page 10,000 entries deep and a page back towards the newest, and prints
the query plan of the first page's interactions query, as the database itself reports it.
"""

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, event, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import db
from models.accounts import Account
from models.interactions import Interaction
from models.reps import Rep
from models.timeline import EntryKind, Page, account_timeline
from tests.databases import temporary_database

TEAM_ID, T0 = "T0BENCH", datetime(2020, 1, 1, tzinfo=UTC)
INTERACTIONS_ONLY = frozenset({EntryKind.CALL, EntryKind.MEETING, EntryKind.EMAIL, EntryKind.NOTE})


def fill(engine: Engine, count: int) -> int:
    with engine.begin() as connection:
        rep = connection.execute(
            insert(Rep)
            .values(
                team_id=TEAM_ID,
                slack_user_id="U0BENCH",
                name="bench",
                tz="UTC",
                is_admin=False,
                active=True,
                created_at=T0,
                updated_at=T0,
            )
            .returning(Rep.id)
        ).scalar_one()  # type: ignore[arg-type]
        accounts = [
            connection.execute(
                insert(Account)
                .values(
                    team_id=team,
                    name=f"Account {n}",
                    normalized_name=f"account {n}",
                    status="active",
                    owner_id=rep,
                    created_at=T0,
                )
                .returning(Account.id)
            ).scalar_one()  # type: ignore[arg-type]
            for n, team in enumerate([TEAM_ID, TEAM_ID, "T0OTHER"])
        ]
        rows = [
            {
                "team_id": TEAM_ID if n % 10 else "T0OTHER",
                "account_id": accounts[0] if n % 10 else accounts[2],
                "rep_id": rep,
                "kind": "call",
                "summary": f"note {n}",
                "occurred_at": T0 + timedelta(minutes=n),
                "source": "import",
                "created_at": T0,
            }
            for n in range(count + count // 9)
        ]
        rows += [
            {**rows[0], "account_id": accounts[1], "summary": f"other {n}"}
            for n in range(count // 10)
        ]
        for start in range(0, len(rows), 20_000):
            connection.execute(insert(Interaction), rows[start : start + 20_000])
        connection.execute(text("ANALYZE"))
    return accounts[0]


def timed(
    engine: Engine, account_id: int, repeat: int, **kwargs: object
) -> tuple[list[float], Page]:
    factory = db.make_session_factory(engine)
    times, page = [], None
    for _ in range(repeat):
        with factory.begin() as session:
            started = time.perf_counter()
            page = account_timeline(
                session=session, team_id=TEAM_ID, account_id=account_id, **kwargs
            )  # type: ignore[arg-type]
            times.append((time.perf_counter() - started) * 1000)
    assert page is not None
    return times, page


def plan(engine: Engine, account_id: int) -> str:
    """The database's own plan for the first page's interactions query."""
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM interactions" in statement and not captured:
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        timed(engine, account_id, 1, kinds=INTERACTIONS_ONLY)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = captured[0]
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if engine.dialect.name == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(prefix + statement, parameters)
        return "\n".join("  " + " | ".join(str(c) for c in row) for row in cursor.fetchall())
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with temporary_database(args.database_url, prefix="rapport_bench") as url:
        engine = db.make_engine(url)
        db.upgrade(engine)
        started = time.perf_counter()
        account_id = fill(engine, args.interactions)
        print(
            f"{engine.dialect.name}: {args.interactions:,} interactions on one account "
            f"(plus others and a second team); setup {time.perf_counter() - started:.1f} s"
        )
        first, page = timed(engine, account_id, 50)
        deep_cursor = page.older
        walked = 0
        factory = db.make_session_factory(engine)
        with factory.begin() as session:  # walk to entry 10,000 by cursor, as the Older button does
            while deep_cursor and walked < 10_000:
                deep = account_timeline(
                    session=session,
                    team_id=TEAM_ID,
                    account_id=account_id,
                    older_than=deep_cursor,
                    limit=100,
                )
                walked += len(deep.entries)
                deep_cursor = deep.older
        deep_times, deep_page = timed(engine, account_id, 50, older_than=deep_cursor)
        newer_times, _ = timed(engine, account_id, 50, newer_than=deep_page.newer)
        for name, times in [
            ("first page", first),
            (f"page at entry {walked:,}", deep_times),
            ("newer page from there", newer_times),
        ]:
            ordered = sorted(times)
            print(
                f"  {name:<24} p50 {statistics.median(ordered):6.2f} ms  "
                f"p99 {ordered[int(0.99 * (len(ordered) - 1))]:6.2f} ms"
            )
        print("query plan, first page (interactions):")
        print(plan(engine, account_id))
        engine.dispose()


if __name__ == "__main__":
    main()
