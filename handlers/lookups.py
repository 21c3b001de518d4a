"""Answers where the question was asked: /who-owns, /history, @-mentions and DM questions.

CRM data is posted for a channel to read only when everyone who reads it could have asked for it
themselves (`handlers.audience`): otherwise @-mentions are answered privately to the asker and
Share in channel is refused. In a channel shared with another organisation (Slack Connect)
cards offer no Share button at all; elsewhere the offer costs /who-owns no extra Slack call,
and the click checks the channel's members.

A click on an answer others read too (a mention's answer in a thread, anything not ephemeral
outside the clicker's DM) answers the clicker alone and leaves the shared message as it is; a
click on the clicker's own answer (paging, say) replaces it in place.
"""

import re
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlmodel import Session

from handlers import listener
from handlers.blocks import Message
from handlers.blocks.calls import Choice, build_done
from handlers.blocks.lookups import (
    build_history,
    build_mention_help,
    build_not_logged,
    build_owner_card,
    build_pick,
    build_shared_card,
)
from handlers.blocks.names import build_created
from handlers.deps import Deps
from handlers.directory import SlackUser
from handlers.handoffs import handoff_note, tell_new_owner
from handlers.ids import Command, Event, LookupAction
from handlers.listener import Reply, Turn
from handlers.parsing.lookups import (
    FILTER_JOIN,
    MentionQuestion,
    asked_name,
    is_question,
    parse_dm_question,
    parse_history,
    parse_mention,
)
from handlers.parsing.text import plain_text
from handlers.parsing.values import cursor as read_cursor
from handlers.parsing.values import row_id
from models import accounts, channels, claims, handoffs, summaries, timeline
from models.base import DomainError, Reader, id_of
from models.matching import account_at_start, exact_account, resolve_account
from models.timeline import HISTORY_FILTERS, INTERACTION_KINDS, Cursor

SHOW_CARD = re.compile(rf"^{LookupAction.SHOW_CARD}_\d+$")
SHOW_NEW = re.compile(rf"^{LookupAction.SHOW_NEW}_\d+$")
SHOW_HISTORY = re.compile(rf"^{LookupAction.SHOW_HISTORY}(_\d+)?$")
ALREADY_SHARED = "You've already shared this card here."
LATEST_TOUCHES = 3  # "what's new with Acme?": the card and this many latest touches
UNLINKED = {
    "command": "Which account? e.g. `{command} Acme`, or `/crm link Acme` in "
    "the account's channel so it needs no name there.",
    "mention": "This channel isn't linked to an account. Name one (“@Rapport {example} Acme”), "
    "or link the channel with `/crm link Acme` and ask again.",
    "dm": "Which account? e.g. “{example} Acme”.",
}
EXAMPLES = {"who": "who owns", "history": "history", "new": "what's new with"}
PICKS = {
    "who": LookupAction.SHOW_CARD,
    "new": LookupAction.SHOW_NEW,
    "history": LookupAction.SHOW_HISTORY,
}
PRIVATE_HERE = (
    "Not everyone in this channel may see CRM data (guests, people from another organisation), "
    "so I answer privately here."
)


def register(app: App, deps: Deps) -> None:
    app.command(Command.WHO_OWNS)(listener.command(deps, handle_who_owns_command))
    app.command(Command.HISTORY)(listener.command(deps, handle_history_command))
    app.action(SHOW_CARD)(listener.action(deps, handle_card_button))
    app.action(SHOW_NEW)(listener.action(deps, handle_new_button))
    app.action(LookupAction.TAKE)(listener.action(deps, handle_card_button))
    app.action(LookupAction.CREATE)(listener.action(deps, handle_create_button))
    app.action(LookupAction.SHARE)(listener.action(deps, handle_share_button))
    for history_button in (SHOW_HISTORY, LookupAction.OLDER, LookupAction.NEWER):
        app.action(history_button)(listener.action(deps, handle_history_button))
    app.event(Event.APP_MENTION)(listener.event(deps, handle_mention, reply=mention_reply))


