"""The morning digest: whose time it is (09:00 rep-local on their working days, or the start of
their working hours when that is later), and what a rep's digest holds.

Every section is one statement (its first `cap` rows, and how many there are, by a window count)
on an index of the rep's own rows: follow-ups on ix_followups_team_rep, accounts on
ix_accounts_team_owner, deals on ix_deals_team_owner_stage.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import delete, func, tuple_
from sqlalchemy import select as columns
from sqlmodel import Session, col, select

from models import audit
from models.accounts import Account, AccountStatus
from models.base import id_of, zone
from models.claims import Claim
from models.deals import Deal
from models.followups import Followup, FollowupStatus
from models.reps import DEFAULT_HOURS, Rep, WorkingHours, hours_of, minutes_of
from models.stages import get_pipeline
from models.summaries import stale_where

CAP = 10  # rows shown per section; the rest is "and N more"
T = TypeVar("T")


@dataclass(frozen=True)
class Recipient:
    team_id: str
    rep_id: int
    slack_user_id: str
    tz: str
    dm_channel: str | None = None  # the DM with Rapport, as the nudges keep it (reps.dm_channel)
    hours: WorkingHours = DEFAULT_HOURS  # `/crm hours`: when the digest may reach them


@dataclass(frozen=True)
class DueFollowup:
    id: int
    account: str | None
    due_at: datetime
    note: str


@dataclass(frozen=True)
class StaleAccount:
    account: str
    last_touched_at: datetime | None


@dataclass(frozen=True)
class DigestDeal:
    account: str
    name: str
    stage: str
    stage_changed_at: datetime
    expected_close: date | None
    amount_minor: int | None
    currency: str | None


@dataclass(frozen=True)
class Section(Generic[T]):
    rows: list[T]
    total: int


@dataclass(frozen=True)
class Digest:
    overdue: Section[DueFollowup]  # due before today (rep-local)
    today: Section[DueFollowup]  # due today, earlier hours included
    stale: Section[StaleAccount]
    stuck: Section[DigestDeal]
    closing: Section[DigestDeal]  # expected close Monday to Sunday of this (rep-local) week

    @property
    def empty(self) -> bool:
        sections = (self.overdue, self.today, self.stale, self.stuck, self.closing)
        return not any(section.total for section in sections)


DIGEST_AT = time(9, 0)  # rep-local, unless their working hours start later
DIGEST_SPAN = 180  # minutes: a sweep that missed the start sends it this long after, not later


def digest_window(hours: WorkingHours) -> tuple[time, time]:
    """When a rep's digest may go on one of their working days, rep-local: from 09:00, or from
    the start of their working hours when that is later (from the start, when their hours end by
    09:00), for three hours, and not once their hours have ended."""
    start = max(DIGEST_AT, hours.start) if hours.end > DIGEST_AT else hours.start
    minutes = min(minutes_of(start) + DIGEST_SPAN, minutes_of(hours.end))
    return start, time(minutes // 60, minutes % 60)


def is_digest_time(now: datetime, tz: str, hours: WorkingHours = DEFAULT_HOURS) -> bool:
    """Whether `now` falls in the digest's window on one of the rep's working days, in `tz`
    (DST-correct): by default weekdays, 09:00 to noon."""
    local = now.astimezone(zone(tz))
    start, end = digest_window(hours)
    return local.weekday() in hours.days and start <= local.time() < end


def list_recipients(*, session: Session, team_id: str) -> list[Recipient]:
    """The workspace's full members who get the digest: active, not guests, bots or people of
    another organisation, not turned off, and not someone Slack refuses to DM; with their
    working hours (`is_digest_time` says whose moment it is)."""
    rows = session.execute(
        columns(
            col(Rep.team_id),
            col(Rep.id),
            col(Rep.slack_user_id),
            col(Rep.tz),
            col(Rep.dm_channel),
            col(Rep.work_start),
            col(Rep.work_end),
            col(Rep.work_days),
        ).where(
            col(Rep.team_id) == team_id,
            col(Rep.digest_enabled).is_(True),
            col(Rep.nudges_stopped).is_(None),
            col(Rep.active).is_(True),
            col(Rep.is_guest).is_(False),
            col(Rep.is_bot).is_(False),
            col(Rep.deleted).is_(False),
            col(Rep.home_team_id) == col(Rep.team_id),
        )
    )
    return [
        Recipient(team, rep_id or 0, user, tz, channel, hours_of(start, end, days))
        for team, rep_id, user, tz, channel, start, end, days in rows
    ]


def claimed_keys(*, session: Session, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (team_id, key) pairs are claimed already (on the claims' unique index)."""
    if not keys:
        return set()
    statement = select(Claim.team_id, Claim.key).where(
        tuple_(col(Claim.team_id), col(Claim.key)).in_(keys)
    )
    return {(team, key) for team, key in session.exec(statement)}


