"""What comes back from Slack in our own buttons, menus and modals: values Rapport wrote, read
back strictly. A value that doesn't parse is a stale or tampered button, never a crash."""

import re
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from handlers.parsing.text import CommandError
from models.timeline import Cursor

STALE = "That button no longer works; run the command again."
MAX_ROW_ID = 2**63 - 1  # the largest id SQLite and PostgreSQL (bigint) can hold
DIGITS = re.compile(r"[0-9]{1,19}")
M = TypeVar("M", bound=BaseModel)


def is_row_id(text: str) -> bool:
    """Whether `text` is a row id Rapport could have written: plain digits, in range."""
    return bool(DIGITS.fullmatch(text)) and 0 < int(text) <= MAX_ROW_ID


def row_id(text: str) -> int:
    """A row id from a button value, or the stale-button sentence."""
    if not is_row_id(text):
        raise CommandError(STALE)
    return int(text)


def count(text: str) -> int:
    """A count Rapport wrote into a value (0 or more), or the stale-button sentence."""
    if not DIGITS.fullmatch(text) or int(text) > MAX_ROW_ID:
        raise CommandError(STALE)
    return int(text)


def cursor(text: str) -> Cursor:
    """A timeline position from an Older/Newer button, or the stale-button sentence."""
    try:
        return Cursor.decode(text)
    except ValueError as error:
        raise CommandError(STALE) from error


def metadata(model: type[M], text: str) -> M:
    """A modal's private_metadata, or the stale-button sentence."""
    try:
        return model.model_validate_json(text or "{}")
    except ValidationError as error:
        raise CommandError(STALE) from error
