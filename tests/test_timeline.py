"""The account timeline: newest first, mixed sources, keyset pages both ways, scoped by team."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlmodel import Session

from bot.standin.driver import TEAM_ID
from models.accounts import Account
from models.base import id_of
from models.deals import Deal, DealStageChange
from models.followups import Followup, FollowupStatus
from models.interactions import Interaction
from models.reps import Rep
from models.timeline import (
    Cursor,
    Entry,
    EntryKind,
    Page,
    account_timeline,
    count_statements,
)
from tests.factories import make_account, make_rep

OTHER_TEAM = "T0OTHER"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
RANK = {"interaction": 3, "stage": 2, "followup": 1}


@pytest.fixture
def alice(session: Session) -> Rep:
    return make_rep(session, "U0ALICE", now=T0)


@pytest.fixture
def acme(session: Session, alice: Rep) -> Account:
    return make_account(session, "Acme", owner=alice, now=T0)


def add_interaction(
    session: Session,
    account: Account,
    rep: Rep,
    at: datetime,
    *,
    kind: str = "call",
    summary: str = "talked",
    permalink: str | None = None,
    team_id: str = TEAM_ID,
) -> Interaction:
    row = Interaction(
        team_id=team_id,
        account_id=id_of(account),
        rep_id=id_of(rep),
        kind=kind,
        summary=summary,
        occurred_at=at,
        permalink=permalink,
        source="import",
        created_at=at,
    )
    session.add(row)
    session.flush()
    return row


def add_deal(session: Session, account: Account, rep: Rep, name: str = "Renewal") -> Deal:
    deal = Deal(
        team_id=account.team_id,
        account_id=id_of(account),
        owner_id=rep.id,
        name=name,
        stage="Lead",
        stage_changed_at=T0,
        created_at=T0,
    )
    session.add(deal)
    session.flush()
    return deal


def add_stage_change(
    session: Session,
    deal: Deal,
    rep: Rep | None,
    at: datetime,
    from_stage: str | None = "Lead",
    to_stage: str = "Demo",
) -> DealStageChange:
    change = DealStageChange(
        team_id=deal.team_id,
        deal_id=id_of(deal),
        account_id=deal.account_id,
        from_stage=from_stage,
        to_stage=to_stage,
        changed_by_id=rep.id if rep else None,
        changed_at=at,
    )
    session.add(change)
    session.flush()
    return change


def add_followup(
    session: Session,
    account: Account,
    rep: Rep,
    at: datetime,
    *,
    note: str = "send the contract",
    status: str = FollowupStatus.OPEN,
    snoozed_count: int = 0,
) -> Followup:
    followup = Followup(
        team_id=account.team_id,
        rep_id=id_of(rep),
        account_id=id_of(account),
        due_at=at + timedelta(days=3),
        note=note,
        status=status,
        snoozed_count=snoozed_count,
        created_at=at,
    )
    session.add(followup)
    session.flush()
    return followup


def page_of(session: Session, account: Account, **kwargs: object) -> Page:
    return account_timeline(
        session=session,
        team_id=TEAM_ID,
        account_id=id_of(account),
        **kwargs,  # type: ignore[arg-type]
    )


def keys(entries: list[Entry]) -> list[tuple[EntryKind, int]]:
    return [(entry.kind, entry.id) for entry in entries]


def walk_both_ways(
    session: Session, account: Account, **kwargs: object
) -> tuple[list[Entry], list[Entry]]:
    """Every entry paging older from the top, then every entry paging newer from the bottom."""
    page = page_of(session, account, **kwargs)
    down = list(page.entries)
    while page.older:
        older = Cursor.decode(page.older.encode())  # as an Older button carries it
        page = page_of(session, account, older_than=older, **kwargs)
        down += page.entries
    up = list(page.entries)
    while page.newer:
        page = page_of(session, account, newer_than=Cursor.decode(page.newer.encode()), **kwargs)
        up = page.entries + up
    return down, up


def test_the_timeline_lists_an_accounts_interactions_newest_first(
    session: Session, alice: Rep, acme: Account
) -> None:
    old = add_interaction(session, acme, alice, T0, summary="intro call")
    new = add_interaction(
        session,
        acme,
        alice,
        T0 + timedelta(days=2),
        kind="email",
        summary="sent pricing",
        permalink="https://example.slack.com/archives/C1/p1",
    )
    page = page_of(session, acme)
    assert keys(page.entries) == [(EntryKind.EMAIL, new.id), (EntryKind.CALL, old.id)]
    latest = page.entries[0]
    assert (latest.at, latest.rep_slack_id, latest.text) == (
        new.occurred_at,
        "U0ALICE",
        "sent pricing",
    )
    assert latest.permalink == "https://example.slack.com/archives/C1/p1"
    assert latest.at.tzinfo is not None and latest.status is None and latest.due_at is None


def test_interactions_stage_changes_and_follow_ups_interleave_by_time(
    session: Session, alice: Rep, acme: Account
) -> None:
    deal = add_deal(session, acme, alice)
    call = add_interaction(session, acme, alice, T0)
    opened = add_stage_change(session, deal, None, T0 + timedelta(hours=1), None, "Lead")
    followup = add_followup(session, acme, alice, T0 + timedelta(hours=2), snoozed_count=1)
    moved = add_stage_change(session, deal, alice, T0 + timedelta(hours=3), "Lead", "Demo")
    done = add_followup(session, acme, alice, T0 + timedelta(hours=4), status="done")
    entries = page_of(session, acme).entries
    assert keys(entries) == [
        (EntryKind.FOLLOWUP, done.id),
        (EntryKind.STAGE, moved.id),
        (EntryKind.FOLLOWUP, followup.id),
        (EntryKind.STAGE, opened.id),
        (EntryKind.CALL, call.id),
    ]
    assert [e.text for e in entries[1::2]] == ["Renewal: Lead → Demo", "Renewal: Lead"]
    assert [e.rep_slack_id for e in entries[1::2]] == ["U0ALICE", None]
    assert [(e.status, e.due_at) for e in entries[0::2][:2]] == [
        ("done", done.due_at),
        ("snoozed", followup.due_at),
    ]
    assert entries[2].text == "send the contract" and entries[2].permalink is None


def test_equal_timestamps_order_by_source_then_newest_row_on_every_read(
    session: Session, alice: Rep, acme: Account
) -> None:
    deal = add_deal(session, acme, alice)
    f1, s1, i1 = (
        add_followup(session, acme, alice, T0),
        add_stage_change(session, deal, alice, T0),
        add_interaction(session, acme, alice, T0),
    )
    f2, s2, i2 = (
        add_followup(session, acme, alice, T0),
        add_stage_change(session, deal, alice, T0),
        add_interaction(session, acme, alice, T0),
    )
    expected = [
        (EntryKind.CALL, i2.id),
        (EntryKind.CALL, i1.id),
        (EntryKind.STAGE, s2.id),
        (EntryKind.STAGE, s1.id),
        (EntryKind.FOLLOWUP, f2.id),
        (EntryKind.FOLLOWUP, f1.id),
    ]
    assert keys(page_of(session, acme).entries) == expected
    for limit in (1, 2, 4):
        down, up = walk_both_ways(session, acme, limit=limit)
        assert keys(down) == keys(up) == expected


def seed_mixed(
    session: Session, account: Account, rep: Rep, count: int
) -> list[tuple[EntryKind, int]]:
    """`count` rows over three sources, most sharing a timestamp; their expected order."""
    rng = random.Random(2026)
    deal = add_deal(session, account, rep)
    expected: list[tuple[datetime, int, int, EntryKind]] = []
    for n in range(count):
        at = T0 + timedelta(minutes=rng.randrange(max(1, count // 10)))
        source = rng.choice(["interaction", "stage", "followup"])
        if source == "interaction":
            kind = rng.choice(["call", "meeting", "email", "note"])
            row_id = id_of(add_interaction(session, account, rep, at, kind=kind, summary=f"i{n}"))
        elif source == "stage":
            kind, row_id = "stage", id_of(add_stage_change(session, deal, rep, at))
        else:
            kind, row_id = "followup", id_of(add_followup(session, account, rep, at, note=f"f{n}"))
        expected.append((at, RANK[source], row_id, EntryKind(kind)))
    expected.sort(reverse=True)
    return [(kind, row_id) for _, _, row_id, kind in expected]


@pytest.mark.parametrize("limit", [1, 7, 10, 50, 299, 300, 301])
def test_paging_older_then_newer_returns_every_entry_exactly_once(
    session: Session, alice: Rep, acme: Account, limit: int
) -> None:
    expected = seed_mixed(session, acme, alice, 300)
    down, up = walk_both_ways(session, acme, limit=limit)
    assert keys(down) == expected and len(set(keys(down))) == 300
    assert keys(up) == expected


def test_a_newer_page_holds_the_entries_just_above_the_cursor(
    session: Session, alice: Rep, acme: Account
) -> None:
    expected = seed_mixed(session, acme, alice, 60)
    top = page_of(session, acme, limit=10)
    second = page_of(session, acme, limit=10, older_than=top.older)
    assert keys(second.entries) == expected[10:20]
    back = page_of(session, acme, limit=10, newer_than=second.newer)
    assert back == top
    partial = page_of(session, acme, limit=10, newer_than=second.entries[4].cursor)
    assert keys(partial.entries) == expected[4:14]  # the ten nearest above the cursor
    assert (partial.newer, partial.older) == (partial.entries[0].cursor, partial.entries[-1].cursor)
    assert page_of(session, acme, limit=3, newer_than=top.entries[2].cursor).newer is None


def test_kinds_filter_keeps_only_those_entries(session: Session, alice: Rep, acme: Account) -> None:
    expected = seed_mixed(session, acme, alice, 120)
    for wanted in (
        {EntryKind.CALL},
        {EntryKind.STAGE},
        {EntryKind.FOLLOWUP},
        {EntryKind.CALL, EntryKind.EMAIL},
        {EntryKind.NOTE, EntryKind.STAGE},
    ):
        down, up = walk_both_ways(session, acme, kinds=frozenset(wanted), limit=7)
        assert keys(down) == keys(up) == [k for k in expected if k[0] in wanted]
    assert page_of(session, acme, kinds=frozenset()).entries == []


def test_another_workspaces_rows_never_appear(session: Session, alice: Rep, acme: Account) -> None:
    stranger = make_rep(session, "U0STRANGER", now=T0, team_id=OTHER_TEAM)
    theirs = make_account(session, "Acme", owner=stranger, now=T0)
    mine = add_interaction(session, acme, alice, T0)
    add_interaction(session, theirs, stranger, T0, team_id=OTHER_TEAM)
    add_stage_change(session, add_deal(session, theirs, stranger), stranger, T0)
    add_followup(session, theirs, stranger, T0)
    # A row that claims this workspace's account but belongs to another is still not shown.
    add_interaction(session, acme, stranger, T0 + timedelta(hours=1), team_id=OTHER_TEAM)
    assert keys(page_of(session, acme).entries) == [(EntryKind.CALL, mine.id)]
    assert page_of(session, theirs) == Page([], older=None, newer=None)


def test_a_first_page_with_fewer_entries_than_the_limit_has_no_cursors(
    session: Session, alice: Rep, acme: Account
) -> None:
    assert page_of(session, acme) == Page([], older=None, newer=None)
    seed_mixed(session, acme, alice, 9)
    page = page_of(session, acme, limit=10)
    assert len(page.entries) == 9 and (page.older, page.newer) == (None, None)
    exactly = page_of(session, acme, limit=9)
    assert len(exactly.entries) == 9 and (exactly.older, exactly.newer) == (None, None)
    fuller = page_of(session, acme, limit=8)
    assert fuller.older == fuller.entries[-1].cursor and fuller.newer is None


def test_cursors_round_trip_through_a_short_string() -> None:
    cursor = Cursor(at=datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=UTC), rank=2, id=41)
    text = cursor.encode()
    assert Cursor.decode(text) == cursor and len(text) < 60 and "|" not in text
    tokyo = Cursor(at=datetime(2026, 11, 1, 21, 0, tzinfo=ZoneInfo("Asia/Tokyo")), rank=3, id=7)
    assert Cursor.decode(tokyo.encode()) == Cursor(
        at=datetime(2026, 11, 1, 12, 0, tzinfo=UTC), rank=3, id=7
    )


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "x",
        "~~",
        "a~b~c",
        "2026-11-01T12:00:00~3~1",  # no time zone
        "2026-11-01T12:00:00+00:00~9~1",  # no such source
        "2026-11-01T12:00:00+00:00~3~-1",
        "2026-11-01T12:00:00+00:00~3~1~4",
        "2026-11-01T12:00:00+00:00|3|1",
        "2026-13-01T12:00:00+00:00~3~1",
        "2026-11-01T12:00:00+00:00~3~" + "9" * 200,
    ],
)
def test_a_cursor_that_is_not_one_is_a_value_error(garbage: str) -> None:
    with pytest.raises(ValueError):
        Cursor.decode(garbage)


def test_asking_for_both_directions_or_an_empty_page_is_a_value_error(
    session: Session, acme: Account
) -> None:
    cursor = Cursor(at=T0, rank=3, id=1)
    with pytest.raises(ValueError):
        page_of(session, acme, older_than=cursor, newer_than=cursor)
    with pytest.raises(ValueError):
        page_of(session, acme, limit=0)


@pytest.mark.parametrize("limit", [1, 10, 46, 47, 48])
def test_each_page_knows_where_it_sits_in_the_whole_timeline(
    session: Session, alice: Rep, acme: Account, limit: int
) -> None:
    expected = seed_mixed(session, acme, alice, 47)
    page, seen = page_of(session, acme, limit=limit), 0
    while True:
        assert (page.first, page.total) == (seen + 1, 47)
        seen += len(page.entries)
        if page.older is None:
            break
        page = page_of(session, acme, limit=limit, older_than=page.older)
    assert seen == len(expected)
    back = page_of(session, acme, limit=limit, newer_than=page.entries[0].cursor)
    if page.first > 1:  # the page above the last one starts where its entries say
        assert back.first == page.first - len(back.entries) and back.entries


def test_a_filtered_page_counts_only_the_kinds_it_shows(
    session: Session, alice: Rep, acme: Account
) -> None:
    expected = seed_mixed(session, acme, alice, 60)
    calls = page_of(session, acme, kinds=frozenset({EntryKind.CALL}), limit=5)
    assert calls.total == sum(1 for kind, _ in expected if kind == EntryKind.CALL)
    assert calls.first == 1
    assert page_of(session, acme, kinds=frozenset(), limit=5) == Page([], None, None)
    unpositioned = page_of(session, acme, limit=5, positioned=False)
    assert (unpositioned.first, unpositioned.total) == (0, 0) and len(unpositioned.entries) == 5


@pytest.mark.parametrize(
    "kinds", [None, frozenset({EntryKind.CALL}), frozenset({EntryKind.STAGE, EntryKind.FOLLOWUP})]
)
def test_the_newest_page_is_one_statement_that_counts_the_whole_too(
    session: Session, alice: Rep, acme: Account, kinds: frozenset[EntryKind] | None
) -> None:
    """What /history and the History button show: the page and its total in one statement;
    the same total as the counts an older page runs."""
    seed_mixed(session, acme, alice, 120)  # more than a page of each kind
    session.flush()
    ran: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        ran.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        newest = page_of(session, acme, kinds=kinds, limit=5)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(ran) == 1, ran
    older = page_of(session, acme, kinds=kinds, limit=5, older_than=newest.older)
    assert newest.first == 1 and newest.total == older.total > len(newest.entries)
    assert older.first == len(newest.entries) + 1
    empty = page_of(session, make_account(session, "Initech", owner=alice, now=T0), kinds=kinds)
    assert (empty.entries, empty.first, empty.total) == ([], 0, 0)


def explain(session: Session, statement: object) -> str:
    """The database's plan for `statement`, as text (PostgreSQL, with fresh statistics, told to
    avoid the seq scan it would pick for tables this small)."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)  # type: ignore[attr-defined]
    expanded = compiled.construct_expanded_state()  # IN lists as one parameter per value
    if connection.dialect.name == "sqlite":
        assert expanded.positiontup is not None
        params = tuple(expanded.parameters[name] for name in expanded.positiontup)
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {expanded.statement}", params)
        return "\n".join(str(row[-1]) for row in rows)
    connection.exec_driver_sql("ANALYZE interactions, deal_stage_changes, followups")
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = connection.exec_driver_sql(f"EXPLAIN {expanded.statement}", expanded.parameters)
    return "\n".join(str(row[0]) for row in rows)


@pytest.mark.parametrize("above", [None, Cursor(T0, 2, 5)])
def test_the_position_counts_read_the_timeline_indexes(
    session: Session, alice: Rep, acme: Account, above: Cursor | None
) -> None:
    seed_mixed(session, acme, alice, 30)
    seed_mixed(session, make_account(session, "Globex", owner=alice, now=T0), alice, 600)
    for wanted in (frozenset(EntryKind), frozenset({EntryKind.CALL, EntryKind.NOTE})):
        statements = count_statements(TEAM_ID, id_of(acme), wanted, above=above)
        plans = [explain(session, statement) for statement in statements]
        # Each an index range of this account's rows (a follow-up COUNT without a cursor may
        # take the account's open-follow-ups index, as narrow and as covering).
        indexed = ("_timeline", "ix_followups_account_open")
        assert plans and all(any(i in plan for i in indexed) for plan in plans), "\n\n".join(plans)
