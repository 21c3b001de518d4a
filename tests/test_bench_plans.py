"""bench/plans.py: the verdicts on query plans, and the hot requests' plans on a small store."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from bench.hotpath import CHANNEL, KINDS, SIZES, ResponseSink
from bench.plans import (
    Plan,
    explain_all,
    plans_of_store,
    postgres_flags,
    prepared_store,
    sqlite_flags,
)
from bot import db
from bot.standin.webapi import FakeSlack
from tests.databases import temporary_database

SMALL = SIZES["small"]


def test_an_sqlite_search_through_an_index_or_the_primary_key_is_ok() -> None:
    assert not sqlite_flags(
        [
            "SEARCH accounts USING INDEX uq_accounts_team_name (team_id=? AND normalized_name=?)",
            "SEARCH reps USING INTEGER PRIMARY KEY (rowid=?)",
            "SCAN CONSTANT ROW",
            "USE TEMP B-TREE FOR ORDER BY",
            "SCAN account_name_trigrams VIRTUAL TABLE INDEX 0:M1",
        ]
    )


def test_an_sqlite_scan_of_a_big_table_is_flagged_even_through_an_index() -> None:
    assert sqlite_flags(["SCAN interactions"]) == [
        "scans interactions: its cost grows with the table"
    ]
    assert sqlite_flags(["SCAN followups USING INDEX ix_followups_due"]) == [
        "scans followups through an index: its cost grows with the table"
    ]
    assert not sqlite_flags(["SCAN pipeline_stages"])  # a few rows per workspace
    # A UNION ALL member's ORDER BY ... LIMIT runs as a co-routine; its rows are what is scanned.
    page = ["COMPOUND QUERY", "LEFT-MOST SUBQUERY", "CO-ROUTINE anon_1"]
    page += [
        "SEARCH interactions USING INDEX ix_interactions_timeline (team_id=? AND account_id=?)"
    ]
    assert not sqlite_flags([*page, "SCAN anon_1"])
    assert sqlite_flags(["SCAN anon_2"]) == ["scans anon_2: its cost grows with the table"]


def test_a_postgres_seq_scan_or_a_node_reading_many_rows_is_flagged() -> None:
    index_served = [
        "Index Scan using accounts_pkey on accounts  (cost=0.42..8.44 rows=1 width=30) "
        "(actual time=0.009..0.009 rows=1 loops=1)",
        "  Index Cond: (id = 1)",
        "  Buffers: shared hit=4",
    ]
    assert not postgres_flags(index_served)
    scanned = [
        "Seq Scan on interactions  (cost=0.00..5.00 rows=1 width=8) "
        "(actual time=0.1..90.0 rows=0 loops=1)"
    ]
    assert postgres_flags(scanned) == ["Seq Scan on interactions"]
    assert not postgres_flags(scanned, {"interactions": 40})  # few rows in the store at hand
    walked = [
        "->  Index Scan using ix_followups_due on followups  (cost=0.42..9.0 rows=1 width=8) "
        "(actual time=0.01..600.0 rows=1 loops=1)",
        "      Rows Removed by Filter: 199997",
    ]
    assert postgres_flags(walked) == [
        "Rows Removed by Filter: 199997: it reads rows it doesn't want"
    ]
    sorted_ = ["Sort  (cost=1.0..2.0 rows=9 width=8) (actual time=1.0..9.0 rows=120000 loops=1)"]
    assert postgres_flags(sorted_) == ["Sort sorts 120,000 rows"]


@pytest.fixture
def store(database_url: str) -> Iterator[str]:
    """The small store on the suite's database server: a file of its own, or a schema of a
    database of its own (the suite's has Rapport's tables in public, where a store's schema
    would find them)."""
    with temporary_database(database_url, prefix="rapport_plans") as empty:
        yield prepared_store(empty, SMALL, rebuild=True)


@pytest.fixture
def store_engine(store: str) -> Iterator[Engine]:
    engine = db.make_engine(store, timeouts=db.MAINTENANCE_TIMEOUTS)
    yield engine
    engine.dispose()


def unindexed(engine: Engine) -> tuple[str, Any]:
    """A query no index serves: interactions by their summary."""
    if engine.dialect.name == "postgresql":
        return "SELECT id FROM interactions WHERE summary = %(summary)s", {"summary": "none"}
    return "SELECT id FROM interactions WHERE summary = ?", ("none",)


def test_a_query_no_index_serves_is_flagged(store_engine: Engine) -> None:
    [plan] = explain_all(store_engine, [unindexed(store_engine)], small=True)
    assert plan.verdict == "FLAG"
    assert "interactions" in plan.flags[0]


def test_transaction_control_and_pings_are_ok_by_definition(store_engine: Engine) -> None:
    plans = explain_all(store_engine, [("BEGIN", ()), ("SELECT 1", ()), ("COMMIT", ())], small=True)
    assert [plan.verdict for plan in plans] == ["OK", "OK", "OK"]


def test_every_statement_of_the_hot_requests_is_served_by_an_index(
    store: str, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel(CHANNEL, name="sales")
    with ResponseSink() as sink:
        plans = plans_of_store(store, SMALL, list(KINDS), fake_slack, sink)

    flagged = [f"{kind}: {p.statement} {p.flags}" for kind in KINDS for p in plans[kind] if p.flags]
    assert not flagged, "\n".join(flagged)
    assert plans["crm-help"] == []  # reads nothing
    [lookup] = [p for p in plans["who-owns"] if "accounts.normalized_name =" in p.statement]
    assert lookup.verdict == "OK"
    assert "uq_accounts_team_name" in "\n".join(lookup.lines)
    assert all(isinstance(p, Plan) and p.lines for kind in KINDS for p in plans[kind])
