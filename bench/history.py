"""How /history pages scale: an account with 100,000 interactions, first page vs deep pages.

    python bench/history.py [--interactions 100000] [--repeat 200] [--database-url URL]

Builds a fresh database (a temporary SQLite file, or a temporary database on the PostgreSQL
server named by --database-url, dropped at the end), migrates it and fills it: one account with
N interactions (many sharing a timestamp) plus stage changes and follow-ups, other accounts of
the same workspace and a second workspace around it. Then, one transaction per page as a
handler does it, times the first page, walks 1,000 pages down with the Older cursor, times the
page found 10,000 entries deep and the Newer page back up from it, and prints the query plan
of the interactions query for the first page and for the deep page.
"""

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert, text
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import db
from models.accounts import Account
from models.deals import Deal, DealStageChange
from models.followups import Followup
from models.interactions import Interaction
from models.reps import Rep
from models.timeline import Cursor, Page, account_timeline
from tests.databases import temporary_database

TEAM_ID, OTHER_TEAM_ID = "T0BENCH", "T0OTHER"
T0 = datetime(2021, 1, 1, tzinfo=UTC)
DEPTH, PAGE = 10_000, 10
KINDS = ["call", "call", "meeting", "email", "note"]
STAGES = ["Lead", "Qualified", "Demo", "Proposal", "Negotiation", "Won"]
TABLES = ["reps", "accounts", "interactions", "deals", "deal_stage_changes", "followups"]
CHUNK = 10_000


