"""The morning digest: one DM per rep per weekday at 09:00 their time, whatever the sweeps,
replicas, restarts, daylight-saving changes and Slack failures; `/crm digest off|on`."""

import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import db
from bot.app import make_client
from bot.config import Settings
from bot.scheduler import sweep, sweep_jobs
from bot.standin.driver import TEAM_ID, SlackDriver, text_of
from bot.standin.webapi import FakeSlack
from handlers.deps import Deps
from handlers.digest import send_digests
from models import followups, reps
from models.claims import Claim
from models.reps import Rep, RepProfile
from tests.conftest import OTHER_TEAM
from tests.factories import make_account, make_deal, make_rep

MONDAY = date(2026, 11, 23)
LONG_AGO = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
PEOPLE = {"U0ALICE": "America/New_York", "U0BOB": "Europe/Berlin", "U0ADMIN": "Asia/Tokyo"}
# 09:00 on Monday Nov 23, 2026 of each of them, in UTC.
NINE = {
    "U0ALICE": datetime(2026, 11, 23, 14, 0, tzinfo=UTC),
    "U0BOB": datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    "U0ADMIN": datetime(2026, 11, 23, 0, 0, tzinfo=UTC),
}


def rep_with_a_stale_account(session: Session, user_id: str, tz: str, name: str = "") -> Rep:
    """A rep whose digest is never empty: an account untouched since September."""
    rep = make_rep(session, user_id, now=LONG_AGO, tz=tz)
    make_account(session, name or f"Stale {user_id}", owner=rep, now=LONG_AGO)
    return rep


@pytest.fixture
def people(engine: Engine) -> None:
    with db.make_session_factory(engine).begin() as session:
        for user_id, tz in PEOPLE.items():
            rep_with_a_stale_account(session, user_id, tz)


def run(
    deps: Deps, at: datetime, *, settings: Settings | None = None, client: WebClient | None = None
) -> None:
    assert client or settings
    send_digests(deps=deps, client=client or plain(settings), now=at)  # type: ignore[arg-type]


def plain(settings: Settings, timeout: int | float = 30) -> WebClient:
    """A client without the app's retry handlers (they sleep between tries)."""
    return WebClient(token="xoxb-test-token", base_url=settings.slack_api_url, timeout=timeout)  # type: ignore[arg-type]


def digests(fake_slack: FakeSlack) -> list[str]:
    """Who got a digest: a user id per digest in a DM, sorted."""
    return sorted(
        "U" + channel[1:]
        for channel in fake_slack.conversations.channels()
        if channel.startswith("D")
        for posted in fake_slack.messages(channel)
        if posted.text.startswith("Your day")
    )


