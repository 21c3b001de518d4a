"""Deals and every change of their stage.

A stage is stored by name, one of the workspace's pipeline (models.stages explains why).
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Text, func, text, update
from sqlalchemy.orm import object_session
from sqlmodel import Field, Session, SQLModel, col, select

from models import audit
from models.accounts import Account, AccountStatus, touch
from models.base import DomainError, NotAllowed, NotFound, UTCDateTime, id_of, without_nul
from models.money import Money
from models.reps import Rep
from models.stages import (
    MAX_STAGE_NAME_LENGTH,
    Pipeline,
    Stage,
    StageOutcome,
    get_pipeline,
    normalize_stage,
)


class Deal(SQLModel, table=True):
    __tablename__ = "deals"
    __table_args__ = (
        # An account's deals, and (covering) its open deals summed per stage and currency for
        # the owner card: without the sums' columns SQLite read every deal of the workspace
        # through ix_deals_team_open, the one index that covered them.
        Index(
            "ix_deals_account_sums", "team_id", "account_id", "stage", "currency", "amount_minor"
        ),
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
    # Bumped by every change: a move read at version n writes only while the row is still at n,
    # so of two people moving one deal at once the later one is told, never silently undone.
    version: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})


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
    note: str | None = Field(default=None, sa_type=Text)  # why: a lost reason, a reopening


MAX_DEAL_NAME_LENGTH = 255
RECENT_CHANGES = 5


class DealChanged(DomainError):
    """Someone else changed the deal since the caller last saw it: nothing was written."""

    def __init__(self, deal: Deal, by: str | None) -> None:
        super().__init__(f"{deal.name} was changed a moment ago: it is now in {deal.stage}.")
        # Plain values: the transaction that raised this rolls back and expires the row.
        self.deal_id, self.team_id, self.name, self.stage = (
            id_of(deal),
            deal.team_id,
            deal.name,
            deal.stage,
        )
        self.by = by


class NotDealOwner(NotAllowed):
    """Only the deal's owner or an admin may change it; `owner` is the owner's Slack id."""

    def __init__(self, owner: str | None) -> None:
        super().__init__("Only the deal's owner or a Rapport admin can change it.")
        self.owner = owner


class NeedsReason(DomainError):
    """Lost needs a reason."""

    def __init__(self) -> None:
        super().__init__("Say why it was lost, e.g. `/deal Acme lost: went with a competitor`.")


@dataclass(frozen=True)
class Change:
    """One stage change as the card shows it."""

    from_stage: str | None
    to_stage: str
    by: str | None  # Slack user id
    at: datetime
    note: str | None


def get_deal(*, session: Session, team_id: str, deal_id: int) -> Deal:
    """A deal of this workspace on a live account, or NotFound."""
    found = session.exec(
        select(Deal)
        .join(Account, col(Account.id) == col(Deal.account_id))
        .where(Deal.id == deal_id, Deal.team_id == team_id)
        .where(Account.status == AccountStatus.ACTIVE)
    ).first()
    if found is None:
        raise NotFound("That deal no longer exists.")
    return found


def create_deal(
    *,
    session: Session,
    account: Account,
    owner: Rep,
    name: str,
    money: Money | None,
    expected_close: date | None,
    now: datetime,
) -> Deal:
    """A deal owned by `owner` at the pipeline's first stage; its first stage change; audited."""
    display = " ".join(without_nul(name).split())
    if not display:
        raise DomainError("Name the deal, e.g. `/deal new Acme: Renewal 2027 $48,000`.")
    if len(display) > MAX_DEAL_NAME_LENGTH:
        raise DomainError(f"A deal's name has at most {MAX_DEAL_NAME_LENGTH} characters.")
    pipeline = get_pipeline(session=session, team_id=account.team_id)
    for other in list_account_deals(session=session, account=account):
        if normalize_stage(other.name) == normalize_stage(display) and not pipeline.is_closed(
            other.stage
        ):
            raise DomainError(f"{account.name} already has an open deal called {other.name}.")
    deal = Deal(
        team_id=account.team_id,
        account_id=id_of(account),
        owner_id=owner.id,
        name=display,
        stage=pipeline.first.name,
        amount_minor=money.minor if money else None,
        currency=money.currency if money else None,
        expected_close=expected_close,
        stage_changed_at=now,
        created_at=now,
    )
    session.add(deal)
    session.flush()
    _record_change(session, deal, None, owner, now, note=None)
    _touch(session, deal, now)
    audit.record(
        session=session,
        actor=owner,
        action="deal.create",
        subject=deal,
        before=None,
        after=_snapshot(deal),
        at=now,
    )
    return deal


