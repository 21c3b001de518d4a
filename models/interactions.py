"""Interactions: calls, meetings, emails and notes logged against an account."""

from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, Literal

from sqlalchemy import Index, Text, UniqueConstraint, bindparam, delete, func
from sqlmodel import Field, Session, SQLModel, col, select

from models import audit
from models.accounts import Account, touch
from models.base import (
    DomainError,
    NotAllowed,
    NotFound,
    UTCDateTime,
    id_of,
    insert_new,
    without_nul,
)
from models.contacts import Contact
from models.followups import Followup, FollowupStatus
from models.reps import Rep


class InteractionKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    NOTE = "note"


class Interaction(SQLModel, table=True):
    __tablename__ = "interactions"
    __table_args__ = (
        # The account timeline, newest first, paged by (occurred_at, id) cursor.
        Index("ix_interactions_timeline", "team_id", "account_id", "occurred_at", "id"),
        # Slack may deliver the same thing twice; the source key makes the second a no-op.
        UniqueConstraint("team_id", "source_key", name="uq_interactions_source_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    account_id: int = Field(foreign_key="accounts.id")
    rep_id: int = Field(foreign_key="reps.id")
    contact_id: int | None = Field(default=None, foreign_key="contacts.id")
    kind: str = Field(max_length=16)
    summary: str = Field(sa_type=Text)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    permalink: str | None = Field(default=None, max_length=1024)
    slack_author_id: str | None = Field(default=None, max_length=32)  # a logged message's author
    source: str = Field(max_length=32)  # slash, modal, message_shortcut, dm, import
    source_key: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_type=UTCDateTime)


INTERACTION_UNDO_WINDOW = timedelta(minutes=10)


def get_interaction(*, session: Session, team_id: str, interaction_id: int) -> Interaction:
    """An interaction of this workspace, or NotFound."""
    interaction = session.get(Interaction, interaction_id)
    if interaction is None or interaction.team_id != team_id:
        raise NotFound("That interaction no longer exists; it may have been undone.")
    return interaction


def get_by_source_key(*, session: Session, team_id: str, source_key: str) -> Interaction | None:
    """The interaction a Slack delivery already produced, if any (idempotency)."""
    found = session.execute(_by_source_key(), {"team_id": team_id, "source_key": source_key})
    return found.scalars().first()


@cache
def _by_source_key() -> Any:
    """Built once: every logged line asks it first."""
    return select(Interaction).where(
        Interaction.team_id == bindparam("team_id"),
        Interaction.source_key == bindparam("source_key"),
    )


def log_interaction(
    *,
    session: Session,
    account: Account,
    rep: Rep,
    kind: InteractionKind,
    summary: str,
    occurred_at: datetime,
    now: datetime,
    source: str,
    source_key: str | None,
    permalink: str | None = None,
    contact_id: int | None = None,
    slack_author_id: str | None = None,
) -> tuple[Interaction, bool]:
    """Log an interaction once per source key; returns it and whether it is new.

    One INSERT ... ON CONFLICT DO NOTHING: a repeated delivery (or its concurrent twin) writes
    nothing and gets the interaction the first one logged."""
    row = without_nul(
        {
            "team_id": account.team_id,
            "account_id": id_of(account),
            "rep_id": id_of(rep),
            "kind": kind,
            "summary": summary,
            "occurred_at": occurred_at,
            "permalink": permalink,
            "source": source,
            "source_key": source_key,
            "contact_id": contact_id,
            "slack_author_id": slack_author_id,
            "created_at": now,
        }
    )
    new_id = insert_new(session, Interaction, row, ["team_id", "source_key"])
    if new_id is None:
        assert source_key is not None  # only a source key can clash
        existing = get_by_source_key(
            session=session, team_id=account.team_id, source_key=source_key
        )
        assert existing is not None
        return existing, False
    interaction = Interaction(id=new_id, **row)
    # Written now, by Core statements built once, not at the flush: the ORM's unit of work for
    # these two rows cost more than the three writes, all of it while holding SQLite's lock.
    touch(session=session, account=account, at=occurred_at)
    audit.record_now(
        session=session,
        actor=rep,
        action="interaction.create",
        subject=interaction,
        before=None,
        after=_snapshot(interaction),
        at=now,
    )
    return interaction, True


EDITABLE = ("account_id", "contact_id", "kind", "summary", "occurred_at")


def update_interaction(
    *,
    session: Session,
    team_id: str,
    interaction_id: int,
    rep: Rep,
    kind: InteractionKind,
    summary: str,
    occurred_at: datetime,
    now: datetime,
    account: Account | None = None,
    contact_id: int | Literal["keep"] | None = "keep",
) -> tuple[Interaction, list[str]]:
    """Edit an interaction (only its author may): moved to `account` if given, with its open
    follow-ups; returns it and the fields that changed. A save that changes nothing writes and
    audits nothing."""
    interaction = _own(session=session, team_id=team_id, interaction_id=interaction_id, rep=rep)
    target = id_of(account) if account is not None else interaction.account_id
    contact = interaction.contact_id if contact_id == "keep" else contact_id
    if contact is not None and not contact_is_at(
        session=session, team_id=team_id, contact_id=contact, account_id=target
    ):
        raise DomainError("That contact isn't at this account; pick one of its contacts or none.")
    wanted = {
        "account_id": target,
        "contact_id": contact,
        "kind": str(kind),
        "summary": summary,
        "occurred_at": occurred_at,
    }
    changed = [name for name in EDITABLE if getattr(interaction, name) != wanted[name]]
    if not changed:
        return interaction, []
    before, moved_from = _snapshot(interaction), interaction.account_id
    for name in changed:
        setattr(interaction, name, wanted[name])
    session.add(interaction)
    session.flush()
    if "account_id" in changed:
        _move_followups(session, interaction, rep=rep, now=now)
        _retouch(session=session, account_id=moved_from)
    _retouch(session=session, account_id=interaction.account_id)
    audit.record(
        session=session,
        actor=rep,
        action="interaction.update",
        subject=interaction,
        before=before,
        after=_snapshot(interaction),
        at=now,
    )
    return interaction, changed


def contact_is_at(*, session: Session, team_id: str, contact_id: int, account_id: int) -> bool:
    """Whether the contact is one of this account's."""
    contact = session.get(Contact, contact_id)
    return contact is not None and (contact.team_id, contact.account_id) == (team_id, account_id)


def _move_followups(session: Session, interaction: Interaction, *, rep: Rep, now: datetime) -> None:
    """A call moved to another account takes its open follow-ups along (each audited)."""
    statement = select(Followup).where(
        Followup.team_id == interaction.team_id,
        Followup.interaction_id == interaction.id,
        Followup.status == FollowupStatus.OPEN,
    )
    for followup in session.exec(statement):
        before = {"account_id": followup.account_id}
        followup.account_id = interaction.account_id
        session.add(followup)
        audit.record(
            session=session,
            actor=rep,
            action="followup.update",
            subject=followup,
            before=before,
            after={"account_id": followup.account_id},
            at=now,
        )


ALREADY_UNDONE = "That log is already undone."
ALREADY_DELETED = "That log is already deleted."
NOT_YOURS = "Only the rep who logged it can change it."
NOT_YOURS_TO_DELETE = "Only the rep who logged it, or an admin, can delete it."


def undo_interaction(
    *, session: Session, team_id: str, interaction_id: int, rep: Rep, now: datetime
) -> Interaction:
    """Remove a just-logged interaction (its author, within 10 minutes) and its follow-ups, each
    audited. Concurrent undos remove it once: the others get NotFound(ALREADY_UNDONE)."""
    interaction = _locked(session, team_id, interaction_id, gone=ALREADY_UNDONE)
    if interaction.rep_id != rep.id:
        raise NotAllowed(NOT_YOURS)
    if now - interaction.created_at > INTERACTION_UNDO_WINDOW:
        raise NotAllowed("Undo works for 10 minutes after logging; use Edit instead.")
    _remove(session, interaction, rep=rep, now=now, gone=ALREADY_UNDONE)
    return interaction


def delete_interaction(
    *, session: Session, team_id: str, interaction_id: int, rep: Rep, now: datetime
) -> Interaction:
    """Remove an interaction at any age (its author or an admin) and its follow-ups, each
    audited with what it was; the account's last touch follows."""
    interaction = _locked(session, team_id, interaction_id, gone=ALREADY_DELETED)
    if interaction.rep_id != rep.id and not rep.is_admin:
        raise NotAllowed(NOT_YOURS_TO_DELETE)
    _remove(session, interaction, rep=rep, now=now, gone=ALREADY_DELETED)
    return interaction


def _locked(session: Session, team_id: str, interaction_id: int, *, gone: str) -> Interaction:
    interaction = session.exec(  # PostgreSQL: a concurrent removal waits here, then finds nothing
        select(Interaction)
        .where(Interaction.id == interaction_id, Interaction.team_id == team_id)
        .with_for_update()
    ).first()
    if interaction is None:
        raise NotFound(gone)
    return interaction


def _remove(
    session: Session, interaction: Interaction, *, rep: Rep, now: datetime, gone: str
) -> None:
    team_id = interaction.team_id
    removed = session.execute(
        delete(Followup)
        .where(col(Followup.team_id) == team_id, col(Followup.interaction_id) == interaction.id)
        .returning(
            col(Followup.id),
            col(Followup.account_id),
            col(Followup.due_at),
            col(Followup.note),
            col(Followup.status),
        )
    ).all()
    result = session.execute(
        delete(Interaction).where(
            col(Interaction.id) == interaction.id, col(Interaction.team_id) == team_id
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # SQLite: another removal won meanwhile
        raise NotFound(gone)
    for followup in removed:
        audit.record(
            session=session,
            actor=rep,
            action="followup.delete",
            subject=audit.Subject("followup", team_id, followup.id),
            before={
                "account_id": followup.account_id,
                "due_at": followup.due_at.isoformat(),
                "note": followup.note,
                "status": followup.status,
            },
            after=None,
            at=now,
        )
    _retouch(session=session, account_id=interaction.account_id)
    audit.record(
        session=session,
        actor=rep,
        action="interaction.delete",
        subject=interaction,
        before=_snapshot(interaction),
        after=None,
        at=now,
    )


def _own(*, session: Session, team_id: str, interaction_id: int, rep: Rep) -> Interaction:
    interaction = get_interaction(session=session, team_id=team_id, interaction_id=interaction_id)
    if interaction.rep_id != rep.id:
        raise NotAllowed(NOT_YOURS)
    return interaction


def _retouch(*, session: Session, account_id: int) -> None:
    """An account's last touch is its latest interaction, whatever was edited or undone."""
    account = session.get(Account, account_id)
    if account is not None:
        latest = select(func.max(Interaction.occurred_at)).where(
            Interaction.account_id == account_id
        )
        account.last_touched_at = session.exec(latest).one()
        session.add(account)


def _snapshot(interaction: Interaction) -> dict[str, object]:
    return {
        "account_id": interaction.account_id,
        "contact_id": interaction.contact_id,
        "kind": interaction.kind,
        "summary": interaction.summary,
        "occurred_at": interaction.occurred_at.isoformat(),
        "source": interaction.source,
    }
