"""One wrapper per kind of Slack request: it acks, hands the handler a `Turn` (who asked, where
answers go), and makes sure nothing escapes after the ack.

The app runs listeners with `process_before_response=True`: a listener runs in the thread of
the request, and Slack's answer is sent when it returns. So a listener does only what its ack
needs (a command's answer, a modal's field errors, an option list) and hands the rest to the
app's listener executor (`_after_ack`), where every error becomes a reply, and a reply that fails
in turn is logged with the request's correlation id; none of them reaches Bolt. (Bolt's default
runs each listener in its executor and polls for the ack every 10 ms: 10 ms on every answer.)

Handlers are plain functions `handle_*(turn, ...) -> Message | None`: what they return is sent
through `turn.reply`, the way this kind of request is answered.
"""

import contextvars
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from handlers import hooks
from handlers.blocks import Message
from handlers.deps import Deps
from handlers.directory import SlackUser
from handlers.errors import correlation_id, reply_for
from models import claims
from models.reps import Rep

logger = logging.getLogger(__name__)

T = TypeVar("T")
Reply = Callable[..., Any]
Listener = Callable[..., None]
# Keys of a response_url message that chat.postMessage doesn't take.
RESPONSE_URL_ONLY = ("replace_original", "delete_original", "response_type")
# Slack waits 3 s for an ack; what isn't answered by this deadline is answered after it.
ACK_DEADLINE_SECONDS = 2.0
COMMAND_THREADS = 16
_COMMANDS: ThreadPoolExecutor | None = None
_COMMANDS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Turn:
    """One request from Slack, as a handler sees it."""

    deps: Deps
    caller: SlackUser
    client: WebClient
    body: dict[str, Any]
    reply: Reply  # answers where the request came from

    def now(self) -> datetime:
        return self.deps.now()

    def begin(self) -> AbstractContextManager[Session]:
        """`with turn.begin() as session:` — the handler's one transaction."""
        return self.deps.db.begin()

    def reading(self) -> AbstractContextManager[Connection]:
        """`with turn.reading() as reader:` — a transaction of Core reads only, on a connection
        without an ORM session (the hot answers: models' functions typed `Reader`)."""
        engine: Engine = self.deps.db.kw["bind"]
        return engine.begin()

    def rep(self, session: Session) -> Rep:
        """The caller's rep row, created or refreshed from their Slack profile."""
        return self.deps.rep(session, self.caller)


Handler = Callable[[Turn], Message | None]


