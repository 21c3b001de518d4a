"""The digest's parts without Slack: what a rep's digest holds (models.digest), how it reads
(handlers.blocks.digest), when it is due, and `/crm digest`'s grammar."""

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from bot.standin.driver import TEAM_ID
from handlers.blocks.digest import build_digest, build_digest_status
from handlers.parsing.digest import parse_digest
from handlers.parsing.text import CommandError
from models import digest, followups
from models.accounts import AccountStatus
from models.audit import AuditEntry
from models.base import id_of
from models.digest import (
    Digest,
    DigestDeal,
    DueFollowup,
    Recipient,
    Section,
    StaleAccount,
    digest_window,
    is_digest_time,
)
from models.reps import Rep, WorkingHours
from tests.conftest import OTHER_TEAM
from tests.factories import make_account, make_deal, make_rep

NINE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
LONG_AGO = datetime(2026, 9, 1, tzinfo=UTC)
TZ = "Europe/Berlin"


def recipient(rep: Rep) -> Recipient:
    return Recipient(rep.team_id, id_of(rep), rep.slack_user_id, rep.tz)


def holds(session: Session, rep: Rep, *, cap: int = 10) -> Digest:
    return digest.build_digest(
        session=session, recipient=recipient(rep), now=NINE, stale_days=14, stuck_days=21, cap=cap
    )


def due(session: Session, rep: Rep, at: datetime, note: str = "", **kw: object) -> int:
    account = kw.get("account")
    made, _ = followups.create_followup(
        session=session,
        rep=rep,
        account=account,
        due_at=at,
        note=note,
        now=LONG_AGO,  # type: ignore[arg-type]
    )
    return id_of(made)


def test_follow_ups_split_at_the_reps_midnight_not_at_the_sweep(session: Session) -> None:
    bob = make_rep(session, "U0BOB", now=LONG_AGO, tz=TZ)
    due(session, bob, datetime(2026, 11, 22, 22, 59, tzinfo=UTC), "sunday 23:59 berlin")
    due(session, bob, datetime(2026, 11, 22, 23, 0, tzinfo=UTC), "monday 00:00 berlin")
    due(session, bob, datetime(2026, 11, 23, 22, 59, tzinfo=UTC), "monday 23:59 berlin")
    due(session, bob, datetime(2026, 11, 23, 23, 0, tzinfo=UTC), "tuesday")
    held = holds(session, bob)
    assert [f.note for f in held.overdue.rows] == ["sunday 23:59 berlin"]
    assert [f.note for f in held.today.rows] == ["monday 00:00 berlin", "monday 23:59 berlin"]


def test_only_the_reps_own_open_follow_ups_of_this_workspace_count(session: Session) -> None:
    bob = make_rep(session, "U0BOB", now=LONG_AGO, tz=TZ)
    alice = make_rep(session, "U0ALICE", now=LONG_AGO, tz=TZ)
    twin = make_rep(session, "U0BOB", now=LONG_AGO, tz=TZ, team_id=OTHER_TEAM)
    done = due(session, bob, NINE - timedelta(days=1), "done")
    followups.complete_followup(
        session=session, team_id=bob.team_id, followup_id=done, rep=bob, now=NINE
    )
    due(session, alice, NINE - timedelta(days=1), "alice's")
    due(session, twin, NINE - timedelta(days=1), "the other workspace's")
    assert holds(session, bob).empty


def test_a_section_shows_its_first_rows_and_counts_them_all(session: Session) -> None:
    bob = make_rep(session, "U0BOB", now=LONG_AGO, tz=TZ)
    for n in range(13):
        due(session, bob, NINE - timedelta(days=13 - n), f"late {n}")
    overdue = holds(session, bob, cap=10).overdue
    assert overdue.total == 13
    assert [f.note for f in overdue.rows] == [f"late {n}" for n in range(10)]


