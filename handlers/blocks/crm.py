"""Builders for /crm: help, and the account basics."""

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from handlers.blocks import Message, kit, message, section
from handlers.blocks.text import bold, escape, label, literal, mention, quote
from handlers.ids import Command, CrmAction

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
    (
        f"{Command.DEAL} new Acme: Renewal 2027 $48,000",
        "create a deal; `/deal` lists yours, `/deal Acme next|won|lost: why|stage Demo` moves it",
        True,
    ),
    (
        f"{Command.FOLLOWUP} Acme in 3 days: send the contract",
        "a follow-up for you; `/followup` alone lists yours with Done, Snooze and Pick a date",
        True,
    ),
]
HELP_CRM: list[tuple[str, str, bool]] = [
    ("new Acme Corp @dana", "create an account (owner: you, unless you mention someone)", True),
    ("assign Acme Corp @dana", "give an account a new owner (its owner or an admin)", True),
    ("link Acme", "make this channel Acme's (`/crm unlink` to undo)", True),
    ("contact Acme: Jane Roe, jane@acme.com, VP Sales", "add a contact", True),
    ("pipeline team", "open deals by stage, won/lost, stuck and overdue (`chart`: a PNG)", True),
    ("stages", "the pipeline's stages (admins: `stages set …`, `stages rename A to B`)", True),
    ("digest", "when your morning digest comes; `digest off` stops it, `digest on` resumes", True),
    ("hours 09:00-17:30", "when reminders may reach you (`mon-thu 9-17`; alone: yours)", True),
    (
        "handoff @dana @lee",
        "admins: Dana's accounts, open deals and follow-ups go to Lee (add a name: only that one)",
        True,
    ),
    ("merge Acme Inc into Acme", "merge a duplicate (admins, or the owner of both)", True),
    ("duplicates", "admins: accounts that look like duplicates", True),
    ("audit Acme", "every change to an account (admins and its owner)", True),
    ("erase-contact jane@acme.com", "admins: erase a person and every mention of them", True),
]
SOON = " _(coming soon)_"


def _lines(rows: list[tuple[str, str, bool]], prefix: str = "") -> str:
    return "\n".join(
        f"`{prefix}{usage}` {what}{'' if ready else SOON}" for usage, what, ready in rows
    )


# The help never changes at run time, and it is on the hot path of every `/crm`.
CRM_LINES, COMMAND_LINES = _lines(HELP_CRM, prefix=f"{Command.CRM} "), _lines(HELP_COMMANDS)


def build_crm_help(*, unknown: str | None = None) -> Message:
    blocks = [kit.header("Rapport: your CRM in Slack")]
    if unknown:
        blocks.append(kit.section(f"I don't know `{quote(unknown, 80)}`. Here is what I can do:"))
    blocks += [
        kit.section(CRM_LINES),
        kit.divider(),
        kit.section(COMMAND_LINES),
        kit.context("Account names ignore case, punctuation and Inc/LLC/GmbH."),
    ]
    return message("Rapport help: /crm new, /crm assign and more", blocks)


def build_account_created(*, account: str, owner_id: str, caller_id: str) -> Message:
    owner = "you" if owner_id == caller_id else mention(owner_id)
    text = f":white_check_mark: Created {bold(account)}, owned by {owner}."
    return message(f"Created {literal(account)}", [section(text)])


def build_owner_assigned(*, account: str, owner_id: str, previous_id: str | None) -> Message:
    if previous_id == owner_id:
        text = f"{mention(owner_id)} already owns {bold(account)}; nothing changed."
    else:
        was = f" (was {mention(previous_id)})" if previous_id else " (it had no owner)"
        text = f":white_check_mark: {bold(account)} is now owned by {mention(owner_id)}{was}."
    return message(f"{literal(account)}: new owner", [section(text)])