def test_new_york_berlin_and_tokyo_each_get_one_digest_at_their_own_nine(
    people: None, deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    client, first = plain(settings), {}
    at = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # Sunday in UTC; Monday 08:00 in Tokyo
    while at < datetime(2026, 11, 23, 20, 0, tzinfo=UTC):
        send_digests(deps=deps, client=client, now=at)
        for user in digests(fake_slack):
            first.setdefault(user, at)
        at += timedelta(minutes=10)
    assert first == NINE
    assert digests(fake_slack) == sorted(PEOPLE)


def test_each_weekday_brings_one_digest_and_the_weekend_none(
    people: None, deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    client, at, days = plain(settings), datetime(2026, 11, 21, 0, 0, tzinfo=UTC), []  # Saturday
    while at < datetime(2026, 11, 30, 15, 0, tzinfo=UTC):  # to the next Monday, New York's 10:00
        before = len(digests(fake_slack))
        send_digests(deps=deps, client=client, now=at)
        days += [at.date()] * (len(digests(fake_slack)) - before)
        at += timedelta(minutes=30)
    assert digests(fake_slack) == sorted(list(PEOPLE) * 6)  # Monday to Friday, and the next Monday
    assert date(2026, 11, 21) not in days and date(2026, 11, 28) not in days


def test_a_digest_comes_at_nine_local_on_both_sides_of_a_daylight_saving_change(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, engine: Engine
) -> None:
    with db.make_session_factory(engine).begin() as session:
        rep_with_a_stale_account(session, "U0ALICE", "America/New_York")
    client = plain(settings)
    # New York leaves daylight saving on Sunday Nov 1, 2026: 09:00 is 13:00 UTC on Friday,
    # 14:00 UTC on Monday.
    for at, expected in (
        (datetime(2026, 10, 30, 12, 59, tzinfo=UTC), 0),
        (datetime(2026, 10, 30, 13, 0, tzinfo=UTC), 1),
        (datetime(2026, 11, 2, 13, 0, tzinfo=UTC), 1),  # 08:00 EST: not yet
        (datetime(2026, 11, 2, 13, 59, tzinfo=UTC), 1),
        (datetime(2026, 11, 2, 14, 0, tzinfo=UTC), 2),
        (datetime(2026, 11, 2, 14, 5, tzinfo=UTC), 2),
    ):
        send_digests(deps=deps, client=client, now=at)
        assert len(digests(fake_slack)) == expected, at


def test_berlin_too_after_its_change_a_week_earlier(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, engine: Engine
) -> None:
    with db.make_session_factory(engine).begin() as session:
        rep_with_a_stale_account(session, "U0BOB", "Europe/Berlin")
    client = plain(settings)
    send_digests(deps=deps, client=client, now=datetime(2026, 10, 23, 7, 0, tzinfo=UTC))  # CEST
    send_digests(deps=deps, client=client, now=datetime(2026, 10, 26, 7, 0, tzinfo=UTC))  # 08:00
    assert len(digests(fake_slack)) == 1
    send_digests(deps=deps, client=client, now=datetime(2026, 10, 26, 8, 0, tzinfo=UTC))  # CET
    assert len(digests(fake_slack)) == 2


def test_a_sweeper_down_at_nine_sends_later_that_morning_but_never_after_noon(
    people: None, deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    client = plain(settings)
    send_digests(deps=deps, client=client, now=NINE["U0BOB"] + timedelta(hours=3))  # 12:00
    assert digests(fake_slack) == []
    send_digests(deps=deps, client=client, now=NINE["U0ALICE"] + timedelta(hours=2, minutes=55))
    assert digests(fake_slack) == ["U0ALICE"]
    send_digests(deps=deps, client=client, now=NINE["U0BOB"] + timedelta(days=1))  # Tuesday
    assert digests(fake_slack) == ["U0ALICE", "U0BOB"]


def test_no_digest_when_there_is_nothing_in_it(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, engine: Engine
) -> None:
    with db.make_session_factory(engine).begin() as session:
        rep = make_rep(session, "U0BOB", now=LONG_AGO, tz="Europe/Berlin")
        account = make_account(session, "Fresh", owner=rep, now=NINE["U0BOB"] - timedelta(days=1))
        followups.create_followup(  # due tomorrow: not today's business
            session=session, rep=rep, account=account, due_at=NINE["U0BOB"] + timedelta(days=1),
            note="later", now=LONG_AGO,
        )  # fmt: skip
    run(deps, NINE["U0BOB"], settings=settings)
    assert fake_slack.calls_to("chat.postMessage") == []


def test_guests_bots_strangers_and_deactivated_people_get_no_digest(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, engine: Engine
) -> None:
    with db.make_session_factory(engine).begin() as session:
        for profile, team in (
            (RepProfile(slack_user_id="U0GUEST", name="gus", tz="UTC", is_guest=True), TEAM_ID),
            (RepProfile(slack_user_id="U0ROBOT", name="robot", tz="UTC", is_bot=True), TEAM_ID),
            (RepProfile(slack_user_id="U0GONE", name="gone", tz="UTC", deleted=True), TEAM_ID),
            (RepProfile(slack_user_id="U0STRANGER", name="stan", tz="UTC",
                        home_team_id=OTHER_TEAM), TEAM_ID),
        ):  # fmt: skip
            rep = reps.upsert_rep(session=session, team_id=team, profile=profile, now=LONG_AGO)
            make_account(session, f"Stale {profile.slack_user_id}", owner=rep, now=LONG_AGO)
    run(deps, datetime(2026, 11, 23, 9, 0, tzinfo=UTC), settings=settings)
    assert fake_slack.calls_to("conversations.open") == []


def test_two_sweeps_at_nine_send_one_digest(
    people: None, deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    for _ in range(2):
        run(deps, NINE["U0BOB"], settings=settings)
    run(deps, NINE["U0BOB"] + timedelta(minutes=1), settings=settings)
    assert digests(fake_slack) == ["U0BOB"]


def test_two_processes_sweeping_one_database_at_once_send_one_digest_each(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, database_url: str, engine: Engine
) -> None:
    with db.make_session_factory(engine).begin() as session:
        for n in range(12):
            rep_with_a_stale_account(session, f"U0BERLIN{n}", "Europe/Berlin")
    for n in range(12):
        fake_slack.add_user(f"U0BERLIN{n}", name=f"b{n}", tz="Europe/Berlin")
    other = db.make_engine(database_url)  # a second process: its own engine and pool
    try:
        replicas = [deps, replace(deps, db=db.make_session_factory(other))]
        start = threading.Barrier(len(replicas))

        def replica(its: Deps) -> None:
            start.wait()
            for minute in range(3):
                run(its, NINE["U0BOB"] + timedelta(minutes=minute), settings=settings)

        threads = [threading.Thread(target=replica, args=(its,)) for its in replicas]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        other.dispose()
    sent = digests(fake_slack)
    assert sent == sorted(f"U0BERLIN{n}" for n in range(12))


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_post_slack_refuses_is_sent_once_by_a_later_sweep(
    status: int, people: None, deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", status=status, error="internal_error", retry_after=0)
    run(deps, NINE["U0BOB"], settings=settings)
    assert digests(fake_slack) == []
    for minute in (1, 2, 30):
        run(deps, NINE["U0BOB"] + timedelta(minutes=minute), settings=settings)
    assert digests(fake_slack) == ["U0BOB"]


def test_a_dm_slack_cant_open_is_tried_again_and_sent_once(
    people: None, deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("conversations.open", status=500, times=2)
    for minute in range(4):
        run(deps, NINE["U0BOB"] + timedelta(minutes=minute), settings=settings)
    assert digests(fake_slack) == ["U0BOB"]


def test_a_post_whose_answer_never_came_is_not_sent_again(
    people: None, deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    fake_slack.slow("chat.postMessage", 0.6)  # Slack posts it, but answers after the timeout
    run(deps, NINE["U0BOB"], client=plain(settings, timeout=0.2))
    deadline = time.monotonic() + 5
    while not digests(fake_slack) and time.monotonic() < deadline:
        time.sleep(0.05)  # the fake posts it once its delay is over
    run(deps, NINE["U0BOB"] + timedelta(minutes=5), settings=settings)
    assert digests(fake_slack) == ["U0BOB"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_refusal_for_good_is_not_retried_that_day(
    people: None, deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", error="user_disabled")
    for minute in range(3):
        run(deps, NINE["U0BOB"] + timedelta(minutes=minute), settings=settings)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1 and digests(fake_slack) == []


def test_a_revoked_token_stops_the_workspaces_digests_for_that_sweep_in_one_line(
    deps: Deps,
    settings: Settings,
    fake_slack: FakeSlack,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with db.make_session_factory(engine).begin() as session:
        for n in range(3):
            rep_with_a_stale_account(session, f"U0BERLIN{n}", "Europe/Berlin")
    for n in range(3):
        fake_slack.add_user(f"U0BERLIN{n}", name=f"b{n}", tz="Europe/Berlin")
    fake_slack.fail("conversations.open", error="token_revoked")
    run(deps, NINE["U0BOB"], settings=settings)
    assert len(fake_slack.calls_to("conversations.open")) == 1
    assert caplog.text.count("digests stopped for workspace") == 1
    run(deps, NINE["U0BOB"] + timedelta(minutes=1), settings=settings)  # the token works again
    assert len(digests(fake_slack)) == 3


def test_the_claim_is_kept_once_the_digest_is_sent(
    people: None, deps: Deps, settings: Settings, engine: Engine
) -> None:
    run(deps, NINE["U0BOB"], settings=settings)
    with db.make_session_factory(engine)() as session:
        keys = list(session.exec(select(Claim.key)))
    assert keys == [f"digest:{TEAM_ID}:U0BOB:2026-11-23"]


def test_the_real_sweep_sends_the_digest(
    people: None, deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    at, client = NINE["U0ADMIN"], make_client(settings)
    assert sweep(sweep_jobs(), deps=replace(deps, now=lambda: at), client=client) == 0
    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.args["channel"] == "D0ADMIN"
    assert "Your day, Mon Nov 23" in text_of(call.args)
    assert "Stale U0ADMIN" in text_of(call.args) and "Times in Asia/Tokyo" in text_of(call.args)


def test_the_digest_lists_what_is_due_stale_stuck_and_closing(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, engine: Engine
) -> None:
    nine = NINE["U0BOB"]
    with db.make_session_factory(engine).begin() as session:
        bob = make_rep(session, "U0BOB", now=LONG_AGO, tz="Europe/Berlin")
        acme = make_account(session, "<!channel> & *Acme*", owner=bob, now=LONG_AGO)
        acme.last_touched_at = nine - timedelta(days=2)
        for days, note in ((-3, "old promise"), (0.1, "call <@U0ALICE> back"), (1, "tomorrow")):
            followups.create_followup(
                session=session, rep=bob, account=acme, due_at=nine + timedelta(days=days),
                note=note, now=LONG_AGO,
            )  # fmt: skip
        make_account(session, "Dusty", owner=bob, now=LONG_AGO)
        make_deal(session, acme, bob, "Demo", 4_800_000, now=nine - timedelta(days=40), name="Big")
        soon = make_deal(session, acme, bob, "Proposal", now=nine - timedelta(days=2), name="Soon")
        soon.expected_close = MONDAY + timedelta(days=4)
    run(deps, nine, settings=settings)
    [call] = fake_slack.calls_to("chat.postMessage")
    text = text_of(call.args)
    assert "*Overdue follow-ups* (1)" in text and "due Fri Nov 20" in text and "old promise" in text
    assert "*Follow-ups today* (1)" in text and "11:24" in text
    assert "call &lt;@U0ALICE&gt; back" in text and "tomorrow" not in text
    assert "*Accounts untouched for 14+ days* (1)" in text and "*Dusty* · never touched" in text
    assert "*Deals in one stage for 21+ days* (1)" in text and "in Demo for 40 days" in text
    assert "$48,000" in text
    assert "*Deals closing this week* (1)" in text and "closes Fri Nov 27" in text
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp;" in text


# /crm digest, through signed HTTP requests


def test_crm_digest_says_when_it_comes_in_the_reps_own_zone(slack: SlackDriver) -> None:
    text = text_of(slack.command("/crm", "digest", user_id="U0BOB").reply())
    assert "every weekday at 09:00 your time (Europe/Berlin)" in text
    assert "/crm digest off" in text


def test_crm_digest_off_stops_it_and_on_brings_it_back(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, engine: Engine
) -> None:
    with db.make_session_factory(engine).begin() as session:
        rep_with_a_stale_account(session, "U0BOB", "Europe/Berlin")
    assert "Digest off" in text_of(slack.command("/crm", "digest off", user_id="U0BOB").reply())
    assert "already off" in text_of(slack.command("/crm", "digest OFF", user_id="U0BOB").reply())
    assert "is off" in text_of(slack.command("/crm", "digest", user_id="U0BOB").reply())
    run(deps, NINE["U0BOB"], settings=settings)
    assert digests(fake_slack) == []
    answer = text_of(slack.command("/crm", "digest on", user_id="U0BOB").reply())
    assert "Digest on" in answer and "09:00 your time (Europe/Berlin)" in answer
    run(deps, NINE["U0BOB"] + timedelta(days=1), settings=settings)
    assert len(digests(fake_slack)) == 1


def test_a_rep_whose_hours_start_later_gets_it_then_on_their_own_working_days(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, engine: Engine
) -> None:
    """`/crm hours tue-sat 10:30-18:00` in Berlin: the digest comes at 10:30 Tuesday to
    Saturday, never on Monday, never at nine, and `/crm digest` says so."""
    with db.make_session_factory(engine).begin() as session:
        rep_with_a_stale_account(session, "U0BOB", "Europe/Berlin")
    slack.command("/crm", "hours tue-sat 10:30-18:00", user_id="U0BOB").reply()
    assert "Tue\u2013Sat at 10:30 your time" in text_of(
        slack.command("/crm", "digest", user_id="U0BOB").reply()
    )
    client, at, sent = plain(settings), NINE["U0BOB"] - timedelta(hours=1), []
    while at < NINE["U0BOB"] + timedelta(days=7):  # Monday 08:00 to the next Monday's
        before = len(digests(fake_slack))
        send_digests(deps=deps, client=client, now=at)
        sent += [at] * (len(digests(fake_slack)) - before)
        at += timedelta(minutes=15)
    local = [moment.astimezone(ZoneInfo("Europe/Berlin")) for moment in sent]
    assert [(m.strftime("%a"), m.strftime("%H:%M")) for m in local] == [
        (day, "10:30") for day in ("Tue", "Wed", "Thu", "Fri", "Sat")
    ]


def test_crm_digest_off_is_one_reps_choice(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, people: None
) -> None:
    slack.command("/crm", "digest off", user_id="U0ALICE").reply()
    run(deps, NINE["U0ALICE"], settings=settings)
    run(deps, NINE["U0BOB"], settings=settings)
    assert digests(fake_slack) == ["U0BOB"]


def test_crm_digest_with_a_word_it_doesnt_know_says_what_it_takes(slack: SlackDriver) -> None:
    text = text_of(slack.command("/crm", "digest sometimes <!here>", user_id="U0BOB").reply())
    assert "`/crm digest off`" in text and "`/crm digest on`" in text


def test_crm_help_lists_the_digest(slack: SlackDriver) -> None:
    text = text_of(slack.command("/crm", "help").reply())
    assert "/crm digest" in text and "digest off" in text


def test_a_follow_up_logged_from_slack_is_in_the_next_mornings_digest(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    assert "Created" in text_of(
        slack.command("/crm", "new Globex & Sons", user_id="U0ALICE").reply()
    )
    logged = slack.command("/log-call", "Globex: pricing <!here>. Follow up tomorrow 2pm")
    assert "Logged" in text_of(logged.reply())
    run(deps, NINE["U0ALICE"] + timedelta(days=1), settings=settings)  # Tuesday 09:00 in New York
    [call] = fake_slack.calls_to("chat.postMessage")
    text = text_of(call.args)
    assert "*Follow-ups today* (1)" in text and "14:00 · *Globex &amp; Sons*" in text
    assert "<!here>" not in text and "Overdue" not in text


def test_the_digest_uses_the_dm_the_nudges_keep_and_skips_reps_slack_wont_dm(
    people: None, deps: Deps, settings: Settings, fake_slack: FakeSlack, engine: Engine
) -> None:
    with Session(engine) as session:
        for rep in session.exec(select(Rep)):
            if rep.slack_user_id == "U0ALICE":
                rep.dm_channel = "D0ALICE"  # opened by an earlier nudge
            if rep.slack_user_id == "U0BOB":
                rep.nudges_stopped = "account_inactive"
            session.add(rep)
        session.commit()
    client = plain(settings)
    for who in ("U0ALICE", "U0BOB", "U0ADMIN"):
        run(deps, NINE[who], client=client)
    assert digests(fake_slack) == ["U0ADMIN", "U0ALICE"]
    assert [c.args["users"] for c in fake_slack.calls_to("conversations.open")] == ["U0ADMIN"]
    with Session(engine) as session:  # and the one opened now is kept for next time
        kept = {r.slack_user_id: r.dm_channel for r in session.exec(select(Rep))}
    assert kept["U0ADMIN"] == "D0ADMIN"


def test_a_5xx_from_slack_is_not_retried_inside_the_apps_client(
    deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    with deps.db.begin() as session:
        rep_with_a_stale_account(session, "U0ALICE", "America/New_York")
    fake_slack.fail("chat.postMessage", status=500, times=1)
    send_digests(deps=deps, client=make_client(settings), now=NINE["U0ALICE"])  # as the sweep does
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # Slack may have stored that one
    send_digests(
        deps=deps, client=make_client(settings), now=NINE["U0ALICE"] + timedelta(minutes=5)
    )
    assert digests(fake_slack) == ["U0ALICE"]  # a later sweep that morning sends it, once


def test_one_rep_slack_wont_dm_neither_stops_the_others_nor_is_tried_again(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, engine: Engine
) -> None:
    bob_dm = plain(settings).conversations_open(users="U0BOB")["channel"]["id"]
    with deps.db.begin() as session:
        rep_with_a_stale_account(session, "U0ALICE", "America/New_York")
        bob = rep_with_a_stale_account(session, "U0BOB", "America/New_York")
        bob.dm_channel = bob_dm
        session.add(bob)
    fake_slack.fail("conversations.open", error="account_inactive", times=100)
    for minute in range(0, 30, 5):
        run(deps, NINE["U0ALICE"] + timedelta(minutes=minute), settings=settings)
    assert digests(fake_slack) == ["U0BOB"]
    with Session(engine) as session:
        alice = session.exec(select(Rep).where(Rep.slack_user_id == "U0ALICE")).one()
        assert alice.nudges_stopped == "account_inactive"


def test_a_kept_dm_that_is_gone_is_forgotten_and_the_digest_sent_to_her_dm(
    deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    with deps.db.begin() as session:
        rep = rep_with_a_stale_account(session, "U0ALICE", "America/New_York")
        rep.dm_channel = "D0GONE"
        session.add(rep)
    fake_slack.fail("chat.postMessage", error="channel_not_found", times=1)  # the kept DM
    run(deps, NINE["U0ALICE"], settings=settings)
    run(deps, NINE["U0ALICE"] + timedelta(minutes=5), settings=settings)
    assert digests(fake_slack) == ["U0ALICE"]
    assert [c.args["users"] for c in fake_slack.calls_to("conversations.open")] == ["U0ALICE"]


def test_reps_of_another_workspace_in_the_store_get_no_digest_through_this_token(
    deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    with deps.db.begin() as session:
        rep = make_rep(session, "U0STRANGER", now=LONG_AGO, team_id=OTHER_TEAM)
        make_account(session, "Other co", owner=rep, now=LONG_AGO)
    run(deps, NINE["U0ALICE"], settings=settings)
    assert fake_slack.calls_to("conversations.open") == [] and digests(fake_slack) == []
