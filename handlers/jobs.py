"""Sweep jobs: plain functions of `deps`, the app's Web API client and `now`, each in its own
transaction. `bot/scheduler.py` decides when they run; tests call them directly."""

import logging
from datetime import datetime

from slack_sdk import WebClient

from handlers.deps import Deps
from models import claims

logger = logging.getLogger(__name__)


def forget_old_claims(*, deps: Deps, client: WebClient, now: datetime) -> None:
    """Handled events and Share clicks are claimed for a day (models.claims), then forgotten."""
    with deps.db.begin() as session:
        gone = claims.forget_claims(session=session, now=now)
    if gone:
        logger.info("forgot %d old claims", gone)