def handle_who_owns_command(turn: Turn) -> Message:
    typed = plain_text(turn.body.get("text", "")).strip() or None
    channel_id = turn.body["channel_id"]
    return answer(turn, "who", typed, channel_id, shareable=_shareable(turn, channel_id))


def handle_history_command(turn: Turn) -> Message:
    request = parse_history(turn.body.get("text", ""))
    return answer(turn, "history", request.account, turn.body["channel_id"], only=request.only)


def handle_card_button(turn: Turn) -> Message:
    action = turn.body["actions"][0]
    account_id = row_id(action["value"])
    if action["action_id"] == LookupAction.TAKE:
        take_ownership(turn, account_id)
    shareable = _shareable(turn, (turn.body.get("channel") or {}).get("id"))
    with turn.begin() as session:
        return on_clicked(turn, card(session, turn, account_id, shareable=shareable))


def handle_new_button(turn: Turn) -> Message:
    with turn.begin() as session:
        return on_clicked(turn, whats_new(session, turn, row_id(turn.body["actions"][0]["value"])))


def on_clicked(turn: Turn, answer: Message) -> Message:
    """Where a click's answer goes: in place of the clicker's own answer (ephemeral, or in their
    DM with Rapport); for a message others read too, to the clicker alone, in its thread."""
    container = turn.body.get("container") or {}
    channel = str(container.get("channel_id") or (turn.body.get("channel") or {}).get("id") or "")
    if container.get("is_ephemeral") is True or channel.startswith("D"):
        return answer | {"replace_original": True}
    # A response_url post replaces nothing unless asked to, and with response_type ephemeral
    # only the clicker sees it; thread_ts keeps it beside the answer that was clicked.
    private: Message = {"replace_original": False, "response_type": "ephemeral"}
    thread = (turn.body.get("message") or {}).get("thread_ts")
    return answer | private | ({"thread_ts": thread} if thread else {})


def handle_create_button(turn: Turn) -> Message | None:
    """Create account "X" (owner: the clicker) on an unknown name's answer, then its card, where
    every other click on an answer goes (`on_clicked`): a shared answer stays as it is."""
    name = turn.body["actions"][0]["value"]
    with turn.begin() as session:
        rep = turn.rep(session)
        if not _first_create_click(turn, session):
            return None  # a double click on a shared answer: its card is posted once
        try:
            account = accounts.create_account(
                session=session,
                team_id=rep.team_id,
                name=name,
                owner=rep,
                created_by=rep,
                now=turn.now(),
            )
        except accounts.NameTaken as taken:  # a double click, or created by someone meanwhile
            account = taken.existing
            name = ""
        account_id = id_of(account)
    shareable = _shareable(turn, (turn.body.get("channel") or {}).get("id"))
    with turn.begin() as session:
        shown = card(session, turn, account_id, shareable=shareable)
    return on_clicked(turn, build_created(shown, name) if name else shown)


def _first_create_click(turn: Turn, session: Session) -> bool:
    """False for this clicker's repeat click on an answer others read too (the first one posted
    its card beside it); a click on the clicker's own answer just replaces it again."""
    if on_clicked(turn, {}).get("replace_original") is True:
        return True
    container = turn.body.get("container") or {}
    key = f"create:{container.get('channel_id')}:{container.get('message_ts')}:{turn.caller.id}"
    return claims.claim_once(session=session, team_id=turn.caller.team_id, key=key, now=turn.now())


def handle_share_button(turn: Turn) -> Message:
    audience = turn.deps.audience
    if not audience.only_full_members(turn.client, turn.caller.team_id, _channel(turn)):
        raise DomainError(PRIVATE_HERE)  # the card stays as it was: private to the clicker
    return shared_card(turn)


