"""Builders for logging: the confirmation, picking an account, the log and follow-up modals."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ExternalDataSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from handlers.blocks import Message, context, kit, message, section
from handlers.blocks.names import Buttons, Choice, build_unknown_name
from handlers.blocks.text import bold, escape, label, literal, local_time, quote, quote_name
from handlers.ids import LogAction, LogModal
from models import logbook
from models.interactions import Interaction, InteractionKind

KINDS: dict[str, str] = {kind: kind.capitalize() for kind in InteractionKind}  # "Call"
WITH_ARTICLE: dict[str, str] = {
    kind: f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}" for kind in InteractionKind
}
NOTES_MAX = 3000  # plain_text_input's own limit (max_length), counted as Slack counts
CHANGED = {  # an interaction's fields as a confirmation names them
    "account_id": "account",
    "contact_id": "contact",
    "kind": "what happened",
    "summary": "notes",
    "occurred_at": "time",
}


@dataclass(frozen=True)
class Logged:
    """What the confirmation shows; all strings as typed (builders escape them)."""

    interaction_id: int
    kind: str
    account: str
    typed_account: str | None
    notes: str
    permalink: str | None
    followup_due: datetime | None
    tz: str
    warning: str | None = None
    new_account: bool = False  # created for this log, owned by the rep
    contact: str | None = None
    occurred_at: datetime | None = None  # shown when it isn't the moment of logging
    changed: list[str] | None = None  # an edit's changed fields (CHANGED keys); None: a new log


def build_logged(logged: Logged) -> Message:
    matched = ""
    if logged.typed_account and logged.typed_account.casefold() != logged.account.casefold():
        matched = f" (you typed “{quote_name(logged.typed_account, 60)}”)"
    kind = WITH_ARTICLE.get(logged.kind, logged.kind)
    account, name = bold(logged.account), literal(logged.account)
    if logged.changed is not None:
        headline = _edited_headline(logged, account)
        fallback = f"Saved the {logged.kind} on {name}"
    elif logged.new_account:
        headline = f":white_check_mark: Created {account} (owner: you) and logged {kind}"
        fallback = f"Created {name} and logged {kind}"
    else:
        headline = f":white_check_mark: Logged {kind} on {account}{matched}"
        fallback = f"Logged {kind} on {name}"
    if logged.contact:
        headline += f" with {literal(logged.contact)}"
    if logged.occurred_at:
        headline += f", {local_time(logged.occurred_at, logged.tz)}"
    blocks = [kit.section(headline)]
    if logged.notes:
        blocks.append(kit.section(f">{quote(logged.notes, 600)}"))
    details = []
    if logged.permalink:
        details.append(f"<{logged.permalink}|Slack message>")
    if logged.followup_due:
        details.append(f":alarm_clock: Follow-up {local_time(logged.followup_due, logged.tz)}")
    if details:
        blocks.append(kit.context(" · ".join(details)))
    if logged.warning:
        blocks.append(kit.section(f":warning: {escape(logged.warning)}"))
    blocks.append(_log_buttons(logged.interaction_id))
    return message(fallback, blocks)


def _edited_headline(logged: Logged, account: str) -> str:
    if not logged.changed:
        return f":white_check_mark: Nothing changed: the {logged.kind} on {account} is as it was"
    fields = ", ".join(CHANGED.get(name, name) for name in logged.changed)
    created = " (created; owner: you)" if logged.new_account else ""
    return f":pencil2: Saved {fields}: the {logged.kind} is on {account}{created}"


def _log_buttons(interaction_id: int) -> kit.Json:
    value = str(interaction_id)
    undo = kit.confirm(
        title="Undo this log?", text="It will be removed.", confirm="Undo", deny="Keep"
    )
    elements = [
        kit.button("Undo", action_id=LogAction.UNDO, value=value, confirm=undo),
        kit.button("Edit", action_id=LogAction.EDIT, value=value),
        kit.button("Add follow-up", action_id=LogAction.ADD_FOLLOWUP, value=value),
    ]
    return kit.actions(elements, block_id=f"log_{interaction_id}")


def build_pick_account(
    *, typed: str, pending_id: int, choices: list[Choice], nearest: list[Choice]
) -> Message:
    """Which account a log is for: the close names, or the nearest ones, and Create."""
    buttons = Buttons(
        pick=LogAction.PICK_ACCOUNT,
        value=lambda choice: f"{pending_id}:{choice.id}",
        create=LogAction.CREATE_ACCOUNT,
        create_value=str(pending_id),
        block_id=f"pick_{pending_id}",
        note="Your notes are saved; pick one to log them.",
    )
    return build_unknown_name(
        typed=typed, choices=choices or nearest, close=bool(choices), buttons=buttons
    )


def build_log_result(result: logbook.Logged | logbook.NeedsPick | logbook.Edited) -> Message:
    """The answer to a log or an edit: what was stored, or which account the rep meant."""
    changed = result.changed if isinstance(result, logbook.Edited) else None
    if isinstance(result, logbook.Edited):
        result = result.logged
    if isinstance(result, logbook.NeedsPick):
        return build_pick_account(
            typed=result.typed,
            pending_id=result.pending_id,
            choices=[Choice(c.id, c.name) for c in result.choices],
            nearest=[Choice(c.id, c.name) for c in result.nearest],
        )
    interaction = result.interaction
    logged = Logged(
        interaction_id=interaction.id or 0,
        kind=interaction.kind,
        account=result.account.name,
        typed_account=result.typed,
        notes=interaction.summary,
        permalink=interaction.permalink,
        followup_due=result.followup_due,
        tz=result.rep.tz,
        warning=result.warning,
        new_account=result.new_account,
        contact=result.contact.name if result.contact else None,
        occurred_at=interaction.occurred_at if _told_when(interaction, changed) else None,
        changed=changed,
    )
    return build_logged(logged)


def _told_when(interaction: Interaction, changed: list[str] | None) -> bool:
    """Whether the rep gave the time (a When, or an edit of it), so the answer repeats it."""
    if changed is not None and "occurred_at" in changed:
        return True
    return abs(interaction.occurred_at - interaction.created_at) >= timedelta(minutes=1)


def build_done(text: str) -> Message:
    """A short replacement for a message whose buttons have been used."""
    return message(text, [kit.section(text)])


@dataclass(frozen=True)
class LogForm:
    """What the log modal opens with; `notes` whole, however long."""

    account: Choice | None = None
    kind: str = "call"
    notes: str = ""
    when: str = "now"
    author_id: str | None = None
    contact: Choice | None = None
    rest_kept: bool = False  # notes longer than the input: the rest is kept for the submission


def slack_length(text: str) -> int:
    """A length as Slack's clients count it against max_length: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_notes(notes: str, limit: int = NOTES_MAX) -> tuple[str, str]:
    """(what fits in the notes input, the rest): cut on whitespace near the limit when there is
    some, so `head + rest == notes` and the head never ends in whitespace."""
    if slack_length(notes) <= limit:
        return notes, ""
    cut = limit
    while slack_length(notes[:cut]) > limit:
        cut -= 1
    space = max(notes.rfind(" ", 0, cut), notes.rfind("\n", 0, cut))
    if space > cut - 300:
        cut = space
    head = notes[:cut].rstrip()
    return head, notes[len(head) :]


