"""The account timeline: newest first, mixed sources, keyset pages both ways, scoped by team."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot import db
from models.deals import Deal, DealStageChange
from models.followups import Followup
from models.interactions import Interaction
from models.timeline import Cursor, EntryKind, account_timeline
from tests.factories import make_account, make_rep

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def session(engine: Engine):
    with db.make_session_factory(engine).begin() as session:
        yield session


def seed(session: Session, count: int, *, team_id: str = "T0001") -> int:
    """`count` rows per source on one account, many sharing a timestamp; returns the account id."""
    rep = make_rep(session, "U0ALICE", now=T0, team_id=team_id)
    account = make_account(session, f"Acme {team_id}", owner=rep, now=T0)
    deal = Deal(
        team_id=team_id,
        account_id=account.id,
        owner_id=rep.id,
        name="Renewal",
        stage="Lead",
        stage_changed_at=T0,
        created_at=T0,
    )
    session.add(deal)
    session.flush()
    for n in range(count):
        at = T0 + timedelta(minutes=n // 3)  # three rows per minute: ties on time
        session.add(
            Interaction(
                team_id=team_id,
                account_id=account.id,
                rep_id=rep.id,
                kind=["call", "email", "note"][n % 3],
                summary=f"i{n}",
                occurred_at=at,
                source="import",
                created_at=at,
            )
        )
        session.add(
            DealStageChange(
                team_id=team_id,
                deal_id=deal.id,
                from_stage="Lead",
                to_stage="Demo",
                changed_by_id=rep.id,
                changed_at=at,
            )
        )
        session.add(
            Followup(
                team_id=team_id,
                rep_id=rep.id,
                account_id=account.id,
                note=f"f{n}",
                due_at=at + timedelta(days=1),
                created_at=at,
            )
        )
    session.flush()
    return account.id or 0


def walk(session: Session, account_id: int, **kwargs) -> tuple[list, list]:  # type: ignore[no-untyped-def]
    """Every entry paging older from the top, then every entry paging newer back up."""
    page = account_timeline(session=session, team_id="T0001", account_id=account_id, **kwargs)
    down = list(page.entries)
    while page.older:
        page = account_timeline(
            session=session, team_id="T0001", account_id=account_id, older_than=page.older, **kwargs
        )
        down += page.entries
    up = []
    while page.newer:
        page = account_timeline(
            session=session, team_id="T0001", account_id=account_id, newer_than=page.newer, **kwargs
        )
        up = page.entries + up
    return down, up


def test_paging_both_ways_returns_every_entry_exactly_once(session: Session) -> None:
    account_id = seed(session, 100)
    down, up = walk(session, account_id)
    keys = [(e.kind == EntryKind.STAGE, e.kind == EntryKind.FOLLOWUP, e.id) for e in down]
    assert len(down) == 300 and len(set(keys)) == 300
    assert [e.at for e in down] == sorted((e.at for e in down), reverse=True)
    first_page = 10
    assert [(e.kind, e.id) for e in up] == [(e.kind, e.id) for e in down[:-first_page]][: len(up)]
    assert len(up) == 300 - (300 % 10 or 10)


def test_ties_on_time_order_by_source_then_newest_row(session: Session) -> None:
    account_id = seed(session, 3)  # all nine rows in the same minute
    page = account_timeline(session=session, team_id="T0001", account_id=account_id)
    kinds = [e.kind for e in page.entries]
    assert (
        kinds
        == [EntryKind.NOTE, EntryKind.EMAIL, EntryKind.CALL]
        + [EntryKind.STAGE] * 3
        + [EntryKind.FOLLOWUP] * 3
    )
    assert page.entries[3].text == "Renewal: Lead → Demo" and page.entries[6].due_at is not None
    assert page.older is None and page.newer is None


def test_kinds_filter_the_timeline(session: Session) -> None:
    account_id = seed(session, 30)
    down, _ = walk(session, account_id, kinds=frozenset({EntryKind.CALL}))
    assert len(down) == 10 and {e.kind for e in down} == {EntryKind.CALL}
    deals, _ = walk(session, account_id, kinds=frozenset({EntryKind.STAGE}))
    assert len(deals) == 30 and {e.kind for e in deals} == {EntryKind.STAGE}


def test_another_workspace_sees_nothing(session: Session) -> None:
    account_id = seed(session, 5, team_id="T0OTHER")
    page = account_timeline(session=session, team_id="T0001", account_id=account_id)
    assert page.entries == [] and page.older is None


def test_cursors_round_trip_and_refuse_garbage() -> None:
    cursor = Cursor(at=T0, rank=2, id=41)
    assert Cursor.decode(cursor.encode()) == cursor and len(cursor.encode()) < 100
    for garbage in ("", "x", "2026-11-01~a~1", "2026-11-01T12:00:00~1~2"):
        with pytest.raises(ValueError):
            Cursor.decode(garbage)
