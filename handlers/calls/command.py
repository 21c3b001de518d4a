"""/log-call and one-line DMs in the Messages tab."""

from dataclasses import replace

from slack_bolt import Ack, App, BoltContext, Respond, Say
from slack_sdk import WebClient

from handlers.blocks.calls import Choice, LogForm, build_log_modal
from handlers.blocks.crm import build_error
from handlers.calls.flow import draft_from_text, log_by_name, log_on_account
from handlers.calls.forms import LogMeta
from handlers.deps import Deps
from handlers.directory import SlackUser
from handlers.errors import reporting
from handlers.ids import Command, Event
from handlers.parsing import CommandError, LogText, parse_dm_log, parse_log_call
from models import accounts, channels
from models.base import id_of

DM_SOURCE = "dm"


def register(app: App, deps: Deps) -> None:
    @app.command(Command.LOG_CALL)
    def handle_log_call_command(
        ack: Ack, command: dict, respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        caller: SlackUser = context["caller"]
        request = parse_log_call(command.get("text", ""))
        if request.account is not None and not accounts.normalize_name(request.account):
            request = LogText(account=None, notes=request.notes)  # "!!!: notes" names no account
        with reporting(respond, what=Command.LOG_CALL):
            draft = draft_from_text(
                caller,
                request.notes,
                kind="call",
                now=deps.now(),
                source="slash",
                source_key=f"slash:{command['trigger_id']}",
            )
            if request.account is not None and request.notes:
                reply, _ = log_by_name(deps, caller, request.account, draft)
                respond(**reply, response_type="ephemeral")
                return
            form = _form_from_text(deps, caller, request.account, request.notes)
            linked = _linked(deps, caller, command) if form.account is None else None
            if linked and request.notes:
                # In an account's channel, "/log-call talked renewal" is about that account.
                reply, _ = log_on_account(deps, caller, linked.id, draft)
                respond(**reply, response_type="ephemeral")
                return
            # Not enough to log at once: the modal opens with whatever was typed, nothing lost.
            form = replace(form, account=form.account or linked)
            meta = LogMeta(source="slash", response_url=command["response_url"])
            client.views_open(
                trigger_id=command["trigger_id"],
                view=build_log_modal(form, private_metadata=meta.dump()),
            )

    @app.event(Event.MESSAGE)
    def handle_direct_message(event: dict, say: Say, context: BoltContext) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, deletions, bot posts: nothing to log
        caller: SlackUser = context["caller"]
        thread = event.get("thread_ts") or event["ts"]
        with reporting(lambda **reply: say(**reply, thread_ts=thread), what="message.im"):
            try:
                line = parse_dm_log(event.get("text", ""))
            except CommandError as error:
                say(**build_error(str(error)), thread_ts=thread)
                return
            draft = draft_from_text(
                caller,
                line.notes,
                kind=line.kind,
                now=deps.now(),
                source=DM_SOURCE,
                source_key=f"dm:{event['channel']}:{event['ts']}",
            )
            reply, created = log_by_name(deps, caller, line.account, draft)
            if created:  # a retried delivery of the same message was answered already
                say(**reply, thread_ts=thread)


def _form_from_text(deps: Deps, caller: SlackUser, account: str | None, notes: str) -> LogForm:
    """`/log-call Acme` prefills the account; `/log-call talked renewal` prefills the notes."""
    name = account or (notes if notes and len(notes) <= accounts.MAX_NAME_LENGTH else None)
    found = None
    if name:
        with deps.db.begin() as session:
            found = accounts.get_account_by_name(session=session, team_id=caller.team_id, name=name)
            choice = Choice(found.id or 0, found.name) if found else None
    if found is None:
        return LogForm(notes=notes if account is None else "")
    return LogForm(account=choice, notes="" if account is None else notes)


def _linked(deps: Deps, caller: SlackUser, command: dict) -> Choice | None:
    """The account the command's channel is linked to (`/crm link`), if any."""
    with deps.db.begin() as session:
        account = channels.get_linked_account(
            session=session, team_id=caller.team_id, channel_id=command["channel_id"]
        )
        return Choice(id_of(account), account.name) if account else None
