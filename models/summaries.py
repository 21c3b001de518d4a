"""Read-side summaries: the /who-owns card and a rep's App Home."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from models.accounts import Account, AccountStatus, get_account
from models.deals import DEFAULT_STAGES, Deal
from models.followups import Followup, FollowupStatus
from models.interactions import Interaction
from models.reps import Rep

CLOSED = ("Won", "Lost")


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


def _slack_id(session: Session, rep_id: int | None) -> str | None:
    rep = session.get(Rep, rep_id) if rep_id else None
    return rep.slack_user_id if rep else None


def _stage_order(stage: str) -> int:
    return DEFAULT_STAGES.index(stage) if stage in DEFAULT_STAGES else len(DEFAULT_STAGES)


def _totals(deals: list[Deal]) -> list[DealTotal]:
    sums: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for deal in deals:
        sums[deal.currency][0] += deal.amount_minor or 0
        sums[deal.currency][1] += 1
    totals = [DealTotal(currency, amount, count) for currency, (amount, count) in sums.items()]
    return sorted(totals, key=lambda t: (-t.amount_minor, t.currency or ""))


def owner_card(*, session: Session, team_id: str, account_id: int) -> OwnerCard:
    """Who owns an account, its last touch, open deals and next follow-up."""
    account = get_account(session=session, team_id=team_id, account_id=account_id)
    last = session.exec(
        select(Interaction, Rep.slack_user_id)
        .join(Rep, col(Rep.id) == col(Interaction.rep_id))
        .where(Interaction.team_id == team_id, Interaction.account_id == account_id)
        .order_by(col(Interaction.occurred_at).desc(), col(Interaction.id).desc())
        .limit(1)
    ).first()
    deals = list(
        session.exec(
            select(Deal).where(
                Deal.team_id == team_id,
                Deal.account_id == account_id,
                col(Deal.stage).notin_(CLOSED),
            )
        )
    )
    nxt = session.exec(
        select(Followup, Rep.slack_user_id)
        .join(Rep, col(Rep.id) == col(Followup.rep_id))
        .where(
            Followup.team_id == team_id,
            Followup.account_id == account_id,
            Followup.status == FollowupStatus.OPEN,
        )
        .order_by(col(Followup.due_at))
        .limit(1)
    ).first()
    return OwnerCard(
        account_id=account_id,
        account=account.name,
        owner_slack_id=_slack_id(session, account.owner_id),
        owner_since=account.owner_since,
        assigned_by_slack_id=_slack_id(session, account.owner_assigned_by_id),
        last_touch=LastTouch(
            last[1], last[0].occurred_at, last[0].kind, last[0].summary, last[0].permalink
        )
        if last
        else None,
        open_deals=len(deals),
        open_stages=sorted({d.stage for d in deals}, key=_stage_order),
        open_totals=_totals(deals),
        next_followup=(nxt[0].due_at, nxt[1], nxt[0].note) if nxt else None,
    )


@dataclass(frozen=True)
class FollowupRow:
    id: int
    account: str | None
    due_at: datetime
    note: str
    snoozed: bool


@dataclass(frozen=True)
class StageGroup:
    stage: str
    deals: list[tuple[int, str, str, int | None, str | None]]
    totals: list[DealTotal]


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


def _end_of_local_day(now: datetime, tz: str) -> datetime:
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(now.tzinfo)


def _followup_rows(
    session: Session, team_id: str, rep_id: int, start: datetime | None, end: datetime, cap: int
) -> tuple[list[FollowupRow], int]:
    where: list[ColumnElement[bool] | bool] = [
        Followup.team_id == team_id,
        Followup.rep_id == rep_id,
        Followup.status == FollowupStatus.OPEN,
        Followup.due_at < end,
    ]
    if start is not None:
        where.append(Followup.due_at >= start)
    total = session.exec(select(func.count()).select_from(Followup).where(*where)).one()
    rows = session.exec(
        select(Followup, Account.name)
        .join(Account, col(Account.id) == col(Followup.account_id), isouter=True)
        .where(*where)
        .order_by(col(Followup.due_at), col(Followup.id))
        .limit(cap)
    )
    return [
        FollowupRow(f.id or 0, name, f.due_at, f.note, f.snoozed_count > 0) for f, name in rows
    ], total


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
    """A rep's follow-ups (overdue, today, next 7 days), open deals by stage, stale accounts."""
    end_of_today = _end_of_local_day(now, tz)
    overdue, overdue_total = _followup_rows(session, team_id, rep_id, None, now, cap)
    today, today_total = _followup_rows(session, team_id, rep_id, now, end_of_today, cap)
    upcoming, upcoming_total = _followup_rows(
        session, team_id, rep_id, end_of_today, now + timedelta(days=7), cap
    )
    deals = session.exec(
        select(Deal, Account.name)
        .join(Account, col(Account.id) == col(Deal.account_id))
        .where(Deal.team_id == team_id, Deal.owner_id == rep_id, col(Deal.stage).notin_(CLOSED))
        .order_by(col(Deal.id))
    ).all()
    by_stage: dict[str, list[tuple[Deal, str]]] = defaultdict(list)
    for deal, account in deals:
        by_stage[deal.stage].append((deal, account))
    stages = [
        StageGroup(
            stage,
            [(d.id or 0, a, d.name, d.amount_minor, d.currency) for d, a in rows],
            _totals([d for d, _ in rows]),
        )
        for stage, rows in sorted(by_stage.items(), key=lambda item: _stage_order(item[0]))
    ]
    cutoff = now - timedelta(days=stale_days)
    stale_where: list[ColumnElement[bool] | bool] = [
        Account.team_id == team_id,
        Account.owner_id == rep_id,
        Account.status == AccountStatus.ACTIVE,
        or_(
            col(Account.last_touched_at) < cutoff,
            and_(col(Account.last_touched_at).is_(None), col(Account.created_at) < cutoff),
        ),
    ]
    stale_total = session.exec(select(func.count()).select_from(Account).where(*stale_where)).one()
    stale = [
        (a.id or 0, a.name, a.last_touched_at)
        for a in session.exec(
            select(Account).where(*stale_where).order_by(col(Account.last_touched_at)).limit(cap)
        )
    ]
    return HomeSummary(
        overdue,
        today,
        upcoming,
        overdue_total,
        today_total,
        upcoming_total,
        stages,
        stale,
        stale_total,
    )