def release_claim(*, session: Session, team_id: str, key: str) -> None:
    """Give a claim back, so a later sweep may try again (a post Slack surely didn't take)."""
    session.execute(delete(Claim).where(col(Claim.team_id) == team_id, col(Claim.key) == key))


def build_digest(
    *,
    session: Session,
    recipient: Recipient,
    now: datetime,
    stale_days: int,
    stuck_days: int,
    cap: int = CAP,
) -> Digest:
    """What a rep's digest holds at `now`, in their time zone."""
    local = zone(recipient.tz)
    today = now.astimezone(local).date()
    midnight = datetime.combine(today, time(0), tzinfo=local).astimezone(UTC)
    tomorrow = datetime.combine(today + timedelta(days=1), time(0), tzinfo=local).astimezone(UTC)
    monday = today - timedelta(days=today.weekday())
    team, rep = recipient.team_id, recipient.rep_id
    closed = get_pipeline(session=session, team_id=team).closed_names
    return Digest(
        overdue=_followups(session, team, rep, None, midnight, cap),
        today=_followups(session, team, rep, midnight, tomorrow, cap),
        stale=_stale(session, team, rep, now - timedelta(days=stale_days), cap),
        stuck=_deals(
            session,
            (team, rep, closed),
            col(Deal.stage_changed_at) < now - timedelta(days=stuck_days),
            cap,
        ),
        closing=_deals(
            session,
            (team, rep, closed),
            col(Deal.expected_close).between(monday, monday + timedelta(days=6)),
            cap,
            by_close=True,
        ),
    )


def _followups(
    session: Session, team_id: str, rep_id: int, start: datetime | None, end: datetime, cap: int
) -> Section[DueFollowup]:
    where: list[Any] = [
        Followup.team_id == team_id,
        Followup.rep_id == rep_id,
        Followup.status == FollowupStatus.OPEN,
        col(Followup.due_at) < end,
    ]
    if start is not None:
        where.append(col(Followup.due_at) >= start)
    rows = session.exec(
        select(Followup, Account.name, func.count().over())
        .join(Account, col(Account.id) == col(Followup.account_id), isouter=True)
        .where(*where)
        .order_by(col(Followup.due_at), col(Followup.id))
        .limit(cap)
    ).all()
    shown = [DueFollowup(id_of(f), name, f.due_at, f.note) for f, name, _ in rows]
    return Section(shown, rows[0][-1] if rows else 0)


def _stale(
    session: Session, team_id: str, rep_id: int, cutoff: datetime, cap: int
) -> Section[StaleAccount]:
    """The rep's live accounts untouched since `cutoff` (as App Home counts them)."""
    rows = session.exec(
        select(Account.name, Account.last_touched_at, func.count().over())
        .where(*stale_where(team_id=team_id, rep_id=rep_id, cutoff=cutoff))
        .order_by(
            col(Account.last_touched_at).asc().nulls_first(),
            col(Account.created_at),
            col(Account.id),
        )
        .limit(cap)
    ).all()
    shown = [StaleAccount(name, touched) for name, touched, _ in rows]
    return Section(shown, rows[0][-1] if rows else 0)


def _deals(
    session: Session,
    whose: tuple[str, int, tuple[str, ...]],
    condition: Any,
    cap: int,
    *,
    by_close: bool = False,
) -> Section[DigestDeal]:
    """The rep's open deals (not in the `closed` stages) on live accounts meeting `condition`."""
    team_id, rep_id, closed = whose
    order = (
        (col(Deal.expected_close), col(Deal.id))
        if by_close
        else (col(Deal.stage_changed_at), col(Deal.id))
    )
    rows = session.exec(
        select(Deal, Account.name, func.count().over())
        .join(Account, col(Account.id) == col(Deal.account_id))
        .where(
            Deal.team_id == team_id,
            Deal.owner_id == rep_id,
            col(Deal.stage).not_in(closed),
            Account.status == AccountStatus.ACTIVE,
            condition,
        )
        .order_by(*order)
        .limit(cap)
    ).all()
    shown = [
        DigestDeal(
            name,
            deal.name,
            deal.stage,
            deal.stage_changed_at,
            deal.expected_close,
            deal.amount_minor,
            deal.currency,
        )
        for deal, name, _ in rows
    ]
    return Section(shown, rows[0][-1] if rows else 0)


def set_digest(*, session: Session, rep: Rep, enabled: bool, now: datetime) -> bool:
    """Turn a rep's digest on or off; whether that changed anything."""
    if rep.digest_enabled == enabled:
        return False
    rep.digest_enabled = enabled
    session.add(rep)
    audit.record(
        session=session,
        actor=rep,
        action="rep.digest",
        subject=rep,
        before={"digest_enabled": not enabled},
        after={"digest_enabled": enabled},
        at=now,
    )
    return True
