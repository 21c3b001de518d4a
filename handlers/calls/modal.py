"""The log modal: opened by the shortcuts and the Home button, fed by options, submitted."""

from dataclasses import replace
from datetime import UTC, datetime

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import listener
from handlers.blocks.calls import (
    Choice,
    LogForm,
    build_account_options,
    build_contact_options,
    build_log_modal,
    build_log_result,
    split_notes,
)
from handlers.blocks.text import local_input
from handlers.calls.forms import LogMeta, LogSubmission, read_log_submission, whole_notes
from handlers.calls.mentions import names_in
from handlers.deps import Deps
from handlers.home import publish_home
from handlers.ids import HomeAction, LogModal, Shortcut
from handlers.listener import Turn
from handlers.parsing.text import plain_text
from handlers.parsing.values import is_row_id, metadata
from models import accounts, channels, contacts, logbook
from models.base import DomainError
from models.interactions import InteractionKind
from models.matching import guess_account_in_text, resolve_account


def register(app: App, deps: Deps) -> None:
    app.global_shortcut(Shortcut.LOG_CALL)(listener.action(deps, handle_open_log_modal))
    app.action(HomeAction.LOG_CALL)(listener.action(deps, handle_open_log_modal))
    app.message_shortcut(Shortcut.LOG_MESSAGE)(listener.action(deps, handle_log_message_shortcut))
    app.options(LogModal.ACCOUNT_SELECT)(listener.options(deps, handle_account_suggestions))
    app.options(LogModal.CONTACT_SELECT)(listener.options(deps, handle_contact_suggestions))
    app.view(LogModal.CALLBACK)(listener.view(deps, read_log, handle_log_modal_submission))


def handle_open_log_modal(turn: Turn) -> None:
    """The "Log a call" shortcut and App Home's buttons: the log modal, with the account filled
    in when the button is a stale account's (its value is the account id)."""
    meta = LogMeta(source="home" if turn.body["type"] == "block_actions" else "modal")
    view = build_log_modal(LogForm(account=_clicked_account(turn)), private_metadata=meta.dump())
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def _clicked_account(turn: Turn) -> Choice | None:
    """The account of a Home "Log a call" button; none for the top one, or one gone since."""
    clicked: list[dict] = turn.body.get("actions") or [{}]
    value = str(clicked[0].get("value", ""))
    if not is_row_id(value):
        return None
    with turn.begin() as session:
        try:
            account = accounts.get_account(
                session=session, team_id=turn.caller.team_id, account_id=int(value)
            )
        except DomainError:
            return None  # archived or merged since Home was drawn: an empty modal still logs
        return Choice(account.id or 0, account.name)


def handle_log_message_shortcut(turn: Turn) -> None:
    shortcut = turn.body
    message, channel_id = shortcut["message"], shortcut["channel"]["id"]
    meta = LogMeta(
        source="message_shortcut",
        response_url=shortcut.get("response_url"),
        channel_id=channel_id,
        message_ts=message["ts"],
        author_id=message.get("user"),
    )
    form, meta = keep_long_notes(turn, _form_from_message(turn, channel_id, message), meta)
    view = build_log_modal(form, private_metadata=meta.dump())
    turn.client.views_open(trigger_id=shortcut["trigger_id"], view=view)


def keep_long_notes(turn: Turn, form: LogForm, meta: LogMeta) -> tuple[LogForm, LogMeta]:
    """Notes longer than the modal's input holds wait whole in the store; the submission takes
    them back, so only what the rep changed in the part shown differs."""
    if not split_notes(form.notes)[1]:
        return form, meta
    with turn.begin() as session:
        notes_id = logbook.park_notes(
            session=session, rep=turn.rep(session), notes=form.notes, now=turn.now()
        )
    return replace(form, rest_kept=True), meta.model_copy(update={"notes_id": notes_id})


def handle_account_suggestions(turn: Turn) -> list[dict]:
    typed = turn.body.get("value", "")
    with turn.begin() as session:
        found = resolve_account(session=session, team_id=turn.caller.team_id, name=typed)
    matches = [found.match] if found.match else []
    choices = [Choice(c.id, c.name) for c in [*matches, *found.choices, *found.nearest]]
    return build_account_options(choices, typed=typed)


