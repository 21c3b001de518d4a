"""models.pipeline on the test database: scope, the 30-day window's edges, stuck and overdue
boundaries, weighting and rounding, and exact integer sums on SQLite and PostgreSQL."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from bot.standin.driver import TEAM_ID
from models.base import id_of
from models.deals import Deal
from models.pipeline import PipelineReport, pipeline_report, weighted
from models.reps import Rep
from tests.conftest import OTHER_TEAM, Clock
from tests.factories import make_account, make_rep

NOW = Clock().at


def add(session: Session, owner: Rep, account_id: int, **values: Any) -> Deal:
    deal = Deal(
        **{
            "team_id": owner.team_id,
            "account_id": account_id,
            "owner_id": owner.id,
            "name": "Deal",
            "stage": "Lead",
            "stage_changed_at": NOW,
            "created_at": NOW,
        }
        | values
    )
    session.add(deal)
    session.flush()
    return deal


def report(session: Session, owner: Rep | None = None, **kw: Any) -> PipelineReport:
    return pipeline_report(
        session=session,
        team_id=TEAM_ID,
        owner_id=owner.id if owner else None,
        now=kw.pop("now", NOW),
        tz=kw.pop("tz", "UTC"),
        stuck_days=kw.pop("stuck_days", 21),
    )


@pytest.fixture
def alice(session: Session) -> tuple[Rep, int]:
    rep = make_rep(session, "U0ALICE", now=NOW)
    return rep, id_of(make_account(session, "Acme", owner=rep, now=NOW))


def test_won_and_lost_count_from_exactly_30_days_ago_up_to_now(
    session: Session, alice: tuple[Rep, int]
) -> None:
    rep, acct = alice
    edge = NOW - timedelta(days=30)
    for stage, closed_at in [
        ("Won", edge),
        ("Won", edge - timedelta(microseconds=1)),
        ("Lost", NOW),
        ("Lost", NOW + timedelta(seconds=1)),
        ("Won", None),
    ]:
        add(session, rep, acct, stage=stage, closed_at=closed_at, amount_minor=100, currency="USD")
    add(session, rep, acct, stage="Demo", closed_at=NOW)  # reopened: open again, not won
    got = report(session)
    assert (got.won.count, got.lost.count, got.win_rate) == (1, 1, 50)
    assert got.won.totals[0].amount_minor == 100 and got.open_count == 1


def test_win_rate_rounds_half_up_and_is_none_without_closed_deals(
    session: Session, alice: tuple[Rep, int]
) -> None:
    rep, acct = alice
    assert report(session).win_rate is None
    add(session, rep, acct, stage="Won", closed_at=NOW)
    for _ in range(7):
        add(session, rep, acct, stage="Lost", closed_at=NOW)
    assert report(session).win_rate == 13  # 12.5%


def test_me_is_my_deals_and_team_is_this_workspace_only(
    session: Session, alice: tuple[Rep, int]
) -> None:
    rep, acct = alice
    bob = make_rep(session, "U0BOB", now=NOW)
    stranger = make_rep(session, "U0STRANGER", now=NOW, team_id=OTHER_TEAM)
    far = id_of(make_account(session, "Far", owner=stranger, now=NOW))
    add(session, rep, acct, amount_minor=1, currency="USD")
    add(session, bob, acct, amount_minor=2, currency="USD")
    add(session, stranger, far, amount_minor=4, currency="USD")
    assert report(session, rep).open_totals[0].amount_minor == 1
    assert report(session).open_totals[0].amount_minor == 3


def test_stuck_means_longer_than_the_setting_and_counts_beyond_the_list(
    session: Session, alice: tuple[Rep, int]
) -> None:
    rep, acct = alice
    add(session, rep, acct, name="Exactly", stage_changed_at=NOW - timedelta(days=5))
    for n in range(13):
        add(
            session,
            rep,
            acct,
            name=f"Old {n}",
            stage="Demo",
            stage_changed_at=NOW - timedelta(days=5, seconds=n + 1),
        )
    got = report(session, stuck_days=5)
    assert got.stuck_total == 13 and len(got.stuck) == 10
    assert [d.name for d in got.stuck[:2]] == ["Old 12", "Old 11"]


def test_overdue_is_before_the_readers_own_date(session: Session, alice: tuple[Rep, int]) -> None:
    rep, acct = alice
    add(session, rep, acct, expected_close=date(2026, 11, 22))
    add(session, rep, acct, stage="Won", expected_close=date(2026, 1, 1), closed_at=NOW)
    early = datetime(2026, 11, 23, 3, 0, tzinfo=NOW.tzinfo)  # Nov 22 in Los Angeles
    assert report(session, now=early, tz="America/Los_Angeles").overdue_total == 0
    assert report(session, now=early, tz="Asia/Tokyo").overdue_total == 1


def test_sums_are_exact_ints_even_past_a_float(session: Session, alice: tuple[Rep, int]) -> None:
    rep, acct = alice
    big = 2**53 + 1  # a float would lose the last cent
    add(session, rep, acct, amount_minor=big, currency="USD")
    add(session, rep, acct, amount_minor=1, currency="USD")
    [total] = report(session).open_totals
    assert type(total.amount_minor) is int and total.amount_minor == big + 1


def test_weighting_uses_the_stage_probability_and_skips_stages_without_one(
    session: Session, alice: tuple[Rep, int]
) -> None:
    rep, acct = alice
    add(session, rep, acct, stage="Lead", amount_minor=15, currency="EUR")  # 10%: 1.5 -> 2
    add(session, rep, acct, stage="Imported", amount_minor=1_000, currency="EUR")
    add(session, rep, acct, stage="won", amount_minor=7, currency="EUR")  # closed, other case
    got = report(session)
    assert [line.stage for line in got.stages] == ["Lead", "Imported"]
    assert got.stages[1].totals[0].weighted_minor is None
    [total] = got.open_totals
    assert (total.amount_minor, total.weighted_minor, total.count) == (1_015, 2, 2)
    assert got.unweighted_stages == ("Imported",)


@pytest.mark.parametrize(
    ("amount", "probability", "expected"),
    [
        (5, 10, 1),
        (4, 10, 0),
        (15, 10, 2),
        (-5, 10, -1),
        (10**15 + 1, 33, 330_000_000_000_000),
        (99, 100, 99),
        (99, 0, 0),
    ],
)
def test_weighted_rounds_half_away_from_zero(amount: int, probability: int, expected: int) -> None:
    assert weighted(amount, probability) == expected


def test_deals_of_deleted_accounts_count_nowhere(session: Session, alice: tuple[Rep, int]) -> None:
    rep, acct = alice
    gone = make_account(session, "Gone", owner=rep, now=NOW)
    gone.status = "deleted"
    session.add(gone)
    old = NOW - timedelta(days=90)
    add(session, rep, acct, stage="Demo", amount_minor=10, currency="USD")
    for stage in ("Demo", "Proposal"):
        add(
            session,
            rep,
            id_of(gone),
            stage=stage,
            amount_minor=1_000,
            currency="USD",
            stage_changed_at=old,
            expected_close=date(2026, 1, 1),
        )
    add(session, rep, id_of(gone), stage="Won", closed_at=NOW)
    got = report(session)
    assert [(line.stage, line.count) for line in got.stages] == [("Demo", 1)]
    assert got.open_totals[0].amount_minor == 10 and got.won.count == 0
    assert (got.stuck_total, got.overdue_total, got.stuck, got.overdue) == (0, 0, (), ())
