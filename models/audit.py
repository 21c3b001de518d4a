"""The audit log: every write, with who, what, when, before and after."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Protocol

from sqlalchemy import JSON, Index, insert
from sqlmodel import Field, Session, SQLModel, select

from models.base import UTCDateTime, table
from models.reps import Rep


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_team_entity", "team_id", "entity", "entity_id", "at"),
        Index("ix_audit_team_at", "team_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    actor: str = Field(max_length=32)  # a Slack user id, or "system"
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    at: datetime = Field(sa_type=UTCDateTime)


class Audited(Protocol):
    """A row of a workspace: what an audit entry is about."""

    __tablename__: ClassVar[Any]
    team_id: str
    id: int | None


@dataclass(frozen=True)
class Subject:
    """What an entry is about when it isn't one row, e.g. a workspace's pipeline."""

    entity: str
    team_id: str
    id: int | None = None


def record(
    *,
    session: Session,
    actor: Rep | str,
    action: str,
    subject: Audited | Subject,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    at: datetime,
) -> AuditEntry:
    """Append one entry about `subject` (its workspace, table, id) by a rep (or "system")."""
    entry = AuditEntry(**_entry(actor, action, subject, before, after, at))
    session.add(entry)
    return entry


def record_now(
    *,
    session: Session,
    actor: Rep | str,
    action: str,
    subject: Audited | Subject,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    at: datetime,
) -> None:
    """As `record`, but written now by one Core INSERT (built once) instead of at the session's
    flush: for a hot write whose transaction is all but done (a logged interaction), where the
    ORM's unit of work cost more than the write itself."""
    values = _entry(actor, action, subject, before, after, at)
    session.connection().execute(_insert_statement(), values)


def _entry(
    actor: Rep | str,
    action: str,
    subject: Audited | Subject,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    at: datetime,
) -> dict[str, Any]:
    return {
        "team_id": subject.team_id,
        "actor": actor.slack_user_id if isinstance(actor, Rep) else actor,
        "action": action,
        "entity": _entity(subject),
        "entity_id": subject.id,
        "before": before,
        "after": after,
        "at": at,
    }


@cache
def _insert_statement() -> Any:
    return insert(table(AuditEntry))


def _entity(subject: Audited | Subject) -> str:
    if isinstance(subject, Subject):
        return subject.entity
    return str(subject.__tablename__).removesuffix("s")  # "accounts" -> "account"


def list_entries(
    *, session: Session, team_id: str, entity: str, entity_id: int
) -> list[AuditEntry]:
    """An entity's audit trail, oldest first."""
    statement = (
        select(AuditEntry)
        .where(AuditEntry.team_id == team_id, AuditEntry.entity == entity)
        .where(AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.at, AuditEntry.id)  # type: ignore[arg-type]
    )
    return list(session.exec(statement))
