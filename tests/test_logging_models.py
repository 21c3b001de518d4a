"""Logging in the domain: idempotent logs, undo rules, pending clicks, contact dedupe."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from models import contacts, followups, interactions, pending
from models.accounts import Account
from models.audit import AuditEntry
from models.base import NotAllowed, NotFound
from models.followups import Followup
from models.interactions import Interaction, InteractionKind
from tests.factories import make_account, make_rep

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def log(session: Session, account, rep, *, key: str | None = "k1", at: datetime = NOW):  # type: ignore[no-untyped-def]
    return interactions.log_interaction(
        session=session,
        account=account,
        rep=rep,
        kind=InteractionKind.CALL,
        summary="talked",
        occurred_at=at,
        now=NOW,
        source="slash",
        source_key=key,
    )


def test_the_same_delivery_logs_once(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    acme = make_account(session, "Acme", owner=alice, now=NOW)
    first, created = log(session, acme, alice)
    again, created_again = log(session, acme, alice)
    assert (created, created_again, again.id) == (True, False, first.id)
    assert len(session.exec(select(Interaction)).all()) == 1
    assert acme.last_touched_at == NOW


def test_an_older_interaction_does_not_move_last_touched_back(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    acme = make_account(session, "Acme", owner=alice, now=NOW)
    log(session, acme, alice, key="a")
    log(session, acme, alice, key="b", at=NOW - timedelta(days=3))
    assert acme.last_touched_at == NOW


def test_the_store_keeps_the_latest_touch_and_an_audit_entry_whatever_this_copy_says(
    session: Session,
) -> None:
    """The last touch is moved in the database (UPDATE ... WHERE it is older), not from this
    session's copy of the account: a later touch another process wrote stays."""
    alice = make_rep(session, "U0ALICE", now=NOW)
    acme = make_account(session, "Acme", owner=alice, now=NOW)
    later = NOW + timedelta(days=1)
    session.execute(
        update(Account).where(Account.id == acme.id).values(last_touched_at=later),
        execution_options={"synchronize_session": False},
    )
    logged, _ = log(session, acme, alice, key="a", at=NOW + timedelta(hours=1))
    session.flush()
    session.expire_all()
    assert session.get(Account, acme.id).last_touched_at == later  # type: ignore[union-attr]
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "interaction.create")).one()
    assert (entry.actor, entry.entity, entry.entity_id, entry.at) == (
        "U0ALICE",
        "interaction",
        logged.id,
        NOW,
    )
    assert entry.after and entry.after["summary"] == "talked" and entry.before is None


def test_undo_is_for_the_author_within_ten_minutes_and_takes_its_follow_ups(
    session: Session,
) -> None:
    alice, bob = make_rep(session, "U0ALICE", now=NOW), make_rep(session, "U0BOB", now=NOW)
    acme = make_account(session, "Acme", owner=alice, now=NOW)
    call, _ = log(session, acme, alice)
    followups.create_followup(
        session=session,
        rep=alice,
        account=acme,
        due_at=NOW + timedelta(days=2),
        note="",
        now=NOW,
        interaction_id=call.id,
    )
    with pytest.raises(NotAllowed, match="Only the rep"):
        interactions.undo_interaction(
            session=session, team_id=acme.team_id, interaction_id=call.id, rep=bob, now=NOW
        )
    with pytest.raises(NotAllowed, match="10 minutes"):
        interactions.undo_interaction(
            session=session,
            team_id=acme.team_id,
            interaction_id=call.id,
            rep=alice,
            now=NOW + timedelta(minutes=10, seconds=1),
        )
    interactions.undo_interaction(
        session=session,
        team_id=acme.team_id,
        interaction_id=call.id,
        rep=alice,
        now=NOW + timedelta(minutes=10),
    )
    assert (
        session.exec(select(Interaction)).all() == [] and session.exec(select(Followup)).all() == []
    )
    assert acme.last_touched_at is None
    with pytest.raises(NotFound):
        interactions.undo_interaction(
            session=session, team_id=acme.team_id, interaction_id=call.id, rep=alice, now=NOW
        )


def test_another_workspace_cannot_touch_an_interaction(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    call, _ = log(session, make_account(session, "Acme", owner=alice, now=NOW), alice)
    with pytest.raises(NotFound):
        interactions.get_interaction(session=session, team_id="T0OTHER", interaction_id=call.id)


def test_a_pending_action_is_consumed_once_and_only_by_its_owner(session: Session) -> None:
    parked = pending.create_pending(
        session=session,
        team_id="T0001",
        slack_user_id="U0ALICE",
        kind="log",
        payload={"notes": "x"},
        now=NOW,
    )
    assert (
        pending.consume_pending(
            session=session, team_id="T0001", pending_id=parked.id, slack_user_id="U0BOB", now=NOW
        )
        is None
    )
    assert (
        pending.consume_pending(
            session=session,
            team_id="T0OTHER",
            pending_id=parked.id,
            slack_user_id="U0ALICE",
            now=NOW,
        )
        is None
    )
    taken = pending.consume_pending(
        session=session, team_id="T0001", pending_id=parked.id, slack_user_id="U0ALICE", now=NOW
    )
    assert taken is not None and taken.payload == {"notes": "x"}
    assert (
        pending.consume_pending(
            session=session, team_id="T0001", pending_id=parked.id, slack_user_id="U0ALICE", now=NOW
        )
        is None
    )


def test_contacts_are_deduplicated_on_email_case_insensitively(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    acme = make_account(session, "Acme", owner=alice, now=NOW)

    def save(name: str, email: str, title: str | None) -> contacts.ContactSaved:
        saved = contacts.save_contact(
            session=session, account=acme, name=name, email=email, title=title,
            actor="U0ALICE", now=NOW,
        )  # fmt: skip
        assert isinstance(saved, contacts.ContactSaved)
        return saved

    first, second = (
        save("Jane Roe", "Jane@Acme.com", None),
        save("jane  roe", " jane@acme.com", "CFO"),
    )
    assert (first.created, second.created, second.contact.id) == (True, False, first.contact.id)
    assert (second.contact.name, second.contact.email, second.contact.title) == (
        "jane roe",
        "jane@acme.com",
        "CFO",
    )
    assert [c.field for c in second.changes] == ["name", "title"]
    assert [
        c.name for c in contacts.list_contacts(session=session, team_id="T0001", account_id=acme.id)
    ] == ["jane roe"]


def test_an_interactions_follow_ups_are_found_by_their_own_index(session: Session) -> None:
    """What an undo lists, and what deleting an interaction has the database check for its
    foreign key: ix_followups_interaction, not every follow-up."""
    from sqlalchemy import delete

    from tests.test_timeline import explain

    listed = select(Followup).where(Followup.team_id == "T0001", Followup.interaction_id == 1)
    deleted = delete(Interaction).where(Interaction.id == 1)  # type: ignore[arg-type]
    assert "ix_followups_interaction" in explain(session, listed)
    if session.get_bind().dialect.name == "sqlite":  # PostgreSQL's plan leaves out FK checks
        assert "ix_followups_interaction" in explain(session, deleted)
