"""The buttons on a logged call (Undo, Edit, Add follow-up), their modals (Edit's Delete), and
"which account?"."""

import re
from datetime import datetime

from slack_bolt import App

from handlers import listener
from handlers.blocks import Message
from handlers.blocks.calls import (
    KINDS,
    Choice,
    LogForm,
    build_deleted_modal,
    build_done,
    build_edit_modal,
    build_followup_modal,
    build_log_result,
)
from handlers.blocks.text import bold, local_input, local_time, quote
from handlers.calls.forms import (
    LogMeta,
    LogSubmission,
    change_from,
    read_followup_submission,
    read_log_submission,
    version_of,
)
from handlers.deps import Deps
from handlers.ids import LogAction, LogModal
from handlers.listener import Turn
from handlers.parsing.values import metadata, row_id
from models import accounts, interactions, logbook
from models.base import NotFound
from models.interactions import InteractionKind

PICK = re.compile(rf"^{LogAction.PICK_ACCOUNT}_\d+$")
REPLACE = {"replace_original": True}
CONTACT_ELSEWHERE = "That contact is at another account: pick one of this account's, or none."
NEW = {"replace_original": False}  # a new message for the clicker; what they clicked stays


def register(app: App, deps: Deps) -> None:
    app.action(PICK)(listener.action(deps, handle_pick_account_button))
    app.action(LogAction.CREATE_ACCOUNT)(listener.action(deps, handle_pick_account_button))
    app.action(LogAction.UNDO)(listener.action(deps, handle_undo_button))
    app.action(LogAction.EDIT)(listener.action(deps, handle_log_modal_button))
    app.action(LogAction.DELETE)(listener.action(deps, handle_delete_button))
    app.action(LogAction.ADD_FOLLOWUP)(listener.action(deps, handle_log_modal_button))
    app.view(LogModal.EDIT_CALLBACK)(listener.view(deps, read_edit, handle_edit_submission))
    app.view(LogModal.FOLLOWUP_CALLBACK)(
        listener.view(deps, read_followup, handle_followup_submission)
    )


def _value(turn: Turn) -> str:
    return turn.body["actions"][0]["value"]


def handle_pick_account_button(turn: Turn) -> Message:
    """A pick (or Create) on "which account?": the parked draft is taken and logged at once."""
    pending_id, _, account_id = _value(turn).partition(":")
    with turn.begin() as session:
        logged = logbook.finish_pending(
            session=session,
            rep=turn.rep(session),
            pending_id=row_id(pending_id),
            account_id=row_id(account_id) if account_id else None,
            now=turn.now(),
        )
    if logged is None:  # a double click: the first one's confirmation (and its buttons) stays
        return build_done("That one is already logged; its confirmation is above.") | NEW
    return build_log_result(logged) | REPLACE


def handle_undo_button(turn: Turn) -> Message:
    try:
        with turn.begin() as session:
            rep = turn.rep(session)
            undone = interactions.undo_interaction(
                session=session,
                team_id=rep.team_id,
                interaction_id=row_id(_value(turn)),
                rep=rep,
                now=turn.now(),
            )
            account = accounts.get_account(
                session=session, team_id=rep.team_id, account_id=undone.account_id
            )
    except NotFound as gone:  # a double click: the first one's answer stays where it is
        return build_done(str(gone)) | NEW
    kind = KINDS[InteractionKind(undone.kind)].lower()
    return build_done(f"Undone: the {kind} on {bold(account.name)} is removed.") | REPLACE


