"""The morning digest DM, and the answers of `/crm digest`.

One section block per non-empty list, each at most `models.digest.CAP` rows and "and N more":
a digest is at most a dozen blocks, far inside a message's 50, and each section is cut to
Slack's 3,000 characters.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import TypeVar

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from handlers.blocks import Message, context, message, section
from handlers.blocks.hours import describe_days
from handlers.blocks.text import bold, escape, literal, quote
from handlers.ids import Command
from models.base import zone
from models.digest import Digest, DigestDeal, DueFollowup, Section, StaleAccount, digest_window
from models.money import format_money
from models.reps import DEFAULT_HOURS, WORK_DAYS, WorkingHours

T = TypeVar("T")
NOTE_MAX = 120
HOME_HINT = "Mark follow-ups done or snooze them on Rapport's *Home* tab."


def zone_name(tz: str) -> str:
    """The zone times are shown in: the rep's, or UTC when this system's tzdata lacks it."""
    if zone(tz) is UTC and tz != "UTC":
        return f"UTC (this server doesn't know your Slack time zone {escape(tz)})"
    return escape(tz)


def _day(moment: date) -> str:
    return f"{moment:%a %b} {moment.day}"


def _local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(zone(tz))


def _list(title: str, rows: Section[T], line: Callable[[T], str]) -> list[Block]:
    if not rows.total:
        return []
    lines = [f"• {line(row)}" for row in rows.rows]
    if rows.total > len(rows.rows):
        lines.append(f"_and {rows.total - len(rows.rows)} more_")
    return [section(f"*{title}* ({rows.total})\n" + "\n".join(lines))]


def _followup(row: DueFollowup, when: str) -> str:
    account = f"{bold(row.account)} · " if row.account else ""
    note = quote(row.note, NOTE_MAX) if row.note else "_no note_"
    return f"{when} · {account}{note}"


def _deal(deal: DigestDeal, extra: str) -> str:
    amount = f" · {format_money(deal.amount_minor, deal.currency)}" if deal.amount_minor else ""
    return f"{bold(deal.account)} · {literal(deal.name)} · {extra}{amount}"


def build_digest(
    digest: Digest, *, tz: str, now: datetime, stale_days: int, stuck_days: int
) -> Message:
    """The rep's morning: overdue and today's follow-ups, stale accounts, stuck deals, deals
    closing this week; times in the rep's zone `tz`."""
    today = _local(now, tz).date()

    def overdue(row: DueFollowup) -> str:
        return _followup(row, f"due {_day(_local(row.due_at, tz).date())}")

    def due_today(row: DueFollowup) -> str:
        return _followup(row, f"{_local(row.due_at, tz):%H:%M}")

    def stale(row: StaleAccount) -> str:
        touched = row.last_touched_at
        when = f"last touch {_day(_local(touched, tz).date())}" if touched else "never touched"
        return f"{bold(row.account)} · {when}"

    def stuck(deal: DigestDeal) -> str:
        days = (today - _local(deal.stage_changed_at, tz).date()).days
        return _deal(deal, f"in {literal(deal.stage)} for {days} days")

    def closing(deal: DigestDeal) -> str:
        close = deal.expected_close
        return _deal(deal, f"closes {_day(close)}" if close else literal(deal.stage))

    blocks: list[Block] = [HeaderBlock(text=f"Your day, {_day(today)}")]
    blocks += _list("Overdue follow-ups", digest.overdue, overdue)
    blocks += _list("Follow-ups today", digest.today, due_today)
    blocks += _list(f"Accounts untouched for {stale_days}+ days", digest.stale, stale)
    blocks += _list(f"Deals in one stage for {stuck_days}+ days", digest.stuck, stuck)
    blocks += _list("Deals closing this week", digest.closing, closing)
    blocks += [
        DividerBlock(),
        context(
            f"{HOME_HINT} Times in {zone_name(tz)}. `{Command.CRM} digest off` stops this digest."
        ),
    ]
    return message(_summary(digest, today), blocks)


def _summary(digest: Digest, today: date) -> str:
    """The notification: the counts that matter most."""
    parts: Sequence[tuple[int, str]] = (
        (digest.overdue.total, "overdue"),
        (digest.today.total, "due today"),
        (digest.stale.total, "stale accounts"),
        (digest.stuck.total, "stuck deals"),
        (digest.closing.total, "closing this week"),
    )
    counts = ", ".join(f"{count} {what}" for count, what in parts if count)
    return f"Your day, {_day(today)}: {counts}"


def build_digest_status(
    *, enabled: bool, tz: str, hours: WorkingHours = DEFAULT_HOURS, changed: bool | None = None
) -> Message:
    """`/crm digest [on|off]`: whether it comes, and when (by the rep's working hours);
    `changed` None for a question."""
    days = "every weekday" if hours.days == WORK_DAYS else describe_days(hours.days)
    when = f"{days} at {digest_window(hours)[0]:%H:%M} your time ({zone_name(tz)})"
    if enabled:
        text = f":sunrise: Your digest comes {when}, when there is something in it."
        if changed is False:
            text = f"Your digest is already on: it comes {when}."
        elif changed:
            text = f":sunrise: Digest on: it comes {when}, when there is something in it."
        text += f" `{Command.CRM} digest off` stops it."
    else:
        text = "Your digest is off."
        if changed is False:
            text = "Your digest is already off."
        elif changed:
            text = ":no_bell: Digest off: no more morning digests."
        text += f" `{Command.CRM} digest on` sends it again {when}."
    return message(text, [section(text)])