def build_log_modal(form: LogForm, *, private_metadata: str, edit: bool = False) -> dict:
    """The log modal, or (edit) the Edit modal of a logged interaction with a Delete button."""
    kind_options = [Option(value=value, label=label) for value, label in KINDS.items()]
    blocks: list[Block] = []
    if form.author_id:
        blocks.append(context(f"Message from <@{form.author_id}>"))
    blocks.append(
        InputBlock(
            block_id=LogModal.ACCOUNT_BLOCK,
            label="Account",
            element=ExternalDataSelectElement(
                action_id=LogModal.ACCOUNT_SELECT,
                placeholder="Start typing a name",
                min_query_length=1,
                initial_option=_option(form.account),
            ),
        )
    )
    blocks.append(
        InputBlock(
            block_id=LogModal.KIND_BLOCK,
            label="What happened",
            element=StaticSelectElement(
                action_id=LogModal.KIND_SELECT,
                options=kind_options,
                initial_option=next(o for o in kind_options if o.value == form.kind),
            ),
        )
    )
    blocks.append(
        InputBlock(
            block_id=LogModal.CONTACT_BLOCK,
            label="Contact",
            optional=True,
            element=ExternalDataSelectElement(
                action_id=LogModal.CONTACT_SELECT,
                placeholder="Who you talked to",
                min_query_length=0,
                initial_option=_option(form.contact),
            ),
        )
    )
    blocks.append(_notes_input(form.notes, keeps_rest=edit or form.rest_kept))
    blocks.append(
        InputBlock(
            block_id=LogModal.WHEN_BLOCK,
            label="When",
            hint="“now”, “yesterday 3pm”, “Mon 10:30”",
            element=PlainTextInputElement(action_id=LogModal.WHEN_INPUT, initial_value=form.when),
        )
    )
    if not edit:
        blocks.append(_followup_input(optional=True))
    return View(
        type="modal",
        callback_id=LogModal.EDIT_CALLBACK if edit else LogModal.CALLBACK,
        title="Edit log" if edit else "Log to CRM",
        submit="Save" if edit else "Log",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=blocks,
    ).to_dict()


