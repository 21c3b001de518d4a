"""Builders for `/crm merge`: which account a name means, the question (what will move) and
the answer."""

from collections.abc import Mapping, Sequence
from typing import Literal

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from handlers.blocks import Message, message, section
from handlers.blocks.names import Buttons, Choice, build_unknown_name
from handlers.blocks.text import bold, escape
from handlers.ids import CrmAction

# How a table's rows read in a sentence: ("call", "calls").
_ROWS = {
    "interactions": ("call", "calls"),
    "contacts": ("contact", "contacts"),
    "deals": ("deal", "deals"),
    "deal_stage_changes": ("stage change", "stage changes"),
    "followups": ("follow-up", "follow-ups"),
    "account_channels": ("channel link", "channel links"),
    "account_aliases": ("other name", "other names"),
}


def describe_rows(counts: Mapping[str, int]) -> str:
    """ "3 calls, 1 contact and 2 deals", or "nothing else" when there is nothing."""
    parts = [
        f"{n:,} {_ROWS.get(table, (table, table))[n != 1]}" for table, n in counts.items() if n
    ]
    if not parts:
        return "nothing else"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def build_merge_pick(
    *,
    typed: str,
    choices: Sequence[Choice],
    close: bool,
    pending_id: int,
    unknown: Literal["source", "target"],
    other: str,
) -> Message:
    """A merge's name that isn't clearly an account (the `unknown` side; `other` names the other
    side): the close names, or the nearest, as buttons; never Create, a merge makes no account."""
    note = (
        f"Pick the one that goes into {bold(other)}"
        if unknown == "source"
        else f"Pick the one {bold(other)} goes into"
    )
    buttons = Buttons(
        pick=CrmAction.MERGE_PICK,
        value=lambda choice: f"{pending_id}:{choice.id}",
        block_id=f"merge_pick_{pending_id}",
        note=f"{note}; nothing moves until you confirm.",
    )
    return build_unknown_name(typed=typed, choices=list(choices), close=close, buttons=buttons)


def build_merge_nothing_close(typed: str) -> Message:
    """A merge's name that no account is close to: one sentence, as everywhere, and no Create."""
    buttons = Buttons(pick=CrmAction.MERGE_PICK, value=lambda choice: "")
    return build_unknown_name(typed=typed, choices=[], close=False, buttons=buttons)


def build_merge_question(
    *, source: str, target: str, counts: Mapping[str, int], pending_id: int
) -> Message:
    text = (
        f":twisted_rightwards_arrows: Merge {bold(source)} into {bold(target)}? Its "
        f"{describe_rows(counts)} move to {bold(target)}, and {bold(source)} stays findable as "
        f"another name of {bold(target)}. This can't be undone."
    )
    buttons = [
        ButtonElement(
            text="Merge", action_id=CrmAction.MERGE_CONFIRM, value=str(pending_id), style="danger"
        ),
        ButtonElement(text="Cancel", action_id=CrmAction.MERGE_CANCEL, value=str(pending_id)),
    ]
    return message(
        text, [section(text), ActionsBlock(block_id=CrmAction.MERGE_BLOCK, elements=buttons)]
    )


def build_merged(*, source: str, target: str, moved: Mapping[str, int]) -> Message:
    text = (
        f":white_check_mark: Merged {bold(source)} into {bold(target)}: moved "
        f"{describe_rows(moved)}. Lookups of {bold(source)} now find {bold(target)}."
    )
    return message(text, [section(text)])


def build_merge_canceled() -> Message:
    text = "Canceled; nothing was merged."
    return message(text, [section(text)])


def build_duplicates_pending() -> Message:
    text = ":mag: Looking for accounts that look like duplicates…"
    return message(text, [section(text)])


def build_duplicates(pairs: Sequence[tuple[str, str, Sequence[str]]], *, total: int) -> Message:
    """Likely duplicates best first, each with why and the command that merges it."""
    if not pairs:
        text = "No accounts look like duplicates."
        return message(text, [section(text)])
    head = f"*Likely duplicate accounts* ({total:,}, best first)"
    if total > len(pairs):
        head += f"; the first {len(pairs)} here, all of them with `rapport duplicates`"
    lines = [
        f"• {bold(first)} and {bold(second)}: {', '.join(why)} "
        f"(`/crm merge {literal_text(second)} into {literal_text(first)}`)"
        for first, second, why in pairs
    ]
    blocks = [section(head)]
    blocks += [section("\n".join(lines[i : i + 10])) for i in range(0, len(lines), 10)]
    return message(f"Likely duplicate accounts: {total:,}", blocks)


def literal_text(name: str) -> str:
    """A name inside inline code: escaped, backticks dropped (they would end the code)."""
    return escape(name.replace("`", "'"))
