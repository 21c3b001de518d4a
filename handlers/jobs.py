"""Sweep jobs: plain functions of `deps`, the app's Web API client and `now`, each in its own
transaction. `bot/scheduler.py` decides when they run; tests call them directly."""

import logging
from datetime import datetime

from slack_sdk import WebClient

from handlers.deps import Deps
from models import events

logger = logging.getLogger(__name__)


def forget_handled_events(*, deps: Deps, client: WebClient, now: datetime) -> None:
    """Slack's retries stop within the hour; the record of a handled event can go after a day."""
    with deps.db.begin() as session:
        gone = events.forget_events(session=session, now=now)
    if gone:
        logger.info("forgot %d handled Slack events", gone)