def command(deps: Deps, handler: Handler, *, after: Handler | None = None) -> Listener:
    """A slash command: the handler's answer rides in the ack itself, so a quick write has
    committed before Slack hears anything, and a crash after the ack can't lose it. Work that
    misses the deadline gets an empty ack, and its answer follows on the response_url.

    `after` is the slow part of a command (a chart, say), run once it is acked, in the listener
    executor; its answer, and any error, go to the response_url. (Not a Bolt lazy listener: Bolt
    deep-copies every request for one, and starts it beside the ack rather than after it.)"""

    def listener(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
        reply = response_url(body["response_url"], response_type="ephemeral")
        turn = Turn(deps, context["caller"], client, body, reply)
        work = _command_pool().submit(contextvars.copy_context().run, _answer, handler, turn)
        try:
            answer = work.result(timeout=ACK_DEADLINE_SECONDS)
        except FutureTimeout:
            ack()
            _after_ack(context, _answer_late, work, turn, after)
            return
        if answer is None:
            ack()  # e.g. a modal opened instead
        else:
            message: Message = {"response_type": "ephemeral"} | answer
            ack(**message)
        if after is not None:
            _after_ack(context, _run, after, turn)

    return listener


def _answer_late(work: Future[Message | None], turn: Turn, after: Handler | None) -> None:
    """A command that missed the ack's deadline: its answer when it has one, then `after`."""
    _send(turn.reply, work.result())
    if after is not None:
        _run(after, turn)


def action(deps: Deps, handler: Handler) -> Listener:
    """A button, menu or shortcut: acked at once; answers go to its response_url, else by DM."""

    def listener(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
        ack()
        caller: SlackUser = context["caller"]
        url = body.get("response_url")
        reply = response_url(url) if url else dm(client, caller.id)
        # An error answers the clicker beside the message clicked, never in its place: the
        # message may be one that others read too (a shared card, a thread answer).
        beside = (
            response_url(url, replace_original=False, response_type="ephemeral") if url else reply
        )
        _after_ack(context, _run, handler, Turn(deps, caller, client, body, reply), tell=beside)

    return listener


def view(
    deps: Deps,
    read: Callable[[Turn], T | dict[str, str]],
    handler: Callable[[Turn, T], Message | None],
) -> Listener:
    """A modal submission: `read` checks the fields (errors keep the modal open, each under its
    field); then the modal closes and the answer goes to the response_url the modal carries in
    its private_metadata, or by DM."""

    def listener(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
        caller: SlackUser = context["caller"]
        turn = Turn(deps, caller, client, body, _modal_reply(client, caller, body["view"]))
        try:
            submitted = read(turn)
        except Exception as error:
            ack()
            _tell(turn.reply, error, what=body["view"].get("callback_id"))
            return
        if isinstance(submitted, dict):
            ack(response_action="errors", errors=submitted)
            return
        ack()
        _after_ack(context, _run, lambda t: handler(t, submitted), turn, what=handler.__name__)

    return listener


ReplyTo = Callable[[Deps, WebClient, SlackUser, dict], Reply]


def event(deps: Deps, handler: Handler, *, reply: ReplyTo) -> Listener:
    """An Events API event (Bolt acks it): `reply(deps, client, caller, event)` says where its
    answers go."""

    def listener(body: dict, client: WebClient, context: BoltContext) -> None:
        caller: SlackUser | None = context.get("caller")
        if caller is None:  # bot messages and subtyped events carry no person
            return
        _after_ack(
            context,
            _handle_event,
            deps,
            handler,
            reply,
            Turn(deps, caller, client, body, _no_reply),
        )

    return listener


def _no_reply(**_: Any) -> None:
    """Where an event's answers go until `_handle_event` knows (Turn needs a reply)."""


def _handle_event(deps: Deps, handler: Handler, reply: ReplyTo, turn: Turn) -> None:
    """An event's work, once Bolt has acked it: a retried delivery is dropped, then the
    handler runs with its answers going where `reply` says."""
    body = turn.body
    try:
        if not _first_delivery(deps, body):
            return  # Slack's retry of an event that is handled (or being handled) already
        answer_to = reply(deps, turn.client, turn.caller, body["event"])
    except Exception:
        logger.exception("no way to answer %s", body["event"].get("type"))
        return
    _run(handler, replace(turn, reply=answer_to))


def _first_delivery(deps: Deps, body: dict) -> bool:
    event_id, team_id = body.get("event_id"), body.get("team_id")
    if not (event_id and team_id):
        return True  # nothing to tell deliveries apart by
    with deps.db.begin() as session:
        return claims.claim_once(
            session=session, team_id=team_id, key=f"event:{event_id}", now=deps.now()
        )


def options(deps: Deps, handler: Callable[[Turn], list[dict]]) -> Listener:
    """An external_select's suggestions, in the ack; on an error, none (and a logged trace)."""

    def listener(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
        turn = Turn(deps, context["caller"], client, body, lambda **_: None)
        try:
            found = handler(turn)
        except Exception:
            logger.exception("options for %s failed", body.get("action_id"))
            found = []
        ack(options=found)

    return listener


def dm(client: WebClient, channel: str, *, thread_ts: str | None = None) -> Reply:
    """Answers in a DM (a user id opens it) or its thread: for requests without a response_url."""

    def reply(**message: Any) -> None:
        for key in RESPONSE_URL_ONLY:
            message.pop(key, None)
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message)

    return reply


class AnswerLost(Exception):
    """Slack would not take an answer, even after retrying: logged, with the request's reference."""


def response_url(url: str, **defaults: Any) -> Reply:
    """Answers through a response_url, retried on 429s, 5xx and dropped connections (as the Web
    API client is); an answer Slack still refuses raises AnswerLost rather than vanishing."""

    def reply(**message: Any) -> None:
        answered = hooks.post(url, defaults | message)  # on a kept-alive connection
        if answered.status_code != 200:
            raise AnswerLost(f"response_url answered {answered.status_code}: {answered.body[:200]}")

    return reply


def _modal_reply(client: WebClient, caller: SlackUser, view: dict) -> Reply:
    """Where a modal's answer goes: the response_url it was opened from, else a DM."""
    try:
        url = json.loads(view.get("private_metadata") or "{}").get("response_url")
    except (ValueError, AttributeError):
        url = None
    return response_url(url, response_type="ephemeral") if url else dm(client, caller.id)


def _command_pool() -> ThreadPoolExecutor:
    """Where commands run while their listener waits for them with a deadline (made on first use,
    shared by the process)."""
    global _COMMANDS
    with _COMMANDS_LOCK:
        if _COMMANDS is None:
            _COMMANDS = ThreadPoolExecutor(COMMAND_THREADS, thread_name_prefix="command")
        return _COMMANDS


def _after_ack(context: BoltContext, work: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """`work(*args, **kwargs)` in the app's listener executor, so Slack's answer goes now; the
    executor keeps the request's context (its correlation id)."""
    context.listener_runner.listener_executor.submit(work, *args, **kwargs)


def _answer(handler: Handler, turn: Turn) -> Message | None:
    """The handler's answer, or the reply its error calls for."""
    try:
        return handler(turn)
    except Exception as error:
        return reply_for(error, what=getattr(handler, "__name__", handler))


def _send(reply: Reply, answer: Message | None) -> None:
    if answer is None:
        return
    try:
        reply(**answer)
    except Exception:
        logger.exception("could not send an answer (ref %s)", correlation_id.get())


def _run(
    handler: Callable[[Turn], Message | None],
    turn: Turn,
    *,
    what: str = "",
    tell: Reply | None = None,
) -> None:
    """Run after the ack: the answer is sent, and any error becomes a reply (through `tell`, if
    given) instead of escaping."""
    try:
        answer = handler(turn)
        if answer is not None:
            turn.reply(**answer)
    except Exception as error:
        _tell(tell or turn.reply, error, what=what or getattr(handler, "__name__", handler))


def _tell(reply: Reply, error: Exception, *, what: object) -> None:
    try:
        reply(**reply_for(error, what=what))
    except Exception:
        logger.exception("could not tell the user about an error (ref %s)", correlation_id.get())
