"""The one place that knows about time triggers: a sweep every RAPPORT_SWEEP_SECONDS.

The database rows are the truth; each sweep job reads what is due at `now` and claims it, so a
restart or a second replica neither loses nor repeats work. Jobs are plain functions of `now`,
each opening its own transaction; tests call them directly.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import utcnow
from bot.config import Settings
from handlers.deps import Deps

logger = logging.getLogger(__name__)

SweepJob = Callable[[datetime], None]


def sweep_jobs(deps: Deps) -> list[SweepJob]:
    """What a sweep runs. The nudges and digest jobs join this list in their issue."""
    return []


def sweep(jobs: Sequence[SweepJob], now: Callable[[], datetime] = utcnow) -> int:
    """Run every job once at `now`; one failing job is logged and the others still run."""
    at, failures = now(), 0
    for job in jobs:
        try:
            job(at)
        except Exception:
            failures += 1
            logger.exception("sweep job %s failed", getattr(job, "__name__", job))
    return failures


def start_scheduler(settings: Settings, deps: Deps) -> BackgroundScheduler:
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
        args=(sweep_jobs(deps), deps.now),
        id="sweep",
        replace_existing=True,
    )
    scheduler.start()
    return scheduler
