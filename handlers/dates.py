"""Date phrases as reps type them, read in the rep's Slack time zone. Pure: `now` is passed in.

dateparser reads the grammar ("tomorrow", "in 2 weeks", "Dec 3", "fri 3pm", "12/3" as Dec 3, US
order); this module adds the rules a CRM needs on top of it:

- A phrase without a time of day means `default_hour`:00 rep-local (09:00), across DST too.
- A weekday, bare or with "next", is the next such day strictly after today: "friday" said on a
  Friday is next week's, "next tuesday" said on a Monday is tomorrow. "this friday" may be today.
- "next week" is next Monday; "eod" is 17:00 today; "end of week" or "eow" is 17:00 this Friday;
  "the 5th" is the next 5th of a month, today included.
- A date without a year is its next occurrence, today included: "Nov 1" said on Nov 23 is next
  year's, "Nov 23" said on Nov 23 is today. An explicit past year is an error.
- A date-only phrase for today ("today", "Nov 23") once 09:00 has passed means the next whole hour
  (at 23:xx that is midnight), so a follow-up is never due in the past.
- With `allow_past` (when a call happened) dates read backwards: "friday" and "Nov 1" are the
  last ones, and a date-only today before 09:00 means now.
- "now", "in 2 hours", "30 minutes ago" count elapsed time from `now`, so they're exact across DST.
- An unknown time zone name is read as UTC.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from dateparser.date import DateDataParser

from handlers.parsing.text import CommandError
from models.base import zone as rep_zone

HINT = "“next Tuesday”, “in 2 weeks” or “Dec 3”"
ALIASES = {"tmrw": "tomorrow", "tmr": "tomorrow", "thurs": "thu", "weds": "wed", "wks": "weeks"}
NOW_WORDS = frozenset(["now", "right now", "just now"])
CLOCK_SHIFT = re.compile(r"(in\s+)?(an?|\d+)\s*(min(?:ute)?s?|h|hrs?|hours?)(\s+ago)?")
DAY_OF_MONTH = re.compile(r"(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)?")
END_OF_DAY = frozenset(["eod", "end of day", "end of today", "end of the day"])
END_OF_WEEK = frozenset(["eow", "end of week", "end of the week", "end of this week"])


class DateError(CommandError):
    """A date phrase that can't be read or lies in the past; `str(error)` says which."""


def parse_when(
    phrase: str, *, now: datetime, tz: str, default_hour: int = 9, allow_past: bool = False
) -> datetime:
    """The UTC instant `phrase` names for a rep in `tz`; the rules are in the module docstring."""
    zone = rep_zone(tz)
    text = _normalize(phrase)
    if not text:
        raise DateError(f"Say when, e.g. {HINT}.")
    shift = _clock_shift(text)
    if shift is not None:
        return _checked(now + shift, now=now, zone=zone, timed=True, allow_past=allow_past)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    read = _shortcut(text, local_now) or _read(text, local_now, allow_past)
    if read is None:
        raise DateError(f"I couldn't read “{_shown(phrase)}” as a date; try {HINT}.")
    local, timed = read
    if timed:
        return _checked(_utc(local, zone), now=now, zone=zone, timed=True, allow_past=allow_past)
    due = _utc(local.replace(hour=default_hour, minute=0, second=0, microsecond=0), zone)
    if local.date() == local_now.date():
        due = _today(due, now=now, allow_past=allow_past)
    return _checked(due, now=now, zone=zone, timed=False, allow_past=allow_past)


def _normalize(phrase: str) -> str:
    """Lower case, single spaces, no trailing punctuation, common chat spellings expanded."""
    words = re.sub(r"[\s.,;!?]+$", "", phrase.strip().lower()).split()
    return " ".join(ALIASES.get(word, word) for word in words)


def _clock_shift(text: str) -> timedelta | None:
    """ "now", "in 2 hours", "30 minutes ago": elapsed time, so DST can't move it."""
    if text in NOW_WORDS:
        return timedelta(0)
    match = CLOCK_SHIFT.fullmatch(text)
    if match is None or (match[1] and match[4]):
        return None
    count = 1 if match[2] in ("a", "an") else int(match[2])
    shift = timedelta(minutes=count) if match[3].startswith("m") else timedelta(hours=count)
    return -shift if match[4] else shift


def _shortcut(text: str, local_now: datetime) -> tuple[datetime, bool] | None:
    """The phrases dateparser reads otherwise than reps mean them, as (local time, timed)."""
    today = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    if text == "next week":
        return today + timedelta(days=7 - today.weekday()), False
    if text in END_OF_DAY:
        return today.replace(hour=17), True
    if text in END_OF_WEEK:
        return today.replace(hour=17) + timedelta(days=(4 - today.weekday()) % 7), True
    match = DAY_OF_MONTH.fullmatch(text)
    found = _next_day_of_month(int(match[1]), today) if match else None
    return (found, False) if found else None


