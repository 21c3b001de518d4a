"""Account aliases: the names of accounts merged into another, which lookups still find.

An alias points at the account its name now means (`/crm merge Acme Inc into Acme`): "who owns
Acme Inc" answers with Acme. Its normalized name is unique per workspace, and no new account may
take it (`models.accounts.create_account` says which account the name now means).
"""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import UTCDateTime


class AccountAlias(SQLModel, table=True):
    __tablename__ = "account_aliases"
    __table_args__ = (
        UniqueConstraint("team_id", "normalized_name", name="uq_account_aliases_team_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    name: str = Field(max_length=120)
    normalized_name: str = Field(max_length=120)
    created_at: datetime = Field(sa_type=UTCDateTime)


def aliases_named(*, session: Session, team_id: str, keys: list[str]) -> dict[str, int]:
    """Normalized alias name -> the id of the account it now means, for those of `keys` found."""
    if not keys:
        return {}
    statement = select(AccountAlias.normalized_name, AccountAlias.account_id).where(
        AccountAlias.team_id == team_id, col(AccountAlias.normalized_name).in_(keys)
    )
    return {key: account_id for key, account_id in session.exec(statement).all()}


def add_alias(
    *, session: Session, team_id: str, account_id: int, name: str, key: str, now: datetime
) -> AccountAlias:
    """Make `name` (normalized `key`) mean the account; an alias of that name moves to it."""
    alias = session.exec(
        select(AccountAlias).where(
            AccountAlias.team_id == team_id, AccountAlias.normalized_name == key
        )
    ).first()
    if alias is None:
        alias = AccountAlias(
            team_id=team_id, account_id=account_id, name=name, normalized_name=key, created_at=now
        )
    alias.account_id = account_id
    session.add(alias)
    session.flush()
    return alias
