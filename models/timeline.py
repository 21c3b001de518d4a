"""An account's history, newest first: interactions, deal stage changes and follow-ups.

Paged by keyset cursor, not offset: each source is read from its own timeline index with
`ORDER BY ... LIMIT`, seeking straight to the cursor, so a page costs the same at entry 10 and
at entry 10,000; the sources are one statement, a UNION ALL of those reads whose first `limit`
rows in one total order, (at, rank, id) descending, are the page. A page also says where it
sits ("11-20 of 37"): COUNTs over the same indexes, one account's rows.
"""

import operator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache, reduce
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    true,
    union_all,
)
from sqlalchemy import select as select_columns

from models.base import Reader, read, table
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
    session: Reader,
    team_id: str,
    account_id: int,
    kinds: frozenset[EntryKind] | None = None,
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
    limit: int = 10,
    positioned: bool = True,
) -> Page:
    """One page of an account's timeline, newest first, with cursors to the pages around it and
    (when `positioned`) where it sits in the whole.

    Every statement is built once per shape (which sources and kinds, which way, where the
    cursor falls) and run as Core rows on the session's connection: building the statements
    and loading ORM objects cost more than reading the rows."""
    if older_than is not None and newer_than is not None:
        raise ValueError("page older or newer, not both")
    if limit < 1:
        raise ValueError("a page holds at least one entry")
    wanted = frozenset(EntryKind) if kinds is None else kinds
    ascending = newer_than is not None
    scope = _Scope(team_id, account_id, newer_than or older_than, ascending, limit + 1)
    # The newest page (what /history and the History button show) counts the whole in its own
    # statement: nothing is above it, and the total's COUNTs need no cursor.
    newest = positioned and scope.cursor is None and not ascending
    entries, counted = _entries(session, scope, wanted, counted=newest)
    merged = sorted(entries, key=_order_key, reverse=not ascending)
    page = _page(merged, limit=limit, ascending=ascending, from_cursor=scope.cursor is not None)
    if not positioned:
        return page
    if newest:  # no rows at all: nothing to count
        return replace(page, first=1 if page.entries else 0, total=counted or 0)
    total = _count(session, team_id, account_id, wanted, None)
    if not page.entries:
        return replace(page, total=total)
    above = _count(session, team_id, account_id, wanted, page.entries[0].cursor)
    return replace(page, first=above + 1, total=total)


def _count(
    session: Reader,
    team_id: str,
    account_id: int,
    wanted: frozenset[EntryKind],
    above: Cursor | None,
) -> int:
    """How many wanted entries there are (strictly newer than `above`, when given): one
    statement, each source's COUNT a scalar subquery over its own timeline index."""
    scope = _Scope(team_id, account_id, above, True, 0)
    statement = _count_statement(wanted, _cases(scope))
    if statement is None:
        return 0
    return sum(int(n) for n in read(session, statement, **_params(scope)).one())


def count_statements(
    team_id: str, account_id: int, wanted: frozenset[EntryKind], *, above: Cursor | None = None
) -> list[Select[Any]]:
    """One COUNT per source, each a range of that source's timeline index, its parameters bound
    (for EXPLAIN: `_count` runs them as one statement of scalar subqueries)."""
    scope = _Scope(team_id, account_id, above, True, 0)
    params = _params(scope)
    return [count.params(**params) for count in _counts(wanted, _cases(scope))]


# Where the cursor falls for each source: None (no cursor), "tie" (the cursor is this source's
# own rank: time, then id, decides) or the comparison of times alone.
Cases = tuple[str | None, str | None, str | None]


@cache
def _count_statement(wanted: frozenset[EntryKind], cases: Cases) -> Select[Any] | None:
    counts = _counts(wanted, cases)
    if not counts:
        return None
    return select_columns(*(count.scalar_subquery() for count in counts))


@cache
def _counts(wanted: frozenset[EntryKind], cases: Cases) -> list[Select[Any]]:
    interaction_case, stage_case, followup_case = cases
    counts: list[Select[Any]] = []
    if kinds := wanted & INTERACTION_KINDS:
        i = _INTERACTIONS.c
        where = _of_account(i.team_id, i.account_id) + _kinds(i.kind, kinds)
        where += _past(i.occurred_at, i.id, interaction_case)
        counts.append(select_columns(func.count()).select_from(_INTERACTIONS).where(*where))
    if EntryKind.STAGE in wanted:
        c = _STAGE_CHANGES.c
        where = _of_account(c.team_id, c.account_id) + _past(c.changed_at, c.id, stage_case)
        counts.append(select_columns(func.count()).select_from(_STAGE_CHANGES).where(*where))
    if EntryKind.FOLLOWUP in wanted:
        f = _FOLLOWUPS.c
        where = _of_account(f.team_id, f.account_id) + _past(f.created_at, f.id, followup_case)
        counts.append(select_columns(func.count()).select_from(_FOLLOWUPS).where(*where))
    return counts


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

    def case(self, rank: int) -> str | None:
        """Where the cursor falls for the source of `rank`, in this scope's direction."""
        cursor = self.cursor
        if cursor is None:
            return None
        if rank == cursor.rank:
            return "tie>" if self.ascending else "tie<"
        # Only time decides between sources; equal times fall on the rank's side.
        if self.ascending:
            return ">=" if rank > cursor.rank else ">"
        return "<=" if rank < cursor.rank else "<"


