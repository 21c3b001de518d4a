"""Builders for /followup: what was set, the list of mine with its buttons, and the handoff DM.

The list is one message: at most 50 blocks, and well under the ~13k characters Slack takes in
all (SLACK-CONTRACT §5), so it shows LIST_ROWS follow-ups (two blocks each), the longest group
giving up rows first, each cut group saying how many more there are.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DatePickerElement

from handlers.blocks import Message, context, message, section
from handlers.blocks.names import Buttons, Choice, build_unknown_name
from handlers.blocks.text import bold, literal, local_time, mention, quote
from handlers.ids import Command, FollowupAction
from models.base import zone
from models.summaries import FollowupAgenda, FollowupRow

LIST_ROWS = 10
NOTE_SHOWN = 200
HANDOFF_SHOWN = 10
EXAMPLE = f"`{Command.FOLLOWUP} Acme in 3 days: send the contract`"


def build_followup_set(
    *,
    account: str | None,
    typed: str | None,
    due_at: datetime,
    note: str,
    tz: str,
    read_as: str | None = None,
    phrase: str = "",
    linked: bool = False,
) -> Message:
    """The confirmation of a follow-up set with /followup."""
    on = f" on {bold(account)}" if account else ""
    if account and typed and typed.casefold() != account.casefold():
        on += f" (you typed “{literal(typed)}”)"
    elif linked:
        on += " (this channel's account)"
    text = f":alarm_clock: Follow-up{on} {local_time(due_at, tz)}"
    text += f": “{quote(note, 300)}”" if note else "."
    blocks: list[Block] = [section(text)]
    if read_as:
        blocks.append(context(f"I read “{literal(phrase)}” as {read_as}."))
    blocks.append(context(f"`{Command.FOLLOWUP}` alone lists yours."))
    return message(text, blocks)


def build_followup_pick(
    *, typed: str, pending_id: int, choices: Sequence[Choice], close: bool
) -> Message:
    """An account name that isn't clear: the close names and Create; the follow-up waits."""
    buttons = Buttons(
        pick=FollowupAction.PICK_ACCOUNT,
        value=lambda choice: f"{pending_id}:{choice.id}",
        create=FollowupAction.CREATE_ACCOUNT,
        create_value=str(pending_id),
        block_id=f"pick_{pending_id}",
        note="Your follow-up is set as soon as you pick.",
    )
    return build_unknown_name(typed=typed, choices=list(choices), close=close, buttons=buttons)


@dataclass(frozen=True)
class _Group:
    title: str
    rows: list[FollowupRow]
    total: int


def _shown(groups: list[_Group], budget: int) -> list[int]:
    """How many rows of each group fit in `budget` rows; the group showing most gives up first."""
    shown = [len(group.rows) for group in groups]
    while sum(shown) > budget:
        shown[max(range(len(shown)), key=lambda i: shown[i])] -= 1
    return shown


def _row(row: FollowupRow, tz: str) -> list[Block]:
    account = f"{bold(row.account)} · " if row.account else ""
    snoozed = " (snoozed)" if row.snoozed else ""
    note = quote(row.note, NOTE_SHOWN) if row.note else "_no note_"
    picker = DatePickerElement(
        action_id=FollowupAction.PICK_DATE,
        initial_date=f"{row.due_at.astimezone(zone(tz)).date():%Y-%m-%d}",
        placeholder="Pick a date",
    )
    buttons = [
        ButtonElement(text="Done", action_id=FollowupAction.DONE, value=str(row.id)),
        ButtonElement(
            text="Snooze 1 day",
            action_id=FollowupAction.SNOOZE_DAY,
            value=f"{row.id}:{row.snoozes}",
        ),
        ButtonElement(
            text="Snooze 1 week",
            action_id=FollowupAction.SNOOZE_WEEK,
            value=f"{row.id}:{row.snoozes}",
        ),
        picker,
    ]
    return [
        section(f"{account}{local_time(row.due_at, tz)}{snoozed}\n{note}"),
        ActionsBlock(block_id=f"followup_{row.id}_{row.snoozes}", elements=buttons),
    ]


def build_followup_list(agenda: FollowupAgenda, *, tz: str, notice: str | None = None) -> Message:
    """My open follow-ups (overdue, today, upcoming), each with Done, Snooze and Pick a date;
    `notice` (built mrkdwn) says what the last click did."""
    blocks: list[Block] = [section(notice)] if notice else []
    groups = [
        _Group("Overdue", agenda.overdue, agenda.overdue_total),
        _Group("Today", agenda.today, agenda.today_total),
        _Group("Upcoming", agenda.upcoming, agenda.upcoming_total),
    ]
    groups = [group for group in groups if group.total]
    if not groups:
        text = f"Nothing to follow up. :tada: Set one with {EXAMPLE}."
        return message(notice or text, [*blocks, section(text)])
    for group, n in zip(groups, _shown(groups, LIST_ROWS), strict=True):
        blocks.append(section(f"*{group.title}* ({group.total})"))
        for row in group.rows[:n]:
            blocks += _row(row, tz)
        if group.total > n:
            blocks.append(context(f"and {group.total - n} more"))
    total = sum(group.total for group in groups)
    summary = f"Your open follow-ups: {total}"
    return message(notice or summary, blocks)


@dataclass(frozen=True)
class HandoffNote:
    """What the new owner of an account is told."""

    account: str
    actor_id: str  # who changed the owner
    owner_id: str  # the new owner (who reads the DM)
    previous_id: str | None  # the owner before
    followups: list[tuple[datetime, str]]  # (due, note) moved to the new owner, soonest first
    tz: str = "UTC"  # the new owner's


def build_handoff_dm(note: HandoffNote) -> Message:
    """ "@lee handed you Acme with 3 open follow-ups: …"."""
    count = len(note.followups)
    items = f"{count} open follow-up{'s' if count != 1 else ''}"
    if note.actor_id == note.owner_id:
        was = f" from {mention(note.previous_id)}" if note.previous_id else ""
        head = f"You took over {bold(note.account)}{was}"
    else:
        was = (
            f" (it was {mention(note.previous_id)}'s)"
            if note.previous_id and note.previous_id != note.actor_id
            else ""
        )
        head = f"{mention(note.actor_id)} handed you {bold(note.account)}{was}"
    if not count:
        text = f":handshake: {head}."
        return message(text, [section(text)])
    text = f":handshake: {head} with {items}, now yours:"
    lines = [
        f"• {local_time(due, note.tz)}" + (f": “{quote(what, NOTE_SHOWN)}”" if what else "")
        for due, what in note.followups[:HANDOFF_SHOWN]
    ]
    if count > HANDOFF_SHOWN:
        lines.append(f"and {count - HANDOFF_SHOWN} more")
    blocks: list[Block] = [section(text), section("\n".join(lines))]
    blocks.append(context(f"`{Command.FOLLOWUP}` lists them with Done and Snooze."))
    return message(text, blocks)