def shared_card(turn: Turn) -> Message:
    caller = turn.caller
    clicked = (turn.body.get("container") or {}).get("message_ts")
    with turn.begin() as session:
        # One post per card, person and channel: a double click (or a retry) posts once.
        key = f"share:{_channel(turn)}:{clicked}:{caller.id}"
        if not claims.claim_once(session=session, team_id=caller.team_id, key=key, now=turn.now()):
            return build_done(ALREADY_SHARED) | {"replace_original": False}
        owner_card = summaries.owner_card(
            session=session,
            team_id=caller.team_id,
            account_id=row_id(turn.body["actions"][0]["value"]),
        )
    shared = build_shared_card(owner_card, tz=caller.tz, shared_by=caller.id)
    return shared | {"response_type": "in_channel", "replace_original": False}


def handle_history_button(turn: Turn) -> Message:
    action = turn.body["actions"][0]
    account_id, only, cursor = [*action["value"].split("|"), "", ""][:3]
    older = action["action_id"] == LookupAction.OLDER
    with turn.reading() as reader:
        page = history(
            reader,
            turn,
            row_id(account_id),
            only or None,
            older_than=read_cursor(cursor) if cursor and older else None,
            newer_than=read_cursor(cursor) if cursor and not older else None,
        )
    return on_clicked(turn, page)


def handle_mention(turn: Turn) -> Message:
    question = parse_mention(turn.body["event"].get("text", ""))
    if question is None:
        return build_mention_help()
    return answer_question(turn, question, turn.body["event"]["channel"], surface="mention")


def handle_dm_question(turn: Turn) -> Message | None:
    """A question in the Messages tab ("who owns globex?") is answered as a mention is; None
    when the DM isn't one (a log line, say), for the DM handler to go on with."""
    event = turn.body["event"]
    text = event.get("text", "")
    question = parse_dm_question(text)
    if question is not None:
        answered = answer_question(turn, question, event["channel"], surface="dm")
        return build_not_logged(answered) if question.more else answered
    if not is_question(text):
        return None
    # A question is never logged: "Acme, Inc.?" asks who owns it; others get what I answer.
    typed = _account_asked(turn, asked_name(text))
    if typed is None:
        return build_mention_help()
    return answer(turn, "who", typed, event["channel"], surface="dm")


def _account_asked(turn: Turn, typed: str) -> str | None:
    """The account a question names: the whole of it (or close names), else one it starts with."""
    if not typed:
        return None
    with turn.begin() as session:
        team_id = turn.caller.team_id
        found = resolve_account(session=session, team_id=team_id, name=typed)
        if found.match is not None or found.choices:
            return typed
        start = account_at_start(session=session, team_id=team_id, text=typed)
    return start.name if start is not None else None


def answer_question(
    turn: Turn, question: MentionQuestion, channel_id: str, *, surface: str
) -> Message:
    return answer(
        turn, question.ask, question.account, channel_id, only=question.only, surface=surface
    )


def mention_reply(deps: Deps, client: WebClient, caller: SlackUser, event: dict) -> Reply:
    """In the mention's thread; privately to the asker unless everyone there could ask too."""
    channel, thread = event["channel"], event.get("thread_ts") or event["ts"]
    private = not deps.audience.only_full_members(client, caller.team_id, channel)
    return in_thread(client, channel, thread, only_to=caller.id if private else None)


def in_thread(client: WebClient, channel: str, thread: str, *, only_to: str | None) -> Reply:
    """Answers in a thread, for everyone there or (ephemeral) for `only_to` alone."""

    def reply(**message: Any) -> None:
        for key in listener.RESPONSE_URL_ONLY:
            message.pop(key, None)
        if only_to:
            client.chat_postEphemeral(channel=channel, user=only_to, thread_ts=thread, **message)
        else:
            client.chat_postMessage(channel=channel, thread_ts=thread, **message)

    return reply


def _channel(turn: Turn) -> str:
    return turn.body["channel"]["id"]


def _shareable(turn: Turn, channel_id: str | None) -> bool:
    """A card may offer Share in channel only where no other organisation can read it."""
    if channel_id is None:
        return False
    directory = turn.deps.directory
    return not directory.is_shared_externally(turn.client, turn.caller.team_id, channel_id)


