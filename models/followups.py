"""Follow-ups: a rep's promise to get back to an account, and the nudge bookkeeping."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class FollowupStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELED = "canceled"


class Followup(SQLModel, table=True):
    __tablename__ = "followups"
    __table_args__ = (
        # The sweep's question: which open follow-ups are due and not yet nudged?
        Index("ix_followups_due", "status", "due_at"),
        Index("ix_followups_team_rep", "team_id", "rep_id", "status", "due_at"),
        Index("ix_followups_team_account", "team_id", "account_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    rep_id: int = Field(foreign_key="reps.id")
    account_id: int | None = Field(default=None, foreign_key="accounts.id")
    interaction_id: int | None = Field(default=None, foreign_key="interactions.id")
    due_at: datetime = Field(sa_type=UTCDateTime)
    note: str = Field(default="", sa_type=Text)
    status: str = Field(default=FollowupStatus.OPEN, max_length=16)
    snoozed_count: int = 0
    nudge_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    nudged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    nudge_attempts: int = 0
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