def test_stale_accounts_are_the_reps_live_ones_untouched_for_stale_days(session: Session) -> None:
    bob = make_rep(session, "U0BOB", now=LONG_AGO, tz=TZ)
    alice = make_rep(session, "U0ALICE", now=LONG_AGO, tz=TZ)
    make_account(session, "Never", owner=bob, now=LONG_AGO)
    touched = make_account(session, "Touched", owner=bob, now=LONG_AGO)
    touched.last_touched_at = NINE - timedelta(days=13)
    old = make_account(session, "Old touch", owner=bob, now=LONG_AGO)
    old.last_touched_at = NINE - timedelta(days=15)
    make_account(session, "New", owner=bob, now=NINE - timedelta(days=2))
    make_account(session, "Alice's", owner=alice, now=LONG_AGO)
    gone = make_account(session, "Gone", owner=bob, now=LONG_AGO)
    gone.status = AccountStatus.DELETED
    session.flush()
    stale = holds(session, bob).stale
    assert [a.account for a in stale.rows] == ["Never", "Old touch"] and stale.total == 2


def test_stuck_deals_are_open_ones_in_one_stage_for_stuck_days(session: Session) -> None:
    bob = make_rep(session, "U0BOB", now=LONG_AGO, tz=TZ)
    acme = make_account(session, "Acme", owner=bob, now=LONG_AGO)
    acme.last_touched_at = NINE
    make_deal(session, acme, bob, "Demo", now=NINE - timedelta(days=22), name="Stuck")
    make_deal(session, acme, bob, "Demo", now=NINE - timedelta(days=20), name="Moving")
    make_deal(session, acme, bob, "Won", now=NINE - timedelta(days=90), name="Won long ago")
    make_deal(session, acme, bob, "Lost", now=NINE - timedelta(days=90), name="Lost")
    assert [d.name for d in holds(session, bob).stuck.rows] == ["Stuck"]


def test_deals_closing_this_week_run_monday_to_sunday_of_the_reps_week(session: Session) -> None:
    bob = make_rep(session, "U0BOB", now=LONG_AGO, tz=TZ)
    acme = make_account(session, "Acme", owner=bob, now=LONG_AGO)
    acme.last_touched_at = NINE
    for close in (date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 29), date(2026, 11, 30)):
        deal = make_deal(session, acme, bob, "Proposal", now=NINE, name=f"{close:%a %d}")
        deal.expected_close = close
    won = make_deal(session, acme, bob, "Won", now=NINE, name="Won this week")
    won.expected_close = date(2026, 11, 25)
    session.flush()
    assert [d.name for d in holds(session, bob).closing.rows] == ["Mon 23", "Sun 29"]


def test_recipients_are_full_members_with_the_digest_on(session: Session) -> None:
    bob = make_rep(session, "U0BOB", now=LONG_AGO, tz=TZ)
    alice = make_rep(session, "U0ALICE", now=LONG_AGO, tz=TZ)
    assert digest.set_digest(session=session, rep=alice, enabled=False, now=NINE)
    assert not digest.set_digest(session=session, rep=alice, enabled=False, now=NINE)
    [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "rep.digest")).all()
    assert (entry.actor, entry.entity, entry.after) == (
        "U0ALICE",
        "rep",
        {"digest_enabled": False},
    )
    tokyo = make_rep(session, "U0TOKYO", now=LONG_AGO, tz="Asia/Tokyo")
    tokyo.work_start, tokyo.work_end, tokyo.work_days = time(10), time(18), "12345"
    session.flush()
    found = digest.list_recipients(session=session, team_id=TEAM_ID)
    assert sorted((r.slack_user_id, r.tz, r.hours) for r in found) == [
        (bob.slack_user_id, TZ, WorkingHours()),
        ("U0TOKYO", "Asia/Tokyo", WorkingHours(time(10), time(18), frozenset({1, 2, 3, 4, 5}))),
    ]


# When it is due


