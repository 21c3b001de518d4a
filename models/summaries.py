"""Read-side summaries: the /who-owns card of an account, and a rep's day for the App Home."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    func,
    null,
    or_,
    union_all,
)
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from models.accounts import Account, AccountStatus, normalize_name
from models.base import NotFound, Reader, id_of, read, table, zone
from models.deals import Deal
from models.followups import Followup, FollowupStatus
from models.interactions import Interaction
from models.reps import Rep
from models.stages import Pipeline, get_pipeline, pipeline_of, stage_rows

UPCOMING_DAYS = 7
LATER_SHOWN = 3  # of the follow-ups beyond the week, the nearest few are listed


@dataclass(frozen=True)
class LastTouch:
    rep_slack_id: str
    at: datetime
    kind: str
    summary: str
    permalink: str | None


@dataclass(frozen=True)
class DealTotal:
    currency: str | None
    amount_minor: int
    count: int


@dataclass(frozen=True)
class OwnerCard:
    account_id: int
    account: str
    owner_slack_id: str | None
    owner_since: datetime | None
    assigned_by_slack_id: str | None
    last_touch: LastTouch | None
    open_deals: int
    open_stages: list[str]
    open_totals: list[DealTotal]
    next_followup: tuple[datetime, str, str] | None


@dataclass(frozen=True)
class FollowupRow:
    id: int
    account: str | None
    due_at: datetime
    note: str
    snoozes: int  # how often it was snoozed: a Snooze option carries it, so a repeat is a no-op

    @property
    def snoozed(self) -> bool:
        return self.snoozes > 0


@dataclass(frozen=True)
class StageGroup:
    stage: str
    deals: list[tuple[int, str, str, int | None, str | None]]  # at most `cap` of them
    totals: list[DealTotal]  # every open deal in the stage, per currency


@dataclass(frozen=True)
class HomeSummary:
    overdue: list[FollowupRow]
    today: list[FollowupRow]
    upcoming: list[FollowupRow]
    overdue_total: int
    today_total: int
    upcoming_total: int
    stages: list[StageGroup]
    stale: list[tuple[int, str, datetime | None]]
    stale_total: int
    later: list[FollowupRow] = field(default_factory=list)  # due after the next 7 days
    later_total: int = 0


# One row of an open-deals aggregate: (stage, currency, sum of amounts, number of deals).
StageSum = tuple[str, str | None, int | None, int]


def owner_card(*, session: Reader, team_id: str, account_id: int) -> OwnerCard:
    """Who owns a live account, its last touch, open deals and next follow-up; else NotFound.

    Two statements, each built once and run on the session's connection (Core rows, no ORM
    objects): the card (`card_statement`: the account, its owner and who assigned them, its
    latest interaction and its earliest open follow-up, each by its own index), and the
    account's deals summed per stage and currency with the pipeline's stages
    (`deals_and_stages`)."""
    row = read(session, card_statement("id"), team_id=team_id, account_id=account_id).first()
    if row is None:
        raise NotFound("That account no longer exists.")
    return _owner_card(session, team_id, row)


def owner_card_named(*, session: Reader, team_id: str, name: str) -> OwnerCard | None:
    """The card of the live account named `name` exactly (as normalize_name keys it), if there
    is one: what /who-owns asks most, found by the card's own statement, no look-up of the name
    first. None: resolve the name (an alias, a typo, a choice) and ask `owner_card`."""
    if not (key := normalize_name(name)):
        return None
    row = read(session, card_statement("key"), team_id=team_id, key=key).first()
    return None if row is None else _owner_card(session, team_id, row)


def _owner_card(session: Reader, team_id: str, row: Any) -> OwnerCard:
    rows = read(session, deals_and_stages(), team_id=team_id, account_id=row.id).all()
    pipeline = pipeline_of(sorted((r for r in rows if r.sums is None), key=lambda r: r.position))
    sums: list[StageSum] = [
        (deal.name, deal.currency, deal.total, deal.sums)
        for deal in rows
        if deal.sums is not None and not pipeline.is_closed(deal.name)
    ]
    last_touch = None
    if row.touched_at is not None:
        last_touch = LastTouch(
            row.toucher, row.touched_at, row.touch_kind, row.touch_summary, row.touch_permalink
        )
    following = (row.due_at, row.follower, row.note) if row.due_at is not None else None
    return OwnerCard(
        account_id=row.id,
        account=row.name,
        owner_slack_id=row.owner,
        owner_since=row.owner_since if row.owner else None,
        assigned_by_slack_id=row.assigned_by,
        last_touch=last_touch,
        open_deals=sum(count for *_, count in sums),
        open_stages=sorted({stage for stage, *_ in sums}, key=pipeline.order_key),
        open_totals=_totals(sums),
        next_followup=following,
    )


@cache
def card_statement(by: str) -> Any:
    """One row for the owner card of a live account (none: it isn't one), for `team_id` and,
    `by` "id", the account's `account_id` or, `by` "key", its normalized name `key` (one live
    account per name: uq_accounts_team_name). The latest interaction and the earliest open
    follow-up are joined by id, found by ix_interactions_timeline and ix_followups_account_open,
    so the cost is a few index probes however big the store. Built once: its four aliases of
    reps cost more to build than the query takes to run."""
    team_id: Any = bindparam("team_id")
    accounts = table(Account)
    recent, due = table(Interaction).alias("recent"), table(Followup).alias("due")
    interactions, followups = table(Interaction), table(Followup)
    owner, assigner, toucher, follower = (
        table(Rep).alias(name) for name in ("owner", "assigner", "toucher", "follower")
    )
    latest = (
        select_columns(recent.c.id)
        .where(recent.c.team_id == team_id, recent.c.account_id == accounts.c.id)
        .order_by(recent.c.occurred_at.desc(), recent.c.id.desc())
        .limit(1)
        .correlate(accounts)
        .scalar_subquery()
    )
    next_due = (
        select_columns(due.c.id)
        .where(due.c.team_id == team_id, due.c.account_id == accounts.c.id)
        .where(due.c.status == FollowupStatus.OPEN)
        .order_by(due.c.due_at, due.c.id)
        .limit(1)
        .correlate(accounts)
        .scalar_subquery()
    )
    which = {
        "id": accounts.c.id == bindparam("account_id"),
        "key": accounts.c.normalized_name == bindparam("key"),
    }[by]
    return (
        select_columns(
            accounts.c.id,
            accounts.c.name,
            accounts.c.owner_since,
            owner.c.slack_user_id.label("owner"),
            assigner.c.slack_user_id.label("assigned_by"),
            interactions.c.occurred_at.label("touched_at"),
            interactions.c.kind.label("touch_kind"),
            interactions.c.summary.label("touch_summary"),
            interactions.c.permalink.label("touch_permalink"),
            toucher.c.slack_user_id.label("toucher"),
            followups.c.due_at,
            followups.c.note,
            follower.c.slack_user_id.label("follower"),
        )
        .select_from(accounts)
        .outerjoin(owner, owner.c.id == accounts.c.owner_id)
        .outerjoin(assigner, assigner.c.id == accounts.c.owner_assigned_by_id)
        .outerjoin(interactions, interactions.c.id == latest)
        .outerjoin(toucher, toucher.c.id == interactions.c.rep_id)
        .outerjoin(followups, followups.c.id == next_due)
        .outerjoin(follower, follower.c.id == followups.c.rep_id)
        .where(which, accounts.c.team_id == team_id, accounts.c.status == AccountStatus.ACTIVE)
    )


@cache
def account_deal_sums() -> Any:
    """An account's deals summed per (stage, currency), for `team_id` and `account_id`, closed
    stages included (the caller knows the pipeline): ix_deals_account_sums covers it."""
    deals = table(Deal)
    return (
        select_columns(
            deals.c.stage,
            deals.c.currency,
            func.sum(deals.c.amount_minor).label("total"),
            func.count().label("deals"),
        )
        .where(deals.c.team_id == bindparam("team_id"))
        .where(deals.c.account_id == bindparam("account_id"))
        .group_by(deals.c.stage, deals.c.currency)
    )


@cache
def deals_and_stages() -> Any:
    """`account_deal_sums` and the workspace's own stages (`get_pipeline`'s), in one statement
    for `team_id` and `account_id`: a row with `sums` (deals counted) is a sum per (stage
    `name`, currency), one without is a stage (name, outcome, probability, at position)."""
    sums = account_deal_sums().subquery()
    stages = stage_rows().subquery()
    return union_all(
        select_columns(
            stages.c.name,
            stages.c.outcome,
            stages.c.probability,
            stages.c.position,
            cast(null(), String).label("currency"),
            cast(null(), BigInteger).label("total"),
            cast(null(), Integer).label("sums"),
        ),
        select_columns(
            sums.c.stage,
            cast(null(), String),
            cast(null(), Integer),
            cast(null(), Integer),
            sums.c.currency,
            sums.c.total,
            sums.c.deals,
        ),
    )


def deal_sums_statement(pipeline: Pipeline, *where: ColumnElement[bool] | bool) -> Any:
    """The open deals matching `where` of live accounts, summed per (stage, currency)."""
    return (
        select(Deal.stage, Deal.currency, func.sum(Deal.amount_minor), func.count())
        .join(Account, col(Account.id) == col(Deal.account_id))
        .where(*where, col(Deal.stage).not_in(pipeline.closed_names))
        .where(Account.status == AccountStatus.ACTIVE)
        .group_by(col(Deal.stage), col(Deal.currency))
    )


def _open_deal_sums(
    session: Session, pipeline: Pipeline, *where: ColumnElement[bool] | bool
) -> list[StageSum]:
    """Open deals matching `where`, summed per (stage, currency)."""
    statement = deal_sums_statement(pipeline, *where)
    # NOT IN the exact names keeps the query plain; a closed stage spelled in another case
    # (an import, say) is left out here, per group, so both agree with Pipeline.is_closed.
    return [
        (stage, currency, total, count)
        for stage, currency, total, count in session.exec(statement)
        if not pipeline.is_closed(stage)
    ]


def _totals(sums: Iterable[StageSum]) -> list[DealTotal]:
    """Per currency, the largest amount first; deals without an amount count, adding nothing."""
    amounts: dict[str | None, int] = defaultdict(int)
    counts: dict[str | None, int] = defaultdict(int)
    for _, currency, total, count in sums:
        amounts[currency] += int(total or 0)  # PostgreSQL sums bigint as numeric
        counts[currency] += count
    totals = [DealTotal(currency, amounts[currency], counts[currency]) for currency in amounts]
    return sorted(totals, key=lambda t: (-t.amount_minor, t.currency or ""))


def home_summary(
    *,
    session: Session,
    team_id: str,
    rep_id: int,
    now: datetime,
    tz: str,
    stale_days: int,
    cap: int = 15,
) -> HomeSummary:
    """A rep's open follow-ups (overdue, today, next 7 days, and the nearest few of those due
    later), deals by stage, stale accounts."""
    end_of_today = _end_of_local_day(now, tz)
    week = now + timedelta(days=UPCOMING_DAYS)
    overdue = _followups_due(session, team_id, rep_id, None, now, cap)
    today = _followups_due(session, team_id, rep_id, now, end_of_today, cap)
    upcoming = _followups_due(session, team_id, rep_id, end_of_today, week, cap)
    later = _followups_due(session, team_id, rep_id, week, None, LATER_SHOWN)
    stale, stale_total = _stale_accounts(
        session, team_id, rep_id, now - timedelta(days=stale_days), cap
    )
    return HomeSummary(
        overdue=overdue[0],
        today=today[0],
        upcoming=upcoming[0],
        overdue_total=overdue[1],
        today_total=today[1],
        upcoming_total=upcoming[1],
        stages=_stage_groups(session, team_id, rep_id, cap),
        stale=stale,
        stale_total=stale_total,
        later=later[0],
        later_total=later[1],
    )


def _end_of_local_day(now: datetime, tz: str) -> datetime:
    """The next midnight in the rep's time zone (UTC when the zone is unknown), in UTC."""
    local = zone(tz)
    tomorrow = now.astimezone(local).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=local).astimezone(UTC)


