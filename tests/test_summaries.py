"""Read-side summaries: the /who-owns card and a rep's App Home."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot import db
from models.base import NotFound
from models.deals import Deal
from models.followups import Followup
from models.summaries import home_summary, owner_card
from tests.factories import make_account, make_rep

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo


@pytest.fixture
def session(engine: Engine):
    with db.make_session_factory(engine).begin() as session:
        yield session


def test_owner_card_of_a_fresh_account(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    account = make_account(session, "Acme", owner=alice, now=NOW)
    card = owner_card(session=session, team_id="T0001", account_id=account.id)
    assert (card.owner_slack_id, card.owner_since, card.last_touch) == ("U0ALICE", NOW, None)
    assert (card.open_deals, card.open_totals, card.next_followup) == (0, [], None)
    with pytest.raises(NotFound):
        owner_card(session=session, team_id="T0OTHER", account_id=account.id)


def test_open_deals_are_totalled_per_currency_and_closed_ones_left_out(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    account = make_account(session, "Acme", owner=alice, now=NOW)
    for stage, amount, currency in [
        ("Demo", 100, "EUR"),
        ("Lead", 500, "USD"),
        ("Demo", 50, "EUR"),
        ("Won", 9999, "USD"),
        ("Lost", 1, "USD"),
    ]:
        session.add(
            Deal(
                team_id="T0001",
                account_id=account.id,
                owner_id=alice.id,
                name=stage,
                stage=stage,
                amount_minor=amount,
                currency=currency,
                stage_changed_at=NOW,
                created_at=NOW,
            )
        )
    session.flush()
    card = owner_card(session=session, team_id="T0001", account_id=account.id)
    assert card.open_deals == 3 and card.open_stages == ["Lead", "Demo"]
    assert [(t.currency, t.amount_minor, t.count) for t in card.open_totals] == [
        ("USD", 500, 1),
        ("EUR", 150, 2),
    ]


def test_home_buckets_follow_ups_by_the_reps_local_day_and_caps_them(session: Session) -> None:
    tokyo = make_rep(session, "U0TOKYO", now=NOW, tz="Asia/Tokyo")
    account = make_account(session, "Acme", owner=tokyo, now=NOW - timedelta(days=30))
    offsets = [-5] * 300 + [0.5, 0.9, 1.5, 48, 24 * 10]  # hours from now
    for hours in offsets:
        session.add(
            Followup(
                team_id="T0001",
                rep_id=tokyo.id,
                account_id=account.id,
                note="x",
                due_at=NOW + timedelta(hours=hours),
                created_at=NOW,
            )
        )
    other = make_rep(session, "U0OTHER", now=NOW)
    session.add(Followup(team_id="T0001", rep_id=other.id, due_at=NOW, note="", created_at=NOW))
    session.flush()
    home = home_summary(
        session=session, team_id="T0001", rep_id=tokyo.id, now=NOW, tz="Asia/Tokyo", stale_days=14
    )
    assert (home.overdue_total, len(home.overdue)) == (300, 15)
    assert home.today_total == 2  # before midnight in Tokyo (15:00 UTC)
    assert home.upcoming_total == 2  # tomorrow local, and in two days; not in ten
    assert home.stale_total == 1 and home.stale[0][1] == "Acme"