def handle_contact_suggestions(turn: Turn) -> list[dict]:
    state = turn.body.get("view", {}).get("state", {}).get("values", {})
    picked = state.get(LogModal.ACCOUNT_BLOCK, {}).get(LogModal.ACCOUNT_SELECT, {})
    selected = (picked.get("selected_option") or {}).get("value", "")
    if not is_row_id(selected):
        return build_contact_options([])
    with turn.begin() as session:
        found = contacts.list_contacts(
            session=session, team_id=turn.caller.team_id, account_id=int(selected)
        )
        return build_contact_options([(c.id or 0, c.name) for c in found])


def read_log(turn: Turn) -> LogSubmission | dict[str, str]:
    values = turn.body["view"]["state"]["values"]
    return read_log_submission(
        values, now=turn.now(), tz=turn.caller.tz, order=turn.caller.date_order
    )


def handle_log_modal_submission(turn: Turn, submitted: LogSubmission) -> None:
    meta = metadata(LogMeta, turn.body["view"]["private_metadata"])
    draft = _draft(turn.client, submitted, meta, source_key=f"view:{turn.body['view']['id']}")
    with turn.begin() as session:
        rep, now = turn.rep(session), turn.now()
        if meta.notes_id and (
            whole := logbook.take_notes(session=session, rep=rep, pending_id=meta.notes_id, now=now)
        ):
            draft = replace(draft, notes=whole_notes(whole, submitted.notes))
        if submitted.new_account is not None:
            logged = logbook.log_on_new_account(
                session=session, rep=rep, name=submitted.new_account, draft=draft, now=now
            )
        elif submitted.account_id is not None:
            account = accounts.get_account(
                session=session, team_id=rep.team_id, account_id=submitted.account_id
            )
            logged = logbook.log_on_account(
                session=session, rep=rep, account=account, draft=draft, now=now
            )
        else:
            raise DomainError("Pick an account to log this on.")
    if logged.created:  # a second submission of the same modal logs nothing and says nothing
        turn.reply(**build_log_result(logged))
        if meta.source == "home":
            publish_home(turn)


def _draft(
    client: WebClient, submitted: LogSubmission, meta: LogMeta, *, source_key: str
) -> logbook.Draft:
    return logbook.Draft(
        kind=InteractionKind(submitted.kind),
        notes=submitted.notes,
        occurred_at=submitted.occurred_at,
        source=meta.source,
        source_key=source_key,
        followup_due=submitted.followup_due,
        permalink=_permalink(client, meta),
        author_id=meta.author_id,
        contact_id=submitted.contact_id,
        warning=submitted.followup_read,
    )


def _permalink(client: WebClient, meta: LogMeta) -> str | None:
    if not (meta.channel_id and meta.message_ts):
        return None
    try:
        found = client.chat_getPermalink(channel=meta.channel_id, message_ts=meta.message_ts)
        return found["permalink"]
    except SlackApiError:
        return None  # the log still lands; only the link is missing


def _form_from_message(turn: Turn, channel_id: str, message: dict) -> LogForm:
    """The message's text, time and author; the account from the channel's link or the text."""
    raw, team_id = message.get("text", ""), turn.caller.team_id
    text = plain_text(raw, names_in(turn.deps, turn.client, team_id, raw, now=turn.now()))
    with turn.begin() as session:
        linked = channels.get_linked_account(
            session=session, team_id=team_id, channel_id=channel_id
        )
        guess = Choice(linked.id or 0, linked.name) if linked else None
        if guess is None and (
            found := guess_account_in_text(session=session, team_id=team_id, text=text)
        ):
            guess = Choice(found.id, found.name)
    sent = datetime.fromtimestamp(float(message["ts"]), tz=UTC)
    return LogForm(
        account=guess,
        notes=text,
        when=local_input(sent, turn.caller.tz),
        author_id=message.get("user"),
    )