def _cases(scope: _Scope) -> Cases:
    return (scope.case(INTERACTION_RANK), scope.case(STAGE_RANK), scope.case(FOLLOWUP_RANK))


def _params(scope: _Scope) -> dict[str, Any]:
    cursor = scope.cursor
    return {
        "team_id": scope.team_id,
        "account_id": scope.account_id,
        "limit": scope.limit,
        "cursor_at": cursor.at if cursor else None,
        "cursor_id": cursor.id if cursor else None,
    }


_INTERACTIONS, _STAGE_CHANGES, _FOLLOWUPS = (
    table(Interaction),
    table(DealStageChange),
    table(Followup),
)
_DEALS, _REPS = table(Deal), table(Rep)
# The page statement's columns after rank, at and id, each typed as its source's column (the
# sources' rows are one UNION ALL; a source leaves the others' columns NULL).
_COLUMNS = {
    "rep": _REPS.c.slack_user_id.type,
    "kind": _INTERACTIONS.c.kind.type,
    "summary": _INTERACTIONS.c.summary.type,
    "permalink": _INTERACTIONS.c.permalink.type,
    "deal": _DEALS.c.name.type,
    "from_stage": _STAGE_CHANGES.c.from_stage.type,
    "to_stage": _STAGE_CHANGES.c.to_stage.type,
    "note": _FOLLOWUPS.c.note.type,
    "status": _FOLLOWUPS.c.status.type,
    "snoozed_count": _FOLLOWUPS.c.snoozed_count.type,
    "due_at": _FOLLOWUPS.c.due_at.type,
    "completed_at": _FOLLOWUPS.c.completed_at.type,
}


def _of_account(team_id: Any, account_id: Any) -> list[ColumnElement[bool]]:
    return [team_id == bindparam("team_id"), account_id == bindparam("account_id")]


def _kinds(kind: Any, kinds: frozenset[EntryKind]) -> list[ColumnElement[bool]]:
    return [] if kinds == INTERACTION_KINDS else [kind.in_(sorted(kinds))]


def _past(at: Any, id_: Any, case: str | None) -> list[ColumnElement[bool]]:
    """The conditions for rows strictly past the cursor (`cursor_at`, `cursor_id`)."""
    cursor_at: Any = bindparam("cursor_at")
    cursor_id: Any = bindparam("cursor_id")
    if case is None:
        return []
    # `at >= x` lets the index seek; the OR only sorts out the rows at exactly x.
    if case == "tie>":
        return [at >= cursor_at, or_(at > cursor_at, id_ > cursor_id)]
    if case == "tie<":
        return [at <= cursor_at, or_(at < cursor_at, id_ < cursor_id)]
    compare = {">=": at >= cursor_at, ">": at > cursor_at, "<=": at <= cursor_at}
    return [compare.get(case, at < cursor_at)]


def _keyset(statement: S, at: Any, id_: Any, case: str | None, ascending: bool) -> S:
    """Rows strictly past the cursor in (at, rank, id) order, nearest first, `limit` of them."""
    order = (at.asc(), id_.asc()) if ascending else (at.desc(), id_.desc())
    return statement.order_by(*order).limit(bindparam("limit")).where(*_past(at, id_, case))


def _entries(
    session: Reader, scope: _Scope, wanted: frozenset[EntryKind], *, counted: bool = False
) -> tuple[list[Entry], int | None]:
    """The wanted sources' rows past the scope's cursor, `limit` of each, in no order; and,
    when `counted`, how many wanted entries there are in all (None: no row said)."""
    statement = _page_statement(wanted, _cases(scope), scope.ascending, counted)
    if statement is None:
        return [], None
    rows = read(session, statement, **_params(scope)).all()
    total = int(rows[0].total) if counted and rows else None
    return [_ENTRY_OF[row.rank](row) for row in rows], total


@cache
def _page_statement(
    wanted: frozenset[EntryKind], cases: Cases, ascending: bool, counted: bool = False
) -> Any:
    """One statement for a page: each wanted source's `ORDER BY ... LIMIT` on its own timeline
    index, as a subquery of a UNION ALL (a source alone: its statement), their rows in one set of
    columns (`_COLUMNS`) and told apart by `rank`; of those, the `limit` first in the page's
    order, (at, rank, id). `counted`: each row also says the whole count, `total` (the sources'
    COUNTs as uncorrelated scalar subqueries, each run once)."""
    statement = _uncounted_page(wanted, cases, ascending)
    if statement is None or not counted:
        return statement
    counts = _counts(wanted, (None, None, None))
    total = select_columns(
        reduce(operator.add, (count.scalar_subquery() for count in counts)).label("total")
    ).subquery("whole")
    # Joined, not a column of the page's own select: SQLite would copy that column into every
    # member of the UNION ALL, and count once for each. A LIMIT subquery isn't merged into a join.
    page = statement.subquery("page")
    return select_columns(page, total.c.total).select_from(page.join(total, true()))


