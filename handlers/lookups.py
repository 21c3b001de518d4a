"""Answers where the question was asked: /who-owns, /history, and @-mentions in channels.

In a channel shared with another organisation (Slack Connect) answers are ephemeral only: no
Share button, and @-mentions are answered privately to the asker.
"""

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from handlers.blocks import Message
from handlers.blocks.calls import Choice
from handlers.blocks.lookups import (
    FILTERS,
    build_history,
    build_mention_help,
    build_owner_card,
    build_pick,
    build_shared_card,
)
from handlers.deps import Deps
from handlers.directory import SlackUser
from handlers.errors import reporting
from handlers.ids import Command, Event, LookupAction
from handlers.parsing import parse_history, parse_mention, plain_text
from models import accounts, channels, summaries, timeline
from models.base import DomainError, id_of
from models.matching import resolve_account
from models.timeline import Cursor, EntryKind

SHOW_CARD = re.compile(rf"^{LookupAction.SHOW_CARD}_\d+$")
SHOW_HISTORY = re.compile(rf"^{LookupAction.SHOW_HISTORY}(_\d+)?$")
PRIVATE_HERE = "This channel includes people from another organisation, so I answer privately here."


def register(app: App, deps: Deps) -> None:
    @app.command(Command.WHO_OWNS)
    def handle_who_owns_command(
        ack: Ack, command: dict, respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        caller: SlackUser = context["caller"]
        with reporting(respond, what=Command.WHO_OWNS):
            typed = plain_text(command.get("text", "")).strip() or None
            shareable = _shareable(deps, client, caller, command["channel_id"])
            respond(
                **answer(deps, caller, "who", typed, command["channel_id"], shareable=shareable),
                response_type="ephemeral",
            )

    @app.command(Command.HISTORY)
    def handle_history_command(
        ack: Ack, command: dict, respond: Respond, context: BoltContext
    ) -> None:
        ack()
        caller: SlackUser = context["caller"]
        with reporting(respond, what=Command.HISTORY):
            request = parse_history(command.get("text", ""))
            reply = answer(
                deps, caller, "history", request.account, command["channel_id"], only=request.only
            )
            respond(**reply, response_type="ephemeral")

    @app.action(SHOW_CARD)
    @app.action(LookupAction.TAKE)
    def handle_card_button(
        ack: Ack,
        action: dict,
        body: dict,
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        caller: SlackUser = context["caller"]
        with reporting(respond, what=action["action_id"]):
            account_id = int(action["value"])
            if action["action_id"] == LookupAction.TAKE:
                take_ownership(deps, caller, account_id)
            channel = (body.get("channel") or {}).get("id")
            shareable = _shareable(deps, client, caller, channel)
            respond(**card(deps, caller, account_id, shareable=shareable), replace_original=True)

    @app.action(LookupAction.SHARE)
    def handle_share_button(
        ack: Ack,
        action: dict,
        body: dict,
        respond: Respond,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        ack()
        caller: SlackUser = context["caller"]
        with reporting(respond, what=LookupAction.SHARE):
            if deps.directory.is_shared_externally(client, caller.team_id, body["channel"]["id"]):
                raise DomainError(PRIVATE_HERE)
            with deps.db.begin() as session:
                owner_card = summaries.owner_card(
                    session=session, team_id=caller.team_id, account_id=int(action["value"])
                )
            respond(
                **build_shared_card(owner_card, tz=caller.tz, shared_by=caller.id),
                response_type="in_channel",
                replace_original=False,
            )

    @app.action(SHOW_HISTORY)
    @app.action(LookupAction.OLDER)
    @app.action(LookupAction.NEWER)
    def handle_history_button(
        ack: Ack, action: dict, respond: Respond, context: BoltContext
    ) -> None:
        ack()
        caller: SlackUser = context["caller"]
        with reporting(respond, what=action["action_id"]):
            account_id, only, cursor = [*action["value"].split("|"), "", ""][:3]
            older = action["action_id"] == LookupAction.OLDER
            page = history(
                deps,
                caller,
                int(account_id),
                only or None,
                older_than=Cursor.decode(cursor) if cursor and older else None,
                newer_than=Cursor.decode(cursor) if cursor and not older else None,
            )
            respond(**page, replace_original=True)

    @app.event(Event.APP_MENTION)
    def handle_mention(event: dict, client: WebClient, context: BoltContext) -> None:
        caller: SlackUser = context["caller"]
        channel, thread = event["channel"], event.get("thread_ts") or event["ts"]
        private = deps.directory.is_shared_externally(client, caller.team_id, channel)

        def reply(**message: Any) -> None:
            message.pop("replace_original", None)
            message.pop("response_type", None)
            if private:  # never where the other organisation can read it
                client.chat_postEphemeral(
                    channel=channel, user=caller.id, thread_ts=thread, **message
                )
            else:
                client.chat_postMessage(channel=channel, thread_ts=thread, **message)

        with reporting(reply, what=Event.APP_MENTION):
            question = parse_mention(event.get("text", ""))
            if question is None:
                reply(**build_mention_help())
                return
            reply(**answer(deps, caller, question.ask, question.account, channel, shareable=False))


def _shareable(deps: Deps, client: WebClient, caller: SlackUser, channel_id: str | None) -> bool:
    """A card may offer Share in channel only where no other organisation can read it."""
    if channel_id is None:
        return False
    return not deps.directory.is_shared_externally(client, caller.team_id, channel_id)


def answer(
    deps: Deps,
    caller: SlackUser,
    ask: str,
    typed: str | None,
    channel_id: str,
    *,
    shareable: bool = False,
    only: str | None = None,
) -> Message:
    """The card or the history for what was typed (or the channel's account), or a pick."""
    with deps.db.begin() as session:
        if typed is None:
            linked = channels.get_linked_account(
                session=session, team_id=caller.team_id, channel_id=channel_id
            )
            if linked is None:
                command = Command.WHO_OWNS if ask == "who" else Command.HISTORY
                raise DomainError(
                    f"Which account? e.g. `{command} Acme`, or `/crm link Acme` in "
                    "the account's channel so it needs no name there."
                )
            account_id = id_of(linked)
        else:
            found = resolve_account(session=session, team_id=caller.team_id, name=typed)
            if found.match is None:
                choices = [Choice(c.id, c.name) for c in found.choices or found.nearest]
                action = LookupAction.SHOW_CARD if ask == "who" else LookupAction.SHOW_HISTORY
                return build_pick(
                    typed=typed, choices=choices, action=action, close=bool(found.choices)
                )
            account_id = found.match.id
    if ask == "who":
        return card(deps, caller, account_id, shareable=shareable)
    return history(deps, caller, account_id, only)


def card(deps: Deps, caller: SlackUser, account_id: int, *, shareable: bool) -> Message:
    with deps.db.begin() as session:
        owner_card = summaries.owner_card(
            session=session, team_id=caller.team_id, account_id=account_id
        )
    return build_owner_card(owner_card, tz=caller.tz, shareable=shareable)


def history(
    deps: Deps,
    caller: SlackUser,
    account_id: int,
    only: str | None,
    *,
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
) -> Message:
    kinds = frozenset([EntryKind(FILTERS[only])]) if only in FILTERS else None
    with deps.db.begin() as session:
        account = accounts.get_account(
            session=session, team_id=caller.team_id, account_id=account_id
        )
        page = timeline.account_timeline(
            session=session,
            team_id=caller.team_id,
            account_id=account_id,
            kinds=kinds,
            older_than=older_than,
            newer_than=newer_than,
        )
    return build_history(
        account_id=account_id,
        account=account.name,
        page=page,
        tz=caller.tz,
        only=only if kinds else None,
    )


def take_ownership(deps: Deps, caller: SlackUser, account_id: int) -> None:
    with deps.db.begin() as session:
        rep = deps.rep(session, caller)
        account = accounts.get_account(
            session=session, team_id=caller.team_id, account_id=account_id
        )
        accounts.set_owner(
            session=session,
            account=account,
            owner=rep,
            actor=rep,
            actor_is_admin=rep.is_admin,
            now=deps.now(),
        )
