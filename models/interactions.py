"""Interactions: calls, meetings, emails and notes logged against an account."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


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
    source: str = Field(max_length=32)  # slash, modal, message_shortcut, dm, import
    source_key: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_type=UTCDateTime)
