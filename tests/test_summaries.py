"""Read-side summaries: the /who-owns card and a rep's App Home."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from bot.standin.driver import TEAM_ID
from models.accounts import Account, AccountStatus
from models.base import NotFound, id_of
from models.deals import Deal
from models.followups import Followup, FollowupStatus
from models.interactions import Interaction
from models.reps import Rep
from models.stages import Stage, StageOutcome, set_pipeline
from models.summaries import (
    DealTotal,
    HomeSummary,
    LastTouch,
    home_summary,
    owner_card,
    owner_card_named,
)
from tests.factories import make_account, make_deal, make_rep

OTHER_TEAM = "T0OTHER"
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo, 09:00 in New York
TOKYO_MIDNIGHT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=60)


@pytest.fixture
def alice(session: Session) -> Rep:
    return make_rep(session, "U0ALICE", now=LONG_AGO)


@pytest.fixture
def tokyo(session: Session) -> Rep:
    return make_rep(session, "U0TOKYO", now=LONG_AGO, tz="Asia/Tokyo")


def add_deal(
    session: Session,
    account: Account,
    owner: Rep,
    stage: str,
    amount: int | None = None,
    currency: str | None = "USD",
    *,
    name: str = "Renewal",
) -> Deal:
    return make_deal(session, account, owner, stage, amount, now=NOW, name=name, currency=currency)


def add_followup(
    session: Session,
    rep: Rep,
    account: Account | None,
    due_at: datetime,
    *,
    note: str = "call back",
    status: str = FollowupStatus.OPEN,
    snoozed_count: int = 0,
    team_id: str = TEAM_ID,
) -> Followup:
    followup = Followup(
        team_id=team_id,
        rep_id=id_of(rep),
        account_id=account.id if account else None,
        due_at=due_at,
        note=note,
        status=status,
        snoozed_count=snoozed_count,
        created_at=LONG_AGO,
    )
    session.add(followup)
    session.flush()
    return followup


def add_interaction(
    session: Session,
    account: Account,
    rep: Rep,
    at: datetime,
    summary: str,
    permalink: str | None = None,
) -> Interaction:
    interaction = Interaction(
        team_id=account.team_id,
        account_id=id_of(account),
        rep_id=id_of(rep),
        kind="call",
        summary=summary,
        occurred_at=at,
        source="import",
        created_at=at,
        permalink=permalink,
    )
    session.add(interaction)
    session.flush()
    return interaction


def home_of(session: Session, rep: Rep, *, tz: str = "Asia/Tokyo", **kwargs: object) -> HomeSummary:
    return home_summary(
        session=session,
        team_id=TEAM_ID,
        rep_id=id_of(rep),
        now=NOW,
        tz=tz,
        stale_days=14,
        **kwargs,  # type: ignore[arg-type]
    )


def test_owner_card_of_a_fresh_account_names_its_owner_and_nothing_else(
    session: Session, alice: Rep
) -> None:
    account = make_account(session, "Acme", owner=alice, now=NOW)
    card = owner_card(session=session, team_id=TEAM_ID, account_id=id_of(account))
    assert (card.account_id, card.account) == (account.id, "Acme")
    assert (card.owner_slack_id, card.owner_since, card.assigned_by_slack_id) == (
        "U0ALICE",
        NOW,
        "U0ALICE",
    )
    assert (card.last_touch, card.open_deals, card.open_stages) == (None, 0, [])
    assert (card.open_totals, card.next_followup) == ([], None)


def test_owner_card_of_an_account_without_an_owner(session: Session, alice: Rep) -> None:
    account = make_account(session, "Acme", owner=alice, now=NOW)
    account.owner_id = account.owner_assigned_by_id = None
    session.add(account)
    session.flush()
    card = owner_card(session=session, team_id=TEAM_ID, account_id=id_of(account))
    assert (card.owner_slack_id, card.owner_since, card.assigned_by_slack_id) == (None, None, None)


def test_owner_card_is_not_found_for_another_workspace_a_deleted_or_a_missing_account(
    session: Session, alice: Rep
) -> None:
    account = make_account(session, "Acme", owner=alice, now=NOW)
    gone = make_account(session, "Gone", owner=alice, now=NOW)
    gone.status = AccountStatus.DELETED
    session.add(gone)
    session.flush()
    for team_id, account_id in [(OTHER_TEAM, account.id), (TEAM_ID, gone.id), (TEAM_ID, 999_999)]:
        with pytest.raises(NotFound):
            owner_card(session=session, team_id=team_id, account_id=account_id or 0)


def test_owner_card_named_is_the_same_card_found_by_the_accounts_exact_name(
    session: Session, alice: Rep
) -> None:
    """/who-owns's one-statement card: by the typed name's key, live accounts of this workspace
    only; anything else (a deleted twin, another team's, a typo, nothing) is for the resolver."""
    bob = make_rep(session, "U0BOB", now=NOW)
    account = make_account(session, "Acme", owner=alice, now=LONG_AGO)
    add_interaction(session, account, bob, NOW - timedelta(days=1), "demo went well")
    add_followup(session, bob, account, NOW + timedelta(days=2), note="send the deck")
    add_deal(session, account, alice, "Demo", 100, "EUR")
    gone = make_account(session, "Gone", owner=alice, now=NOW)
    gone.status = AccountStatus.DELETED
    session.add(gone)
    session.flush()
    stranger = make_rep(session, "U0TOKYO", now=NOW, team_id=OTHER_TEAM)
    make_account(session, "Initech", owner=stranger, now=NOW)
    by_id = owner_card(session=session, team_id=TEAM_ID, account_id=id_of(account))
    for typed in ("Acme", "  ACME, Inc. ", "acme"):
        assert owner_card_named(session=session, team_id=TEAM_ID, name=typed) == by_id
    for team_id, typed in [
        (TEAM_ID, "Gone"),
        (TEAM_ID, "Initech"),
        (OTHER_TEAM, "Acme"),
        (TEAM_ID, "Acne"),
        (TEAM_ID, " ,. "),
    ]:
        assert owner_card_named(session=session, team_id=team_id, name=typed) is None


def test_owner_card_shows_the_latest_interaction_as_the_last_touch(
    session: Session, alice: Rep
) -> None:
    bob = make_rep(session, "U0BOB", now=NOW)
    account = make_account(session, "Acme", owner=alice, now=LONG_AGO)
    add_interaction(session, account, alice, NOW - timedelta(days=3), "intro")
    link = "https://example.slack.com/archives/C1/p2"
    add_interaction(
        session, account, bob, NOW - timedelta(days=1), "demo went well", permalink=link
    )
    add_interaction(
        session, account, alice, NOW - timedelta(days=2), "logged late, happened earlier"
    )
    card = owner_card(session=session, team_id=TEAM_ID, account_id=id_of(account))
    assert card.last_touch == LastTouch(
        "U0BOB", NOW - timedelta(days=1), "call", "demo went well", link
    )


def test_the_card_follows_the_workspaces_own_pipeline_read_in_the_same_statement(
    session: Session, alice: Rep
) -> None:
    """The deal sums and the stages come in one statement: the workspace's own order and its own
    closed stages, none of another workspace's."""
    stages = (
        Stage("Pilot"),
        Stage("Demo"),
        Stage("Signed", StageOutcome.WON),
        Stage("Gone", StageOutcome.LOST),
    )
    set_pipeline(session=session, team_id=TEAM_ID, stages=stages, actor=alice, now=NOW)
    stranger = make_rep(session, "U0OTHER", now=NOW, team_id="T0OTHER")
    set_pipeline(
        session=session,
        team_id="T0OTHER",
        stages=(
            Stage("Signed"),
            Stage("Pilot"),
            Stage("W", StageOutcome.WON),
            Stage("L", StageOutcome.LOST),
        ),
        actor=stranger,
        now=NOW,
    )
    account = make_account(session, "Acme", owner=alice, now=NOW)
    for stage, amount in [("Demo", 100), ("Pilot", 5), ("Signed", 900), ("Gone", 1), ("Demo", 20)]:
        add_deal(session, account, alice, stage, amount, "USD")
    card = owner_card(session=session, team_id=TEAM_ID, account_id=id_of(account))
    assert card.open_stages == ["Pilot", "Demo"]
    assert (card.open_deals, card.open_totals) == (3, [DealTotal("USD", 125, 3)])


def test_open_deals_are_totalled_per_currency_and_won_or_lost_are_not_open(
    session: Session, alice: Rep
) -> None:
    account = make_account(session, "Acme", owner=alice, now=NOW)
    other = make_account(session, "Globex", owner=alice, now=NOW)
    for stage, amount, currency in [
        ("Demo", 100, "EUR"),
        ("Negotiation", 500, "USD"),
        ("Lead", None, "USD"),
        ("Demo", 50, "EUR"),
        ("Lead", 700, None),
        ("Won", 9999, "USD"),
        ("Lost", 1, "USD"),
    ]:
        add_deal(session, account, alice, stage, amount, currency)
    add_deal(session, other, alice, "Proposal", 12345, "USD")
    card = owner_card(session=session, team_id=TEAM_ID, account_id=id_of(account))
    assert card.open_deals == 5 and card.open_stages == ["Lead", "Demo", "Negotiation"]
    assert card.open_totals == [
        DealTotal(None, 700, 1),
        DealTotal("USD", 500, 2),
        DealTotal("EUR", 150, 2),
    ]
    assert all(type(t.amount_minor) is int for t in card.open_totals)  # not a Decimal sum


def test_owner_card_shows_the_earliest_open_follow_up_of_anyone(
    session: Session, alice: Rep
) -> None:
    bob = make_rep(session, "U0BOB", now=NOW)
    account = make_account(session, "Acme", owner=alice, now=NOW)
    other = make_account(session, "Globex", owner=alice, now=NOW)
    add_followup(session, alice, account, NOW + timedelta(days=5), note="later")
    add_followup(session, bob, account, NOW + timedelta(days=2), note="send the deck")
    add_followup(session, alice, account, NOW + timedelta(days=1), status=FollowupStatus.DONE)
    add_followup(session, alice, account, NOW, status=FollowupStatus.CANCELED)
    add_followup(session, alice, other, NOW)
    card = owner_card(session=session, team_id=TEAM_ID, account_id=id_of(account))
    assert card.next_followup == (NOW + timedelta(days=2), "U0BOB", "send the deck")


def test_home_buckets_follow_ups_around_the_reps_local_midnight(
    session: Session, tokyo: Rep
) -> None:
    account = make_account(session, "Acme", owner=tokyo, now=NOW)
    second = timedelta(seconds=1)
    for due, note in [
        (NOW - second, "overdue"),
        (NOW, "today, now"),
        (TOKYO_MIDNIGHT - second, "today, last second"),
        (TOKYO_MIDNIGHT, "tomorrow in Tokyo"),
        (NOW + timedelta(days=7) - second, "in a week"),
        (NOW + timedelta(days=7), "too far"),
    ]:
        add_followup(session, tokyo, account, due, note=note)
    home = home_of(session, tokyo)
    assert [row.note for row in home.overdue] == ["overdue"]
    assert [row.note for row in home.today] == ["today, now", "today, last second"]
    assert [row.note for row in home.upcoming] == ["tomorrow in Tokyo", "in a week"]
    assert (home.overdue_total, home.today_total, home.upcoming_total) == (1, 2, 2)
    new_york = home_of(session, tokyo, tz="America/New_York")  # 09:00 there: a long day ahead
    assert [row.note for row in new_york.today][-1] == "tomorrow in Tokyo"
    unknown = home_of(session, tokyo, tz="Mars/Olympus_Mons")  # treated as UTC: ends 00:00 UTC
    assert unknown.today_total == 3 and unknown.upcoming_total == 1


def test_home_lists_the_nearest_follow_ups_beyond_the_week_and_counts_them_all(
    session: Session, tokyo: Rep
) -> None:
    account = make_account(session, "Acme", owner=tokyo, now=NOW)
    week = NOW + timedelta(days=7)
    for days, note in [(40, "far"), (0, "at the week's end"), (9, "next"), (200, "farthest")]:
        add_followup(session, tokyo, account, week + timedelta(days=days), note=note)
    add_followup(session, tokyo, account, week + timedelta(days=1), status=FollowupStatus.DONE)
    home = home_of(session, tokyo)
    assert [row.note for row in home.later] == ["at the week's end", "next", "far"]
    assert (home.later_total, home.upcoming_total) == (4, 0)


def test_home_follow_up_rows_carry_account_note_and_snooze(session: Session, tokyo: Rep) -> None:
    account = make_account(session, "Acme", owner=tokyo, now=NOW)
    snoozed = add_followup(session, tokyo, account, NOW - timedelta(hours=2), snoozed_count=2)
    loose = add_followup(session, tokyo, None, NOW - timedelta(hours=1), note="")
    add_followup(session, tokyo, account, NOW - timedelta(hours=3), status=FollowupStatus.DONE)
    add_followup(session, tokyo, account, NOW - timedelta(hours=3), status=FollowupStatus.CANCELED)
    rows = home_of(session, tokyo).overdue
    assert [(r.id, r.account, r.due_at, r.note, r.snoozed) for r in rows] == [
        (snoozed.id, "Acme", snoozed.due_at, "call back", True),
        (loose.id, None, loose.due_at, "", False),
    ]


def test_home_lists_are_capped_and_totals_count_them_all(session: Session, tokyo: Rep) -> None:
    account = make_account(session, "Acme", owner=tokyo, now=NOW)
    for n in range(300):
        add_followup(session, tokyo, account, NOW - timedelta(hours=1, minutes=n), note=f"{n}")
    for n in range(20):
        add_followup(session, tokyo, account, NOW + timedelta(days=2, minutes=n))
    home = home_of(session, tokyo)
    assert (len(home.overdue), home.overdue_total) == (15, 300)
    assert [row.note for row in home.overdue] == [
        f"{n}" for n in range(299, 284, -1)
    ]  # oldest first
    assert (len(home.upcoming), home.upcoming_total) == (15, 20)
    small = home_of(session, tokyo, cap=5)
    assert (len(small.overdue), small.overdue_total, len(small.upcoming)) == (5, 300, 5)


def test_home_groups_the_reps_open_deals_by_stage_in_pipeline_order(
    session: Session, tokyo: Rep, alice: Rep
) -> None:
    acme = make_account(session, "Acme", owner=tokyo, now=NOW)
    globex = make_account(session, "Globex", owner=alice, now=NOW)
    gone = make_account(session, "Gone", owner=tokyo, now=NOW)
    gone.status = AccountStatus.DELETED
    big = add_deal(session, acme, tokyo, "Proposal", 90_000, "EUR", name="Platform")
    small = add_deal(session, globex, tokyo, "Proposal", 5_000, "USD", name="Pilot")
    lead = add_deal(session, acme, tokyo, "Lead", None, None, name="Maybe")
    custom = add_deal(session, acme, tokyo, "On hold", 10, "USD", name="Paused")
    add_deal(session, acme, tokyo, "Won", 1_000_000, "USD")
    add_deal(session, acme, tokyo, "Lost", 1_000_000, "USD")
    add_deal(session, acme, alice, "Demo", 7, "USD")  # someone else's
    add_deal(session, gone, tokyo, "Demo", 7, "USD")  # on a deleted account
    session.add(gone)
    session.flush()
    stages = home_of(session, tokyo).stages
    assert [group.stage for group in stages] == ["Lead", "Proposal", "On hold"]
    assert stages[0].deals == [(lead.id, "Acme", "Maybe", None, None)]
    assert stages[0].totals == [DealTotal(None, 0, 1)]
    assert stages[1].deals == [
        (big.id, "Acme", "Platform", 90_000, "EUR"),
        (small.id, "Globex", "Pilot", 5_000, "USD"),
    ]
    assert stages[1].totals == [DealTotal("EUR", 90_000, 1), DealTotal("USD", 5_000, 1)]
    assert stages[2].deals == [(custom.id, "Acme", "Paused", 10, "USD")]


def test_home_caps_the_deals_of_a_stage_but_totals_them_all(session: Session, tokyo: Rep) -> None:
    acme = make_account(session, "Acme", owner=tokyo, now=NOW)
    for n in range(40):
        add_deal(session, acme, tokyo, "Demo", 100 * (n + 1), "USD", name=f"Deal {n}")
    (demo,) = home_of(session, tokyo).stages
    assert len(demo.deals) == 15 and demo.deals[0][2] == "Deal 39"
    assert demo.totals == [DealTotal("USD", 100 * 40 * 41 // 2, 40)]


def test_home_lists_the_reps_stale_accounts_never_touched_first(
    session: Session, tokyo: Rep, alice: Rep
) -> None:
    def account(name: str, owner: Rep, created: datetime, touched: datetime | None) -> Account:
        made = make_account(session, name, owner=owner, now=created)
        made.last_touched_at = touched
        session.add(made)
        session.flush()
        return made

    stale = account("Stale", tokyo, LONG_AGO, NOW - timedelta(days=20))
    staler = account("Staler", tokyo, LONG_AGO, NOW - timedelta(days=40))
    never = account("Never", tokyo, NOW - timedelta(days=30), None)
    account("Fresh", tokyo, LONG_AGO, NOW - timedelta(days=2))
    account("New", tokyo, NOW - timedelta(days=3), None)
    account("Alices", alice, LONG_AGO, None)
    deleted = account("Deleted", tokyo, LONG_AGO, None)
    deleted.status = AccountStatus.DELETED
    session.add(deleted)
    session.flush()
    home = home_of(session, tokyo)
    assert home.stale == [
        (never.id, "Never", None),
        (staler.id, "Staler", NOW - timedelta(days=40)),
        (stale.id, "Stale", NOW - timedelta(days=20)),
    ]
    assert home.stale_total == 3
    capped = home_of(session, tokyo, cap=1)
    assert (len(capped.stale), capped.stale_total) == (1, 3)


def test_home_leaves_out_other_reps_and_other_workspaces(
    session: Session, tokyo: Rep, alice: Rep
) -> None:
    acme = make_account(session, "Acme", owner=tokyo, now=LONG_AGO)
    stranger = make_rep(session, "U0STRANGER", now=NOW, team_id=OTHER_TEAM)
    theirs = make_account(session, "Theirs", owner=stranger, now=LONG_AGO)
    add_followup(session, alice, acme, NOW - timedelta(hours=1))
    add_followup(session, stranger, theirs, NOW - timedelta(hours=1), team_id=OTHER_TEAM)
    # Rows that name this rep but belong to another workspace are not theirs either.
    add_followup(session, tokyo, theirs, NOW - timedelta(hours=1), team_id=OTHER_TEAM)
    add_deal(session, theirs, tokyo, "Demo", 5)  # the account is the other workspace's
    home = home_of(session, tokyo)
    assert (home.overdue_total, home.today_total, home.upcoming_total) == (0, 0, 0)
    assert home.stages == []
    assert [name for _, name, _ in home.stale] == ["Acme"]
    other = home_summary(
        session=session,
        team_id=OTHER_TEAM,
        rep_id=id_of(tokyo),
        now=NOW,
        tz="UTC",
        stale_days=14,
    )
    assert (
        other.stale == [] and other.overdue_total == 1
    )  # the stray row, seen only in its own team


def test_the_owner_card_is_read_through_the_accounts_own_indexes(session: Session) -> None:
    """The owner card, by id or by name, planned by the database: the account by its primary key
    or its name's index, then its rows of ix_followups_account_open and ix_interactions_timeline,
    not a walk of every open follow-up (ix_followups_due)."""
    from sqlalchemy import text

    from models.summaries import card_statement

    for bound, account_by in (
        (card_statement("id").params(team_id=TEAM_ID, account_id=1), ("PRIMARY KEY", "pkey")),
        (card_statement("key").params(team_id=TEAM_ID, key="acme"), ("uq_accounts_team_name",)),
    ):
        statement = bound.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL enable_seqscan = off"))  # small tables: no seq scan
            plan = "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {statement}")))
        else:
            rows = session.execute(text(f"EXPLAIN QUERY PLAN {statement}"))
            plan = "\n".join(str(row[-1]) for row in rows)
        assert "ix_followups_account_open" in plan, plan
        assert "ix_interactions_timeline" in plan, plan
        assert any(index in plan for index in account_by), plan


def test_an_accounts_open_deals_are_summed_from_its_own_rows(session: Session) -> None:
    """The card's per-stage totals read the account's deals (ix_deals_account_sums), not every
    deal of the workspace through ix_deals_team_open."""
    from sqlalchemy import text

    from models.stages import DEFAULT_PIPELINE
    from models.summaries import deal_sums_statement

    statement = deal_sums_statement(
        DEFAULT_PIPELINE, Deal.team_id == TEAM_ID, Deal.account_id == 1
    ).compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {statement}")))
    else:
        rows = session.execute(text(f"EXPLAIN QUERY PLAN {statement}"))
        plan = "\n".join(str(row[-1]) for row in rows)
    assert "ix_deals_account_sums" in plan, plan
