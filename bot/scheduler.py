"""The one place that knows about time triggers: a sweep every RAPPORT_SWEEP_SECONDS.

The database rows are the truth; each sweep job reads what is due at `now` and claims it, so a
restart or a second replica neither loses nor repeats work. Jobs are plain functions called with
keyword arguments `deps`, `client` (the app's Web API client) and `now`, each opening its own
transaction (`with deps.db.begin() as session:`); tests call them directly.

One scheduler per process that sweeps: the `rapport sweep` process (which `rapport serve --http`
runs beside its gunicorn workers), or the Socket Mode process. Web workers never start one.
"""

import logging
import os
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient

from bot.config import Settings
from handlers import digest, jobs
from handlers.deps import Deps

logger = logging.getLogger(__name__)


class SweepJob(Protocol):
    def __call__(self, *, deps: Deps, client: WebClient, now: datetime) -> None: ...


def sweep_jobs(settings: Settings | None = None) -> list[SweepJob]:
    """What a sweep runs, in order: the nudges, forgetting old claims, the morning digests."""
    send_nudges = jobs.send_nudges
    if settings is not None:
        send_nudges = jobs.nudges_job(
            lease_seconds=settings.nudge_lease_seconds,
            batch=settings.nudge_batch,
            per_minute=settings.nudges_per_minute,
        )
    return [send_nudges, jobs.forget_old_claims, digest.send_digests]


def sweep(jobs: Sequence[SweepJob], *, deps: Deps, client: WebClient) -> int:
    """Run every job once at one `now`; one failing job is logged and the others still run."""
    at, failures, started = deps.now(), 0, time.perf_counter()
    for job in jobs:
        try:
            job(deps=deps, client=client, now=at)
        except Exception:
            failures += 1
            logger.exception("sweep job %s failed", getattr(job, "__name__", job))
    logger.info(
        "sweep finished (pid %d): %d jobs, %d failed, %.1fms",
        os.getpid(),
        len(jobs),
        failures,
        (time.perf_counter() - started) * 1000,
    )
    return failures


def start_scheduler(settings: Settings, deps: Deps, client: WebClient) -> BackgroundScheduler:
    """A background thread sweeping every RAPPORT_SWEEP_SECONDS; a sweep that outlives its
    interval is neither run twice at once nor queued up (max_instances=1, coalesce)."""
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": settings.sweep_seconds,
        },
    )
    scheduler.add_job(
        sweep,
        IntervalTrigger(seconds=settings.sweep_seconds),
        args=(sweep_jobs(settings),),
        kwargs={"deps": deps, "client": client},
        id="sweep",
        replace_existing=True,
    )
    scheduler.start()
    logger.info(
        "scheduler started (pid %d): sweeping every %ds", os.getpid(), settings.sweep_seconds
    )
    return scheduler


def run_sweeper(
    settings: Settings, deps: Deps, client: WebClient, *, until: threading.Event
) -> None:
    """The `rapport sweep` process: sweep until `until` is set, then let a running sweep finish."""
    scheduler = start_scheduler(settings, deps, client)
    try:
        until.wait()
    finally:
        scheduler.shutdown(wait=True)
        logger.info("scheduler stopped (pid %d)", os.getpid())
