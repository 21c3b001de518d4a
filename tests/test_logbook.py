"""The logging use cases: a parked draft is taken and logged in one transaction, or not at all."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot import db
from models import followups, logbook
from models.accounts import Account, AccountStatus
from models.audit import AuditEntry
from models.base import NotAllowed, NotFound
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


def change(**fields: object) -> logbook.Change:
    base: dict = dict(
        kind=InteractionKind.CALL,
        notes="talked renewal",
        occurred_at=NOW,
        account_id=None,
        new_account=None,
        contact_id=None,
    )
    return logbook.Change(**(base | fields))


def audited(session: Session) -> list[tuple[str, str]]:
    return [(a.actor, a.action) for a in session.exec(select(AuditEntry).order_by(AuditEntry.id))]


def test_an_edit_that_changes_nothing_writes_and_audits_nothing(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    acme = make_account(session, "Acme", owner=alice, now=NOW)
    logged = logbook.log_on_account(
        session=session, rep=alice, account=acme, draft=draft(), now=NOW
    )
    edit = dict(session=session, rep=alice, interaction_id=logged.interaction.id, now=NOW)
    same = logbook.edit_logged(**edit, change=change(account_id=acme.id))
    assert same.changed == [] and ("U0ALICE", "interaction.update") not in audited(session)
    later = logbook.edit_logged(**edit, change=change(account_id=acme.id, kind="meeting"))
    assert later.changed == ["kind"] and ("U0ALICE", "interaction.update") in audited(session)


def test_moving_a_call_takes_its_open_follow_ups_and_leaves_done_ones(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    acme = make_account(session, "Acme", owner=alice, now=NOW)
    globex = make_account(session, "Globex", owner=alice, now=NOW)
    due = NOW + timedelta(days=1)
    logged = logbook.log_on_account(
        session=session, rep=alice, account=acme, draft=draft(followup_due=due), now=NOW
    )
    done, _ = followups.create_followup(
        session=session, rep=alice, account=acme, due_at=due, note="", now=NOW,
        interaction_id=logged.interaction.id,
    )  # fmt: skip
    done.status = "done"
    session.add(done)
    moved = logbook.edit_logged(
        session=session, rep=alice, interaction_id=logged.interaction.id, now=NOW,
        change=change(account_id=globex.id),
    )  # fmt: skip
    assert moved.changed == ["account_id"] and moved.logged.account.name == "Globex"
    by_status = {f.status: f.account_id for f in session.exec(select(Followup))}
    assert by_status == {"open": globex.id, "done": acme.id}
    assert (acme.last_touched_at, globex.last_touched_at) == (None, NOW)


def test_only_the_author_edits_and_the_author_or_an_admin_deletes(session: Session) -> None:
    alice, bob = make_rep(session, "U0ALICE", now=NOW), make_rep(session, "U0BOB", now=NOW)
    ada = make_rep(session, "U0ADMIN", now=NOW, is_admin=True)
    acme = make_account(session, "Acme", owner=alice, now=NOW)
    logged = logbook.log_on_account(
        session=session, rep=alice, account=acme, draft=draft(), now=NOW
    )
    call_id = logged.interaction.id
    for someone in (bob, ada):
        with pytest.raises(NotAllowed, match="Only the rep"):
            logbook.edit_logged(
                session=session, rep=someone, interaction_id=call_id, now=NOW,
                change=change(account_id=acme.id, notes="mine now"),
            )  # fmt: skip
    with pytest.raises(NotAllowed, match="or an admin"):
        logbook.delete_logged(session=session, rep=bob, interaction_id=call_id, now=NOW)
    later = NOW + timedelta(days=30)
    removed, account = logbook.delete_logged(
        session=session, rep=ada, interaction_id=call_id, now=later
    )
    assert (removed.summary, account.name) == ("talked renewal", "Acme")
    assert session.exec(select(Interaction)).all() == [] and acme.last_touched_at is None
    assert ("U0ADMIN", "interaction.delete") in audited(session)
    with pytest.raises(NotFound, match="already deleted"):
        logbook.delete_logged(session=session, rep=alice, interaction_id=call_id, now=later)


def test_creating_an_account_for_a_log_says_so_but_finding_one_does_not(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    make_account(session, "Acme", owner=alice, now=NOW)
    new = logbook.log_on_new_account(
        session=session, rep=alice, name="Hooli", draft=draft(source_key="a"), now=NOW
    )
    found = logbook.log_on_new_account(
        session=session, rep=alice, name="ACME", draft=draft(source_key="b"), now=NOW
    )
    assert (new.new_account, found.new_account) == (True, False)


def test_a_parked_message_is_taken_once_and_never_as_a_draft(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    parked = logbook.park_notes(session=session, rep=alice, notes="a long message", now=NOW)
    pick = dict(session=session, rep=alice, pending_id=parked, now=NOW)
    assert logbook.finish_pending(**pick, account_id=None) is None  # a forged pick button
    assert logbook.take_notes(**pick) == "a long message"
    assert logbook.take_notes(**pick) is None
