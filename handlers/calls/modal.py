"""The log modal: opened by the shortcuts, fed by options, submitted, edited."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from handlers.blocks.calls import (
    Choice,
    LogForm,
    build_account_options,
    build_contact_options,
    build_log_modal,
)
from handlers.blocks.text import local_input
from handlers.calls.flow import Draft, log_on_account
from handlers.calls.forms import LogMeta, LogSubmission, read_log_submission
from handlers.deps import Deps
from handlers.directory import SlackUser
from handlers.errors import reporting
from handlers.home import publish_home
from handlers.ids import HomeAction, LogModal, Shortcut
from handlers.parsing import plain_text
from models import channels, contacts
from models.matching import guess_account_in_text, resolve_account

T = TypeVar("T")


def register(app: App, deps: Deps) -> None:
    @app.global_shortcut(Shortcut.LOG_CALL)
    def handle_log_call_shortcut(ack: Ack, shortcut: dict, client: WebClient) -> None:
        ack()
        meta = LogMeta(source="modal")
        client.views_open(
            trigger_id=shortcut["trigger_id"],
            view=build_log_modal(LogForm(), private_metadata=meta.dump()),
        )

    @app.action(HomeAction.LOG_CALL)
    def handle_home_log_call_button(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        meta = LogMeta(source="home")
        client.views_open(
            trigger_id=body["trigger_id"],
            view=build_log_modal(LogForm(), private_metadata=meta.dump()),
        )

    @app.message_shortcut(Shortcut.LOG_MESSAGE)
    def handle_log_message_shortcut(
        ack: Ack, shortcut: dict, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        caller: SlackUser = context["caller"]
        message, channel_id = shortcut["message"], shortcut["channel"]["id"]
        meta = LogMeta(
            source="message_shortcut",
            response_url=shortcut.get("response_url"),
            channel_id=channel_id,
            message_ts=message["ts"],
            author_id=message.get("user"),
        )
        form = _form_from_message(deps, caller, channel_id, message)
        client.views_open(
            trigger_id=shortcut["trigger_id"],
            view=build_log_modal(form, private_metadata=meta.dump()),
        )

    @app.options(LogModal.ACCOUNT_SELECT)
    def handle_account_suggestions(ack: Ack, payload: dict, context: BoltContext) -> None:
        typed = payload.get("value", "")
        with deps.db.begin() as session:
            found = resolve_account(session=session, team_id=context["caller"].team_id, name=typed)
        matches = [found.match] if found.match else []
        choices = [Choice(c.id, c.name) for c in [*matches, *found.choices, *found.nearest]]
        ack(options=build_account_options(choices, typed=typed))

    @app.options(LogModal.CONTACT_SELECT)
    def handle_contact_suggestions(ack: Ack, body: dict, context: BoltContext) -> None:
        state = body.get("view", {}).get("state", {}).get("values", {})
        selected = (
            state.get(LogModal.ACCOUNT_BLOCK, {})
            .get(LogModal.ACCOUNT_SELECT, {})
            .get("selected_option")
            or {}
        ).get("value", "")
        found: list[tuple[int, str]] = []
        if selected.isdigit():
            with deps.db.begin() as session:
                found = [
                    (c.id or 0, c.name)
                    for c in contacts.list_contacts(
                        session=session, team_id=context["caller"].team_id, account_id=int(selected)
                    )
                ]
        ack(options=build_contact_options(found))

    @app.view(LogModal.CALLBACK)
    def handle_log_modal_submission(
        ack: Ack, view: dict, client: WebClient, context: BoltContext
    ) -> None:
        caller: SlackUser = context["caller"]
        submitted = accepted(
            ack, read_log_submission(view["state"]["values"], now=deps.now(), tz=caller.tz)
        )
        if submitted is None:
            return
        meta = LogMeta.model_validate_json(view["private_metadata"])
        reply_to = confirmer(client, caller, meta)
        with reporting(reply_to, what=LogModal.CALLBACK):
            draft = _draft(client, submitted, meta, source_key=f"view:{view['id']}")
            reply, created = log_on_account(
                deps, caller, submitted.account_id, draft, new_name=submitted.new_account
            )
            if created:  # a second submission of the same modal logs nothing and says nothing
                reply_to(**reply)
                if meta.source == "home":
                    publish_home(deps, client, caller)


def accepted(ack: Ack, submitted: T | dict[str, str]) -> T | None:
    """Answer a modal submission: field errors keep it open (shown under each field), else close."""
    if isinstance(submitted, dict):
        ack(response_action="errors", errors=submitted)
        return None
    ack()
    return submitted


def _draft(client: WebClient, submitted: LogSubmission, meta: LogMeta, *, source_key: str) -> Draft:
    return Draft(
        kind=submitted.kind,
        notes=submitted.notes,
        occurred_at=submitted.occurred_at,
        source=meta.source,
        source_key=source_key,
        followup_due=submitted.followup_due,
        permalink=_permalink(client, meta),
        author_id=meta.author_id,
        contact_id=submitted.contact_id,
    )


def _permalink(client: WebClient, meta: LogMeta) -> str | None:
    if not (meta.channel_id and meta.message_ts):
        return None
    try:
        return client.chat_getPermalink(channel=meta.channel_id, message_ts=meta.message_ts)[
            "permalink"
        ]
    except SlackApiError:
        return None  # the log still lands; only the link is missing


def confirmer(client: WebClient, caller: SlackUser, meta: LogMeta) -> Callable[..., None]:
    """Reply where the modal came from (its response_url), else by DM."""

    def confirm(**message: Any) -> None:
        if meta.response_url:
            WebhookClient(meta.response_url).send(**message, response_type="ephemeral")
        else:
            message.pop("replace_original", None)
            client.chat_postMessage(channel=caller.id, **message)

    return confirm


def _form_from_message(deps: Deps, caller: SlackUser, channel_id: str, message: dict) -> LogForm:
    """The message's text, time and author; the account from the channel's link or the text."""
    text = plain_text(message.get("text", ""))
    with deps.db.begin() as session:
        linked = channels.get_linked_account(
            session=session, team_id=caller.team_id, channel_id=channel_id
        )
        guess = Choice(linked.id or 0, linked.name) if linked else None
        if guess is None and (
            found := guess_account_in_text(session=session, team_id=caller.team_id, text=text)
        ):
            guess = Choice(found.id, found.name)
    sent = datetime.fromtimestamp(float(message["ts"]), tz=UTC)
    return LogForm(
        account=guess, notes=text, when=local_input(sent, caller.tz), author_id=message.get("user")
    )
