"""How /crm pipeline team and a deal card read scale: 100,000 deals in one workspace.

    python bench/pipeline.py [--deals 100000] [--repeat 200] [--database-url URL]

Builds a fresh database (a temporary SQLite file, or a temporary database on the PostgreSQL
server named by --database-url, else DATABASE_URL; dropped at the end), migrates it and fills it
with bulk inserts: one workspace with N deals over 2,000 accounts (a few deleted) and 50 reps,
in three currencies, spread over the open stages, Won and Lost, with three stage changes each;
a second workspace of N/10 deals around it. Then, one transaction per run as a handler does it,
times the team report (`models.pipeline.pipeline_report`, every statement of /crm pipeline team),
the same with its Block Kit answer built, one rep's report, and a deal-card-shaped read (the
deal by id and its last five stage changes), and prints p50 / p99 of each and the query plan
of every statement the team report runs.
"""

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.history import accounts, captured_sql, insert_rows, plan, report, reps
from bot import db
from handlers.blocks.pipeline import build_pipeline
from models.accounts import Account
from models.deals import Deal, DealStageChange
from models.pipeline import pipeline_report
from models.reps import Rep
from tests.databases import temporary_database

TEAM_ID, OTHER_TEAM_ID = "T0BENCH", "T0OTHER"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
OPEN = ["Lead", "Qualified", "Demo", "Proposal", "Negotiation"]
CURRENCIES = ["USD"] * 14 + ["EUR"] * 5 + ["JPY"]
TABLES = ["reps", "accounts", "deals", "deal_stage_changes", "pipeline_stages"]
CHUNK = 10_000


def insert_plain(engine: Engine, table: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table), rows[start : start + CHUNK])


def deal_rows(
    rng: random.Random, team_id: str, account_ids: list[int], rep_ids: list[int], count: int
) -> list[dict[str, Any]]:
    """60% open, 25% won, 15% lost; closed over two years, open ones moved within a year."""
    rows = []
    for n in range(count):
        roll = rng.random()
        stage = rng.choice(OPEN) if roll < 0.6 else "Won" if roll < 0.85 else "Lost"
        changed = NOW - timedelta(minutes=rng.randrange(1, 60 * 24 * (365 if roll < 0.6 else 730)))
        rows.append(
            {
                "team_id": team_id,
                "account_id": account_ids[n % len(account_ids)],
                "owner_id": rng.choice(rep_ids),
                "name": f"Deal {n}",
                "stage": stage,
                "amount_minor": None if n % 20 == 0 else rng.randrange(100, 50_000_000),
                "currency": rng.choice(CURRENCIES),
                "expected_close": date(2026, 12, 1) + timedelta(days=rng.randrange(-180, 180)),
                "stage_changed_at": changed,
                "closed_at": None if stage in OPEN else changed,
                "created_at": changed - timedelta(days=rng.randrange(1, 90)),
            }
        )
    return rows


