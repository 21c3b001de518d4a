"""The pipeline report of /crm pipeline: open deals by stage, the last 30 days' outcomes, and the
deals that need a look (stuck in their stage, expected close past).

Money stays integer minor units per currency all the way (PostgreSQL sums bigint as numeric:
it is turned back into an int, never a float). A stage's weighted value is its total times the
stage's probability, rounded half up to the minor unit once per (stage, currency), so the
weighted totals are sums of what each stage line shows.

A handful of aggregate statements whatever the number of deals: the pipeline, the open sums,
the closed sums of the window, and the two capped lists (each with its full count in the same
statement). Deals of deleted accounts are left out everywhere, as on /who-owns and the Home tab.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, select
from sqlmodel import Session, col

from models.accounts import Account, AccountStatus
from models.base import zone
from models.deals import Deal
from models.reps import Rep
from models.stages import Pipeline, StageOutcome, get_pipeline

WINDOW_DAYS = 30  # won and lost "in the last 30 days"
LIST_CAP = 10  # stuck and overdue deals listed; the rest are counted


@dataclass(frozen=True)
class CurrencySum:
    currency: str | None
    count: int  # deals in this currency (deals without an amount count, adding nothing)
    amount_minor: int
    weighted_minor: int | None = None  # None: no probability to weigh by


@dataclass(frozen=True)
class StageLine:
    stage: str
    probability: int | None
    count: int
    totals: tuple[CurrencySum, ...]  # the largest first


@dataclass(frozen=True)
class Closed:
    count: int
    totals: tuple[CurrencySum, ...]


@dataclass(frozen=True)
class DealLine:
    id: int
    account: str
    name: str
    stage: str
    owner_slack_id: str | None
    amount_minor: int | None
    currency: str | None
    stage_changed_at: datetime
    expected_close: date | None


@dataclass(frozen=True)
class PipelineReport:
    team: bool  # the whole workspace, else the caller's own deals
    now: datetime
    stages: tuple[StageLine, ...]  # pipeline order; stages the pipeline lacks last
    won: Closed
    lost: Closed
    stuck_days: int
    stuck: tuple[DealLine, ...]  # the longest in their stage first, at most LIST_CAP
    stuck_total: int
    overdue: tuple[DealLine, ...]  # the longest past first, at most LIST_CAP
    overdue_total: int
    today: date  # the reader's date: an expected close before it is past

    @property
    def open_count(self) -> int:
        return sum(line.count for line in self.stages)

    @property
    def open_totals(self) -> tuple[CurrencySum, ...]:
        """Per currency over every stage; weighted over the stages that have a probability."""
        return _merge(total for line in self.stages for total in line.totals)

    @property
    def unweighted_stages(self) -> tuple[str, ...]:
        """Stages with open deals but no probability: left out of the weighted totals."""
        return tuple(line.stage for line in self.stages if line.probability is None)

    @property
    def win_rate(self) -> int | None:
        """Won deals among those closed in the window, in whole percent (half up)."""
        closed = self.won.count + self.lost.count
        return None if closed == 0 else (200 * self.won.count + closed) // (2 * closed)


def weighted(amount_minor: int, probability: int) -> int:
    """`amount_minor` × `probability`%, rounded half away from zero to the minor unit."""
    whole, rest = divmod(abs(amount_minor) * probability, 100)
    whole += rest >= 50
    return whole if amount_minor >= 0 else -whole


def pipeline_report(
    *,
    session: Session,
    team_id: str,
    owner_id: int | None,
    now: datetime,
    tz: str,
    stuck_days: int,
    cap: int = LIST_CAP,
) -> PipelineReport:
    """The report for one rep's deals (`owner_id`) or, with None, the whole workspace's."""
    pipeline = get_pipeline(session=session, team_id=team_id)
    where = _scope(team_id, owner_id)
    stages = _open_stages(session, pipeline, where)
    won, lost = _closed(session, pipeline, where, now)
    present = [line.stage for line in stages]
    today = now.astimezone(zone(tz)).date()
    stuck_before = now - timedelta(days=stuck_days)
    stuck, stuck_total = _listed(
        session,
        (*where, col(Deal.stage).in_(present), col(Deal.stage_changed_at) < stuck_before),
        (col(Deal.stage_changed_at), col(Deal.id)),
        cap,
    )
    overdue, overdue_total = _listed(
        session,
        (*where, col(Deal.stage).in_(present), col(Deal.expected_close) < today),
        (col(Deal.expected_close), col(Deal.id)),
        cap,
    )
    return PipelineReport(
        team=owner_id is None, now=now, stages=stages, won=won, lost=lost,
        stuck_days=stuck_days, stuck=stuck, stuck_total=stuck_total, overdue=overdue,
        overdue_total=overdue_total, today=today,
    )  # fmt: skip


Where = tuple[ColumnElement[bool] | bool, ...]


def _scope(team_id: str, owner_id: int | None) -> Where:
    """This workspace's deals (one rep's, when given) on live accounts."""
    deleted = select(Account.id).where(
        Account.team_id == team_id, Account.status != AccountStatus.ACTIVE
    )
    where: Where = (Deal.team_id == team_id, col(Deal.account_id).not_in(deleted))
    return (*where, Deal.owner_id == owner_id) if owner_id is not None else where


def _sums(where: Where) -> Select:
    return (
        select(Deal.stage, Deal.currency, func.count(), func.sum(Deal.amount_minor))
        .where(*where)
        .group_by(col(Deal.stage), col(Deal.currency))
    )


def _open_stages(session: Session, pipeline: Pipeline, where: Where) -> tuple[StageLine, ...]:
    """Open deals per stage and currency; a closed stage spelled in another case (an import)
    is dropped here, so the report agrees with Pipeline.is_closed."""
    rows = session.execute(_sums((*where, col(Deal.stage).not_in(pipeline.closed_names)))).all()
    per_stage: dict[str, list[tuple[str | None, int, int]]] = defaultdict(list)
    for stage, currency, count, total in rows:
        if not pipeline.is_closed(stage):
            per_stage[stage].append((currency, count, int(total or 0)))
    lines = []
    for stage in sorted(per_stage, key=pipeline.order_key):
        found = pipeline.find(stage)
        probability = found.probability if found else None
        totals = [
            CurrencySum(currency, count, total, _weigh(total, probability))
            for currency, count, total in per_stage[stage]
        ]
        lines.append(
            StageLine(stage, probability, sum(t.count for t in totals), _largest_first(totals))
        )
    return tuple(lines)


def _weigh(total: int, probability: int | None) -> int | None:
    return None if probability is None else weighted(total, probability)


def _closed(
    session: Session, pipeline: Pipeline, where: Where, now: datetime
) -> tuple[Closed, Closed]:
    """Deals won and lost with closed_at in [now - 30 days, now]."""
    since = now - timedelta(days=WINDOW_DAYS)
    window = (
        *where,
        col(Deal.stage).in_(pipeline.closed_names),
        col(Deal.closed_at) >= since,
        col(Deal.closed_at) <= now,
    )
    sums: dict[StageOutcome, list[CurrencySum]] = defaultdict(list)
    for stage, currency, count, total in session.execute(_sums(window)):
        found = pipeline.find(stage)
        if found is not None:
            sums[found.outcome].append(CurrencySum(currency, count, int(total or 0)))
    won, lost = _merge(sums[StageOutcome.WON]), _merge(sums[StageOutcome.LOST])
    return (
        Closed(sum(t.count for t in won), won),
        Closed(sum(t.count for t in lost), lost),
    )


def _merge(totals: Iterable[CurrencySum]) -> tuple[CurrencySum, ...]:
    """One sum per currency; weighted over the parts that have a weight (None if none has)."""
    count: dict[str | None, int] = defaultdict(int)
    amount: dict[str | None, int] = defaultdict(int)
    weight: dict[str | None, int | None] = {}
    for total in totals:
        count[total.currency] += total.count
        amount[total.currency] += total.amount_minor
        had = weight.get(total.currency)
        if total.weighted_minor is None:
            weight.setdefault(total.currency, None)
        else:
            weight[total.currency] = (had or 0) + total.weighted_minor
    return _largest_first([CurrencySum(c, count[c], amount[c], weight.get(c)) for c in count])


def _largest_first(totals: Sequence[CurrencySum]) -> tuple[CurrencySum, ...]:
    return tuple(sorted(totals, key=lambda t: (-t.amount_minor, t.currency or "")))


def _listed(
    session: Session, where: Where, order: tuple[ColumnElement, ...], cap: int
) -> tuple[tuple[DealLine, ...], int]:
    """The first `cap` deals matching `where` in `order`, and how many match: one statement
    (the count is a window over the matches), the names joined to the `cap` rows only."""
    first = (
        select(
            Deal.id,
            Deal.account_id,
            Deal.owner_id,
            Deal.name,
            Deal.stage,
            Deal.amount_minor,
            Deal.currency,
            Deal.stage_changed_at,
            Deal.expected_close,
            func.count().over().label("matches"),
        )  # fmt: skip
        .where(*where)
        .order_by(*order)
        .limit(cap)
        .subquery()
    )
    rows = session.execute(
        select(first, col(Account.name).label("account"), Rep.slack_user_id)
        .join(Account, col(Account.id) == first.c.account_id)
        .outerjoin(Rep, col(Rep.id) == first.c.owner_id)
        .order_by(*(first.c[column.key] for column in order))
    ).all()
    lines = tuple(
        DealLine(
            row.id,
            row.account,
            row.name,
            row.stage,
            row.slack_user_id,
            row.amount_minor,
            row.currency,
            row.stage_changed_at,
            row.expected_close,
        )  # fmt: skip
        for row in rows
    )
    return lines, rows[0].matches if rows else 0