def _option(choice: Choice | None) -> Option | None:
    return Option(value=str(choice.id), label=label(choice.name)) if choice else None


def _notes_input(notes: str, *, keeps_rest: bool) -> InputBlock:
    """The notes field; a note longer than it holds shows its first part, and the hint says
    what happens to the rest."""
    head, rest = split_notes(notes)
    hint = None
    if rest and keeps_rest:
        hint = (
            f"This note is {len(notes):,} characters; the first {len(head):,} are here. "
            f"The other {len(rest):,} are kept and follow what you save."
        )
    elif rest:
        hint = f"Only the first {len(head):,} of {len(notes):,} characters fit in a note."
    return InputBlock(
        block_id=LogModal.NOTES_BLOCK,
        label="Notes",
        hint=hint,
        element=PlainTextInputElement(
            action_id=LogModal.NOTES_INPUT,
            multiline=True,
            initial_value=head or None,
            max_length=NOTES_MAX,
        ),
    )


def build_edit_actions(interaction_id: int, *, kind: str, account: str) -> ActionsBlock:
    """The Edit modal's Delete button, behind Slack's confirm dialog."""
    return ActionsBlock(
        block_id=f"log_delete_{interaction_id}",
        elements=[
            ButtonElement(
                text="Delete this log",
                action_id=LogAction.DELETE,
                value=str(interaction_id),
                style="danger",
                confirm=ConfirmObject(
                    title=f"Delete this {kind}?",
                    text=label(
                        f"The {kind} on {account} and its follow-ups are removed for everyone.",
                        300,
                    ),
                    confirm="Delete",
                    deny="Keep",
                    style="danger",
                ),
            )
        ],
    )


def build_edit_modal(
    form: LogForm, *, interaction_id: int, private_metadata: str, can_edit: bool, author_id: str
) -> dict:
    """Edit (the author): every field and Delete. An admin who didn't log it: only Delete."""
    kind, account = KINDS[form.kind].lower(), form.account.name if form.account else ""
    delete = build_edit_actions(interaction_id, kind=kind, account=account)
    if can_edit:
        view = build_log_modal(form, private_metadata=private_metadata, edit=True)
        view["blocks"].append(delete.to_dict())
        return view
    blocks: list[Block] = [
        section(f"{KINDS[form.kind]} on {bold(account)}, logged by <@{author_id}>"),
        section(f">{quote(form.notes, 600)}"),
        context("Only the rep who logged it can edit it; as an admin you can delete it."),
        delete,
    ]
    return View(
        type="modal",
        callback_id=LogModal.EDIT_CALLBACK,
        title="Log",
        close="Close",
        private_metadata=private_metadata,
        blocks=blocks,
    ).to_dict()


def build_deleted_modal(text: str) -> dict:
    """What the Edit modal turns into once its log is deleted."""
    return View(type="modal", title="Deleted", close="Done", blocks=[section(text)]).to_dict()


def _followup_input(*, optional: bool) -> InputBlock:
    return InputBlock(
        block_id=LogModal.FOLLOWUP_BLOCK,
        label="Follow up",
        optional=optional,
        hint="“next Tuesday”, “in 2 weeks”, “Dec 3”, “friday 3pm”",
        element=PlainTextInputElement(
            action_id=LogModal.FOLLOWUP_INPUT, placeholder="When to remind you"
        ),
    )


def build_followup_modal(*, account: str, private_metadata: str) -> dict:
    blocks: list[Block] = [
        section(f"A follow-up on {bold(account)} for you."),
        _followup_input(optional=False),
        InputBlock(
            block_id=LogModal.FOLLOWUP_NOTE_BLOCK,
            label="Note",
            optional=True,
            element=PlainTextInputElement(
                action_id=LogModal.FOLLOWUP_NOTE_INPUT, max_length=NOTES_MAX
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=LogModal.FOLLOWUP_CALLBACK,
        title="Add follow-up",
        submit="Add",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=blocks,
    ).to_dict()


def build_account_options(choices: list[Choice], *, typed: str) -> list[dict]:
    """external_select suggestions: matches, then creating what was typed."""
    options = [Option(value=str(c.id), label=label(c.name)).to_dict() for c in choices[:10]]
    if typed.strip() and not any(c.name.casefold() == typed.strip().casefold() for c in choices):
        create = label(f"Create “{typed.strip()}”")
        options.append(Option(value=f"new:{typed.strip()[:140]}", label=create).to_dict())
    return options


def build_contact_options(contacts: list[tuple[int, str]]) -> list[dict]:
    return [Option(value=str(i), label=label(name)).to_dict() for i, name in contacts[:100]]
