"""Builders for logging: the confirmation, picking an account, the log and follow-up modals."""

from dataclasses import dataclass
from datetime import datetime

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

from handlers.blocks import Message, context, message, section
from handlers.blocks.names import Buttons, Choice, build_unknown_name
from handlers.blocks.text import bold, escape, label, literal, local_time, quote, quote_name
from handlers.ids import LogAction, LogModal
from models import logbook
from models.interactions import InteractionKind

KINDS: dict[str, str] = {kind: kind.capitalize() for kind in InteractionKind}  # "Call"
WITH_ARTICLE: dict[str, str] = {
    kind: f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}" for kind in InteractionKind
}
NOTES_MAX = 3000  # plain_text_input's own limit


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


def build_logged(logged: Logged) -> Message:
    matched = ""
    if logged.typed_account and logged.typed_account.casefold() != logged.account.casefold():
        matched = f" (you typed “{quote_name(logged.typed_account, 60)}”)"
    kind = WITH_ARTICLE.get(logged.kind, logged.kind)
    headline = f":white_check_mark: Logged {kind} on {bold(logged.account)}{matched}"
    blocks: list[Block] = [section(headline)]
    if logged.notes:
        blocks.append(section(f">{quote(logged.notes, 600)}"))
    details = []
    if logged.permalink:
        details.append(f"<{logged.permalink}|Slack message>")
    if logged.followup_due:
        details.append(f":alarm_clock: Follow-up {local_time(logged.followup_due, logged.tz)}")
    if details:
        blocks.append(context(" · ".join(details)))
    if logged.warning:
        blocks.append(section(f":warning: {escape(logged.warning)}"))
    blocks.append(_log_buttons(logged.interaction_id))
    return message(f"Logged {kind} on {literal(logged.account)}", blocks)


def _log_buttons(interaction_id: int) -> ActionsBlock:
    value = str(interaction_id)
    return ActionsBlock(
        block_id=f"log_{interaction_id}",
        elements=[
            ButtonElement(
                text="Undo",
                action_id=LogAction.UNDO,
                value=value,
                confirm=ConfirmObject(
                    title="Undo this log?", text="It will be removed.", confirm="Undo", deny="Keep"
                ),
            ),
            ButtonElement(text="Edit", action_id=LogAction.EDIT, value=value),
            ButtonElement(text="Add follow-up", action_id=LogAction.ADD_FOLLOWUP, value=value),
        ],
    )


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


def build_log_result(result: logbook.Logged | logbook.NeedsPick) -> Message:
    """The answer to a log: what was logged, or which account the rep meant."""
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
    )
    return build_logged(logged)


def build_done(text: str) -> Message:
    """A short replacement for a message whose buttons have been used."""
    return message(text, [section(text)])


@dataclass(frozen=True)
class LogForm:
    """What the log modal opens with."""

    account: Choice | None = None
    kind: str = "call"
    notes: str = ""
    when: str = "now"
    author_id: str | None = None


def build_log_modal(form: LogForm, *, private_metadata: str, edit: bool = False) -> dict:
    kind_options = [Option(value=value, label=label) for value, label in KINDS.items()]
    blocks: list[Block] = []
    if form.author_id:
        blocks.append(context(f"Message from <@{form.author_id}>"))
    if not edit:
        blocks.append(
            InputBlock(
                block_id=LogModal.ACCOUNT_BLOCK,
                label="Account",
                element=ExternalDataSelectElement(
                    action_id=LogModal.ACCOUNT_SELECT,
                    placeholder="Start typing a name",
                    min_query_length=1,
                    initial_option=Option(
                        value=str(form.account.id), label=label(form.account.name)
                    )
                    if form.account
                    else None,
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
    if not edit:
        blocks.append(
            InputBlock(
                block_id=LogModal.CONTACT_BLOCK,
                label="Contact",
                optional=True,
                element=ExternalDataSelectElement(
                    action_id=LogModal.CONTACT_SELECT,
                    placeholder="Who you talked to",
                    min_query_length=0,
                ),
            )
        )
    notes = form.notes if len(form.notes) <= NOTES_MAX else form.notes[: NOTES_MAX - 1] + "…"
    blocks.append(
        InputBlock(
            block_id=LogModal.NOTES_BLOCK,
            label="Notes",
            element=PlainTextInputElement(
                action_id=LogModal.NOTES_INPUT,
                multiline=True,
                initial_value=notes or None,
                max_length=NOTES_MAX,
            ),
        )
    )
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
