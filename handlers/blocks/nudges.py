"""A follow-up's DM: what is due, with Done, Snooze, Pick a date and Log a call; and the same
message once a click has settled it ("Done by you at 10:14")."""

from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DatePickerElement

from handlers.blocks import Message, context, message, section
from handlers.blocks.home import day_and_time
from handlers.blocks.text import bold, quote
from handlers.ids import NudgeAction
from models.base import zone


@dataclass(frozen=True)
class Nudge:
    followup_id: int
    snoozes: int
    account: str | None
    account_id: int | None
    note: str
    due_at: datetime
    set_at: datetime
    set_by: str | None  # a Slack user id; None: unknown
    rep_user: str  # the rep's Slack user id (the DM's reader)
    last_touch: datetime | None
    tz: str  # the zone times are shown in
    tz_is_theirs: bool  # False: the rep has no (known) zone; the workspace default stands in


def _what(nudge: Nudge) -> str:
    about = f"{bold(nudge.account)}" if nudge.account else "_no account_"
    note = quote(nudge.note, 1500) if nudge.note else "_no note_"
    return f"{about}\n{note}"


def _story(nudge: Nudge) -> str:
    by = "you" if nudge.set_by in (None, nudge.rep_user) else f"<@{nudge.set_by}>"
    due = day_and_time(nudge.due_at, nudge.tz)
    story = f"Due {due} · set by {by} on {day_and_time(nudge.set_at, nudge.tz)}"
    if nudge.account:
        touched = day_and_time(nudge.last_touch, nudge.tz) if nudge.last_touch else "never"
        story += f" · last touch {touched}"
    return story


def _footer(nudge: Nudge) -> list[Block]:
    if nudge.tz_is_theirs:
        return []
    return [
        context(
            f"Times are in {nudge.tz}, the workspace default: Slack didn't give me your time zone."
        )
    ]


def _buttons(nudge: Nudge) -> ActionsBlock:
    value = f"{nudge.followup_id}:{nudge.snoozes}"
    elements = [
        ButtonElement(text="Done", action_id=NudgeAction.DONE, value=value, style="primary"),
        ButtonElement(text="Snooze 1 day", action_id=NudgeAction.SNOOZE_DAY, value=value),
        ButtonElement(text="Snooze 1 week", action_id=NudgeAction.SNOOZE_WEEK, value=value),
        DatePickerElement(action_id=NudgeAction.PICK_DATE, placeholder="Pick a date"),
    ]
    if nudge.account_id:
        elements.append(
            ButtonElement(
                text="Log a call", action_id=NudgeAction.LOG_CALL, value=str(nudge.account_id)
            )
        )
    return ActionsBlock(block_id=f"nudge_{value.replace(':', '_')}", elements=elements)


def build_nudge(nudge: Nudge) -> Message:
    """The DM sent when a follow-up falls due."""
    about = f" on {nudge.account}" if nudge.account else ""
    blocks: list[Block] = [
        section(f":bell: Follow-up due\n{_what(nudge)}"),
        context(_story(nudge)),
        _buttons(nudge),
        *_footer(nudge),
    ]
    return message(f"Follow-up due{about}: {nudge.note}"[:300], blocks)


def build_settled_nudge(nudge: Nudge, outcome: str) -> Message:
    """The DM once settled: what happened, by whom (built mrkdwn), and no buttons."""
    blocks: list[Block] = [section(f"{outcome}\n{_what(nudge)}"), context(_story(nudge))]
    return message(outcome, [*blocks, *_footer(nudge)])


def _clock(at: datetime, tz: str) -> str:
    return f"{at.astimezone(zone(tz)):%H:%M}"


def done_outcome(at: datetime, tz: str) -> str:
    return f":white_check_mark: Done by you at {_clock(at, tz)}"


def snoozed_outcome(to: datetime, tz: str, at: datetime) -> str:
    return f":zzz: Snoozed by you at {_clock(at, tz)} to {day_and_time(to, tz)}: I'll DM you then."
