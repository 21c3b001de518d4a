"""The pipeline report of /crm pipeline: open deals by stage, the last 30 days' outcomes, and the
deals that need a look (stuck in their stage, expected close past).

Money stays integer minor units per currency all the way (PostgreSQL sums bigint as numeric:
it is turned back into an int, never a float). A stage's weighted value is its total times the
stage's probability, rounded half up to the minor unit once per (stage, currency), so the
weighted totals are sums of what each stage line shows.

A handful of statements whatever the number of deals: the pipeline; the stage names in use (a
loose index scan); one pass over the open deals for the sums and the stuck and overdue counts,
and the same over deleted accounts' deals to take away; the closed sums of the window; and the
two capped lists, each a few capped index walks. Deals of deleted accounts are left out everywhere,
as on /who-owns and the Home tab.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, union_all
from sqlmodel import Session, col

from models.accounts import Account, AccountStatus
from models.base import zone
from models.deals import Deal
from models.reps import Rep
from models.stages import Pipeline, StageOutcome, get_pipeline

WINDOW_DAYS = 30  # won and lost "in the last 30 days"
LIST_CAP = 10  # stuck and overdue deals listed; the rest are counted
MAX_WALKS = 100  # stages walked one by one; past that (imports), one sort of them all


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
    """`amount_minor` times `probability`%, rounded half away from zero to the minor unit."""
    whole, rest = divmod(abs(amount_minor) * probability, 100)
    if rest >= 50:
        whole += 1
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
    mine, deleted = _scope(team_id, owner_id)
    where = (*mine, ~deleted)
    today = now.astimezone(zone(tz)).date()
    stuck_before = now - timedelta(days=stuck_days)
    is_stuck = col(Deal.stage_changed_at) < stuck_before
    is_overdue = col(Deal.expected_close) < today
    stages, stuck_total, overdue_total = _open_stages(
        session, pipeline, mine, deleted, is_stuck, is_overdue
    )
    won, lost = _closed(session, pipeline, where, now)
    present = [line.stage for line in stages]
    stuck = _listed(session, (*where, is_stuck), present, col(Deal.stage_changed_at), cap)
    overdue = _listed(session, (*where, is_overdue), present, col(Deal.expected_close), cap)
    return PipelineReport(
        team=owner_id is None, now=now, stages=stages, won=won, lost=lost,
        stuck_days=stuck_days, stuck=stuck, stuck_total=stuck_total, overdue=overdue,
        overdue_total=overdue_total, today=today,
    )  # fmt: skip


Where = tuple[ColumnElement[bool], ...]


def _scope(team_id: str, owner_id: int | None) -> tuple[Where, ColumnElement[bool]]:
    """This workspace's deals (one rep's, when given), and whether a deal's account is deleted
    (those deals never count)."""
    gone = select(col(Account.id)).where(
        col(Account.team_id) == team_id, col(Account.status) != AccountStatus.ACTIVE
    )
    mine: Where = (col(Deal.team_id) == team_id,)
    if owner_id is not None:
        mine = (*mine, col(Deal.owner_id) == owner_id)
    return mine, col(Deal.account_id).in_(gone)


def _stages_present(session: Session, mine: Where) -> list[str]:
    """Every stage name these deals are in: one index seek per name (a loose index scan, as a
    recursive CTE: neither SQLite nor PostgreSQL skips through an index by itself)."""
    found = select(func.min(Deal.stage).label("stage")).where(*mine).cte(recursive=True)
    after = select(func.min(Deal.stage)).where(*mine, col(Deal.stage) > found.c.stage)
    found = found.union_all(select(after.scalar_subquery()).where(found.c.stage.is_not(None)))
    return [stage for (stage,) in session.execute(select(found.c.stage)) if stage is not None]


def _sums(where: Where) -> Select:
    return (
        select(col(Deal.stage), col(Deal.currency), func.count(), func.sum(Deal.amount_minor))
        .where(*where)
        .group_by(col(Deal.stage), col(Deal.currency))
    )


def _open_stages(
    session: Session,
    pipeline: Pipeline,
    mine: Where,
    deleted: ColumnElement[bool],
    is_stuck: ColumnElement[bool],
    is_overdue: ColumnElement[bool],
) -> tuple[tuple[StageLine, ...], int, int]:
    """Open deals per stage and currency, and how many are stuck and overdue.

    One pass over the open deals alone (an index-only scan of ix_deals_team_open, only the open
    stages' ranges), minus the same sums over the deals of deleted accounts (a few seeks):
    cheaper than testing every deal's account. A closed stage spelled in another case (an
    import) counts as closed, so the report agrees with Pipeline.is_closed."""
    open_names = [s for s in _stages_present(session, mine) if not pipeline.is_closed(s)]
    if not open_names:
        return (), 0, 0
    where = (*mine, col(Deal.stage).in_(open_names))
    sums: dict[tuple[str, str | None], list[int]] = {}
    for counted, sign in ((where, 1), ((*where, deleted), -1)):
        statement = _sums(counted).add_columns(
            func.count().filter(is_stuck), func.count().filter(is_overdue)
        )
        for stage, currency, *numbers in session.execute(statement):
            into = sums.setdefault((stage, currency), [0, 0, 0, 0])
            for n, number in enumerate(numbers):
                into[n] += sign * int(number or 0)  # PostgreSQL sums bigint as numeric
    per_stage: dict[str, list[tuple[str | None, int, int]]] = defaultdict(list)
    stuck = overdue = 0
    for (stage, currency), (count, total, stuck_here, overdue_here) in sums.items():
        if count:
            per_stage[stage].append((currency, count, total))
            stuck, overdue = stuck + stuck_here, overdue + overdue_here
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
    return tuple(lines), stuck, overdue


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
    session: Session, where: Where, stages: Sequence[str], order: Any, cap: int
) -> tuple[DealLine, ...]:
    """The first `cap` deals in `stages` matching `where`, by `order` then id. One capped walk
    of an index on (team_id, stage, `order`) per stage, merged (UNION ALL): a few dozen rows
    read however many deals match; names are joined to the `cap` rows only."""
    if not stages:
        return ()
    columns = (
        col(Deal.id), col(Deal.account_id), col(Deal.owner_id), col(Deal.name), col(Deal.stage),
        col(Deal.amount_minor), col(Deal.currency), col(Deal.stage_changed_at),
        col(Deal.expected_close),
    )  # fmt: skip
    groups = [[stage] for stage in stages] if len(stages) <= MAX_WALKS else [list(stages)]
    walks = [
        select(*walk.c)  # SQLite takes ORDER BY / LIMIT in a compound's parts only in subqueries
        for walk in (
            select(*columns)
            .where(*where, col(Deal.stage).in_(group))
            .order_by(order, col(Deal.id))
            .limit(cap)
            .subquery()
            for group in groups
        )
    ]
    first = union_all(*walks).subquery()
    rows = session.execute(
        select(first, col(Account.name).label("account"), col(Rep.slack_user_id))
        .join(Account, col(Account.id) == first.c.account_id)
        .outerjoin(Rep, col(Rep.id) == first.c.owner_id)
        .order_by(first.c[order.key], first.c.id)
        .limit(cap)
    ).all()
    return tuple(
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
        )
        for row in rows
    )
