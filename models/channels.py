"""Channel links: a Slack channel that belongs to one account (a deal room, a shared channel)."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from models import audit
from models.accounts import Account, AccountStatus
from models.base import NotAllowed, UTCDateTime, id_of
from models.reps import Rep


class ChannelTaken(NotAllowed):
    """The channel is another account's, and only that account's owner or an admin may move it."""

    def __init__(self, account: Account, owner: Rep) -> None:
        super().__init__(
            f"This channel is {account.name}'s; only its owner or an admin can re-link it."
        )
        # Plain values: the transaction rolls back, and its rows expire, before anyone reads them.
        self.account_name, self.owner_id = account.name, owner.slack_user_id


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


def link_channel(
    *, session: Session, account: Account, channel_id: str, actor: Rep, now: datetime
) -> Account | None:
    """Make a channel the account's; returns the account it was linked to before (the same one:
    nothing changed). Re-linking another account's channel needs that account's owner or an
    admin (anyone, for an unowned or deleted one): ChannelTaken otherwise."""
    link = _get_link(session, account.team_id, channel_id)
    if link is not None and link.account_id == account.id:
        return account
    _check_may_move(session, link, actor)
    if link is None:
        try:
            with session.begin_nested():  # the unique channel decides between concurrent links
                session.add(
                    AccountChannel(
                        team_id=account.team_id,
                        channel_id=channel_id,
                        account_id=id_of(account),
                        linked_by_id=actor.id,
                        linked_at=now,
                    )
                )
        except IntegrityError:
            link = _get_link(session, account.team_id, channel_id)  # linked a moment ago
            if link is None:
                raise  # not a concurrent link: a broken reference
            if link.account_id != account.id:
                _check_may_move(session, link, actor)
    previous = session.get(Account, link.account_id) if link else None
    if previous is not None and previous.id == account.id:
        return account  # linked to it a moment ago, by someone else
    if link is not None:
        link.account_id, link.linked_by_id, link.linked_at = id_of(account), actor.id, now
        session.add(link)
    audit.record(
        session=session,
        actor=actor,
        action="channel.link",
        subject=account,
        before={"channel": channel_id, "account": previous.name if previous else None},
        after={"channel": channel_id, "account": account.name},
        at=now,
    )
    return previous


def check_may_link(*, session: Session, team_id: str, channel_id: str, actor: Rep) -> None:
    """ChannelTaken if `actor` may not re-link the channel (it is someone else's account's): asked
    before a name is looked up or an account created for a link that would be refused."""
    _check_may_move(session, _get_link(session, team_id, channel_id), actor)


def _check_may_move(session: Session, link: AccountChannel | None, actor: Rep) -> None:
    current = session.get(Account, link.account_id) if link else None
    if current is None or current.status != AccountStatus.ACTIVE or actor.is_admin:
        return
    owner = session.get(Rep, current.owner_id) if current.owner_id else None
    if owner is not None and owner.id != actor.id:
        raise ChannelTaken(current, owner)


def _get_link(session: Session, team_id: str, channel_id: str) -> AccountChannel | None:
    statement = select(AccountChannel).where(
        AccountChannel.team_id == team_id, AccountChannel.channel_id == channel_id
    )
    # Locked (PostgreSQL) so two re-links of one channel take turns: the second sees the first.
    return session.exec(statement.with_for_update()).first()


def unlink_channel(
    *, session: Session, team_id: str, channel_id: str, actor: Rep, now: datetime
) -> Account | None:
    """Remove a channel's link; returns the account it was linked to, if any."""
    link = _get_link(session, team_id, channel_id)
    if link is None:
        return None
    _check_may_move(session, link, actor)
    account = session.get(Account, link.account_id)
    assert account is not None  # the link's foreign key keeps its account row
    session.delete(link)
    audit.record(
        session=session,
        actor=actor,
        action="channel.unlink",
        subject=account,
        before={"channel": channel_id, "account": account.name},
        after=None,
        at=now,
    )
    return account
