"""Two people moving one deal at once: no change is lost, the later one is told (SQLite and
PostgreSQL; the row lock itself with two real PostgreSQL connections)."""

import threading
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import db
from bot.standin.driver import SlackDriver, text_of
from models import deals
from models.deals import Deal, DealChanged, DealStageChange
from models.stages import DEFAULT_PIPELINE
from tests.conftest import sqlite_or_postgres
from tests.factories import make_account, make_deal, make_rep
from tests.test_deals import choose, deal_cmd, new_account
from tests.test_races import at_once

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def stage(name: str) -> deals.Stage:
    found = DEFAULT_PIPELINE.find(name)
    assert found is not None
    return found


def test_two_concurrent_clicks_on_one_card_move_it_once_and_tell_the_other(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    card = deal_cmd(slack, "new Acme Corp: Renewal 10k")
    targets = ["Demo", "Proposal"]
    answers = at_once(lambda i: text_of(choose(slack, card, targets[i])), times=2)
    moved = [a for a in answers if "Moved *Renewal* from Lead" in a]
    told = [a for a in answers if "changed *Renewal* a moment ago" in a]
    assert len(moved) == 1 and len(told) == 1
    with Session(engine) as session:
        deal = session.exec(select(Deal)).one()
        history = [c.to_stage for c in session.exec(select(DealStageChange))]
    assert history[0] == "Lead" and len(history) == 2 and deal.stage == history[1]
    assert f"now in *{deal.stage}*" in told[0]


def test_concurrent_commands_on_one_deal_are_all_recorded_in_order(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    answers = at_once(lambda i: text_of(deal_cmd(slack, "Acme next")), times=3)
    with Session(engine) as session:
        deal = session.exec(select(Deal)).one()
        history = [
            (c.from_stage, c.to_stage)
            for c in session.exec(select(DealStageChange).order_by(DealStageChange.id))  # type: ignore[arg-type]
        ]
    moved = sum("Moved *Renewal*" in a for a in answers)
    assert len(history) == 1 + moved and deal.version == moved
    # Each recorded change starts where the one before ended: none was overwritten.
    for (_, before), (after, _) in pairwise(history):
        assert before == after
    assert deal.stage == history[-1][1]
    assert all("Moved" in a or "a moment ago" in a for a in answers), answers


def test_a_move_waits_for_the_row_lock_and_then_sees_the_other_move(engine: Engine) -> None:
    if sqlite_or_postgres(str(engine.url)) != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite has one writer at a time)")
    factory = db.make_session_factory(engine)
    with factory.begin() as session:
        rep = make_rep(session, "U0ALICE", now=NOW)
        account = make_account(session, "Acme", owner=rep, now=NOW)
        deal_id = make_deal(session, account, rep, "Lead", now=NOW).id or 0
    first_moved, outcome = threading.Event(), {}

    def second() -> None:
        with factory.begin() as other:
            actor = make_rep(other, "U0ALICE", now=NOW)
            first_moved.wait(5)
            try:
                deals.move_deal(
                    session=other, team_id=actor.team_id, deal_id=deal_id, to=stage("Proposal"),
                    actor=actor, now=NOW, seen_version=0,
                )  # fmt: skip
                outcome["second"] = "moved"
            except DealChanged as changed:
                outcome["second"] = f"told: {changed.stage}"

    with factory.begin() as session:  # a real first connection holds the lock...
        actor = make_rep(session, "U0ALICE", now=NOW)
        deals.move_deal(
            session=session, team_id=actor.team_id, deal_id=deal_id, to=stage("Demo"),
            actor=actor, now=NOW, seen_version=0,
        )  # fmt: skip
        waiter = threading.Thread(target=second)
        waiter.start()
        first_moved.set()
        waiter.join(0.5)
        assert waiter.is_alive(), "the second connection should wait on the row lock"
    waiter.join(5)  # ...and the second reads the committed row once it is released
    assert outcome == {"second": "told: Demo"}
    with Session(engine) as session:
        assert session.get(Deal, deal_id).stage == "Demo"  # type: ignore[union-attr]
