"""Sweep jobs: plain functions of `deps`, the app's Web API client and `now`, each in its own
transaction. `bot/scheduler.py` decides when they run; tests call them directly."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk import WebClient

from handlers.deps import Deps

if TYPE_CHECKING:
    from handlers.nudges import Pacer
from models import claims

logger = logging.getLogger(__name__)


def forget_old_claims(*, deps: Deps, client: WebClient, now: datetime) -> None:
    """Handled events and Share clicks are claimed for a day (models.claims), then forgotten."""
    with deps.db.begin() as session:
        gone = claims.forget_claims(session=session, now=now)
    if gone:
        logger.info("forgot %d old claims", gone)


def send_nudges(
    *,
    deps: Deps,
    client: WebClient,
    now: datetime,
    lease_seconds: int = 300,
    batch: int = 200,
    per_minute: int = 300,
) -> None:
    """Every follow-up due at `now` DMed to its rep in their working hours (handlers.nudges)."""
    from handlers import nudges

    result = nudges.sweep_nudges(
        deps=deps,
        client=client,
        now=now,
        lease=timedelta(seconds=lease_seconds),
        batch=batch,
        pacer=_pacer(per_minute),
    )
    if result.sent or result.found or result.stopped:
        logger.info(
            "nudges: %d sent, %d found already sent, %d held back, %d reps stopped",
            result.sent,
            result.found,
            result.held,
            result.stopped,
        )


_PACERS: dict[int, "Pacer"] = {}


def _pacer(per_minute: int) -> "Pacer":
    """One pacer per process and budget: the pace holds from one sweep to the next."""
    from handlers.nudges import Pacer

    return _PACERS.setdefault(per_minute, Pacer(per_minute=per_minute))


def nudges_job(*, lease_seconds: int, batch: int, per_minute: int) -> Callable[..., None]:
    """send_nudges with the settings' lease, batch size and pace."""

    def send_nudges_job(*, deps: Deps, client: WebClient, now: datetime) -> None:
        send_nudges(
            deps=deps,
            client=client,
            now=now,
            lease_seconds=lease_seconds,
            batch=batch,
            per_minute=per_minute,
        )

    send_nudges_job.__name__ = "send_nudges"
    return send_nudges_job
