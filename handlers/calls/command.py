"""/log-call and one-line DMs in the Messages tab."""

from collections.abc import Callable
from dataclasses import replace

from slack_bolt import App
from slack_sdk import WebClient
from sqlmodel import Session

from handlers import listener, lookups
from handlers.blocks import Message
from handlers.blocks.calls import Choice, LogForm, build_log_modal, build_log_result
from handlers.calls.forms import LogMeta
from handlers.calls.mentions import names_in
from handlers.calls.modal import keep_long_notes
from handlers.deps import Deps
from handlers.directory import SlackUser
from handlers.ids import Command, Event
from handlers.listener import Reply, Turn
from handlers.parsing.calls import (
    DM_EXAMPLE,
    LogText,
    draft_from_text,
    parse_dm_log,
    parse_log_call,
)
from handlers.parsing.text import CommandError, name_mentions, plain_text
from models import accounts, channels, logbook
from models.base import DomainError, id_of
from models.interactions import InteractionKind
from models.matching import Candidate, account_at_start, resolve_account

DM_SOURCE = "dm"
FILE_SHARE = "file_share"  # a DM with a file attached: its text is logged like any other
FILE_NOT_KEPT = "Rapport doesn't keep files yet: the text is logged, the file isn't."
FILE_WITHOUT_TEXT = (
    "Rapport doesn't log files yet. Add a line about it, e.g. "
    "“called Acme: sent them the deck”, and I'll log that."
)


def register(app: App, deps: Deps) -> None:
    app.command(Command.LOG_CALL)(listener.command(deps, handle_log_call_command))
    app.event(Event.MESSAGE)(listener.event(deps, handle_direct_message, reply=in_thread))


def handle_log_call_command(turn: Turn) -> Message | None:
    typed = _with_names(turn, turn.body.get("text", ""))
    request = parse_log_call(typed)
    if request.account is not None and not accounts.normalize_name(request.account):
        request = LogText(account=None, notes=request.notes)  # "!!!: notes" names no account

    def draft(notes: str) -> logbook.Draft:
        return draft_from_text(
            notes,
            kind=InteractionKind.CALL,
            now=turn.now(),
            tz=turn.caller.tz,
            order=turn.caller.date_order,
            source="slash",
            source_key=f"slash:{turn.body['trigger_id']}",
        )

    logged = _log_at_once(turn, request, plain_text(typed).strip(), draft)
    if not isinstance(logged, LogForm):
        return logged
    # Not enough to log at once: the modal opens with whatever was typed, nothing lost.
    meta = LogMeta(source="slash", response_url=turn.body["response_url"])
    form, meta = keep_long_notes(turn, logged, meta)
    view = build_log_modal(form, private_metadata=meta.dump())
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)
    return None


def _log_at_once(
    turn: Turn, request: LogText, whole: str, draft: Callable[[str], logbook.Draft]
) -> Message | LogForm:
    """The answer when the text says enough to log, else the form the modal opens with."""
    with turn.begin() as session:
        rep, now = turn.rep(session), turn.now()
        account, notes, first, meant = _named(
            session, rep.team_id, request.account, request.notes, whole, explicit=True
        )
        if account is not None and notes:
            result = logbook.log_by_name(
                session=session, rep=rep, typed=account, draft=draft(notes), now=now, meant=meant
            )
            return build_log_result(_offering_first(result, first))
        form = _form_from_text(session, rep.team_id, account, notes)
        if form.account is not None:
            return form
        linked = _linked(session, rep.team_id, turn.body["channel_id"])
        if linked is None:
            return form
        if notes:  # in an account's channel, "/log-call talked renewal" is about it
            logged = logbook.log_on_account(
                session=session, rep=rep, account=linked, draft=draft(notes), now=now
            )
            return build_log_result(logged)
        return replace(form, account=_choice(linked))


