"""`rapport nudges` as an operator runs it: what would go out, one sweep now, the counts."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.standin.webapi import FakeSlack
from handlers.deps import Deps
from models import nudges as store
from tests.conftest import SIGNING_SECRET
from tests.factories import make_account, make_rep
from tests.test_cli import rapport
from tests.test_nudges import add_followup

TUESDAY = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)


def working_zone(at: datetime) -> str | None:
    """A zone where `at` is inside working hours (none from Saturday morning to Sunday night
    UTC): real processes sweep at the real time."""
    for hours in range(-12, 15):
        name = f"Etc/GMT{-hours:+d}" if hours else "UTC"
        local = at.astimezone(ZoneInfo(name))
        if local.weekday() < 5 and time(9) <= local.time() < time(18):
            return name
    return None


def env_for(fake_slack: FakeSlack, database_url: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url, "DATABASE_URL": database_url,
    }  # fmt: skip


def test_dry_run_prints_what_would_be_sent_to_whom_in_their_local_time(
    deps: Deps, fake_slack: FakeSlack, database_url: str, tmp_path
) -> None:
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        bob = make_rep(session, "U0BOB", now=TUESDAY, tz="Asia/Tokyo")  # 23:30 there
        acme = make_account(session, "Acme", owner=alice, now=TUESDAY)
        add_followup(session, alice, TUESDAY - timedelta(hours=1), now=TUESDAY, account=acme)
        add_followup(session, bob, TUESDAY, now=TUESDAY)
        add_followup(session, alice, TUESDAY + timedelta(days=1), now=TUESDAY)
    result = rapport(
        "nudges", "--dry-run", "--at", "2026-11-24T09:30-05:00",
        env=env_for(fake_slack, database_url), cwd=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].endswith(
        "to u0alice (U0ALICE) at Tue 2026-11-24 09:30 America/New_York: Acme: call back"
    )
    assert (
        lines[-1] == "1 nudges would be sent at 2026-11-24T09:30-05:00; 1 wait for working hours."
    )
    assert not fake_slack.calls_to("chat.postMessage")


def test_dry_run_with_an_unreadable_time_says_so(
    fake_slack: FakeSlack, database_url: str, tmp_path
) -> None:
    result = rapport(
        "nudges", "--dry-run", "--at", "next tuesday",
        env=env_for(fake_slack, database_url), cwd=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 2 and "is not an ISO time" in result.stderr
    assert "Traceback" not in result.stderr


def test_send_runs_one_sweep_now_and_status_counts(
    deps: Deps, fake_slack: FakeSlack, database_url: str, tmp_path
) -> None:
    now = datetime.now(UTC)
    zone = working_zone(now)
    if zone is None:
        pytest.skip("no time zone is inside working hours right now (a weekend everywhere)")
    fake_slack.add_user("U0ALICE", name="alice", real_name="Alice Ng", tz=zone)
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=now, tz=zone)
        for n in range(3):
            add_followup(session, alice, now - timedelta(minutes=n + 1), now=now)
        add_followup(session, alice, now + timedelta(days=30), now=now)
    env = env_for(fake_slack, database_url)
    status = rapport("nudges", "status", env=env, cwd=str(tmp_path))
    assert status.stdout.strip() == (
        "due 3 · claimed 0 · sent today 0 · failed 0 · reps inactive 0"
    ), status.stderr
    sent = rapport("nudges", "send", env=env, cwd=str(tmp_path))
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith("Sent 3 nudges")
    assert len(fake_slack.calls_to("chat.postMessage")) == 3
    again = rapport("nudges", "status", env=env, cwd=str(tmp_path))
    assert again.stdout.strip() == "due 0 · claimed 0 · sent today 3 · failed 0 · reps inactive 0"
    with deps.db() as session:
        assert store.status(session=session, team_id=alice.team_id, now=now).sent_today == 3