def build_contact_saved(
    *,
    account: str,
    name: str,
    email: str | None,
    title: str | None,
    created: bool,
    changes: Sequence[tuple[str, str | None, str | None]] = (),
) -> Message:
    """What a `/crm contact` did, field by field: `changes` are (field, before, after)."""
    who = literal(name) + "".join(f", {literal(part)}" for part in (title, email) if part)
    moved = next((change for change in changes if change[0] == "account"), None)
    rest = "; ".join(
        f"{field} {_was(before)} → {literal(after or '')}"
        for field, before, after in changes
        if field != "account"
    )
    if created:
        text = f":bust_in_silhouette: Added {who} at {bold(account)}."
    elif moved:
        text = f":bust_in_silhouette: Moved {literal(name)} from {bold(moved[1] or '')} to "
        text += f"{bold(account)}" + (f"; {rest}." if rest else ".")
    elif rest:
        text = f":bust_in_silhouette: Updated {literal(name)} at {bold(account)}: {rest}."
    else:
        text = f":bust_in_silhouette: {who} is already saved at {bold(account)}; nothing changed."
    return message(text, [section(text)])


def _was(before: str | None) -> str:
    return literal(before) if before else "(none)"


def build_contact_clash(
    *,
    email: str,
    name: str,
    title: str | None,
    at: str,
    account: str,
    new_name: str,
    moves: bool,
    renames: bool,
    pending_id: int,
) -> Message:
    """An email that is already someone at another account, or under another name: ask first."""
    held = f"{bold(name)}" + (f" ({literal(title)})" if title else "")
    text = f":raised_hand: {literal(email)} is {held} at {bold(at)}."
    if moves:
        rename = f" as {bold(new_name)}" if renames else ""
        text += f" One email is one person: move them to {bold(account)}{rename}?"
        yes = f"Move to {account}" + (f" as {new_name}" if renames else "")
        no = f"Keep at {at}"
    else:
        text += f" One email is one person: rename them {bold(new_name)}?"
        yes, no = f"Rename to {new_name}", f"Keep {name}"
    buttons = [
        ButtonElement(
            text=label(yes),
            action_id=CrmAction.CONTACT_SAVE,
            value=str(pending_id),
            style="primary",
        ),
        ButtonElement(text=label(no), action_id=CrmAction.CONTACT_KEEP, value=str(pending_id)),
    ]
    return message(
        text, [section(text), ActionsBlock(block_id=CrmAction.CONTACT_BLOCK, elements=buttons)]
    )


def build_contact_kept(*, name: str, at: str) -> Message:
    text = f"Kept {literal(name)} at {bold(at)}; nothing changed."
    return message(text, [section(text)])


def build_channel_linked(
    *, account: str | None, previous: str | None, unannounced: str | None = None
) -> Message:
    """The linker's answer; `unannounced` says why the channel wasn't told, when it wasn't."""
    if account is None:
        text = (
            f"This channel is no longer linked to {bold(previous)}."
            if previous
            else "This channel wasn't linked to an account."
        )
    elif previous == account:
        text = f"This channel is already {bold(account)}'s; nothing changed."
    else:
        was = f" (it was {bold(previous)}'s)" if previous else ""
        text = (
            f":link: This channel is now {bold(account)}'s{was}: `/who-owns`, `/history` "
            "and `/log-call` here need no account name."
        )
    if unannounced:
        text += f"\n{unannounced}"
    return message(text, [section(text)])


def build_link_refused(*, account: str, owner_id: str) -> Message:
    text = (
        f":lock: This channel is {bold(account)}'s. Only its owner {mention(owner_id)} or an "
        "admin can link it to another account or unlink it; nothing changed."
    )
    return message(f"This channel is {escape(account)}'s; nothing changed.", [section(text)])


def build_link_announcement(
    *, linker_id: str, account: str | None, previous: str | None, names: bool
) -> Message:
    """Posted in the channel; `names` False where a guest or another organisation reads it, so
    no account is named there."""
    who = mention(linker_id)
    if not names:
        text = f":link: {who} changed which account this channel is linked to in Rapport."
    elif account is None:
        text = f":link: {who} unlinked this channel from {bold(previous or '')} in Rapport."
    else:
        was = f" (it was {bold(previous)}'s)" if previous else ""
        text = (
            f":link: {who} linked this channel to {bold(account)} in Rapport{was}: "
            "`/who-owns`, `/history` and `/log-call` here now mean it."
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
