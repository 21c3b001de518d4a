"""Nudges: claiming due follow-ups for their DM, and recording how each attempt went.

A follow-up waits for its nudge while it is open and `nudged_at` is empty; `next_attempt_at` says
when to try (its due time, pushed past quiet hours and failed attempts). A sweeper claims a batch
by taking a lease on it (`claimed_by`, `claimed_until`): on PostgreSQL with SELECT ... FOR UPDATE
SKIP LOCKED, so concurrent sweepers take different rows; on SQLite with one conditional UPDATE
... RETURNING, which SQLite runs under its single write lock. A lease that expires (its sweeper
died) makes the row claimable again, marked `unsure_since`: its DM may have gone out unrecorded,
so the next sweeper looks for it in the rep's DM before sending (handlers/nudges/sweep.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import ColumnElement, and_, bindparam, case, func, insert, or_, select, update
from sqlmodel import Session, col

from models import audit
from models.accounts import Account
from models.base import UTCDateTime, zone
from models.followups import Followup, FollowupStatus
from models.reps import Rep, working_hours

WORKDAY_START, WORKDAY_END = time(8, 0), time(19, 0)
WORKDAYS = frozenset(range(5))  # Monday to Friday
LEASE = timedelta(minutes=5)
NUDGE_EVENT = "rapport_nudge"  # the event_type of the message metadata each nudge carries


def in_zone(tz: str | None) -> tuple[tzinfo, bool]:
    """The rep's time zone, and whether it is theirs (False: none from Slack, or one the
    system's tzdata lacks, so the workspace default, UTC, stands in)."""
    if not tz:
        return UTC, False
    found = zone(tz)
    return found, found is not UTC or tz in ("UTC", "Etc/UTC")


def next_working_moment(
    at: datetime,
    tz: tzinfo,
    *,
    start: time = WORKDAY_START,
    end: time = WORKDAY_END,
    days: frozenset[int] = WORKDAYS,
) -> datetime:
    """`at` itself when it falls inside working hours in `tz` (from `start` to before `end`, on
    `days`), else the start of the next working hour, in UTC. Local wall times are built with
    zoneinfo, so a daylight-saving change moves the UTC instant, never the local hour."""
    local = at.astimezone(tz)
    day = local.date()
    if local.weekday() in days and start <= local.time() < end:
        return at
    if local.weekday() in days and local.time() < start:
        return _at(day, start, tz)
    for ahead in range(1, 8):
        following = day + timedelta(days=ahead)
        if following.weekday() in days:
            return _at(following, start, tz)
    raise ValueError("no working days")


def rep_opens(rep: Rep, at: datetime) -> datetime:
    """When `rep` may next be nudged from `at`: inside their own working hours (`/crm hours`,
    else 08:00-19:00 Monday to Friday) in their own zone."""
    hours = working_hours(rep)
    tz, _ = in_zone(rep.tz)
    return next_working_moment(at, tz, start=hours.start, end=hours.end, days=hours.days)


def _at(day: date, moment: time, tz: tzinfo) -> datetime:
    # A wall time skipped by a DST change (none at 08:00 anywhere today) still maps forward.
    return datetime.combine(day, moment, tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class Claimed:
    """A claimed follow-up, with what its DM needs."""

    followup: "Due | Followup"
    rep: Rep
    account: Account | None
    set_by: Rep | None


@dataclass(slots=True)
class Due:
    """A claimed follow-up as the sweep needs it: read straight off the claim's RETURNING (a
    sweep claims tens of thousands; ORM objects would cost more than the claim)."""

    id: int
    team_id: str
    rep_id: int
    account_id: int | None
    created_by_id: int | None
    due_at: datetime
    next_attempt_at: datetime | None
    note: str
    snoozed_count: int
    nudge_attempts: int
    unsure_since: datetime | None
    created_at: datetime


DUE_COLUMNS = [name for name in Due.__dataclass_fields__]
Nudgeable = Due | Followup  # what the sweep reads of a follow-up, claimed or loaded


def claim_due(
    *,
    session: Session,
    team_id: str,
    now: datetime,
    claimer: str,
    limit: int,
    lease: timedelta = LEASE,
) -> list[Due]:
    """Take a lease on up to `limit` follow-ups whose nudge is due at `now`, oldest first; a row
    whose earlier lease ran out comes back marked `unsure_since` (that claim's time)."""
    due = select(col(Followup.id)).where(
        col(Followup.team_id) == team_id,
        col(Followup.status) == FollowupStatus.OPEN,
        col(Followup.nudged_at).is_(None),
        col(Followup.next_attempt_at) <= now,
        or_(col(Followup.claimed_until).is_(None), col(Followup.claimed_until) <= now),
        col(Followup.rep_id).not_in(
            select(col(Rep.id)).where(
                col(Rep.team_id) == team_id, col(Rep.nudges_stopped).is_not(None)
            )
        ),
    )
    due = due.order_by(col(Followup.next_attempt_at)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    taken_over = and_(
        col(Followup.claimed_by).is_not(None), col(Followup.nudge_claimed_at).is_not(None)
    )
    table = Followup.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(
            claimed_by=claimer,
            claimed_until=now + lease,
            nudge_claimed_at=now,
            nudge_attempts=col(Followup.nudge_attempts) + 1,
            unsure_since=func.coalesce(
                col(Followup.unsure_since),
                case((taken_over, col(Followup.nudge_claimed_at)), else_=None),
            ),
        )
        .returning(*[table.c[name] for name in DUE_COLUMNS])
    )
    rows = [Due(**row._mapping) for row in session.connection().execute(statement)]
    return sorted(rows, key=lambda row: (row.next_attempt_at or row.due_at, row.id))


@dataclass
class Known:
    """Reps and accounts already read in this sweep: a batch reads only the ones it adds."""

    reps: dict[int, Rep] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)