def handle_log_modal_button(turn: Turn) -> Message | None:
    """Edit and Add follow-up: each opens a modal about the logged interaction."""
    action, team_id = turn.body["actions"][0], turn.caller.team_id
    edit = action["action_id"] == LogAction.EDIT
    with turn.begin() as session:
        rep = turn.rep(session)
        found, account, contact, author = logbook.get_logged(
            session=session, team_id=team_id, interaction_id=row_id(action["value"])
        )
    meta = LogMeta(
        source="edit" if edit else "followup",
        interaction_id=found.id,
        response_url=turn.body.get("response_url"),
    )
    if not edit:
        view = build_followup_modal(account=account.name, private_metadata=meta.dump())
    elif found.rep_id != rep.id and not rep.is_admin:
        return build_done(f":warning: {interactions.NOT_YOURS}") | NEW
    else:
        when = local_input(found.occurred_at, turn.caller.tz)
        meta = meta.model_copy(update={"version": version_of(found), "when": when})
        form = LogForm(
            account=Choice(account.id or 0, account.name),
            kind=found.kind,
            notes=found.summary,
            when=when,
            contact=Choice(contact.id or 0, contact.name) if contact else None,
        )
        view = build_edit_modal(
            form,
            interaction_id=found.id or 0,
            private_metadata=meta.dump(),
            can_edit=found.rep_id == rep.id,
            author_id=author.slack_user_id,
        )
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)
    return None


def read_edit(turn: Turn) -> LogSubmission | dict[str, str]:
    values = turn.body["view"]["state"]["values"]
    submitted = read_log_submission(
        values, now=turn.now(), tz=turn.caller.tz, order=turn.caller.date_order
    )
    if isinstance(submitted, dict) or not (submitted.contact_id and submitted.account_id):
        return submitted
    with turn.begin() as session:  # a contact of the account the call was on: say so, keep it open
        fits = interactions.contact_is_at(
            session=session,
            team_id=turn.caller.team_id,
            contact_id=submitted.contact_id,
            account_id=submitted.account_id,
        )
    return submitted if fits else {LogModal.CONTACT_BLOCK: CONTACT_ELSEWHERE}


def handle_edit_submission(turn: Turn, submitted: LogSubmission) -> Message:
    meta = metadata(LogMeta, turn.body["view"]["private_metadata"])
    with turn.begin() as session:
        rep = turn.rep(session)
        current = interactions.get_interaction(
            session=session, team_id=rep.team_id, interaction_id=meta.interaction_id or 0
        )
        edited = logbook.edit_logged(
            session=session,
            rep=rep,
            interaction_id=current.id or 0,
            change=change_from(meta, submitted, current),
            now=turn.now(),
        )
    return build_log_result(edited) | REPLACE


def handle_delete_button(turn: Turn) -> None:
    """Delete in the Edit modal (after Slack's confirm): the log goes, the modal says so, and
    the confirmation it was opened from is replaced."""
    view = turn.body.get("view") or {}
    meta = metadata(LogMeta, view.get("private_metadata", ""))
    with turn.begin() as session:
        rep = turn.rep(session)
        removed, account = logbook.delete_logged(
            session=session, rep=rep, interaction_id=row_id(_value(turn)), now=turn.now()
        )
    kind = KINDS[InteractionKind(removed.kind)].lower()
    text = (
        f":wastebasket: Deleted the {kind} on {bold(account.name)} "
        f"({local_time(removed.occurred_at, rep.tz)}), and its follow-ups."
    )
    if view.get("id"):
        turn.client.views_update(
            view_id=view["id"], hash=view.get("hash"), view=build_deleted_modal(text)
        )
    if meta.response_url:
        listener.response_url(meta.response_url)(**build_done(text) | REPLACE)
    else:
        turn.reply(**build_done(text))


def read_followup(turn: Turn) -> tuple[datetime, str] | dict[str, str]:
    values = turn.body["view"]["state"]["values"]
    return read_followup_submission(
        values, now=turn.now(), tz=turn.caller.tz, order=turn.caller.date_order
    )


def handle_followup_submission(turn: Turn, submitted: tuple[datetime, str]) -> Message | None:
    due, note = submitted
    meta = metadata(LogMeta, turn.body["view"]["private_metadata"])
    with turn.begin() as session:
        rep = turn.rep(session)
        followup, account, created = logbook.add_followup(
            session=session,
            rep=rep,
            interaction_id=meta.interaction_id or 0,
            due_at=due,
            note=note,
            now=turn.now(),
            source_key=f"view:{turn.body['view']['id']}",  # a double submission adds nothing
        )
    if not created:  # a repeated submission of the same modal adds nothing and says nothing
        return None
    text = f":alarm_clock: Follow-up on {bold(account.name)} {local_time(due, rep.tz)}"
    if followup.note:
        text += f": “{quote(followup.note, 300)}”"
    return build_done(text) | NEW
