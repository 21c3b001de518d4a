"""The `/crm hours` grammar: "09:00-17:30", "9-17:30", "9am-5:30pm", "mon-thu 9-17", "default".

A range whose end reads before its start and has no am/pm is read as the afternoon ("9-5" is
09:00-17:00). Weekdays are optional (Monday to Friday): "mon-thu", "mon,wed,fri", "weekdays",
"every day".
"""

import re
from dataclasses import dataclass
from datetime import time

from handlers.parsing.text import CommandError, plain_text
from models.base import DomainError
from models.reps import WORK_DAYS, WorkingHours

EXAMPLE = "`/crm hours 09:00-17:30` or `/crm hours mon-thu 9am-5pm`"
DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_WORDS = {"weekdays": WORK_DAYS, "every day": frozenset(range(7)), "daily": frozenset(range(7))}
CLOCK = r"(\d{1,2})(?:[:.h](\d{2}))?\s*([ap]\.?m\.?)?"
RANGE = re.compile(rf"^{CLOCK}\s*(?:-|\u2013|\u2014|to|until)\s*{CLOCK}$", re.IGNORECASE)
DAYS = re.compile(r"^([a-z]+)\s*(?:(-|\u2013|to)\s*([a-z]+))?$")
RESET = frozenset(["default", "defaults", "reset"])


@dataclass(frozen=True)
class HoursShow:
    """`/crm hours` alone."""


@dataclass(frozen=True)
class HoursSet:
    hours: WorkingHours | None  # None: back to the defaults


def parse_hours(text: str) -> HoursShow | HoursSet:
    """What `/crm hours <text>` asks for; a CommandError in one sentence when it can't be read."""
    typed = " ".join(plain_text(text).lower().split())
    if not typed:
        return HoursShow()
    if typed in RESET:
        return HoursSet(None)
    days, clock = _split_days(typed)
    match = RANGE.match(clock)
    if match is None:
        raise CommandError(f"I couldn't read “{clock[:40]}” as working hours; try {EXAMPLE}.")
    start = _clock(match[1], match[2], match[3])
    end = _clock(match[4], match[5], match[6])
    if end <= start and not match[6] and start.hour < 12 and end.hour < 12:
        end = end.replace(hour=end.hour + 12)  # "9-5"
    try:
        return HoursSet(WorkingHours(start, end, days))
    except DomainError as error:
        raise CommandError(str(error)) from error


def _split_days(typed: str) -> tuple[frozenset[int], str]:
    """The weekdays before the hours (Monday to Friday when none), and the hours."""
    for words, named in DAY_WORDS.items():
        if typed.startswith(words + " "):
            return named, typed[len(words) :].strip()
    first, _, rest = typed.partition(" ")
    if not first[:1].isalpha() or not rest:
        return WORK_DAYS, typed
    days: set[int] = set()
    for part in first.split(","):
        match = DAYS.match(part)
        if match is None or _day(match[1]) is None or (match[3] and _day(match[3]) is None):
            raise CommandError(
                f"I couldn't read “{first[:40]}” as days; try `mon-fri` or `mon,wed`."
            )
        begin = _day(match[1]) or 0
        end = _day(match[3]) if match[3] else begin
        days |= {(begin + n) % 7 for n in range(((end or 0) - begin) % 7 + 1)}
    return frozenset(days), rest.strip()


def _day(word: str) -> int | None:
    return next((i for i, name in enumerate(DAY_NAMES) if word.startswith(name)), None)


def _clock(hour: str, minute: str | None, meridiem: str | None) -> time:
    h, m = int(hour), int(minute or 0)
    if meridiem:
        if not 1 <= h <= 12:
            raise CommandError(f"{hour}{meridiem} isn't a time of day; try {EXAMPLE}.")
        h = h % 12 + (12 if meridiem.startswith("p") else 0)
    if h > 23 or m > 59:
        raise CommandError(f"{hour}:{minute or '00'} isn't a time of day; try {EXAMPLE}.")
    return time(h, m)
