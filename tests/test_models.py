"""The CRM domain, straight against the database: no Slack."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import db
from models import accounts, audit
from models.accounts import Account, normalize_name
from models.base import DomainError, NotAllowed, NotFound
from models.matching import find_account
from tests.factories import make_account, make_rep

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Acme", "acme"),
        ("ACME, Inc.", "acme"),
        ("Acme Corp", "acme"),
        ("acme llc", "acme"),
        ("Société Générale SA", "societe generale"),
        ("Müller GmbH", "muller"),
        ("  The   Widget   Co. ", "the widget"),
        ("AT&T", "at t"),
        ("Inc", "inc"),  # a bare suffix is still a name
        ("Globex Corporation plc", "globex"),
        ("Initech-BV", "initech"),
    ],
)
def test_normalize_name_ignores_case_accents_punctuation_and_legal_suffixes(
    typed: str, key: str
) -> None:
    assert normalize_name(typed) == key


def test_all_punctuation_name_is_refused(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    with pytest.raises(DomainError, match="at least one letter"):
        make_account(session, "!!! ...", owner=alice, now=NOW)


def test_create_account_records_owner_and_audit(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    account = make_account(session, "Acme Corp", owner=alice, now=NOW)
    assert (account.name, account.normalized_name, account.owner_id) == (
        "Acme Corp",
        "acme",
        alice.id,
    )
    [entry] = audit.list_entries(
        session=session, team_id=alice.team_id, entity="account", entity_id=account.id
    )
    assert (entry.action, entry.actor, entry.before) == ("account.create", "U0ALICE", None)
    assert entry.after == {"name": "Acme Corp", "owner": "U0ALICE", "status": "active"}


def test_same_company_spelled_differently_is_a_duplicate(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    make_account(session, "Acme Corp", owner=alice, now=NOW)
    with pytest.raises(DomainError, match="already an account called Acme Corp"):
        make_account(session, "ACME, Inc.", owner=alice, now=NOW)


def test_accounts_are_scoped_to_their_workspace(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    other = make_rep(session, "U0ALICE", now=NOW, team_id="T0OTHER")
    make_account(session, "Acme", owner=alice, now=NOW)
    make_account(session, "Acme", owner=other, now=NOW)  # another workspace's Acme
    assert (
        accounts.get_account_by_name(session=session, team_id="T0OTHER", name="acme").owner_id
        == other.id
    )
    with pytest.raises(NotFound):
        find_account(session=session, team_id="T0THIRD", name="Acme")


def test_only_the_owner_or_an_admin_can_reassign(session: Session) -> None:
    alice, bob = make_rep(session, "U0ALICE", now=NOW), make_rep(session, "U0BOB", now=NOW)
    make_account(session, "Acme", owner=alice, now=NOW)
    with pytest.raises(NotAllowed):
        accounts.set_owner(
            session=session,
            account=find_account(session=session, team_id=alice.team_id, name="acme"),
            owner=bob,
            actor=bob,
            actor_is_admin=False,
            now=NOW,
        )
    later = NOW + timedelta(hours=1)
    account, previous = accounts.set_owner(
        session=session,
        account=find_account(session=session, team_id=alice.team_id, name="ACME inc"),
        owner=bob,
        actor=alice,
        actor_is_admin=False,
        now=later,
    )
    assert (account.owner_id, account.owner_since, account.owner_assigned_by_id) == (
        bob.id,
        later,
        alice.id,
    )
    assert previous is not None and previous.id == alice.id
    entries = audit.list_entries(
        session=session, team_id=alice.team_id, entity="account", entity_id=account.id
    )
    assert [e.action for e in entries] == ["account.create", "account.assign"]
    assert (entries[1].before["owner"], entries[1].after["owner"]) == ("U0ALICE", "U0BOB")


def test_timestamps_come_back_timezone_aware_utc(engine: Engine) -> None:
    berlin = timezone(timedelta(hours=1))
    with db.make_session_factory(engine).begin() as session:
        alice = make_rep(session, "U0ALICE", now=datetime(2026, 11, 23, 16, 0, tzinfo=berlin))
        make_account(session, "Acme", owner=alice, now=NOW)
    with db.make_session_factory(engine)() as session:
        account = session.exec(select(Account)).one()
        assert account.created_at == NOW and account.created_at.tzinfo == UTC
        assert account.owner_since is not None and account.owner_since.utcoffset() == timedelta(0)
        rep = session.get(type(alice), alice.id)
        assert rep is not None and rep.created_at == NOW


def test_naive_datetimes_are_refused(session: Session) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        make_rep(session, "U0ALICE", now=datetime(2026, 11, 23, 15, 0))
