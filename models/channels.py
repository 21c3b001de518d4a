"""Channel links: a Slack channel that belongs to one account (a deal room, a shared channel)."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from models.accounts import Account, AccountStatus
from models.base import UTCDateTime


class AccountChannel(SQLModel, table=True):
    __tablename__ = "account_channels"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", name="uq_account_channels_channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    linked_by_id: int | None = Field(default=None, foreign_key="reps.id")
    linked_at: datetime = Field(sa_type=UTCDateTime)


def get_linked_account(*, session: Session, team_id: str, channel_id: str) -> Account | None:
    """The live account a channel is linked to (`/crm link`), if any."""
    statement = (
        select(Account)
        .join(AccountChannel, AccountChannel.account_id == Account.id)  # type: ignore[arg-type]
        .where(AccountChannel.team_id == team_id, AccountChannel.channel_id == channel_id)
        .where(Account.status == AccountStatus.ACTIVE)
    )
    return session.exec(statement).first()
