"""Turning errors into one friendly sentence, in one place.

User-caused errors (DomainError, CommandError) carry their own sentence. Anything else is logged
with its stack trace and the request's correlation id, and the user is told the reference.

Work after `ack()` runs inside `reporting(...)`: slack-bolt 1.30 resets an acknowledged response
when the listener then raises, so an error escaping within Bolt's 10 ms ack poll turns the
user's 200 into a 404 after 3 s (slack_bolt/listener/thread_runner.py). Nothing may escape.
"""

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from handlers.blocks import Message
from handlers.blocks.crm import build_error
from handlers.parsing import CommandError
from models.base import DomainError

logger = logging.getLogger(__name__)

correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="-")


def reply_for(error: Exception, *, what: object = None) -> Message:
    """The reply for an error; unexpected ones are logged with a stack trace first."""
    if isinstance(error, DomainError | CommandError):
        logger.info("user error: %s", error)
        return build_error(str(error))
    logger.error("unexpected error handling %s", what, exc_info=error)
    reference = correlation_id.get()
    return build_error(
        f"Something went wrong on Rapport's side (ref {reference}). Please try again."
    )


@contextmanager
def reporting(reply: Callable[..., Any], *, what: object = None) -> Iterator[None]:
    """Run after-ack work; any error becomes a reply through `reply` instead of escaping."""
    try:
        yield
    except Exception as error:
        reply(**reply_for(error, what=what))