def _followups_due(
    session: Session,
    team_id: str,
    rep_id: int,
    start: datetime | None,
    end: datetime | None,
    cap: int,
) -> tuple[list[FollowupRow], int]:
    """The rep's open follow-ups due in [start, end), soonest first: `cap` of them, and how many."""
    where: list[ColumnElement[bool] | bool] = [
        Followup.team_id == team_id,
        Followup.rep_id == rep_id,
        Followup.status == FollowupStatus.OPEN,
    ]
    if end is not None:
        where.append(col(Followup.due_at) < end)
    if start is not None:
        where.append(col(Followup.due_at) >= start)
    total = session.exec(select(func.count()).select_from(Followup).where(*where)).one()
    rows = session.exec(
        select(Followup, Account.name)
        .join(Account, col(Account.id) == col(Followup.account_id), isouter=True)
        .where(*where)
        .order_by(col(Followup.due_at), col(Followup.id))
        .limit(cap)
    )
    shown = [
        FollowupRow(id_of(f), account, f.due_at, f.note, f.snoozed_count) for f, account in rows
    ]
    return shown, total


def _stage_groups(session: Session, team_id: str, rep_id: int, cap: int) -> list[StageGroup]:
    """The rep's open deals per stage in pipeline order: `cap` deals each, totals of all."""
    pipeline = get_pipeline(session=session, team_id=team_id)
    mine = (Deal.team_id == team_id, Deal.owner_id == rep_id)
    sums = _open_deal_sums(session, pipeline, *mine)
    stages = sorted({stage for stage, *_ in sums}, key=pipeline.order_key)
    return [
        StageGroup(
            stage,
            _deals_in_stage(session, (*mine, Deal.stage == stage), cap),
            _totals(s for s in sums if s[0] == stage),
        )
        for stage in stages
    ]


