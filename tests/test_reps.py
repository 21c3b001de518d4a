"""Who is asking, without making Slack wait: reps are known from the store, users.info is asked
before an ack only for someone never seen (briefly), and first requests never collide on the
rep row (issue 9, defects 6 and 7)."""

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import db
from bot.config import Settings
from bot.standin.driver import TEAM_ID, CommandResult, SlackDriver, text_of
from bot.standin.webapi import FakeSlack
from handlers.deps import Deps
from handlers.directory import USER_CACHE_TTL_SECONDS, Directory
from models import reps
from models.accounts import Account
from models.reps import Rep, RepProfile
from tests.conftest import OTHER_TEAM, Clock, serve

T = TypeVar("T")
NOT_CHECKED = "couldn't check who you are with Slack just now; please try again in a moment"
NOT_AVAILABLE = "isn't available to guests or to people outside this workspace"
HELP = "/crm new"  # a line of /crm's help

SLACK_TROUBLE = [
    pytest.param(dict(status=429, retry_after=5, times=3), id="429-retry-after-5"),
    pytest.param(dict(status=500, times=3), id="500"),
]


def timed(call: Callable[[], T]) -> tuple[T, float]:
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


@pytest.fixture
def restarted(
    settings: Settings, engine: Engine, clock: Clock, fake_slack: FakeSlack
) -> Iterator[SlackDriver]:
    """Another process on the same store: its own app and deps, so a cold Directory cache."""
    fresh = Deps(db=db.make_session_factory(engine), now=clock, admins=settings.admins)
    with serve(settings, fresh, engine, fake_slack) as driver:
        yield driver


def rep_row(engine: Engine, user_id: str) -> Rep | None:
    with Session(engine) as session:
        return reps.get_rep(session=session, team_id=TEAM_ID, slack_user_id=user_id)


def store(engine: Engine, profile: RepProfile, *, now) -> None:
    with db.make_session_factory(engine).begin() as session:
        reps.upsert_rep(session=session, team_id=TEAM_ID, profile=profile, now=now)


def users_info_calls(fake_slack: FakeSlack) -> int:
    return len(fake_slack.calls_to("users.info"))


# -- defect 6: a cold cache never delays an ack --------------------------------------------------


@pytest.mark.parametrize("trouble", SLACK_TROUBLE)
def test_a_rep_seen_before_is_answered_at_once_after_a_restart_while_users_info_fails(
    slack: SlackDriver, restarted: SlackDriver, fake_slack: FakeSlack, engine: Engine, trouble
) -> None:
    assert "Created *Acme*" in text_of(slack.command("/crm", "new Acme").reply())
    slack.settle()
    seen = users_info_calls(fake_slack)
    fake_slack.fail("users.info", **trouble)
    help_result, help_took = timed(lambda: restarted.command("/crm", "help"))
    new_result, new_took = timed(lambda: restarted.command("/crm", "new Globex"))
    assert help_took < 1.0 and HELP in text_of(help_result.ack_json())
    assert new_took < 1.0 and new_result.response.status_code == 200
    assert "Created *Globex*" in text_of(new_result.reply())
    restarted.settle()
    assert users_info_calls(fake_slack) == seen  # nobody asked Slack: the store knew


@pytest.mark.parametrize(
    "trouble",
    [*SLACK_TROUBLE, pytest.param(None, id="slow-2.5s")],
)
def test_someone_never_seen_hears_in_time_that_slack_could_not_say_who_they_are(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, trouble
) -> None:
    if trouble is None:
        fake_slack.slow("users.info", 2.5)
    else:
        fake_slack.fail("users.info", **trouble)
    result, took = timed(lambda: slack.command("/crm", "new Acme", user_id="U0BOB"))
    assert result.response.status_code == 200 and took < 2.0
    assert NOT_CHECKED in result.response.text
    slack.settle()
    with Session(engine) as session:
        assert session.exec(select(Account)).all() == []
    assert rep_row(engine, "U0BOB") is None


