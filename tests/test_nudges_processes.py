"""Two `rapport sweep` processes on one database, one SIGKILLed mid-sweep: every nudge still
goes out exactly once (real processes, real time, the fake Slack)."""

import os
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.standin.webapi import FakeSlack
from handlers.deps import Deps
from models.followups import Followup
from tests.factories import make_rep
from tests.test_nudges import add_followup, nudged_ids
from tests.test_nudges_cli import working_zone
from tests.test_serve import serving

REPS, EACH = 12, 5


def unsent(deps: Deps) -> int:
    with deps.db() as session:
        statement = select(func.count()).select_from(Followup)
        return session.scalar(statement.where(Followup.nudged_at.is_(None))) or 0  # type: ignore[union-attr]


def test_two_sweepers_one_killed_mid_sweep_deliver_every_nudge_exactly_once(
    deps: Deps, fake_slack: FakeSlack, database_url: str, engine, tmp_path
) -> None:
    now = datetime.now(UTC)
    zone = working_zone(now)
    if zone is None:
        pytest.skip("no time zone is inside working hours right now (a weekend everywhere)")
    fake_slack.use_clock(time.time)
    fake_slack.slow("chat.postMessage", 0.05, times=10_000)  # a sweep long enough to be cut
    with deps.db.begin() as session:
        for r in range(REPS):
            user = f"U0REP{r:02d}"
            fake_slack.add_user(user, tz=zone)
            rep = make_rep(session, user, now=now, tz=zone)
            for n in range(EACH):
                add_followup(session, rep, now - timedelta(minutes=n + 1), now=now)
    env = {
        "RAPPORT_SWEEP_SECONDS": "1", "RAPPORT_NUDGE_LEASE_SECONDS": "3",
        "RAPPORT_NUDGE_BATCH": "6", "RAPPORT_NUDGES_PER_MINUTE": "6000",
    }  # fmt: skip
    with (
        serving(fake_slack, database_url, tmp_path, verb="sweep", **env) as first,
        serving(fake_slack, database_url, tmp_path, verb="sweep", **env) as second,
    ):
        first.wait_until(
            "some nudges out", lambda: len(fake_slack.calls_to("chat.postMessage")) >= 8
        )
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
        second.wait_until("every nudge recorded", lambda: unsent(deps) == 0, timeout=60)
    counts = nudged_ids(fake_slack)
    assert len(counts) == REPS * EACH and set(counts.values()) == {1}, counts
    with deps.db() as session:
        rows = session.scalars(select(Followup)).all()
        kept = {
            (m.channel, m.ts)
            for c in fake_slack.conversations.channels()
            for m in fake_slack.messages(c)
        }
        assert all((row.nudge_channel, row.nudge_ts) in kept for row in rows)