def insert_rows(engine: Engine, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in chunks; their ids, in order."""
    ids: list[int] = []
    with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            result = connection.execute(
                insert(table).returning(table.id, sort_by_parameter_order=True),
                rows[start : start + CHUNK],
            )
            ids += result.scalars().all()
    return ids


def reps(team_id: str, count: int) -> list[dict[str, Any]]:
    return [
        {
            "team_id": team_id,
            "slack_user_id": f"U{team_id[2:]}{n:03}",
            "name": f"rep {n}",
            "tz": "UTC",
            "is_admin": False,
            "active": True,
            "created_at": T0,
            "updated_at": T0,
        }
        for n in range(count)
    ]


def accounts(team_id: str, owners: list[int], count: int) -> list[dict[str, Any]]:
    return [
        {
            "team_id": team_id,
            "name": f"Account {team_id} {n}",
            "normalized_name": f"account {team_id.lower()} {n}",
            "status": "active",
            "owner_id": owners[n % len(owners)],
            "created_at": T0,
        }
        for n in range(count)
    ]


def interactions(
    rng: random.Random, team_id: str, account_ids: list[int], rep_ids: list[int], count: int
) -> list[dict[str, Any]]:
    """`count` interactions over the accounts, a minute or so apart, one in five tied in time."""
    rows, at = [], T0
    for n in range(count):
        at += timedelta(seconds=0 if n % 5 == 4 else rng.randrange(30, 90))
        rows.append(
            {
                "team_id": team_id,
                "account_id": account_ids[n % len(account_ids)],
                "rep_id": rng.choice(rep_ids),
                "kind": rng.choice(KINDS),
                "summary": f"Talked about the renewal, item {n}; they want SSO and a quote.",
                "occurred_at": at,
                "source": "import",
                "created_at": at,
            }
        )
    return rows


def fill(engine: Engine, count: int) -> int:
    """The workspace and its neighbours; returns the id of the account with `count` interactions."""
    rng = random.Random(2026)
    team_reps = insert_rows(engine, Rep, reps(TEAM_ID, 8))
    other_reps = insert_rows(engine, Rep, reps(OTHER_TEAM_ID, 3))
    big, *team_accounts = insert_rows(engine, Account, accounts(TEAM_ID, team_reps, 201))
    other_accounts = insert_rows(engine, Account, accounts(OTHER_TEAM_ID, other_reps, 50))
    insert_rows(engine, Interaction, interactions(rng, TEAM_ID, [big], team_reps, count))
    insert_rows(
        engine, Interaction, interactions(rng, TEAM_ID, team_accounts, team_reps, count // 2)
    )
    insert_rows(
        engine,
        Interaction,
        interactions(rng, OTHER_TEAM_ID, other_accounts, other_reps, count // 5),
    )
    span = timedelta(seconds=60 * count)  # about the big account's history
    fill_deals(engine, rng, TEAM_ID, [big] * 20 + team_accounts[:100], team_reps, span)
    fill_deals(engine, rng, OTHER_TEAM_ID, other_accounts, other_reps, span)
    fill_followups(engine, rng, TEAM_ID, [big] * 2_000 + team_accounts * 5, team_reps, span)
    fill_followups(engine, rng, OTHER_TEAM_ID, other_accounts * 10, other_reps, span)
    with engine.begin() as connection:
        connection.execute(
            text("ANALYZE" if engine.dialect.name == "sqlite" else "ANALYZE " + ", ".join(TABLES))
        )
    return big


def fill_deals(
    engine: Engine,
    rng: random.Random,
    team_id: str,
    account_ids: list[int],
    rep_ids: list[int],
    span: timedelta,
) -> None:
    """A deal per entry of `account_ids`, walked through the pipeline at random times."""
    deal_rows = [
        {
            "team_id": team_id,
            "account_id": account_id,
            "owner_id": rng.choice(rep_ids),
            "name": f"Deal {n}",
            "stage": STAGES[-1],
            "amount_minor": rng.randrange(1_000, 10_000_000),
            "currency": "USD",
            "stage_changed_at": T0,
            "created_at": T0,
        }
        for n, account_id in enumerate(account_ids)
    ]
    deal_ids = insert_rows(engine, Deal, deal_rows)
    changes = []
    for deal_id, deal in zip(deal_ids, deal_rows, strict=True):
        moments = sorted(T0 + span * rng.random() for _ in STAGES)
        for from_stage, to_stage, at in zip([None, *STAGES], STAGES, moments, strict=False):
            changes.append(
                {
                    "team_id": team_id,
                    "deal_id": deal_id,
                    "account_id": deal["account_id"],
                    "from_stage": from_stage,
                    "to_stage": to_stage,
                    "changed_by_id": deal["owner_id"],
                    "changed_at": at,
                }
            )
    insert_rows(engine, DealStageChange, changes)


def fill_followups(
    engine: Engine,
    rng: random.Random,
    team_id: str,
    account_ids: list[int],
    rep_ids: list[int],
    span: timedelta,
) -> None:
    rows = []
    for account_id in account_ids:
        created = T0 + span * rng.random()
        rows.append(
            {
                "team_id": team_id,
                "rep_id": rng.choice(rep_ids),
                "account_id": account_id,
                "due_at": created + timedelta(days=rng.randrange(1, 30)),
                "note": "send the contract",
                "status": rng.choice(["open", "done", "done", "canceled"]),
                "snoozed_count": rng.choice([0, 0, 0, 1]),
                "nudge_attempts": 0,
                "created_at": created,
            }
        )
    insert_rows(engine, Followup, rows)


def page_at(
    factory: sessionmaker[Session],
    account_id: int,
    *,
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
) -> Page:
    """One page, in its own transaction, as a handler reads it."""
    with factory.begin() as session:
        return account_timeline(
            session=session,
            team_id=TEAM_ID,
            account_id=account_id,
            older_than=older_than,
            newer_than=newer_than,
        )


def timed(call: Callable[[], Page], repeat: int) -> tuple[list[float], Page]:
    timings, page = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        page = call()
        timings.append((time.perf_counter() - started) * 1000)
    assert page is not None
    return timings, page


def walk(factory: sessionmaker[Session], account_id: int, first: Page) -> tuple[list[float], Page]:
    """Older, Older, ... down to entry DEPTH, checking the order holds; per-page timings."""
    timings, page, seen = [], first, len(first.entries)
    previous = first.entries[-1].cursor
    while seen < DEPTH and page.older is not None:
        older = Cursor.decode(page.older.encode())
        started = time.perf_counter()
        page = page_at(factory, account_id, older_than=older)
        timings.append((time.perf_counter() - started) * 1000)
        keys = [(e.at, e.cursor.rank, e.id) for e in page.entries]
        assert keys == sorted(keys, reverse=True) and keys[0] < (
            previous.at,
            previous.rank,
            previous.id,
        )
        previous, seen = page.entries[-1].cursor, seen + len(page.entries)
    print(f"  walked {seen:,} entries in {len(timings) + 1:,} pages, each strictly older")
    return timings, page


def report(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(
        f"  {label:<34} n={len(ordered):<5} p50 {statistics.median(ordered):6.2f} ms"
        f"  p99 {p99:6.2f} ms"
    )


@contextmanager
def captured_sql(engine: Engine, marker: str = "") -> Iterator[list[tuple[str, Any]]]:
    """The SQL (and parameters; an executemany's first row of them) run inside the block, on
    any thread, whose text holds `marker` ("FROM deal")."""
    captured: list[tuple[str, Any]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool
    ) -> None:
        if marker in statement:
            captured.append((statement, parameters[0] if many and parameters else parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield captured
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def plan(engine: Engine, statement: str, parameters: Any) -> str:
    """The database's own plan for a captured statement, with the same parameters."""
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(prefix + statement, parameters)
        rows = cursor.fetchall()
        lines = [row[0] if postgres else f"{row[3]}" for row in rows]
        return "\n".join("    " + line for line in lines)
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200, help="timed runs per page")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    if not 20_000 <= args.interactions <= 1_000_000 or not 10 <= args.repeat <= 2_000:
        parser.error("use 20,000 to 1,000,000 interactions and 10 to 2,000 runs per page")

    with temporary_database(args.database_url, prefix="rapport_bench") as url:
        engine = db.make_engine(url)
        try:
            run(engine, args.interactions, args.repeat)
        finally:
            engine.dispose()


def run(engine: Engine, count: int, repeat: int) -> None:
    started = time.perf_counter()
    db.upgrade(engine)
    account_id = fill(engine, count)
    print(
        f"{engine.dialect.name}: {count:,} interactions, 20 deals' stage changes and 2,000 "
        f"follow-ups on one account; 200 more accounts ({count // 2:,} interactions) and a second "
        f"workspace ({count // 5:,}); setup {time.perf_counter() - started:.1f} s"
    )
    factory = db.make_session_factory(engine)
    with captured_sql(engine, "FROM interactions") as first_sql:
        first_times, first = timed(lambda: page_at(factory, account_id), repeat)
    walk_times, walked = walk(factory, account_id, first)
    older = walked.older
    with captured_sql(engine, "FROM interactions") as deep_sql:
        deep_times, deep = timed(lambda: page_at(factory, account_id, older_than=older), repeat)
    newer = deep.newer
    newer_times, _ = timed(lambda: page_at(factory, account_id, newer_than=newer), repeat)
    report("first page", first_times)
    report("each Older page down to 10,000", walk_times)
    report(f"page after entry {DEPTH:,}", deep_times)
    report("Newer page back from there", newer_times)
    print("query plan, first page, interactions:")
    print(plan(engine, *first_sql[0]))
    print(f"query plan, page after entry {DEPTH:,}, interactions:")
    print(plan(engine, *deep_sql[0]))


if __name__ == "__main__":
    main()