def details(
    *,
    session: Session,
    team_id: str,
    followups: Sequence["Due | Followup"],
    known: Known | None = None,
) -> list[Claimed]:
    """The reps, accounts and setters of claimed follow-ups, in at most two queries."""
    known = known or Known()
    rep_ids = {f.rep_id for f in followups} | {
        f.created_by_id for f in followups if f.created_by_id
    }
    account_ids = {f.account_id for f in followups if f.account_id}
    if missing := rep_ids - known.reps.keys():
        reps_query = select(Rep).where(col(Rep.team_id) == team_id, col(Rep.id).in_(missing))
        known.reps |= {rep.id or 0: rep for rep in session.scalars(reps_query)}
    if missing := account_ids - known.accounts.keys():
        accounts_query = select(Account).where(
            col(Account.team_id) == team_id, col(Account.id).in_(missing)
        )
        known.accounts |= {a.id or 0: a for a in session.scalars(accounts_query)}
    reps, accounts = known.reps, known.accounts
    return [
        Claimed(
            followup=f,
            rep=reps[f.rep_id],
            account=accounts.get(f.account_id) if f.account_id else None,
            set_by=reps.get(f.created_by_id) if f.created_by_id else None,
        )
        for f in followups
        if f.rep_id in reps
    ]


@dataclass(frozen=True)
class Sent:
    followup_id: int
    channel: str
    ts: str


@dataclass(frozen=True)
class Retry:
    followup_id: int
    at: datetime  # the next attempt
    error: str | None = None
    unsure_since: datetime | None = None  # the attempt may have reached Slack (a timeout)


def _still_mine(claimer: str) -> list:
    table = Followup.__table__.c  # type: ignore[attr-defined]
    return [table.id == bindparam("fid"), table.claimed_by == claimer]


def still_claimed(*, session: Session, team_id: str, followup_id: int, claimer: str) -> bool:
    """Whether `claimer` still holds the follow-up's lease: a Done, a snooze or a handoff since
    the claim gave it back, and then its nudge is not sent (it would be stale, or the wrong
    rep's)."""
    table = Followup.__table__.c  # type: ignore[attr-defined]
    found = session.execute(
        select(table.id).where(
            table.team_id == team_id, table.id == followup_id, table.claimed_by == claimer
        )
    ).first()
    return found is not None


def record_sent(
    *, session: Session, team_id: str, claimer: str, sent: list[Sent], now: datetime
) -> int:
    """The DMs went out: each nudge is marked sent with its ts in this one transaction. A row
    whose lease this sweeper lost meanwhile (snoozed, done, taken over) is left alone."""
    if not sent:
        return 0
    table = Followup.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.team_id == team_id, *_still_mine(claimer))
        .values(
            nudged_at=now,
            nudge_channel=bindparam("channel"),
            nudge_ts=bindparam("ts"),
            claimed_by=None,
            claimed_until=None,
            unsure_since=None,
            nudge_error=None,
        )
    )
    params = [{"fid": s.followup_id, "channel": s.channel, "ts": s.ts} for s in sent]
    session.connection().execute(statement, params)
    entries = [
        {"team_id": team_id, "actor": "system", "action": "followup.nudge", "entity": "followup",
         "entity_id": s.followup_id, "before": None, "after": {"channel": s.channel, "ts": s.ts},
         "at": now}
        for s in sent
    ]  # fmt: skip
    audit_table = audit.AuditEntry.__table__  # type: ignore[attr-defined]
    session.connection().execute(insert(audit_table), entries)
    return len(sent)