def _next_day_of_month(day: int, today: datetime) -> datetime | None:
    """The next `day` of a month, today included, skipping months too short for it."""
    year, month = today.year, today.month
    for _ in range(13):
        if day >= 1 and (year, month, day) >= (today.year, today.month, today.day):
            try:
                return today.replace(year=year, month=month, day=day)
            except ValueError:
                pass
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _read(text: str, local_now: datetime, allow_past: bool) -> tuple[datetime, bool] | None:
    """dateparser's reading as (naive local time, whether a time of day was given)."""
    parser = DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": local_now,
            "PREFER_DATES_FROM": "past" if allow_past else "future",
            "RETURN_TIME_AS_PERIOD": True,
            "DATE_ORDER": "MDY",
            "PARSERS": ["relative-time", "absolute-time"],
        },
    )
    data = parser.get_date_data(text)
    parts = set(data.parts)
    if data.date_obj is None or not parts & {"day", "year"}:
        return None  # "friday at 3" reads as March, a lone "5" as May: not what anyone meant
    local = data.date_obj.replace(tzinfo=None)
    if "year" not in parts and not allow_past and local.date() > local_now.date():
        local = _this_year_if_today(local, local_now)
    return local, data.period in ("time", "part_of_day")


def _this_year_if_today(local: datetime, local_now: datetime) -> datetime:
    """ "Nov 23" said on Nov 23 is today, where dateparser's "future" makes it next year's."""
    same_day = (local.month, local.day) == (local_now.month, local_now.day)
    return local.replace(year=local_now.year) if same_day else local


def _utc(local: datetime, zone: tzinfo) -> datetime:
    """Wall-clock `local` in `zone`, as UTC; zoneinfo applies the offset of that very date."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def _today(due: datetime, *, now: datetime, allow_past: bool) -> datetime:
    """A date-only "today" on the right side of now: the next whole hour, or now if past is fine."""
    if allow_past:
        return min(due, now)
    next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return next_hour if due < now else due


def _checked(
    due: datetime, *, now: datetime, zone: tzinfo, timed: bool, allow_past: bool
) -> datetime:
    """`due`, unless it lies before `now` and the caller wants a future time."""
    if allow_past or due >= now:
        return due
    local = due.astimezone(zone)
    shown = f"{local:%b} {local.day} {local.year}" + (f" {local:%H:%M}" if timed else "")
    raise DateError(f"{shown} is in the past; pick a later date.")


def _shown(phrase: str) -> str:
    """The phrase as typed, shortened to fit in one reply sentence."""
    text = " ".join(phrase.split())
    return text if len(text) <= 40 else text[:39] + "…"


@dataclass(frozen=True)
class FollowupSplit:
    notes: str  # the text without its follow-up sentence, trailing punctuation tidied
    phrase: str | None  # the date phrase after the keyword; None when there was no follow-up


# A follow-up keyword that opens the text or a clause: after . ! ? ; , a dash, or a new line.
FOLLOWUP = re.compile(
    r"(?:^|(?<=[.!?;,])\s+|\s+[-\u2013\u2014]+\s+|\s*\n\s*)\s*(?:follow(?:-|\s+)?up|fu|f/u)\b:?",
    re.IGNORECASE,
)
CLAUSE_BREAK = re.compile(r"\n|[.!?;]\s|,\s*[^\W\d]")  # "Dec 3, 2026" stays one clause
TRAILING_JUNK = re.compile(r"(?:\s|:[a-z0-9_+\-]+:|[^\w\s])+$")  # punctuation, emoji, :pray:
NOT_A_DATE = re.compile(r"(?:with|about|re|regarding)\b|w/", re.IGNORECASE)


def split_followup(text: str) -> FollowupSplit:
    """Split a final "follow up <when>" clause off notes: "sent pricing. Follow up on Dec 3"."""
    text = text.strip()
    matches = list(FOLLOWUP.finditer(text))
    if not matches:
        return FollowupSplit(notes=text, phrase=None)
    rest = TRAILING_JUNK.sub("", text[matches[-1].end() :]).strip()
    if CLAUSE_BREAK.search(rest) or NOT_A_DATE.match(rest):
        return FollowupSplit(notes=text, phrase=None)  # "follow up with legal", or not the end
    phrase = re.sub(r"^(?:on|by)\s+", "", rest, flags=re.IGNORECASE)
    notes = re.sub(r"[\s.,;:\-\u2013\u2014]+$", "", text[: matches[-1].start()])
    return FollowupSplit(notes=notes, phrase=phrase)


def warm_up(now: datetime) -> None:
    """Load the date parser's language data now rather than on a user's first request (~0.2 s)."""
    parse_when("tomorrow 3pm", now=now, tz="UTC")