@pytest.mark.parametrize(
    ("at", "tz", "due"),
    [
        (datetime(2026, 11, 23, 7, 59, tzinfo=UTC), TZ, False),  # 08:59 Monday
        (datetime(2026, 11, 23, 8, 0, tzinfo=UTC), TZ, True),
        (datetime(2026, 11, 23, 10, 59, tzinfo=UTC), TZ, True),  # 11:59
        (datetime(2026, 11, 23, 11, 0, tzinfo=UTC), TZ, False),  # noon: too late
        (datetime(2026, 11, 28, 8, 0, tzinfo=UTC), TZ, False),  # Saturday
        (datetime(2026, 11, 29, 8, 0, tzinfo=UTC), TZ, False),  # Sunday
        (datetime(2026, 11, 29, 0, 0, tzinfo=UTC), "Asia/Tokyo", False),  # Sunday UTC...
        (datetime(2026, 11, 30, 0, 0, tzinfo=UTC), "Asia/Tokyo", True),  # ...Monday in Tokyo
        (datetime(2026, 11, 27, 14, 0, tzinfo=UTC), "America/New_York", True),  # Friday
        (datetime(2026, 3, 9, 13, 0, tzinfo=UTC), "America/New_York", True),  # EDT from Mar 8
        (datetime(2026, 3, 6, 13, 0, tzinfo=UTC), "America/New_York", False),  # EST: 08:00
        (datetime(2026, 11, 23, 9, 0, tzinfo=UTC), "Not/AZone", True),  # unknown: UTC
    ],
)
def test_a_digest_is_due_on_weekday_mornings_from_nine_to_noon_local(
    at: datetime, tz: str, due: bool
) -> None:
    assert is_digest_time(at, tz) is due


@pytest.mark.parametrize(
    ("hours", "window"),
    [
        (WorkingHours(), (time(9), time(12))),  # the default: 08:00-19:00
        (WorkingHours(time(10), time(18)), (time(10), time(13))),  # starts later: at the start
        (WorkingHours(time(7), time(15)), (time(9), time(12))),  # starts earlier: still at nine
        (WorkingHours(time(9), time(10, 30)), (time(9), time(10, 30))),  # not after they end
        (WorkingHours(time(13), time(21)), (time(13), time(16))),  # an afternoon shift
        (WorkingHours(time(0), time(8)), (time(0), time(3))),  # a night shift: at its start
        (WorkingHours(time(22), time(23, 59)), (time(22), time(23, 59))),
    ],
)
def test_the_digest_comes_at_nine_or_when_the_reps_hours_begin(
    hours: WorkingHours, window: tuple[time, time]
) -> None:
    assert digest_window(hours) == window


def test_the_digest_comes_on_the_reps_own_working_days_in_their_hours() -> None:
    tue_sat = WorkingHours(time(10), time(18), frozenset({1, 2, 3, 4, 5}))
    monday, saturday = datetime(2026, 11, 23, 9, 30, tzinfo=UTC), datetime(2026, 11, 28, 9, 30)
    assert not is_digest_time(monday, "UTC", tue_sat)  # not a working day of theirs
    assert is_digest_time(saturday.replace(tzinfo=UTC), "UTC", WorkingHours()) is False
    assert is_digest_time(saturday.replace(tzinfo=UTC, hour=10, minute=5), "UTC", tue_sat)
    assert not is_digest_time(monday + timedelta(days=1), "UTC", tue_sat)  # 09:30: too early
    assert is_digest_time(datetime(2026, 11, 25, 1, 0, tzinfo=UTC), "Asia/Tokyo", tue_sat)


def test_crm_digest_says_when_by_the_reps_working_hours() -> None:
    def said(hours: WorkingHours) -> str:
        return build_digest_status(enabled=True, tz=TZ, hours=hours)["text"]

    assert "every weekday at 09:00 your time" in said(WorkingHours())
    later = WorkingHours(time(10, 30), time(18), frozenset({1, 2, 3, 4, 5}))
    assert "Tue\u2013Sat at 10:30 your time" in said(later)
    assert "every day at 09:00" in said(WorkingHours(days=frozenset(range(7))))


# How it reads


def followup(n: int, note: str = "call back", account: str | None = "Acme") -> DueFollowup:
    return DueFollowup(n, account, NINE - timedelta(days=1), note)


def empty() -> Section:
    return Section([], 0)


def a_digest(**sections: Section) -> Digest:
    return Digest(**{name: sections.get(name, empty()) for name in Digest.__dataclass_fields__})