def move_deal(
    *,
    session: Session,
    team_id: str,
    deal_id: int,
    to: Stage,
    actor: Rep,
    now: datetime,
    note: str | None = None,
    seen_version: int | None = None,
) -> Deal:
    """Move a deal to stage `to` (forwards, backwards, closed or reopened), recorded and audited.

    PostgreSQL: a concurrent move waits on the row lock, then reads the row as the first left
    it. SQLite serializes writers; the version check in the UPDATE catches the move that read
    before the other wrote. `seen_version` is what the caller's card showed (a stale card is
    told, not obeyed)."""
    deal = lock_deal(session=session, team_id=team_id, deal_id=deal_id)
    check_can_edit(deal, actor)
    if seen_version is not None and deal.version != seen_version:
        raise DealChanged(deal, _last_mover(session, deal))
    if deal.stage == to.name:
        raise DomainError(f"{deal.name} is already in {to.name}; nothing changed.")
    note = " ".join(without_nul(note).split()) if note else None
    if to.outcome == StageOutcome.LOST and not note:
        raise NeedsReason()
    before, was = _snapshot(deal), deal.stage
    _write(
        session,
        deal,
        stage=to.name,
        stage_changed_at=now,
        closed_at=now if to.is_closed else None,
        lost_reason=note if to.outcome == StageOutcome.LOST else None,
    )
    _record_change(session, deal, was, actor, now, note=note)
    _touch(session, deal, now)
    audit.record(
        session=session,
        actor=actor,
        action="deal.stage",
        subject=deal,
        before=before,
        after=_snapshot(deal) | ({"note": note} if note else {}),
        at=now,
    )
    return deal


def reopen_stage(*, session: Session, deal: Deal, pipeline: Pipeline) -> Stage:
    """Where a reopened deal goes: the open stage it was closed from, else the first."""
    came_from = session.exec(
        select(DealStageChange.from_stage)
        .where(DealStageChange.team_id == deal.team_id, DealStageChange.deal_id == deal.id)
        .where(DealStageChange.to_stage == deal.stage)
        .order_by(col(DealStageChange.changed_at).desc(), col(DealStageChange.id).desc())
    ).first()
    stage = pipeline.find(came_from) if came_from else None
    return stage if stage is not None and not stage.is_closed else pipeline.first


def update_deal(
    *,
    session: Session,
    team_id: str,
    deal_id: int,
    actor: Rep,
    now: datetime,
    money: Money | None = None,
    expected_close: date | None = None,
) -> Deal:
    """Change a deal's amount or expected close (owner or admin), audited."""
    deal = lock_deal(session=session, team_id=team_id, deal_id=deal_id)
    check_can_edit(deal, actor)
    before = _snapshot(deal)
    values: dict[str, Any] = {}
    if money is not None:
        values |= {"amount_minor": money.minor, "currency": money.currency}
    if expected_close is not None:
        values["expected_close"] = expected_close
    _write(session, deal, **values)
    audit.record(
        session=session,
        actor=actor,
        action="deal.update",
        subject=deal,
        before=before,
        after=_snapshot(deal),
        at=now,
    )
    return deal


def check_can_edit(deal: Deal, actor: Rep) -> None:
    """NotDealOwner unless the actor owns the deal or is an admin."""
    if actor.is_admin or deal.owner_id == actor.id:
        return
    raise NotDealOwner(_slack_id(deal.owner_id, actor))


def list_account_deals(*, session: Session, account: Account) -> list[Deal]:
    """Every deal of an account, newest first."""
    return list(
        session.exec(
            select(Deal)
            .where(Deal.team_id == account.team_id, Deal.account_id == account.id)
            .order_by(col(Deal.created_at).desc(), col(Deal.id).desc())
            .limit(MAX_LISTED)
        )
    )


MAX_LISTED = 500  # more than any card or list shows; "and N more" counts the rest


