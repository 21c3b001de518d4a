"""An account's history, newest first: interactions, deal stage changes and follow-ups.

Paged by keyset cursor, not offset: each source is read from its own timeline index with
`ORDER BY ... LIMIT`, seeking straight to the cursor, so a page costs the same at entry 10 and
at entry 10,000. The sources are merged in Python in one total order, (at, rank, id) descending.
A page also says where it sits ("11-20 of 37"): COUNTs over the same indexes, one account's rows.
"""

import heapq
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from models.base import id_of
from models.deals import Deal, DealStageChange
from models.followups import Followup, FollowupStatus
from models.interactions import Interaction, InteractionKind
from models.reps import Rep


class EntryKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    NOTE = "note"
    STAGE = "stage"
    FOLLOWUP = "followup"


INTERACTION_KINDS = frozenset(EntryKind(kind.value) for kind in InteractionKind)
# What `/history <account> <filter>` takes: every interaction kind in the plural, deals and
# follow-ups (the name shown); `FILTER_WORDS` maps what people type (singular too) to one.
HISTORY_FILTERS = {f"{kind}s": EntryKind(kind.value) for kind in InteractionKind} | {
    "deals": EntryKind.STAGE,
    "follow-ups": EntryKind.FOLLOWUP,
}
FILTER_WORDS = {
    word: name
    for name in HISTORY_FILTERS
    for word in {name, name.removesuffix("s"), name.replace("-", ""), name[:-1].replace("-", "")}
} | {"e-mail": "emails", "e-mails": "emails", "stages": "deals", "stage": "deals"}
# Rows of different sources at the same instant still have one order: interactions first.
INTERACTION_RANK, STAGE_RANK, FOLLOWUP_RANK = 3, 2, 1
RANKS = frozenset({INTERACTION_RANK, STAGE_RANK, FOLLOWUP_RANK})
MAX_CURSOR_LENGTH = 100
S = TypeVar("S", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class Cursor:
    """A position in a timeline; `encode()` fits a Slack button value (no "|" in it)."""

    at: datetime
    rank: int
    id: int

    def encode(self) -> str:
        """The cursor as a short string, e.g. `2026-11-23T15:00:00+00:00~3~42`."""
        return f"{self.at.astimezone(UTC).isoformat()}~{self.rank}~{self.id}"

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """The cursor `encode()` made; ValueError for anything else."""
        parts = text.split("~") if len(text) <= MAX_CURSOR_LENGTH else []
        if len(parts) != 3:
            raise ValueError(f"not a timeline cursor: {text[:MAX_CURSOR_LENGTH]!r}")
        at, rank, id_ = datetime.fromisoformat(parts[0]), int(parts[1]), int(parts[2])
        if at.tzinfo is None or rank not in RANKS or id_ < 0:
            raise ValueError(f"not a timeline cursor: {text!r}")
        return cls(at=at.astimezone(UTC), rank=rank, id=id_)


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    at: datetime
    id: int
    rep_slack_id: str | None
    text: str
    permalink: str | None = None
    status: str | None = None
    due_at: datetime | None = None
    done_at: datetime | None = None

    @property
    def cursor(self) -> Cursor:
        """This entry's position in the timeline's order."""
        return Cursor(at=self.at, rank=_rank(self.kind), id=self.id)


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    older: Cursor | None
    newer: Cursor | None
    first: int = 0  # the position of entries[0], from 1 (0: an empty page)
    total: int = 0  # entries in the whole (filtered) timeline


def account_timeline(
    *,
    session: Session,
    team_id: str,
    account_id: int,
    kinds: frozenset[EntryKind] | None = None,
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
    limit: int = 10,
    positioned: bool = True,
) -> Page:
    """One page of an account's timeline, newest first, with cursors to the pages around it and
    (when `positioned`) where it sits in the whole."""
    if older_than is not None and newer_than is not None:
        raise ValueError("page older or newer, not both")
    if limit < 1:
        raise ValueError("a page holds at least one entry")
    wanted = frozenset(EntryKind) if kinds is None else kinds
    ascending = newer_than is not None
    scope = _Scope(team_id, account_id, newer_than or older_than, ascending, limit + 1)
    sources = [
        _interactions(session, scope, wanted & INTERACTION_KINDS),
        _stage_changes(session, scope) if EntryKind.STAGE in wanted else [],
        _followups(session, scope) if EntryKind.FOLLOWUP in wanted else [],
    ]
    merged = list(heapq.merge(*sources, key=_order_key, reverse=not ascending))
    page = _page(merged, limit=limit, ascending=ascending, from_cursor=scope.cursor is not None)
    if not positioned:
        return page
    total = _count(session, team_id, account_id, wanted, None)
    if not page.entries:
        return replace(page, total=total)
    if scope.cursor is None and not ascending:  # the newest page: nothing is above it
        return replace(page, first=1, total=total)
    above = _count(session, team_id, account_id, wanted, page.entries[0].cursor)
    return replace(page, first=above + 1, total=total)


def _count(
    session: Session,
    team_id: str,
    account_id: int,
    wanted: frozenset[EntryKind],
    above: Cursor | None,
) -> int:
    """How many wanted entries there are (strictly newer than `above`, when given): one
    statement, each source's COUNT a scalar subquery over its own timeline index."""
    statements = count_statements(team_id, account_id, wanted, above=above)
    if not statements:
        return 0
    counted = session.execute(select_columns(*(s.scalar_subquery() for s in statements)))
    return sum(int(n) for n in counted.one())


def count_statements(
    team_id: str, account_id: int, wanted: frozenset[EntryKind], *, above: Cursor | None = None
) -> list[SelectOfScalar[int]]:
    """One COUNT per source, each a range of that source's timeline index."""
    scope = _Scope(team_id, account_id, above, True, 0)
    counts: list[tuple[Any, list[Any], list[ColumnElement[bool]]]] = []
    if kinds := wanted & INTERACTION_KINDS:
        where: list[Any] = [Interaction.team_id == team_id, Interaction.account_id == account_id]
        if kinds != INTERACTION_KINDS:
            where.append(col(Interaction.kind).in_(sorted(kinds)))
        at, id_ = col(Interaction.occurred_at), col(Interaction.id)
        counts.append((Interaction, where, _past(at, id_, INTERACTION_RANK, scope)))
    if EntryKind.STAGE in wanted:
        where = [DealStageChange.team_id == team_id, DealStageChange.account_id == account_id]
        at, id_ = col(DealStageChange.changed_at), col(DealStageChange.id)
        counts.append((DealStageChange, where, _past(at, id_, STAGE_RANK, scope)))
    if EntryKind.FOLLOWUP in wanted:
        where = [Followup.team_id == team_id, Followup.account_id == account_id]
        at, id_ = col(Followup.created_at), col(Followup.id)
        counts.append((Followup, where, _past(at, id_, FOLLOWUP_RANK, scope)))
    return [
        select(func.count()).select_from(table).where(*where, *past)
        for table, where, past in counts
    ]


def _rank(kind: EntryKind) -> int:
    if kind in INTERACTION_KINDS:
        return INTERACTION_RANK
    return STAGE_RANK if kind == EntryKind.STAGE else FOLLOWUP_RANK


def _order_key(entry: Entry) -> tuple[datetime, int, int]:
    return (entry.at, _rank(entry.kind), entry.id)


def _page(merged: list[Entry], *, limit: int, ascending: bool, from_cursor: bool) -> Page:
    """Cut `limit + 1` merged rows (read away from the cursor) into a page, newest first."""
    entries, more = merged[:limit], len(merged) > limit
    if not entries:
        return Page([], older=None, newer=None)
    if ascending:  # read upwards from the cursor: the cursor's own entry lies below this page
        entries.reverse()
        older_exists, newer_exists = True, more
    else:
        older_exists, newer_exists = more, from_cursor
    return Page(
        entries=entries,
        older=entries[-1].cursor if older_exists else None,
        newer=entries[0].cursor if newer_exists else None,
    )


@dataclass(frozen=True)
class _Scope:
    """What every source query shares: whose rows, from where, which way, how many."""

    team_id: str
    account_id: int
    cursor: Cursor | None
    ascending: bool
    limit: int


def _keyset(statement: S, at: Any, id_: Any, rank: int, scope: _Scope) -> S:
    """Rows strictly past the cursor in (at, rank, id) order, nearest first, `limit` of them."""
    order = (at.asc(), id_.asc()) if scope.ascending else (at.desc(), id_.desc())
    return statement.order_by(*order).limit(scope.limit).where(*_past(at, id_, rank, scope))


def _past(at: Any, id_: Any, rank: int, scope: _Scope) -> list[ColumnElement[bool]]:
    """The conditions for rows strictly past the cursor, in the scope's direction."""
    cursor = scope.cursor
    if cursor is None:
        return []
    if scope.ascending:
        if rank != cursor.rank:  # only time decides; equal times fall on the rank's side
            return [at >= cursor.at if rank > cursor.rank else at > cursor.at]
        # `at >= x` lets the index seek; the OR only sorts out the rows at exactly x.
        return [at >= cursor.at, or_(at > cursor.at, id_ > cursor.id)]
    if rank != cursor.rank:
        return [at <= cursor.at if rank < cursor.rank else at < cursor.at]
    return [at <= cursor.at, or_(at < cursor.at, id_ < cursor.id)]


def _interactions(session: Session, scope: _Scope, kinds: frozenset[EntryKind]) -> list[Entry]:
    if not kinds:
        return []
    statement = (
        select(Interaction, Rep.slack_user_id)
        .join(Rep, col(Rep.id) == col(Interaction.rep_id))
        .where(Interaction.team_id == scope.team_id, Interaction.account_id == scope.account_id)
    )
    if kinds != INTERACTION_KINDS:
        statement = statement.where(col(Interaction.kind).in_(sorted(kinds)))
    at, id_ = col(Interaction.occurred_at), col(Interaction.id)
    return [
        Entry(
            EntryKind(row.kind),
            row.occurred_at,
            id_of(row),
            rep,
            row.summary,
            permalink=row.permalink,
        )
        for row, rep in session.exec(_keyset(statement, at, id_, INTERACTION_RANK, scope))
    ]


def _stage_changes(session: Session, scope: _Scope) -> list[Entry]:
    statement = (
        select(DealStageChange, Deal.name, Rep.slack_user_id)
        .join(Deal, col(Deal.id) == col(DealStageChange.deal_id))
        .join(Rep, col(Rep.id) == col(DealStageChange.changed_by_id), isouter=True)
        .where(
            DealStageChange.team_id == scope.team_id,
            DealStageChange.account_id == scope.account_id,
        )
    )
    at, id_ = col(DealStageChange.changed_at), col(DealStageChange.id)
    return [
        Entry(EntryKind.STAGE, change.changed_at, id_of(change), rep, _stage_text(change, deal))
        for change, deal, rep in session.exec(_keyset(statement, at, id_, STAGE_RANK, scope))
    ]


def _stage_text(change: DealStageChange, deal: str) -> str:
    note = f" ({change.note})" if change.note else ""  # a lost reason, why it moved back
    if change.from_stage is None:
        return f"{deal}: {change.to_stage}{note}"
    return f"{deal}: {change.from_stage} → {change.to_stage}{note}"


def _followups(session: Session, scope: _Scope) -> list[Entry]:
    statement = (
        select(Followup, Rep.slack_user_id)
        .join(Rep, col(Rep.id) == col(Followup.rep_id))
        .where(Followup.team_id == scope.team_id, Followup.account_id == scope.account_id)
    )
    at, id_ = col(Followup.created_at), col(Followup.id)
    return [
        Entry(
            EntryKind.FOLLOWUP,
            row.created_at,
            id_of(row),
            rep,
            row.note,
            status=_followup_status(row),
            due_at=row.due_at,
            done_at=row.completed_at,
        )
        for row, rep in session.exec(_keyset(statement, at, id_, FOLLOWUP_RANK, scope))
    ]


def _followup_status(followup: Followup) -> str:
    if followup.status == FollowupStatus.OPEN and followup.snoozed_count > 0:
        return "snoozed"
    return followup.status