def test_someone_never_seen_gets_in_once_slack_answers_again(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("users.info", status=429, retry_after=5)
    assert NOT_CHECKED in slack.command("/crm", "help", user_id="U0BOB").response.text
    assert HELP in text_of(slack.command("/crm", "help", user_id="U0BOB").ack_json())


def test_a_never_seen_persons_mention_is_acked_and_told_when_slack_cannot_say_who_they_are(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("users.info", status=500, times=3)
    event = {
        "type": "app_mention",
        "user": "U0BOB",
        "text": "<@U0CRMBOT1> who owns acme",
        "ts": "1700000001.000100",
        "channel": "C0SALES01",
        "event_ts": "1700000001.000100",
    }
    response, took = timed(lambda: slack.event(event))
    assert response.status_code == 200 and took < 2.0
    [told] = fake_slack.wait_for("chat.postEphemeral")
    assert told.args["user"] == "U0BOB" and told.args["channel"] == "C0SALES01"
    assert NOT_CHECKED in text_of(told.args)
    slack.settle()
    assert fake_slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    "profile",
    [
        pytest.param(RepProfile(slack_user_id="U0GUEST", name="Gus", is_guest=True), id="guest"),
        pytest.param(
            RepProfile(slack_user_id="U0STRANGER", name="Stan", home_team_id=OTHER_TEAM),
            id="other-organisation",
        ),
        pytest.param(RepProfile(slack_user_id="U0ROBOT", name="robot", is_bot=True), id="bot"),
        pytest.param(RepProfile(slack_user_id="U0GONE", name="Gone", deleted=True), id="deleted"),
    ],
)
def test_people_the_store_knows_are_not_members_are_refused_without_asking_slack(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, clock: Clock, profile: RepProfile
) -> None:
    fake_slack.add_user("U0GONE", deleted=True)
    store(engine, profile, now=clock.at)
    result = slack.command("/crm", "new Acme", user_id=profile.slack_user_id)
    assert result.response.status_code == 200 and NOT_AVAILABLE in result.response.text
    slack.settle()
    assert users_info_calls(fake_slack) == 0
    with Session(engine) as session:
        assert session.exec(select(Account)).all() == []


def test_a_guest_turned_away_once_is_turned_away_after_a_restart_without_asking_slack(
    slack: SlackDriver, restarted: SlackDriver, fake_slack: FakeSlack
) -> None:
    assert NOT_AVAILABLE in slack.command("/crm", "help", user_id="U0GUEST").response.text
    slack.settle()
    fake_slack.fail("users.info", status=500, times=3)
    assert NOT_AVAILABLE in restarted.command("/crm", "help", user_id="U0GUEST").response.text
    restarted.settle()
    assert users_info_calls(fake_slack) == 1


def test_a_stale_profile_is_served_at_once_and_refreshed_in_the_background(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, clock: Clock
) -> None:
    long_ago = clock.at - timedelta(seconds=2 * USER_CACHE_TTL_SECONDS)
    store(engine, RepProfile(slack_user_id="U0ALICE", name="Alice Old", tz="UTC"), now=long_ago)
    fake_slack.slow("users.info", 1.5)
    result, took = timed(lambda: slack.command("/crm", "help"))
    assert took < 1.0 and HELP in text_of(result.ack_json())
    assert HELP in text_of(slack.command("/crm", "help").ack_json())  # one refresh, not two
    fake_slack.wait_for("users.info")
    slack.settle()
    rep = rep_row(engine, "U0ALICE")
    assert rep is not None and (rep.name, rep.tz) == ("Alice Ng", "America/New_York")
    assert rep.checked_at == clock.at and rep.created_at == long_ago
    assert users_info_calls(fake_slack) == 1


def test_one_background_job_per_user_at_a_time() -> None:
    directory, release = Directory(), threading.Event()
    try:
        assert directory.in_background(("T", "U1"), lambda: release.wait(5))
        assert not directory.in_background(("T", "U1"), lambda: None)
        assert directory.in_background(("T", "U2"), lambda: None)
        release.set()
        directory.wait_idle()
        assert directory.in_background(("T", "U1"), lambda: None)
        directory.wait_idle()
    finally:
        release.set()
        directory.close()


# -- defect 7: first requests don't collide on the rep row ---------------------------------------


def test_concurrent_first_upserts_of_one_rep_all_succeed_and_make_one_row(
    engine: Engine, clock: Clock
) -> None:
    threads = 16
    factory, start = db.make_session_factory(engine), threading.Barrier(threads, timeout=10)
    profile = RepProfile(slack_user_id="U0NEW", name="New Rep", tz="Europe/Paris")
    started, everyone_started = [0], threading.Condition()

    def first_request(_: int) -> int | None:
        with factory.begin() as session:
            start.wait()
            with everyone_started:
                started[0] += 1
                everyone_started.notify_all()
            rep = reps.upsert_rep(session=session, team_id=TEAM_ID, profile=profile, now=clock.at)
            # Like a handler, keep the transaction open a while: until every other request has
            # gone to make the row too (a check-then-insert then sees nothing, and collides).
            with everyone_started:
                assert everyone_started.wait_for(lambda: started[0] == threads, timeout=10)
            return rep.id

    with ThreadPoolExecutor(threads) as pool:
        ids = list(pool.map(first_request, range(threads), timeout=30))
    with Session(engine) as session:
        [rep] = session.exec(select(Rep).where(Rep.slack_user_id == "U0NEW")).all()
    assert set(ids) == {rep.id} and (rep.name, rep.tz) == ("New Rep", "Europe/Paris")


def test_a_new_reps_simultaneous_first_commands_all_succeed(
    slack: SlackDriver, engine: Engine
) -> None:
    count = 12
    start = threading.Barrier(count, timeout=10)

    def first_command(n: int) -> CommandResult:
        start.wait()
        return slack.command("/crm", f"new Account {n}", user_id="U0BOB")

    with ThreadPoolExecutor(count) as pool:
        results = list(pool.map(first_command, range(count), timeout=30))
    for n, result in enumerate(results):
        assert f"Created *Account {n}*" in text_of(result.reply(timeout=10))
    slack.settle()
    with Session(engine) as session:
        assert len(session.exec(select(Rep).where(Rep.slack_user_id == "U0BOB")).all()) == 1
        assert len(session.exec(select(Account)).all()) == count


def test_a_profile_with_an_email_keeps_it_and_one_without_leaves_it(session: Session) -> None:
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    said = RepProfile(slack_user_id="U0MAIL", name="Mia", email="Mia@Acme.test")
    rep = reps.upsert_rep(session=session, team_id=TEAM_ID, profile=said, now=now)
    assert rep.email == "mia@acme.test"  # users.info's profile.email, for import and export
    later = RepProfile(slack_user_id="U0MAIL", name="Mia Wong")  # no users:read.email scope
    rep = reps.upsert_rep(session=session, team_id=TEAM_ID, profile=later, now=now + timedelta(1))
    assert (rep.name, rep.email) == ("Mia Wong", "mia@acme.test")


def test_users_info_gives_the_directory_the_persons_email() -> None:
    from handlers.directory import slack_user_from_info

    user = slack_user_from_info({"id": "U1", "profile": {"real_name": "Mia", "email": "m@a.test"}})
    assert user.email == "m@a.test" and user.profile().email == "m@a.test"
