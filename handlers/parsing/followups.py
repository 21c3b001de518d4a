"""The /followup grammar: `/followup [<account>] <when>[: <note>]`, and `/followup` alone.

"Acme in 3 days: send the contract", "in 3 days: call Dana back" (no account), "Acme tomorrow
3pm", "Acme friday about pricing" (the words after the date are the note). Dates are read as
/log-call reads its follow-ups (`handlers.dates.read_when`): the rep's zone and date order.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from handlers.dates import DATE_WORDS_MAX, JOINING, DateError, DateOrder, PastDate, When, read_when
from handlers.parsing.text import CommandError, plain_text, split_name
from models.base import zone

EXAMPLE = "`/followup Acme in 3 days: send the contract`"
NOTE_EDGES = " \t\n:,;-\u2013\u2014"
LEADING_JOINER = re.compile(r"^to\s+", re.IGNORECASE)  # "eod to send the quote"


@dataclass(frozen=True)
class FollowupList:
    """`/followup` alone: list mine."""


@dataclass(frozen=True)
class FollowupRequest:
    account: str | None  # as typed; None: no account named
    due: When
    phrase: str  # the date as typed ("tomorrow 3pm")
    note: str


def parse_followup(
    text: str, *, now: datetime, tz: str, order: DateOrder = "MDY", account: str | None = None
) -> FollowupList | FollowupRequest:
    """What `/followup <text>` asks for. With `account` (a known name the text starts with,
    found by the caller), `text` is what follows it. A date that can't be read, or lies in the
    past, is a DateError saying so."""
    head, separator, after = split_name(text.strip())
    if not head.strip() and not separator and account is None:
        return FollowupList()
    words = plain_text(head).split()
    starts = [0] if account is not None else range(len(words))
    for start in starts:
        found = _date_at(words[start:], now=now, tz=tz, order=order)
        if found is None:
            continue
        due, size = found
        named = " ".join(words[:start]) if account is None else account
        left, rest = " ".join(words[start + size :]), plain_text(after)
        note = f"{left}{separator}{rest}" if left and separator else (left or rest)
        return FollowupRequest(
            account=named or None,
            due=due,
            phrase=" ".join(words[start : start + size]),
            note=LEADING_JOINER.sub("", note.strip(NOTE_EDGES)).strip(),
        )
    raise DateError(_no_date(" ".join(words), account))


def _date_at(
    words: list[str], *, now: datetime, tz: str, order: DateOrder
) -> tuple[When, int] | None:
    """The longest date phrase `words` start with, and how many words it took; a past date
    is a PastDate (the rep meant that date, so no shorter reading is tried)."""
    for size in range(min(len(words), DATE_WORDS_MAX), 0, -1):
        span = words[:size]
        if span[-1].lower() in JOINING or span[0].lower() in JOINING:
            continue
        try:
            return read_when(" ".join(span), now=now, tz=tz, order=order), size
        except PastDate:
            raise
        except DateError:
            continue
    return None


def _no_date(typed: str, account: str | None) -> str:
    shown = " ".join(filter(None, [account, typed]))
    if not shown:
        return f"Say when, e.g. {EXAMPLE}."
    cut = shown if len(shown) <= 40 else shown[:39] + "…"
    return f"I couldn't find a date in “{cut}”; say when, e.g. {EXAMPLE}."


def picked_due(picked: date, current: datetime, *, now: datetime, tz: str) -> datetime:
    """Where Pick a date moves a follow-up: that day at the follow-up's time of day in the rep's
    zone; today's time already gone means the next whole hour; an earlier day is a PastDate."""
    local = zone(tz)
    today = now.astimezone(local).date()
    if picked < today:
        raise PastDate(f"{picked:%b} {picked.day} {picked.year} is in the past; pick a later date.")
    at = current.astimezone(local).time().replace(second=0, microsecond=0)
    due = datetime.combine(picked, at, tzinfo=local).astimezone(UTC)
    if due >= now:
        return due
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def read_picked_date(text: str) -> date:
    """A datepicker's `selected_date` ("2026-12-03"), or the stale-button sentence."""
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError) as error:
        raise CommandError("That date can't be read; pick it again.") from error
