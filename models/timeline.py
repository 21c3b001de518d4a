"""An account's history, newest first: interactions, deal stage changes and follow-ups.

Paged by keyset cursor, not offset: each source is read from its own index with
`ORDER BY ... LIMIT`, so a page costs the same at entry 10 and at entry 10,000.
"""

import heapq
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import tuple_
from sqlmodel import Session, col, select

from models.deals import Deal, DealStageChange
from models.followups import Followup
from models.interactions import Interaction
from models.reps import Rep


class EntryKind(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    NOTE = "note"
    STAGE = "stage"
    FOLLOWUP = "followup"


INTERACTION_KINDS = frozenset({EntryKind.CALL, EntryKind.MEETING, EntryKind.EMAIL, EntryKind.NOTE})
RANK = {"interaction": 3, "stage": 2, "followup": 1}  # ties on time: a stable, total order


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
    rank: int = 0

    @property
    def key(self) -> tuple[datetime, int, int]:
        return (self.at, self.rank, self.id)


@dataclass(frozen=True)
class Cursor:
    at: datetime
    rank: int
    id: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}~{self.rank}~{self.id}"

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """The cursor a button carried; ValueError for anything else."""
        at, rank, id_ = text.split("~")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("cursor time has no zone")
        return cls(at=moment, rank=int(rank), id=int(id_))


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    older: Cursor | None
    newer: Cursor | None


def account_timeline(
    *,
    session: Session,
    team_id: str,
    account_id: int,
    kinds: frozenset[EntryKind] | None = None,
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
    limit: int = 10,
) -> Page:
    """One page of the account's timeline, newest first; cursors page older and newer."""
    kinds = kinds or frozenset(EntryKind)
    ascending = newer_than is not None
    cursor = newer_than or older_than
    sources: list[list[Entry]] = []
    if kinds & INTERACTION_KINDS:
        sources.append(_interactions(session, team_id, account_id, kinds, cursor, ascending, limit))
    if EntryKind.STAGE in kinds:
        sources.append(_stages(session, team_id, account_id, cursor, ascending, limit))
    if EntryKind.FOLLOWUP in kinds:
        sources.append(_followups(session, team_id, account_id, cursor, ascending, limit))
    merged = list(heapq.merge(*sources, key=lambda e: e.key, reverse=not ascending))
    more = len(merged) > limit
    entries = merged[:limit]
    if ascending:
        entries.reverse()
    if not entries:
        return Page([], None, None)
    top, bottom = entries[0], entries[-1]
    has_older = more if not ascending else newer_than is not None
    has_newer = (older_than is not None) if not ascending else more
    return Page(
        entries=entries,
        older=Cursor(*bottom.key) if has_older else None,
        newer=Cursor(*top.key) if has_newer else None,
    )


def _past(at: Any, id_: Any, rank: int, cursor: Cursor | None, ascending: bool) -> Any:
    """Rows strictly past the cursor in (at, rank, id) order, for a source whose rank is fixed."""
    if cursor is None:
        return True
    if rank == cursor.rank:
        pair, mark = tuple_(at, id_), tuple_(cursor.at, cursor.id)
        return pair > mark if ascending else pair < mark
    inclusive = (rank > cursor.rank) if ascending else (rank < cursor.rank)
    if ascending:
        return at >= cursor.at if inclusive else at > cursor.at
    return at <= cursor.at if inclusive else at < cursor.at


def _interactions(
    session: Session,
    team_id: str,
    account_id: int,
    kinds: frozenset[EntryKind],
    cursor: Cursor | None,
    ascending: bool,
    limit: int,
) -> list[Entry]:
    rank = RANK["interaction"]
    at, id_ = col(Interaction.occurred_at), col(Interaction.id)
    statement = (
        select(Interaction, Rep.slack_user_id)
        .join(Rep, Rep.id == Interaction.rep_id)  # type: ignore[arg-type]
        .where(Interaction.team_id == team_id, Interaction.account_id == account_id)
        .where(_past(at, id_, rank, cursor, ascending))
        .order_by(at.asc() if ascending else at.desc(), id_.asc() if ascending else id_.desc())
        .limit(limit + 1)
    )
    wanted = [str(k) for k in kinds & INTERACTION_KINDS]
    if len(wanted) < len(INTERACTION_KINDS):
        statement = statement.where(Interaction.kind.in_(wanted))  # type: ignore[attr-defined]
    return [
        Entry(
            EntryKind(row.kind),
            row.occurred_at,
            row.id or 0,
            rep,
            row.summary,
            permalink=row.permalink,
            rank=rank,
        )
        for row, rep in session.exec(statement)
    ]


def _stages(
    session: Session,
    team_id: str,
    account_id: int,
    cursor: Cursor | None,
    ascending: bool,
    limit: int,
) -> list[Entry]:
    rank = RANK["stage"]
    at, id_ = col(DealStageChange.changed_at), col(DealStageChange.id)
    statement = (
        select(DealStageChange, Deal.name, Rep.slack_user_id)
        .join(Deal, Deal.id == DealStageChange.deal_id)  # type: ignore[arg-type]
        .join(Rep, Rep.id == DealStageChange.changed_by_id, isouter=True)  # type: ignore[arg-type]
        .where(DealStageChange.team_id == team_id, Deal.account_id == account_id)
        .where(_past(at, id_, rank, cursor, ascending))
        .order_by(at.asc() if ascending else at.desc(), id_.asc() if ascending else id_.desc())
        .limit(limit + 1)
    )
    return [
        Entry(
            EntryKind.STAGE,
            change.changed_at,
            change.id or 0,
            rep,
            f"{deal}: {change.from_stage} → {change.to_stage}"
            if change.from_stage
            else f"{deal}: {change.to_stage}",
            rank=rank,
        )
        for change, deal, rep in session.exec(statement)
    ]


def _followups(
    session: Session,
    team_id: str,
    account_id: int,
    cursor: Cursor | None,
    ascending: bool,
    limit: int,
) -> list[Entry]:
    rank = RANK["followup"]
    at, id_ = col(Followup.created_at), col(Followup.id)
    statement = (
        select(Followup, Rep.slack_user_id)
        .join(Rep, Rep.id == Followup.rep_id)  # type: ignore[arg-type]
        .where(Followup.team_id == team_id, Followup.account_id == account_id)
        .where(_past(at, id_, rank, cursor, ascending))
        .order_by(at.asc() if ascending else at.desc(), id_.asc() if ascending else id_.desc())
        .limit(limit + 1)
    )
    return [
        Entry(
            EntryKind.FOLLOWUP,
            row.created_at,
            row.id or 0,
            rep,
            row.note,
            status="snoozed" if row.status == "open" and row.snoozed_count else row.status,
            due_at=row.due_at,
            rank=rank,
        )
        for row, rep in session.exec(statement)
    ]