def handle_direct_message(turn: Turn) -> Message | None:
    event = turn.body["event"]
    if not _loggable(event):
        return None
    if (answer := lookups.handle_dm_question(turn)) is not None:
        return answer  # "who owns globex?" asks; it logs nothing
    line = parse_dm_log(_with_names(turn, event.get("text", "")))

    def draft(notes: str) -> logbook.Draft:
        made = draft_from_text(
            notes,
            kind=line.kind,
            now=turn.now(),
            tz=turn.caller.tz,
            order=turn.caller.date_order,
            source=DM_SOURCE,
            source_key=f"dm:{event['channel']}:{event['ts']}",
        )
        if event.get("subtype") == FILE_SHARE:  # the text is logged; the answer says the file isn't
            return replace(made, warning=" ".join(filter(None, [made.warning, FILE_NOT_KEPT])))
        return made

    with turn.begin() as session:
        rep = turn.rep(session)
        account, notes, first, meant = _named(
            session, rep.team_id, line.account, line.notes, line.body, explicit=line.explicit
        )
        if account is None or not notes:
            raise CommandError(DM_EXAMPLE)
        result = logbook.log_by_name(
            session=session, rep=rep, typed=account, draft=draft(notes), now=turn.now(),
            meant=meant,
        )  # fmt: skip
    if isinstance(result, logbook.Logged) and not result.created:
        return None  # a retried delivery of the same message was answered already
    return build_log_result(_offering_first(result, first))


def _named(
    session: Session, team_id: str, account: str | None, notes: str, whole: str, *, explicit: bool
) -> tuple[str | None, str, Candidate | None, Candidate | None]:
    """The account and the notes: as split at a separator when that names an account, else a
    known account name the text starts with ("Acme talked pricing"), else as split. After an
    explicit separator (":", a dash) the part before it is the name the rep typed: a known name
    that merely starts it ("Hooli" in "Hooli Cloud: ...") is only offered first among the
    choices; one that spans the separator ("Re: Solutions") is the account. Last, the account
    already found, when it was (so the log doesn't look it up again)."""
    if account is not None:
        match = resolve_account(session=session, team_id=team_id, name=account).match
        if match is not None:
            return account, notes, None, match
    start = account_at_start(session=session, team_id=team_id, text=whole)
    if start is None or not start.rest:
        return account, notes, None, None
    if explicit and account is not None and len(" ".join(start.name.split())) <= len(account):
        return account, notes, start.candidate, None
    return start.name, start.rest, None, start.candidate


def _offering_first(
    result: logbook.Logged | logbook.NeedsPick, first: Candidate | None
) -> logbook.Logged | logbook.NeedsPick:
    """A pick that lists `first` (the account the text starts with) before the others."""
    if first is None or not isinstance(result, logbook.NeedsPick):
        return result
    if result.choices:
        others = [c for c in result.choices if c.id != first.id]
        return replace(result, choices=[first, *others])
    others = [c for c in result.nearest if c.id != first.id]
    return replace(result, nearest=[first, *others])


def _with_names(turn: Turn, text: str) -> str:
    """The typed text with each mention labelled by the person's name, as Slack shows it."""
    names = names_in(turn.deps, turn.client, turn.caller.team_id, text, now=turn.now())
    return name_mentions(text, names)


def _loggable(event: dict) -> bool:
    """A person's own message in the Messages tab, or one with a file (which needs a line)."""
    subtype = event.get("subtype")
    if (
        event.get("channel_type") != "im"
        or event.get("bot_id")
        or subtype not in (None, FILE_SHARE)
    ):
        return False  # edits, deletions, bot posts: nothing to log
    if subtype == FILE_SHARE and not event.get("text", "").strip():
        raise DomainError(FILE_WITHOUT_TEXT)
    return True


def in_thread(deps: Deps, client: WebClient, caller: SlackUser, event: dict) -> Reply:
    """A DM is answered in its own thread, so each log's answer sits under it."""
    return listener.dm(client, event["channel"], thread_ts=event.get("thread_ts") or event["ts"])


def _choice(account: accounts.Account) -> Choice:
    return Choice(id_of(account), account.name)


def _form_from_text(session: Session, team_id: str, account: str | None, notes: str) -> LogForm:
    """`/log-call Acme` prefills the account; `/log-call talked renewal` prefills the notes."""
    name = account or (notes if notes and len(notes) <= accounts.MAX_NAME_LENGTH else None)
    found = (
        accounts.get_account_by_name(session=session, team_id=team_id, name=name) if name else None
    )
    if found is None:
        return LogForm(notes=notes if account is None else "")
    return LogForm(account=_choice(found), notes="" if account is None else notes)


def _linked(session: Session, team_id: str, channel_id: str) -> accounts.Account | None:
    """The account the command's channel is linked to (`/crm link`), if any."""
    return channels.get_linked_account(session=session, team_id=team_id, channel_id=channel_id)
