"""Turning errors into one friendly sentence, in one place.

User-caused errors (DomainError, CommandError) carry their own sentence. Anything else is logged
with its stack trace and the request's correlation id, and the user is told the reference.

After the ack, `handlers.listener` routes every error through `reply_for`; before it (in Bolt's
middleware), `bot.app`'s `@app.error` does.
"""

import contextvars
import logging

from handlers.blocks import Message
from handlers.blocks.crm import build_error
from handlers.parsing.text import CommandError
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