def list_open_deals(
    *, session: Session, team_id: str, owner_id: int
) -> tuple[list[tuple[Deal, str]], int]:
    """A rep's open deals on live accounts with their account names (at most MAX_LISTED), and
    how many there are."""
    pipeline = get_pipeline(session=session, team_id=team_id)
    where = (
        Deal.team_id == team_id,
        Deal.owner_id == owner_id,
        col(Deal.stage).not_in(pipeline.closed_names),
        Account.status == AccountStatus.ACTIVE,
    )
    joined = select(Deal, Account.name).join(Account, col(Account.id) == col(Deal.account_id))
    rows = session.exec(
        joined.where(*where)
        .order_by(col(Deal.amount_minor).desc().nulls_last(), col(Deal.id))
        .limit(MAX_LISTED)
    ).all()
    total = session.exec(
        select(func.count())
        .select_from(Deal)
        .join(Account, col(Account.id) == col(Deal.account_id))
        .where(*where)
    ).one()
    shown = [(deal, name) for deal, name in rows if not pipeline.is_closed(deal.stage)]
    return sorted(shown, key=lambda row: pipeline.order_key(row[0].stage)), total


def recent_changes(*, session: Session, deal: Deal, limit: int = RECENT_CHANGES) -> list[Change]:
    """A deal's latest stage changes, newest first."""
    rows = session.exec(
        select(DealStageChange, Rep.slack_user_id)
        .join(Rep, col(Rep.id) == col(DealStageChange.changed_by_id), isouter=True)
        .where(DealStageChange.team_id == deal.team_id, DealStageChange.deal_id == deal.id)
        .order_by(col(DealStageChange.changed_at).desc(), col(DealStageChange.id).desc())
        .limit(limit)
    )
    return [Change(c.from_stage, c.to_stage, who, c.changed_at, c.note) for c, who in rows]


def owner_slack_id(*, session: Session, deal: Deal) -> str | None:
    owner = session.get(Rep, deal.owner_id) if deal.owner_id else None
    return owner.slack_user_id if owner else None


def lock_deal(*, session: Session, team_id: str, deal_id: int) -> Deal:
    """The deal, locked for this transaction on PostgreSQL (a no-op on SQLite), read afresh."""
    found = session.exec(
        select(Deal)
        .where(Deal.id == deal_id, Deal.team_id == team_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        raise NotFound("That deal no longer exists.")
    get_deal(session=session, team_id=team_id, deal_id=deal_id)  # and its account is live
    return found


def _write(session: Session, deal: Deal, **values: Any) -> None:
    """UPDATE the deal only if it is still at the version read, else DealChanged."""
    seen = deal.version
    written = session.execute(
        update(Deal)
        .where(col(Deal.id) == deal.id, col(Deal.team_id) == deal.team_id)
        .where(col(Deal.version) == seen)
        .values(version=seen + 1, **values)
        .returning(col(Deal.id))
    ).first()
    session.refresh(deal)
    if written is None:  # SQLite: another writer got in between our read and this write
        raise DealChanged(deal, _last_mover(session, deal))


def _record_change(
    session: Session, deal: Deal, was: str | None, actor: Rep, now: datetime, *, note: str | None
) -> None:
    session.add(
        DealStageChange(
            team_id=deal.team_id,
            deal_id=id_of(deal),
            account_id=deal.account_id,
            from_stage=was,
            to_stage=deal.stage,
            changed_by_id=actor.id,
            changed_at=now,
            note=note,
        )
    )


def _touch(session: Session, deal: Deal, now: datetime) -> None:
    account = session.get(Account, deal.account_id)
    if account is not None:
        touch(session=session, account=account, at=now)


def _last_mover(session: Session, deal: Deal) -> str | None:
    latest = recent_changes(session=session, deal=deal, limit=1)
    return latest[0].by if latest else None


def _slack_id(rep_id: int | None, actor: Rep) -> str | None:
    if rep_id is None:
        return None
    session = object_session(actor)
    rep = session.get(Rep, rep_id) if session is not None else None
    return rep.slack_user_id if rep else None


def _snapshot(deal: Deal) -> dict[str, object]:
    return {
        "name": deal.name,
        "stage": deal.stage,
        "amount_minor": deal.amount_minor,
        "currency": deal.currency,
        "expected_close": deal.expected_close.isoformat() if deal.expected_close else None,
        "lost_reason": deal.lost_reason,
        "owner_id": deal.owner_id,
    }
