"""Builders for /crm: help, and the account basics."""

from copy import deepcopy
from functools import cache

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
)

from handlers.blocks import Message, message, section
from handlers.blocks.text import escape, mention, quote
from handlers.ids import Command

# (usage example, what it does); a later release fills in the ones marked False.
HELP_COMMANDS: list[tuple[str, str, bool]] = [
    (
        f"{Command.LOG_CALL} Acme: talked renewal. Follow up next Tuesday",
        "log a call, and a follow-up",
        True,
    ),
    (f"{Command.WHO_OWNS} Acme", "owner, last touch, open deals", True),
    (
        f"{Command.HISTORY} Acme calls",
        "the account's timeline (calls, meetings, emails, notes, deals)",
        True,
    ),
    (f"{Command.DEAL} new Acme: Renewal 2027 $48,000", "create and move deals", False),
    (f"{Command.FOLLOWUP} Acme in 3 days: send the contract", "a follow-up for you", False),
]
HELP_CRM: list[tuple[str, str, bool]] = [
    ("new Acme Corp @dana", "create an account (owner: you, unless you mention someone)", True),
    ("assign Acme Corp @dana", "give an account a new owner (its owner or an admin)", True),
    ("link Acme", "make this channel Acme's (`/crm unlink` to undo)", True),
    ("contact Acme: Jane Roe, jane@acme.com, VP Sales", "add a contact", True),
    ("pipeline team", "open deals by stage, won/lost, stuck and overdue (`chart`: a PNG)", True),
    ("stages", "the pipeline's stages", False),
    ("digest off", "stop the morning digest", False),
    ("handoff @from @to", "admins: move one rep's accounts to another", False),
    ("merge Acme Inc into Acme", "admins: merge duplicate accounts", False),
    ("duplicates", "admins: accounts that look like duplicates", False),
    ("audit Acme", "admins: every change to an account", False),
    ("erase-contact jane@acme.com", "admins: erase a person on request", False),
]
SOON = " _(coming soon)_"


def _lines(rows: list[tuple[str, str, bool]], prefix: str = "") -> str:
    return "\n".join(
        f"`{prefix}{usage}` {what}{'' if ready else SOON}" for usage, what, ready in rows
    )


def build_crm_help(*, unknown: str | None = None) -> Message:
    head: list[Block] = [HeaderBlock(text="Rapport: your CRM in Slack")]
    if unknown:
        text = f"I don't know `{quote(unknown, 80)}`. Here is what I can do:"
        head.append(section(text))
    built = message("Rapport help: /crm new, /crm assign and more", head)
    built["blocks"] += _help_blocks()
    return built


@cache
def _help_blocks_cached() -> tuple[dict, ...]:
    """The help never changes at run time; it is on the hot path of every `/crm`."""
    blocks = [
        section(_lines(HELP_CRM, prefix=f"{Command.CRM} ")),
        DividerBlock(),
        section(_lines(HELP_COMMANDS)),
        ContextBlock(
            elements=[
                MarkdownTextObject(text="Account names ignore case, punctuation and Inc/LLC/GmbH.")
            ]
        ),
    ]
    return tuple(block.to_dict() for block in blocks)


def _help_blocks() -> list[dict]:
    return deepcopy(list(_help_blocks_cached()))


def build_account_created(*, account: str, owner_id: str, caller_id: str) -> Message:
    owner = "you" if owner_id == caller_id else mention(owner_id)
    text = f":white_check_mark: Created *{escape(account)}*, owned by {owner}."
    return message(f"Created {escape(account)}", [section(text)])


def build_owner_assigned(*, account: str, owner_id: str, previous_id: str | None) -> Message:
    if previous_id == owner_id:
        text = f"{mention(owner_id)} already owns *{escape(account)}*; nothing changed."
    else:
        was = f" (was {mention(previous_id)})" if previous_id else " (it had no owner)"
        text = f":white_check_mark: *{escape(account)}* is now owned by {mention(owner_id)}{was}."
    return message(f"{escape(account)}: new owner", [section(text)])


def build_contact_saved(
    *, account: str, name: str, email: str | None, title: str | None, created: bool
) -> Message:
    who = escape(name) + "".join(f", {escape(part)}" for part in (title, email) if part)
    verb = "Added" if created else "Updated"
    text = f":bust_in_silhouette: {verb} {who} at *{escape(account)}*."
    return message(f"{verb} {escape(name)} at {escape(account)}", [section(text)])


def build_channel_linked(*, account: str | None, previous: str | None) -> Message:
    if account is None:
        text = (
            f"This channel is no longer linked to *{escape(previous)}*."
            if previous
            else "This channel wasn't linked to an account."
        )
    else:
        was = f" (it was {escape(previous)}'s)" if previous and previous != account else ""
        text = (
            f":link: This channel is now *{escape(account)}*'s{was}: `/who-owns`, `/history` "
            "and `/log-call` here need no account name."
        )
    return message(text, [section(text)])


def build_error(sentence: str) -> Message:
    """A user-caused error; the sentence may quote what they typed, so it is escaped."""
    return message(escape(sentence), [section(f":warning: {escape(sentence)}")])


def build_not_yet(*, what: str) -> Message:
    text = (
        f"`{escape(what)}` isn't in this version of Rapport yet. "
        "`/crm help` lists what works today."
    )
    return message(text, [section(text)])
