"""Builders for `/crm hours`: a rep's working hours, in words."""

from handlers.blocks import Message, context, message, section
from handlers.blocks.text import escape
from models.reps import WorkingHours

DASH = "\u2013"
DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def describe_days(days: frozenset[int]) -> str:
    """ "Mon-Fri" (an en dash), "Mon, Wed, Fri", "every day": runs of 3+ days as a range."""
    if len(days) == 7:
        return "every day"
    ordered, runs = sorted(days), []
    start = previous = ordered[0]
    for day in [*ordered[1:], None]:
        if day is not None and day == previous + 1:
            previous = day
            continue
        size = previous - start + 1
        names = [DAY_NAMES[d] for d in range(start, previous + 1)]
        runs.append(f"{names[0]}{DASH}{names[-1]}" if size >= 3 else ", ".join(names))
        if day is not None:
            start = previous = day
    return ", ".join(runs)


def describe_hours(hours: WorkingHours) -> str:
    return f"{describe_days(hours.days)}, {hours.start:%H:%M}{DASH}{hours.end:%H:%M}"


def build_hours(hours: WorkingHours, *, tz: str, changed: bool, default: bool) -> Message:
    """The rep's working hours (just set, or as they are), in their Slack time zone."""
    shown = f"*{describe_hours(hours)}*" + (" (the default)" if default else "")
    head = "Your working hours are now" if changed else "Your working hours are"
    text = f":clock9: {head} {shown}, in your Slack time zone ({escape(tz)})."
    lines = [section(text), context("Follow-up reminders and the digest reach you only then.")]
    if not changed:
        lines.append(
            context(
                "Change them with `/crm hours 09:00-17:30` (days too: `mon-thu 9-17`), "
                "or `/crm hours default`."
            )
        )
    return message(text, lines)
