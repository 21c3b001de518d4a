"""The logging use cases: a parked draft is taken and logged in one transaction, or not at all."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot import db
from models import followups, logbook
from models.accounts import Account, AccountStatus
from models.base import NotFound
from models.followups import Followup
from models.interactions import Interaction, InteractionKind
from models.pending import PendingAction
from tests.factories import make_account, make_rep

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def draft(notes: str = "talked renewal", **changes: object) -> logbook.Draft:
    fields: dict = dict(
        kind=InteractionKind.CALL, notes=notes, occurred_at=NOW, source="slash", source_key=None
    )
    return logbook.Draft(**(fields | changes))


def test_a_draft_survives_its_payload_round_trip() -> None:
    original = draft(followup_due=NOW + timedelta(days=2), warning="careful", contact_id=3)
    assert logbook.Draft.from_payload(original.to_payload("acme")) == (original, "acme")


def test_an_unclear_name_parks_the_draft_and_a_pick_logs_it_once(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    widgets = make_account(session, "Acme Widgets", owner=alice, now=NOW)
    make_account(session, "Acme Robotics", owner=alice, now=NOW)
    parked = logbook.log_by_name(session=session, rep=alice, typed="acme", draft=draft(), now=NOW)
    assert isinstance(parked, logbook.NeedsPick) and len(parked.choices) == 2
    pick = dict(session=session, rep=alice, pending_id=parked.pending_id, now=NOW)
    logged = logbook.finish_pending(**pick, account_id=widgets.id)
    assert logged is not None and logged.created and logged.account.name == "Acme Widgets"
    assert logbook.finish_pending(**pick, account_id=widgets.id) is None


def test_a_pick_whose_account_is_gone_keeps_the_draft_for_another_try(engine: Engine) -> None:
    factory = db.make_session_factory(engine)
    with factory.begin() as session:
        alice = make_rep(session, "U0ALICE", now=NOW)
        gone = make_account(session, "Acme Widgets", owner=alice, now=NOW)
        make_account(session, "Acme Robotics", owner=alice, now=NOW)
        parked = logbook.log_by_name(
            session=session, rep=alice, typed="acme", draft=draft(), now=NOW
        )
        assert isinstance(parked, logbook.NeedsPick)
        gone.status = AccountStatus.DELETED
        session.add(gone)
    with pytest.raises(NotFound), factory.begin() as session:
        logbook.finish_pending(
            session=session, rep=alice, pending_id=parked.pending_id, account_id=gone.id, now=NOW
        )
    with factory.begin() as session:
        assert session.get(PendingAction, parked.pending_id).consumed_at is None
        created = logbook.finish_pending(
            session=session, rep=alice, pending_id=parked.pending_id, account_id=None, now=NOW
        )
        assert created is not None and created.account.name == "acme"
        assert [i.summary for i in session.exec(select(Interaction))] == ["talked renewal"]


def test_a_follow_up_is_made_once_per_source_key(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    acme = make_account(session, "Acme", owner=alice, now=NOW)
    logged = logbook.log_on_account(
        session=session, rep=alice, account=acme, draft=draft(), now=NOW
    )
    add = dict(session=session, rep=alice, interaction_id=logged.interaction.id, now=NOW)
    due = NOW + timedelta(days=1)
    first = logbook.add_followup(**add, due_at=due, note="", source_key="view:V1")
    again = logbook.add_followup(**add, due_at=due, note="", source_key="view:V1")
    other = logbook.add_followup(**add, due_at=due, note="", source_key="view:V2")
    assert (first[2], again[2], other[2]) == (True, False, True)
    assert first[0].id == again[0].id != other[0].id and first[0].note == "talked renewal"


def test_the_follow_up_key_is_a_database_constraint(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    acme = make_account(session, "Acme", owner=alice, now=NOW)
    followups.create_followup(
        session=session, rep=alice, account=acme, due_at=NOW, note="", now=NOW, source_key="k"
    )
    row = {
        "team_id": alice.team_id,
        "rep_id": alice.id,
        "account_id": acme.id,
        "due_at": NOW,
        "note": "",
        "status": "open",
        "snoozed_count": 0,
        "nudge_attempts": 0,
        "source_key": "k",
        "created_at": NOW,
    }
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(insert(Followup).values(**row))
    assert session.get(Account, acme.id) is not None