def _uncounted_page(wanted: frozenset[EntryKind], cases: Cases, ascending: bool) -> Any:
    interaction_case, stage_case, followup_case = cases
    members = []
    if kinds := wanted & INTERACTION_KINDS:
        members.append(_interactions_statement(kinds, interaction_case, ascending))
    if EntryKind.STAGE in wanted:
        members.append(_stage_changes_statement(stage_case, ascending))
    if EntryKind.FOLLOWUP in wanted:
        members.append(_followups_statement(followup_case, ascending))
    if len(members) < 2:
        return members[0] if members else None
    rows = union_all(*(select_columns(member.subquery()) for member in members)).subquery()
    order = (rows.c.at, rows.c.rank, rows.c.id)
    return (  # the page's `limit` rows of them all, in the one order: fewer rows to load
        select_columns(rows)
        .order_by(*(column.asc() if ascending else column.desc() for column in order))
        .limit(bindparam("limit"))
    )


def _member(rank: int, at: Any, id_: Any, **columns: Any) -> Select[Any]:
    """A source's columns as the page statement's: its own, and a typed NULL for each other."""
    filled = (
        columns[name].label(name) if name in columns else cast(null(), kind).label(name)
        for name, kind in _COLUMNS.items()
    )
    return select_columns(literal_column(str(rank), Integer).label("rank"), at, id_, *filled)


def _interaction_entry(row: Any) -> Entry:
    return Entry(EntryKind(row.kind), row.at, row.id, row.rep, row.summary, permalink=row.permalink)


@cache
def _interactions_statement(
    kinds: frozenset[EntryKind], case: str | None, ascending: bool
) -> Select[Any]:
    i = _INTERACTIONS.c
    statement = (
        _member(
            INTERACTION_RANK,
            i.occurred_at.label("at"),
            i.id,
            rep=_REPS.c.slack_user_id,
            kind=i.kind,
            summary=i.summary,
            permalink=i.permalink,
        )
        .join_from(_INTERACTIONS, _REPS, _REPS.c.id == i.rep_id)
        .where(*_of_account(i.team_id, i.account_id), *_kinds(i.kind, kinds))
    )
    return _keyset(statement, i.occurred_at, i.id, case, ascending)


def _stage_entry(row: Any) -> Entry:
    return Entry(EntryKind.STAGE, row.at, row.id, row.rep, _stage_text(row))


@cache
def _stage_changes_statement(case: str | None, ascending: bool) -> Select[Any]:
    c = _STAGE_CHANGES.c
    statement = (
        _member(
            STAGE_RANK,
            c.changed_at.label("at"),
            c.id,
            rep=_REPS.c.slack_user_id,
            deal=_DEALS.c.name,
            from_stage=c.from_stage,
            to_stage=c.to_stage,
            note=c.note,
        )
        .join_from(_STAGE_CHANGES, _DEALS, _DEALS.c.id == c.deal_id)
        .outerjoin(_REPS, _REPS.c.id == c.changed_by_id)
        .where(*_of_account(c.team_id, c.account_id))
    )
    return _keyset(statement, c.changed_at, c.id, case, ascending)


def _stage_text(change: Any) -> str:
    note = f" ({change.note})" if change.note else ""  # a lost reason, why it moved back
    if change.from_stage is None:
        return f"{change.deal}: {change.to_stage}{note}"
    return f"{change.deal}: {change.from_stage} → {change.to_stage}{note}"


def _followup_entry(row: Any) -> Entry:
    return Entry(
        EntryKind.FOLLOWUP,
        row.at,
        row.id,
        row.rep,
        row.note,
        status=_followup_status(row.status, row.snoozed_count),
        due_at=row.due_at,
        done_at=row.completed_at,
    )


@cache
def _followups_statement(case: str | None, ascending: bool) -> Select[Any]:
    f = _FOLLOWUPS.c
    statement = (
        _member(
            FOLLOWUP_RANK,
            f.created_at.label("at"),
            f.id,
            rep=_REPS.c.slack_user_id,
            note=f.note,
            status=f.status,
            snoozed_count=f.snoozed_count,
            due_at=f.due_at,
            completed_at=f.completed_at,
        )
        .join_from(_FOLLOWUPS, _REPS, _REPS.c.id == f.rep_id)
        .where(*_of_account(f.team_id, f.account_id))
    )
    return _keyset(statement, f.created_at, f.id, case, ascending)


_ENTRY_OF = {
    INTERACTION_RANK: _interaction_entry,
    STAGE_RANK: _stage_entry,
    FOLLOWUP_RANK: _followup_entry,
}


def _followup_status(status: str, snoozes: int) -> str:
    if status == FollowupStatus.OPEN and snoozes > 0:
        return "snoozed"
    return str(status)