def answer(
    turn: Turn,
    ask: str,
    typed: str | None,
    channel_id: str,
    *,
    shareable: bool = False,
    only: str | None = None,
    surface: str = "command",
) -> Message:
    """The card, what's new or the history for what was typed (or the channel's account), or a
    pick; `surface` ("command", "mention", "dm") words the question for an unlinked channel."""
    team_id = turn.caller.team_id
    if typed is not None and ask in ("who", "history"):  # by its exact name: what's asked most
        with turn.reading() as reader:
            if ask == "who" and (
                named := summaries.owner_card_named(session=reader, team_id=team_id, name=typed)
            ):
                return build_owner_card(named, tz=turn.caller.tz, shareable=shareable)
            if ask == "history" and (
                exact := exact_account(session=reader, team_id=team_id, name=typed)
            ):
                return history(reader, turn, exact.id, only, name=exact.name)
    with turn.begin() as session:
        if typed is None:
            linked = channels.get_linked_account(
                session=session, team_id=team_id, channel_id=channel_id
            )
            if linked is None:
                command = Command.HISTORY if ask == "history" else Command.WHO_OWNS
                raise DomainError(UNLINKED[surface].format(command=command, example=EXAMPLES[ask]))
            account_id, name = id_of(linked), linked.name
        else:
            found = resolve_account(session=session, team_id=team_id, name=typed)
            if found.match is None:
                choices = [Choice(c.id, c.name) for c in found.choices or found.nearest]
                return build_pick(
                    typed=typed,
                    choices=choices,
                    action=PICKS[ask],
                    close=bool(found.choices),
                    only=only if ask == "history" else None,
                )
            account_id, name = found.match.id, found.match.name
        # The name and what it names are read in one transaction (one pool checkout).
        if ask == "who":
            return card(session, turn, account_id, shareable=shareable)
        if ask == "new":
            return whats_new(session, turn, account_id)
        return history(session, turn, account_id, only, name=name)


def whats_new(session: Session, turn: Turn, account_id: int) -> Message:
    """The card with the latest few touches in place of the last one, and a History button."""
    team_id = turn.caller.team_id
    owner_card = summaries.owner_card(session=session, team_id=team_id, account_id=account_id)
    latest = timeline.account_timeline(
        session=session,
        team_id=team_id,
        account_id=account_id,
        kinds=INTERACTION_KINDS,
        limit=LATEST_TOUCHES,
        positioned=False,
    )
    return build_owner_card(owner_card, tz=turn.caller.tz, shareable=False, touches=latest.entries)


def card(session: Session, turn: Turn, account_id: int, *, shareable: bool) -> Message:
    owner_card = summaries.owner_card(
        session=session, team_id=turn.caller.team_id, account_id=account_id
    )
    return build_owner_card(owner_card, tz=turn.caller.tz, shareable=shareable)


def history(
    session: Reader,
    turn: Turn,
    account_id: int,
    only: str | None,
    *,
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
    name: str | None = None,
) -> Message:
    """A page of the account's history; `name` is the account's, when the caller read it."""
    asked = [
        HISTORY_FILTERS[name] for name in (only or "").split(FILTER_JOIN) if name in HISTORY_FILTERS
    ]
    kinds = frozenset(asked) or None
    team_id = turn.caller.team_id
    if name is None:
        name = accounts.live_name(session=session, team_id=team_id, account_id=account_id)
    page = timeline.account_timeline(
        session=session,
        team_id=team_id,
        account_id=account_id,
        kinds=kinds,
        older_than=older_than,
        newer_than=newer_than,
    )
    return build_history(
        account_id=account_id,
        account=name,
        page=page,
        tz=turn.caller.tz,
        only=only if kinds else None,
    )


def take_ownership(turn: Turn, account_id: int) -> None:
    with turn.begin() as session:
        rep = turn.rep(session)
        account = accounts.get_account(session=session, team_id=rep.team_id, account_id=account_id)
        handed = handoffs.hand_account(
            session=session,
            account=account,
            owner=rep,
            actor=rep,
            actor_is_admin=rep.is_admin,
            now=turn.now(),
        )
        told = handoff_note(handed)
    tell_new_owner(turn.client, told)