def render(held: Digest, tz: str = TZ) -> tuple[dict, str]:
    built = build_digest(held, tz=tz, now=NINE, stale_days=14, stuck_days=21)
    return built, json.dumps(built["blocks"])


def test_a_cut_section_says_how_many_more_there_are() -> None:
    rows = [followup(n, f"note {n}") for n in range(10)]
    _, blocks = render(a_digest(overdue=Section(rows, 25)))
    assert "*Overdue follow-ups* (25)" in blocks and "_and 15 more_" in blocks
    assert "note 9" in blocks and "Follow-ups today" not in blocks


def test_typed_names_and_notes_read_as_typed_and_ping_nobody() -> None:
    deal = DigestDeal(
        "<!here> *Acme*", "Deal & <@U0BOB>", "Demo_x", NINE - timedelta(days=30), None, None, None
    )
    held = a_digest(
        today=Section([followup(1, "ping <!channel>", "A&B")], 1),
        stale=Section([StaleAccount("<b>old</b>", None)], 1),
        stuck=Section([deal], 1),
    )
    built, blocks = render(held)
    for raw in ("<!here>", "<!channel>", "<@U0BOB>", "<b>"):
        assert raw not in blocks
    assert "&lt;!channel&gt;" in blocks and "A&amp;B" in blocks
    assert "Deal &amp; &lt;@U0BOB&gt;" in blocks
    assert built["text"] == "Your day, Mon Nov 23: 1 due today, 1 stale accounts, 1 stuck deals"


def test_the_longest_digest_stays_inside_slacks_limits() -> None:
    note = "x" * 3000
    rows = [followup(n, note, "A" * 120) for n in range(10)]
    deals = [
        DigestDeal("B" * 120, "C" * 255, "D" * 64, LONG_AGO, date(2026, 11, 27), 10**15, "EUR")
        for _ in range(10)
    ]
    stale = [StaleAccount("&" * 120, LONG_AGO) for _ in range(10)]
    held = Digest(
        Section(rows, 999), Section(rows, 999), Section(stale, 999), Section(deals, 999),
        Section(deals, 999),
    )  # fmt: skip
    built, _ = render(held)  # slack_sdk.models validates the lengths
    assert len(built["blocks"]) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in built["blocks"])


def test_the_footer_says_in_which_zone_the_times_are() -> None:
    _, blocks = render(a_digest(today=Section([followup(1)], 1)), tz="Asia/Tokyo")
    assert "Times in Asia/Tokyo" in blocks and "/crm digest off" in blocks


def test_a_zone_this_server_lacks_is_shown_as_the_utc_it_falls_back_to() -> None:
    _, blocks = render(a_digest(today=Section([followup(1)], 1)), tz="Mars/Olympus_Mons")
    assert (
        "Times in UTC (this server doesn't know your Slack time zone Mars/Olympus_Mons)" in blocks
    )
    status = build_digest_status(enabled=True, tz="Mars/Olympus_Mons")["text"]
    assert "09:00 your time (UTC (this server" in status


def test_the_status_says_when_the_digest_comes() -> None:
    on = build_digest_status(enabled=True, tz="America/New_York")["text"]
    assert "every weekday at 09:00 your time (America/New_York)" in on
    assert "Digest off" in build_digest_status(enabled=False, tz=TZ, changed=True)["text"]


# /crm digest's grammar


@pytest.mark.parametrize(
    ("text", "wanted"),
    [("", None), ("  ", None), ("status", None), ("on", True), ("ON", True), ("off", False),
     (" Off. ", False), ("stop", False), ("resume", True)],
)  # fmt: skip
def test_crm_digest_reads_on_off_and_nothing(text: str, wanted: bool | None) -> None:
    assert parse_digest(text) is wanted


@pytest.mark.parametrize("text", ["maybe", "on off", "weekly", "9am"])
def test_crm_digest_with_anything_else_says_what_it_takes(text: str) -> None:
    with pytest.raises(CommandError, match="/crm digest off"):
        parse_digest(text)
