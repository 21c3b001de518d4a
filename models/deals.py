"""Deals and every change of their stage.

A stage is stored by name, one of the workspace's pipeline (models.stages explains why).
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, Text
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime
from models.stages import MAX_STAGE_NAME_LENGTH


class Deal(SQLModel, table=True):
    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_team_account", "team_id", "account_id"),
        Index("ix_deals_team_owner_stage", "team_id", "owner_id", "stage"),
        # /crm pipeline (models.pipeline): its open-deal pass reads this index alone...
        Index(
            "ix_deals_team_open",
            "team_id",
            "stage",
            "currency",
            "amount_minor",
            "stage_changed_at",
            "expected_close",
            "account_id",
        ),
        # ...its stuck and overdue lists walk these, a few rows per stage...
        Index("ix_deals_team_stage_moved", "team_id", "stage", "stage_changed_at"),
        Index("ix_deals_team_stage_close", "team_id", "stage", "expected_close"),
        # ...and the last 30 days' won and lost start here.
        Index("ix_deals_team_closed", "team_id", "closed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    account_id: int = Field(foreign_key="accounts.id")
    owner_id: int | None = Field(default=None, foreign_key="reps.id")
    name: str = Field(max_length=255)
    stage: str = Field(max_length=MAX_STAGE_NAME_LENGTH)  # a name in the team's pipeline
    amount_minor: int | None = Field(default=None, sa_type=BigInteger)  # cents, öre, yen
    currency: str | None = Field(default=None, max_length=3)
    expected_close: date | None = None
    lost_reason: str | None = Field(default=None, sa_type=Text)
    stage_changed_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)


class DealStageChange(SQLModel, table=True):
    __tablename__ = "deal_stage_changes"
    __table_args__ = (
        Index("ix_deal_stage_changes_deal", "team_id", "deal_id", "changed_at"),
        # The account timeline, newest first, paged by (changed_at, id) cursor.
        Index("ix_deal_stage_changes_timeline", "team_id", "account_id", "changed_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    deal_id: int = Field(foreign_key="deals.id")
    account_id: int = Field(foreign_key="accounts.id")  # the deal's, copied: a timeline index
    from_stage: str | None = Field(default=None, max_length=MAX_STAGE_NAME_LENGTH)
    to_stage: str = Field(max_length=MAX_STAGE_NAME_LENGTH)
    changed_by_id: int | None = Field(default=None, foreign_key="reps.id")
    changed_at: datetime = Field(sa_type=UTCDateTime)
