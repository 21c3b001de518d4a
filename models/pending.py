"""Pending actions: work waiting on a person's click (e.g. a call whose account was ambiguous).

They live in the database, never in process memory, so a click works after a restart or on
another replica; consuming one is atomic, so a double click acts once.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, update
from sqlmodel import Field, Session, SQLModel

from models.base import UTCDateTime


class PendingAction(SQLModel, table=True):
    __tablename__ = "pending_actions"
    __table_args__ = (Index("ix_pending_actions_team_user", "team_id", "slack_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    slack_user_id: str = Field(max_length=32)  # the only person who may act on it
    kind: str = Field(max_length=32)
    payload: dict[str, Any] = Field(sa_type=JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)
    consumed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def create_pending(
    *,
    session: Session,
    team_id: str,
    slack_user_id: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
) -> PendingAction:
    """Park an action until its owner clicks."""
    pending = PendingAction(
        team_id=team_id, slack_user_id=slack_user_id, kind=kind, payload=payload, created_at=now
    )
    session.add(pending)
    session.flush()
    return pending


def consume_pending(
    *,
    session: Session,
    team_id: str,
    pending_id: int,
    slack_user_id: str,
    now: datetime,
    kind: str | None = None,
) -> PendingAction | None:
    """Take a pending action (of `kind`, when given) exactly once; None if it was taken already,
    isn't theirs or is another kind."""
    statement = (
        update(PendingAction)
        .where(PendingAction.id == pending_id, PendingAction.team_id == team_id)  # type: ignore[arg-type]
        .where(PendingAction.slack_user_id == slack_user_id)  # type: ignore[arg-type]
        .where(PendingAction.consumed_at.is_(None))  # type: ignore[union-attr]
        .values(consumed_at=now)
    )
    if kind is not None:
        statement = statement.where(PendingAction.kind == kind)  # type: ignore[arg-type]
    claimed = session.execute(statement)
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(PendingAction, pending_id)