def _deals_in_stage(
    session: Session, where: tuple[ColumnElement[bool] | bool, ...], cap: int
) -> list[tuple[int, str, str, int | None, str | None]]:
    """Deals matching `where` on live accounts, the largest first, at most `cap` of them."""
    rows = session.exec(
        select(Deal, Account.name)
        .join(Account, col(Account.id) == col(Deal.account_id))
        .where(*where, Account.status == AccountStatus.ACTIVE)
        .order_by(col(Deal.amount_minor).desc().nulls_last(), col(Deal.id))
        .limit(cap)
    )
    return [(id_of(d), account, d.name, d.amount_minor, d.currency) for d, account in rows]


def stale_where(*, team_id: str, rep_id: int, cutoff: datetime) -> list[ColumnElement[bool]]:
    """What makes an account stale for its rep: live, theirs, and untouched (or, never touched,
    created) before `cutoff`. App Home and the morning digest count the same accounts."""
    return [
        col(Account.team_id) == team_id,
        col(Account.owner_id) == rep_id,
        col(Account.status) == AccountStatus.ACTIVE,
        or_(
            col(Account.last_touched_at) < cutoff,
            and_(col(Account.last_touched_at).is_(None), col(Account.created_at) < cutoff),
        ),
    ]


def _stale_accounts(
    session: Session, team_id: str, rep_id: int, cutoff: datetime, cap: int
) -> tuple[list[tuple[int, str, datetime | None]], int]:
    """The rep's live accounts untouched since `cutoff`, never-touched and oldest first."""
    where = stale_where(team_id=team_id, rep_id=rep_id, cutoff=cutoff)
    total = session.exec(select(func.count()).select_from(Account).where(*where)).one()
    rows = session.exec(
        select(Account.id, Account.name, Account.last_touched_at)
        .where(*where)
        .order_by(
            col(Account.last_touched_at).asc().nulls_first(),
            col(Account.created_at),
            col(Account.id),
        )
        .limit(cap)
    )
    return [(id_ or 0, name, touched) for id_, name, touched in rows], total


@dataclass(frozen=True)
class FollowupAgenda:
    """A rep's open follow-ups for `/followup`: `cap` of each list, and how many there are."""

    overdue: list[FollowupRow]
    today: list[FollowupRow]
    upcoming: list[FollowupRow]  # after today, however far
    overdue_total: int
    today_total: int
    upcoming_total: int


def followup_agenda(
    *, session: Session, team_id: str, rep_id: int, now: datetime, tz: str, cap: int = 10
) -> FollowupAgenda:
    """A rep's open follow-ups: overdue, due later today (rep-local), and after today."""
    end_of_today = _end_of_local_day(now, tz)
    overdue = _followups_due(session, team_id, rep_id, None, now, cap)
    today = _followups_due(session, team_id, rep_id, now, end_of_today, cap)
    upcoming = _followups_due(session, team_id, rep_id, end_of_today, None, cap)
    return FollowupAgenda(overdue[0], today[0], upcoming[0], overdue[1], today[1], upcoming[1])
