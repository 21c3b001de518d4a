"""The sweep: jobs are plain functions of `now`; one failing job never stops the others."""

import logging
import os
import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient

from bot.app import make_client
from bot.config import Settings
from bot.scheduler import run_sweeper, start_scheduler, sweep
from bot.standin.webapi import FakeSlack
from handlers.deps import Deps

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_sweep_runs_every_job_at_the_injected_time(
    caplog: pytest.LogCaptureFixture, deps: Deps, settings: Settings
) -> None:
    seen: list[tuple[str, datetime]] = []

    def broken(**_: object) -> None:
        raise RuntimeError("boom")

    jobs = [
        lambda *, now, **_: seen.append(("first", now)),
        broken,
        lambda *, now, **_: seen.append(("last", now)),
    ]
    with caplog.at_level(logging.ERROR):
        failures = sweep(jobs, deps=replace(deps, now=lambda: AT), client=make_client(settings))
    assert failures == 1 and seen == [("first", AT), ("last", AT)]
    assert "sweep job broken failed" in caplog.text and "RuntimeError: boom" in caplog.text


def test_sweep_jobs_get_the_deps_and_the_apps_client_and_open_their_own_transaction(
    deps: Deps, settings: Settings, fake_slack: FakeSlack
) -> None:
    client, given = make_client(settings), []

    def post_a_count(*, deps: Deps, client: WebClient, now: datetime) -> None:
        with deps.db.begin() as session:
            given.append(session.connection().exec_driver_sql("SELECT 1").scalar())
        client.chat_postMessage(channel="U0ALICE", text=f"swept at {now:%H:%M}")

    assert sweep([post_a_count], deps=replace(deps, now=lambda: AT), client=client) == 0
    assert given == [1]
    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.args["text"] == "swept at 09:00"


def test_scheduler_sweeps_every_configured_interval(
    settings: Settings, deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings.model_copy(update={"sweep_seconds": 45})
    with caplog.at_level(logging.INFO):
        scheduler = start_scheduler(settings, deps, make_client(settings))
    try:
        [job] = scheduler.get_jobs()
        assert job.id == "sweep" and job.trigger.interval.total_seconds() == 45
        assert job.max_instances == 1 and job.coalesce is True
        assert f"scheduler started (pid {os.getpid()}): sweeping every 45s" in caplog.text
    finally:
        scheduler.shutdown(wait=False)


def test_the_sweeper_stops_when_told_and_lets_its_scheduler_finish(
    settings: Settings, deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    stop = threading.Event()
    sweeper = threading.Thread(
        target=run_sweeper, args=(settings, deps, make_client(settings)), kwargs={"until": stop}
    )
    with caplog.at_level(logging.INFO):
        sweeper.start()
        stop.set()
        sweeper.join(timeout=10)
    assert not sweeper.is_alive()
    assert "scheduler started" in caplog.text and "scheduler stopped" in caplog.text
