"""The sweep: jobs are plain functions of `now`; one failing job never stops the others."""

import logging
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.scheduler import start_scheduler, sweep
from handlers.deps import Deps

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_sweep_runs_every_job_at_the_injected_time(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[str, datetime]] = []

    def broken(now: datetime) -> None:
        raise RuntimeError("boom")

    jobs = [lambda now: seen.append(("first", now)), broken, lambda now: seen.append(("last", now))]
    with caplog.at_level(logging.ERROR):
        failures = sweep(jobs, now=lambda: AT)
    assert failures == 1 and seen == [("first", AT), ("last", AT)]
    assert "sweep job broken failed" in caplog.text and "RuntimeError: boom" in caplog.text


def test_scheduler_sweeps_every_configured_interval(settings: Settings, deps: Deps) -> None:
    settings = settings.model_copy(update={"sweep_seconds": 45})
    scheduler = start_scheduler(settings, deps)
    try:
        [job] = scheduler.get_jobs()
        assert job.id == "sweep" and job.trigger.interval.total_seconds() == 45
        assert job.max_instances == 1 and job.coalesce is True
    finally:
        scheduler.shutdown(wait=False)