def change_rows(
    rng: random.Random, deal_ids: list[int], deals: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Three stage changes per deal, the last one into its current stage."""
    rows = []
    for deal_id, deal in zip(deal_ids, deals, strict=True):
        at = deal["created_at"]
        path = [None, "Lead", "Qualified", deal["stage"]]
        for from_stage, to_stage in pairwise(path):
            at = min(at + timedelta(hours=rng.randrange(1, 400)), deal["stage_changed_at"])
            rows.append(
                {
                    "team_id": deal["team_id"],
                    "deal_id": deal_id,
                    "account_id": deal["account_id"],
                    "from_stage": from_stage,
                    "to_stage": to_stage,
                    "changed_by_id": deal["owner_id"],
                    "changed_at": at,
                }
            )
    return rows


def fill(engine: Engine, count: int) -> tuple[int, list[int]]:
    """Both workspaces; returns one rep's id and the big workspace's deal ids."""
    rng = random.Random(2026)
    team_reps = insert_rows(engine, Rep, reps(TEAM_ID, 50))
    other_reps = insert_rows(engine, Rep, reps(OTHER_TEAM_ID, 5))
    team_accounts = insert_rows(engine, Account, accounts(TEAM_ID, team_reps, 2_000))
    other_accounts = insert_rows(engine, Account, accounts(OTHER_TEAM_ID, other_reps, 200))
    with engine.begin() as connection:
        gone = team_accounts[::100]  # 20 deleted accounts whose deals never count
        connection.execute(
            update(Account).where(col(Account.id).in_(gone)).values(status="deleted")
        )
    deal_ids: list[int] = []
    for team_id, account_ids, rep_ids, n in (
        (TEAM_ID, team_accounts, team_reps, count),
        (OTHER_TEAM_ID, other_accounts, other_reps, count // 10),
    ):
        rows = deal_rows(rng, team_id, account_ids, rep_ids, n)
        ids = insert_rows(engine, Deal, rows)
        insert_plain(engine, DealStageChange, change_rows(rng, ids, rows))
        deal_ids = deal_ids or ids
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    else:  # VACUUM sets the visibility map index-only scans rely on, as autovacuum would
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE " + ", ".join(TABLES)))
    return team_reps[0], deal_ids


def team_report(factory: sessionmaker[Session], owner_id: int | None = None) -> Any:
    with factory.begin() as session:
        return pipeline_report(
            session=session, team_id=TEAM_ID, owner_id=owner_id, now=NOW, tz="UTC", stuck_days=21
        )


def deal_card(factory: sessionmaker[Session], deal_id: int) -> Any:
    """The deal card's reads: the deal (in this workspace) and its last five stage changes."""
    with factory.begin() as session:
        deal = session.exec(
            select(Deal).where(col(Deal.team_id) == TEAM_ID, col(Deal.id) == deal_id)
        ).one()
        changes = session.execute(
            select(DealStageChange)
            .where(col(DealStageChange.team_id) == TEAM_ID, col(DealStageChange.deal_id) == deal_id)
            .order_by(col(DealStageChange.changed_at).desc(), col(DealStageChange.id).desc())
            .limit(5)
        ).all()
        return deal, changes


def timed(call: Callable[[], Any], repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200, help="timed runs of each read")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="default: DATABASE_URL, else a temporary SQLite file",
    )
    args = parser.parse_args()
    if not 1_000 <= args.deals <= 1_000_000 or not 10 <= args.repeat <= 2_000:
        parser.error("use 1,000 to 1,000,000 deals and 10 to 2,000 runs")
    with temporary_database(args.database_url, prefix="rapport_bench") as url:
        engine = db.make_engine(url)
        try:
            run(engine, args.deals, args.repeat)
        finally:
            engine.dispose()


def run(engine: Engine, count: int, repeat: int) -> None:
    started = time.perf_counter()
    db.upgrade(engine)
    rep_id, deal_ids = fill(engine, count)
    print(
        f"{engine.dialect.name}: {count:,} deals in one workspace (2,000 accounts, 50 reps, "
        f"{3 * count:,} stage changes), {count // 10:,} in a second; "
        f"setup {time.perf_counter() - started:.1f} s"
    )
    factory = db.make_session_factory(engine)
    rng = random.Random(7)
    with captured_sql(engine, "FROM deal") as statements:
        first = team_report(factory)
    print(
        f"  team report: {first.open_count:,} open deals in {len(first.stages)} stages, "
        f"{first.won.count:,} won / {first.lost.count:,} lost in 30 days, "
        f"{first.stuck_total:,} stuck, {first.overdue_total:,} overdue"
    )
    report("/crm pipeline team (query)", timed(lambda: team_report(factory), repeat))
    report(
        "/crm pipeline team (query + blocks)",
        timed(lambda: build_pipeline(team_report(factory)), repeat),
    )
    report("/crm pipeline, one rep (query)", timed(lambda: team_report(factory, rep_id), repeat))
    report(
        "deal card read (deal + 5 changes)",
        timed(lambda: deal_card(factory, rng.choice(deal_ids)), repeat),
    )
    for n, (statement, parameters) in enumerate(statements, 1):
        print(f"query plan {n}/{len(statements)}: {' '.join(statement.split())[:160]}…")
        print(plan(engine, statement, parameters))
    with captured_sql(engine, "FROM deal") as card:
        deal_card(factory, deal_ids[0])
    for statement, parameters in card:
        print(f"query plan, deal card: {' '.join(statement.split())[:160]}…")
        print(plan(engine, statement, parameters))


if __name__ == "__main__":
    main()
