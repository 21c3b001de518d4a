"""models.contacts and models.channels without Slack: who may change what, and what is kept."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from handlers.blocks.crm import (
    build_contact_clash,
    build_contact_saved,
    build_link_announcement,
)
from models import channels, contacts
from models.audit import AuditEntry
from models.base import DomainError
from models.contacts import ContactClash, ContactSaved
from tests.factories import make_account, make_rep

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def save(session: Session, account, name: str, email: str | None, title: str | None = None, **kw):  # type: ignore[no-untyped-def]
    return contacts.save_contact(
        session=session, account=account, name=name, email=email, title=title, actor="U0ALICE",
        now=NOW, **kw,
    )  # fmt: skip


def audited(session: Session, entity: str) -> list[AuditEntry]:
    statement = select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)
    return list(session.exec(statement))


def test_a_contact_elsewhere_is_a_clash_that_writes_nothing(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    umbrella, wayne = (
        make_account(session, n, owner=alice, now=NOW) for n in ("Umbrella", "Wayne")
    )
    save(session, umbrella, "Alice Abernathy", "alice@umbrella.example", "Security")
    clash = save(session, wayne, "Alice Abernathy", "ALICE@umbrella.example")
    assert isinstance(clash, ContactClash) and (clash.moves, clash.renames) == (True, False)
    assert clash.at.name == "Umbrella" and clash.contact.account_id == umbrella.id
    assert len(audited(session, "contact")) == 1


def test_a_confirmed_move_applies_only_to_the_contact_as_it_was_asked_about(
    session: Session,
) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    umbrella, wayne = (
        make_account(session, n, owner=alice, now=NOW) for n in ("Umbrella", "Wayne")
    )
    first = save(session, umbrella, "Alice Abernathy", "alice@umbrella.example")
    assert isinstance(first, ContactSaved)
    asked = contacts.snapshot(first.contact)
    stale = asked | {"title": "something else"}
    with pytest.raises(DomainError, match="changed by someone else"):
        save(session, wayne, "Alice A.", "alice@umbrella.example", confirmed=stale)
    moved = save(session, wayne, "Alice A.", "alice@umbrella.example", confirmed=asked)
    assert isinstance(moved, ContactSaved)
    assert [(c.field, c.before, c.after) for c in moved.changes] == [
        ("account", "Umbrella", "Wayne"),
        ("name", "Alice Abernathy", "Alice A."),
    ]
    entry = audited(session, "contact")[-1]
    assert entry.before["account_id"] == umbrella.id and entry.after["account_id"] == wayne.id


def test_an_omitted_title_keeps_the_stored_one_and_nothing_changed_is_not_audited(
    session: Session,
) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    wayne = make_account(session, "Wayne", owner=alice, now=NOW)
    save(session, wayne, "Lucius Fox", "lucius@wayne.example", "CEO")
    again = save(session, wayne, "Lucius  Fox", "lucius@wayne.example")
    assert isinstance(again, ContactSaved) and again.changes == ()
    assert again.contact.title == "CEO" and len(audited(session, "contact")) == 1


def test_re_linking_another_owners_channel_is_refused_but_admins_and_owners_may(
    session: Session,
) -> None:
    alice, bob = make_rep(session, "U0ALICE", now=NOW), make_rep(session, "U0BOB", now=NOW)
    ada = make_rep(session, "U0ADA", now=NOW, is_admin=True)
    wayne, stark = (
        make_account(session, "Wayne", owner=alice, now=NOW),
        make_account(session, "Stark", owner=bob, now=NOW),
    )
    assert (
        channels.link_channel(session=session, account=wayne, channel_id="C1", actor=bob, now=NOW)
        is None
    )
    with pytest.raises(channels.ChannelTaken) as taken:
        channels.link_channel(session=session, account=stark, channel_id="C1", actor=bob, now=NOW)
    assert (taken.value.account_name, taken.value.owner_id) == ("Wayne", "U0ALICE")
    with pytest.raises(channels.ChannelTaken):
        channels.unlink_channel(
            session=session, team_id=bob.team_id, channel_id="C1", actor=bob, now=NOW
        )
    was = channels.link_channel(session=session, account=stark, channel_id="C1", actor=ada, now=NOW)
    assert was is not None and was.name == "Wayne"
    same = channels.link_channel(
        session=session, account=stark, channel_id="C1", actor=alice, now=NOW
    )
    assert same is not None and same.name == "Stark"  # nothing changed, nothing audited
    assert [
        e.after["account"] for e in audited(session, "account") if e.action == "channel.link"
    ] == [
        "Wayne",
        "Stark",
    ]


def test_a_clash_question_escapes_and_fits_long_names_into_its_buttons() -> None:
    built = build_contact_clash(
        email="ceo@x.example", name="<!here> " + "N" * 300, title=None, at="A&B", account="C" * 120,
        new_name="Z" * 200, moves=True, renames=True, pending_id=7,
    )  # fmt: skip
    text = built["blocks"][0]["text"]["text"]
    assert "&lt;!here&gt;" in text and "A&amp;B" in text
    labels = [b["text"]["text"] for b in built["blocks"][1]["elements"]]
    assert all(len(label) <= 75 for label in labels) and labels[0].startswith("Move to")


def test_a_saved_contact_names_each_change_from_what() -> None:
    built = build_contact_saved(
        account="Wayne", name="Lucius Fox", email=None, title="CEO", created=False,
        changes=[("title", None, "CEO"), ("name", "L. Fox", "Lucius Fox")],
    )  # fmt: skip
    assert (
        "Updated Lucius Fox at *Wayne*: title (none) → CEO; name L. Fox → Lucius Fox."
        in (built["text"])
    )


def test_an_announcement_where_outsiders_read_names_no_account() -> None:
    built = build_link_announcement(
        linker_id="U0ALICE", account="Wayne", previous="Stark", names=False
    )
    assert "Wayne" not in built["text"] and "Stark" not in built["text"]
