"""A follow-up's DM: what is due, with Done, Snooze, Pick a date and Log a call; and the same
message once a click has settled it ("Done by you at 10:14")."""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DatePickerElement

from handlers.blocks import Message, context, message, section
from handlers.blocks.home import day_and_time
from handlers.blocks.text import SECTION_MAX, bold, escape, fit, preview, quote
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
        context("Times are in UTC, the workspace default: Slack didn't give me your time zone.")
    ]


def build_nudge(nudge: Nudge) -> Message:
    """The DM sent when a follow-up falls due: `build_nudge_blocks`, its Block Kit built and
    checked once per shape, then filled in (a sweep renders thousands a minute)."""
    template = _template(nudge.account_id is not None, nudge.tz_is_theirs)
    values = {key: json.dumps(value)[1:-1] for key, value in _fields(nudge).items()}
    # One pass: a note that reads like a placeholder is not filled in again.
    return json.loads(MARK.sub(lambda found: values[found[1]], template))


MARK = re.compile(r"@@(\w+)@@")


def _mark(key: str) -> str:
    return f"@@{key}@@"


def _fields(nudge: Nudge) -> dict[str, str]:
    about = f" on {nudge.account}" if nudge.account else ""
    value = f"{nudge.followup_id}:{nudge.snoozes}"
    return {
        # The notification text: escaped like every typed string (a note's <!channel> pings
        # nobody), plain (no formatting tokens), cut on a whole entity.
        "text": fit(escape(f"Follow-up due{about}: {preview(nudge.note, 280)}"), 300),
        "what": fit(f":bell: Follow-up due\n{_what(nudge)}", SECTION_MAX),
        "story": fit(_story(nudge), SECTION_MAX),
        "value": value,
        "block": f"nudge_{value.replace(':', '_')}",
        "account": str(nudge.account_id or ""),
    }


@cache
def _template(has_account: bool, tz_is_theirs: bool) -> str:
    marked = Nudge(
        followup_id=0, snoozes=0, account="", account_id=1 if has_account else None, note="",
        due_at=datetime(2026, 1, 1, tzinfo=UTC), set_at=datetime(2026, 1, 1, tzinfo=UTC),
        set_by=None, rep_user="", last_touch=None, tz="UTC", tz_is_theirs=tz_is_theirs,
    )  # fmt: skip
    return json.dumps(build_nudge_blocks(marked, marks=True))


def build_nudge_blocks(nudge: Nudge, *, marks: bool = False) -> Message:
    """The DM sent when a follow-up falls due, built with slack_sdk.models (checked on to_dict);
    with `marks`, its per-follow-up strings are placeholders `build_nudge` fills in."""
    fields = {key: _mark(key) for key in _fields(nudge)} if marks else _fields(nudge)
    value, account = fields["value"], fields["account"]
    elements = [
        ButtonElement(text="Done", action_id=NudgeAction.DONE, value=value, style="primary"),
        ButtonElement(text="Snooze 1 day", action_id=NudgeAction.SNOOZE_DAY, value=value),
        ButtonElement(text="Snooze 1 week", action_id=NudgeAction.SNOOZE_WEEK, value=value),
        DatePickerElement(action_id=NudgeAction.PICK_DATE, placeholder="Pick a date"),
    ]
    if nudge.account_id:
        elements.append(
            ButtonElement(text="Log a call", action_id=NudgeAction.LOG_CALL, value=account)
        )
    blocks: list[Block] = [
        section(fields["what"]),
        context(fields["story"]),
        ActionsBlock(block_id=fields["block"], elements=elements),
        *_footer(nudge),
    ]
    return message(fields["text"], blocks)


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
