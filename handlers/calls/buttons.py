"""The buttons on a logged call (Undo, Edit, Add follow-up) and on "which account?"."""

import re

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from handlers.blocks.calls import (
    KINDS,
    LogForm,
    Logged,
    build_done,
    build_followup_modal,
    build_log_modal,
    build_logged,
)
from handlers.blocks.text import escape, local_input, local_time
from handlers.calls.flow import finish_pending
from handlers.calls.forms import LogMeta, read_followup_submission, read_log_submission
from handlers.calls.modal import accepted, confirmer
from handlers.deps import Deps
from handlers.directory import SlackUser
from handlers.errors import reporting
from handlers.ids import LogAction, LogModal
from models import accounts, followups, interactions
from models.interactions import InteractionKind

PICK = re.compile(rf"^{LogAction.PICK_ACCOUNT}_\d+$")


def register(app: App, deps: Deps) -> None:
    @app.action(PICK)
    @app.action(LogAction.CREATE_ACCOUNT)
    def handle_pick_account_button(
        ack: Ack, action: dict, respond: Respond, context: BoltContext
    ) -> None:
        ack()
        pending_id, _, account_id = action["value"].partition(":")
        with reporting(respond, what=action["action_id"]):
            done = finish_pending(
                deps, context["caller"], int(pending_id), int(account_id) if account_id else None
            )
            if done is None:
                respond(**build_done("That one is already logged."), replace_original=True)
            else:
                respond(**done[0], replace_original=True)

    @app.action(LogAction.UNDO)
    def handle_undo_button(ack: Ack, action: dict, respond: Respond, context: BoltContext) -> None:
        ack()
        caller: SlackUser = context["caller"]
        with reporting(respond, what=LogAction.UNDO):
            with deps.db.begin() as session:  # the reply goes out only once this has committed
                rep = deps.rep(session, caller)
                undone = interactions.undo_interaction(
                    session=session,
                    team_id=caller.team_id,
                    interaction_id=int(action["value"]),
                    rep=rep,
                    now=deps.now(),
                )
                account = accounts.get_account(
                    session=session, team_id=caller.team_id, account_id=undone.account_id
                )
            kind = KINDS[undone.kind].lower()
            respond(
                **build_done(f"Undone: the {kind} on *{escape(account.name)}* is removed."),
                replace_original=True,
            )

    @app.action(LogAction.EDIT)
    @app.action(LogAction.ADD_FOLLOWUP)
    def handle_log_modal_button(
        ack: Ack,
        action: dict,
        body: dict,
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        """Edit and Add follow-up: each opens a modal about the logged interaction."""
        ack()
        caller: SlackUser = context["caller"]
        edit = action["action_id"] == LogAction.EDIT
        with reporting(respond, what=action["action_id"]):
            with deps.db.begin() as session:
                found = interactions.get_interaction(
                    session=session, team_id=caller.team_id, interaction_id=int(action["value"])
                )
                account = (
                    None
                    if edit
                    else accounts.get_account(
                        session=session, team_id=caller.team_id, account_id=found.account_id
                    )
                )
            meta = LogMeta(
                source="edit" if edit else "followup",
                interaction_id=found.id,
                response_url=body.get("response_url"),
            ).dump()
            if account is None:
                form = LogForm(
                    kind=found.kind,
                    notes=found.summary,
                    when=local_input(found.occurred_at, caller.tz),
                )
                view = build_log_modal(form, private_metadata=meta, edit=True)
            else:
                view = build_followup_modal(account=account.name, private_metadata=meta)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(LogModal.EDIT_CALLBACK)
    def handle_edit_submission(
        ack: Ack, view: dict, client: WebClient, context: BoltContext
    ) -> None:
        caller: SlackUser = context["caller"]
        submitted = accepted(
            ack, read_log_submission(view["state"]["values"], now=deps.now(), tz=caller.tz)
        )
        if submitted is None:
            return
        meta = LogMeta.model_validate_json(view["private_metadata"])
        reply = confirmer(client, caller, meta)
        with reporting(reply, what=LogModal.EDIT_CALLBACK):
            with deps.db.begin() as session:  # reply only once this has committed
                rep = deps.rep(session, caller)
                edited = interactions.update_interaction(
                    session=session,
                    team_id=caller.team_id,
                    interaction_id=meta.interaction_id or 0,
                    rep=rep,
                    kind=InteractionKind(submitted.kind),
                    summary=submitted.notes,
                    occurred_at=submitted.occurred_at,
                    now=deps.now(),
                )
                account = accounts.get_account(
                    session=session, team_id=caller.team_id, account_id=edited.account_id
                )
            logged = Logged(
                interaction_id=edited.id or 0,
                kind=edited.kind,
                account=account.name,
                typed_account=None,
                notes=edited.summary,
                permalink=edited.permalink,
                followup_due=None,
                tz=rep.tz,
            )
            reply(**build_logged(logged), replace_original=True)

    @app.view(LogModal.FOLLOWUP_CALLBACK)
    def handle_followup_submission(
        ack: Ack, view: dict, client: WebClient, context: BoltContext
    ) -> None:
        caller: SlackUser = context["caller"]
        submitted = accepted(
            ack, read_followup_submission(view["state"]["values"], now=deps.now(), tz=caller.tz)
        )
        if submitted is None:
            return
        due, note = submitted
        meta = LogMeta.model_validate_json(view["private_metadata"])
        reply = confirmer(client, caller, meta)
        with reporting(reply, what=LogModal.FOLLOWUP_CALLBACK):
            with deps.db.begin() as session:  # reply only once this has committed
                rep = deps.rep(session, caller)
                found = interactions.get_interaction(
                    session=session, team_id=caller.team_id, interaction_id=meta.interaction_id or 0
                )
                account = accounts.get_account(
                    session=session, team_id=caller.team_id, account_id=found.account_id
                )
                existing = followups.list_for_interaction(
                    session=session, team_id=caller.team_id, interaction_id=found.id or 0
                )
                if not any(f.due_at == due and f.rep_id == rep.id for f in existing):  # resubmit
                    followups.create_followup(
                        session=session,
                        rep=rep,
                        account=account,
                        due_at=due,
                        note=note or found.summary,
                        now=deps.now(),
                        interaction_id=found.id,
                    )
            text = f":alarm_clock: Follow-up on *{escape(account.name)}* {local_time(due, rep.tz)}."
            reply(**build_done(text), replace_original=False)