def release(*, session: Session, team_id: str, claimer: str, retries: list[Retry]) -> None:
    """Not sent this time: each row waits for its next attempt, its lease given back."""
    if not retries:
        return
    table = Followup.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.team_id == team_id, *_still_mine(claimer))
        .values(
            next_attempt_at=bindparam("at"),
            nudge_error=bindparam("error"),
            unsure_since=func.coalesce(
                table.c.unsure_since, bindparam("unsure", type_=UTCDateTime())
            ),
            claimed_by=None,
            claimed_until=None,
        )
    )
    params = [
        {"fid": r.followup_id, "at": r.at, "error": r.error, "unsure": r.unsure_since}
        for r in retries
    ]
    session.connection().execute(statement, params)


def set_dm_channel(*, session: Session, rep_id: int, channel: str | None) -> None:
    session.execute(update(Rep).where(col(Rep.id) == rep_id).values(dm_channel=channel))


def stop_nudging(*, session: Session, rep: Rep, reason: str, now: datetime) -> None:
    """Slack won't DM this rep (`reason`, its error): their nudges wait until it is cleared."""
    session.execute(
        update(Rep)
        .where(col(Rep.id) == rep.id, col(Rep.team_id) == rep.team_id)
        .values(nudges_stopped=reason, nudges_stopped_at=now)
    )
    audit.record(
        session=session,
        actor="system",
        action="rep.nudges_stopped",
        subject=rep,
        before=None,
        after={"reason": reason},
        at=now,
    )


@dataclass(frozen=True)
class Status:
    due: int
    claimed: int
    sent_today: int
    failed: int
    reps_stopped: int


def status(*, session: Session, team_id: str, now: datetime) -> Status:
    """Counts for `rapport nudges status` (today: since 00:00 UTC)."""
    waiting = and_(
        col(Followup.team_id) == team_id,
        col(Followup.status) == FollowupStatus.OPEN,
        col(Followup.nudged_at).is_(None),
    )
    midnight = datetime.combine(now.date(), time(0), tzinfo=UTC)

    def count(*where: ColumnElement[bool]) -> int:
        statement = select(func.count()).select_from(Followup).where(*where)
        return int(session.execute(statement).scalar_one())

    return Status(
        due=count(waiting, col(Followup.next_attempt_at) <= now),
        claimed=count(waiting, col(Followup.claimed_until) > now),
        sent_today=count(col(Followup.team_id) == team_id, col(Followup.nudged_at) >= midnight),
        failed=count(waiting, col(Followup.nudge_error).is_not(None)),
        reps_stopped=int(
            session.execute(
                select(func.count())
                .select_from(Rep)
                .where(col(Rep.team_id) == team_id, col(Rep.nudges_stopped).is_not(None))
            ).scalar_one()
        ),
    )


def due_preview(
    *, session: Session, team_id: str, now: datetime, limit: int = 1000
) -> list[Claimed]:
    """What a sweep at `now` would claim, claiming nothing (for `rapport nudges --dry-run`)."""
    statement = (
        select(Followup)
        .where(
            col(Followup.team_id) == team_id,
            col(Followup.status) == FollowupStatus.OPEN,
            col(Followup.nudged_at).is_(None),
            col(Followup.next_attempt_at) <= now,
            or_(col(Followup.claimed_until).is_(None), col(Followup.claimed_until) <= now),
        )
        .order_by(col(Followup.next_attempt_at))
        .limit(limit)
    )
    rows = list(session.scalars(statement))
    return [
        c
        for c in details(session=session, team_id=team_id, followups=rows)
        if not c.rep.nudges_stopped
    ]


def stale_reps(*, session: Session, team_id: str, rep_ids: set[int], before: datetime) -> list[Rep]:
    """Of these reps, those whose profile Slack last confirmed before `before` (or never)."""
    statement = select(Rep).where(
        col(Rep.team_id) == team_id,
        col(Rep.id).in_(rep_ids),
        or_(col(Rep.checked_at).is_(None), col(Rep.checked_at) < before),
    )
    return list(session.scalars(statement))
