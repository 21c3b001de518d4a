"""The buttons on a logged call (Undo, Edit, Add follow-up), their modals, and "which account?"."""

import re
from datetime import datetime

from slack_bolt import App

from handlers import listener
from handlers.blocks import Message
from handlers.blocks.calls import (
    KINDS,
    LogForm,
    build_done,
    build_followup_modal,
    build_log_modal,
    build_log_result,
)
from handlers.blocks.text import bold, local_input, local_time
from handlers.calls.forms import (
    LogMeta,
    LogSubmission,
    read_followup_submission,
    read_log_submission,
)
from handlers.deps import Deps
from handlers.ids import LogAction, LogModal
from handlers.listener import Turn
from handlers.parsing.values import metadata, row_id
from models import accounts, interactions, logbook
from models.interactions import InteractionKind

PICK = re.compile(rf"^{LogAction.PICK_ACCOUNT}_\d+$")
REPLACE = {"replace_original": True}


def register(app: App, deps: Deps) -> None:
    app.action(PICK)(listener.action(deps, handle_pick_account_button))
    app.action(LogAction.CREATE_ACCOUNT)(listener.action(deps, handle_pick_account_button))
    app.action(LogAction.UNDO)(listener.action(deps, handle_undo_button))
    app.action(LogAction.EDIT)(listener.action(deps, handle_log_modal_button))
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
    if logged is None:
        return build_done("That one is already logged.") | REPLACE
    return build_log_result(logged) | REPLACE


def handle_undo_button(turn: Turn) -> Message:
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
    kind = KINDS[InteractionKind(undone.kind)].lower()
    return build_done(f"Undone: the {kind} on {bold(account.name)} is removed.") | REPLACE


def handle_log_modal_button(turn: Turn) -> None:
    """Edit and Add follow-up: each opens a modal about the logged interaction."""
    action, team_id = turn.body["actions"][0], turn.caller.team_id
    edit = action["action_id"] == LogAction.EDIT
    with turn.begin() as session:
        found = interactions.get_interaction(
            session=session, team_id=team_id, interaction_id=row_id(action["value"])
        )
        account = (
            None
            if edit
            else accounts.get_account(session=session, team_id=team_id, account_id=found.account_id)
        )
    meta = LogMeta(
        source="edit" if edit else "followup",
        interaction_id=found.id,
        response_url=turn.body.get("response_url"),
    ).dump()
    if account is None:
        when = local_input(found.occurred_at, turn.caller.tz)
        form = LogForm(kind=found.kind, notes=found.summary, when=when)
        view = build_log_modal(form, private_metadata=meta, edit=True)
    else:
        view = build_followup_modal(account=account.name, private_metadata=meta)
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def read_edit(turn: Turn) -> LogSubmission | dict[str, str]:
    values = turn.body["view"]["state"]["values"]
    return read_log_submission(
        values, now=turn.now(), tz=turn.caller.tz, order=turn.caller.date_order
    )


def handle_edit_submission(turn: Turn, submitted: LogSubmission) -> Message:
    meta = metadata(LogMeta, turn.body["view"]["private_metadata"])
    with turn.begin() as session:
        rep = turn.rep(session)
        edited = interactions.update_interaction(
            session=session,
            team_id=rep.team_id,
            interaction_id=meta.interaction_id or 0,
            rep=rep,
            kind=InteractionKind(submitted.kind),
            summary=submitted.notes,
            occurred_at=submitted.occurred_at,
            now=turn.now(),
        )
        account = accounts.get_account(
            session=session, team_id=rep.team_id, account_id=edited.account_id
        )
    shown = logbook.Logged(
        interaction=edited,
        account=account,
        rep=rep,
        typed=None,
        followup_due=None,
        warning=None,
        created=False,
    )
    return build_log_result(shown) | REPLACE


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
        _, account, created = logbook.add_followup(
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
    text = f":alarm_clock: Follow-up on {bold(account.name)} {local_time(due, rep.tz)}."
    return build_done(text) | {"replace_original": False}
