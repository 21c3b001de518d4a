"""The App Home tab, republished on open and after every change made from it."""

from datetime import timedelta

from slack_bolt import App
from slack_sdk import WebClient

from handlers import listener
from handlers.blocks.home import build_home
from handlers.deps import Deps
from handlers.directory import SlackUser
from handlers.ids import Event, HomeAction
from handlers.listener import Reply, Turn
from handlers.parsing.text import CommandError
from handlers.parsing.values import row_id
from models import followups, summaries
from models.base import DomainError

SNOOZES = {"snooze1": timedelta(days=1), "snooze7": timedelta(days=7)}


def register(app: App, deps: Deps) -> None:
    app.event(Event.APP_HOME_OPENED)(listener.event(deps, handle_home_opened, reply=_by_dm))
    app.action(HomeAction.FOLLOWUP)(listener.action(deps, handle_home_followup))


def _by_dm(deps: Deps, client: WebClient, caller: SlackUser, event: dict) -> Reply:
    return listener.dm(client, caller.id)


def handle_home_opened(turn: Turn) -> None:
    if turn.body["event"].get("tab") == "home":
        publish_home(turn)


def handle_home_followup(turn: Turn) -> None:
    """Done or Snooze from the Home tab; Home is republished whatever happened, so a stale tab
    (the follow-up undone, or done elsewhere) shows the truth beside the listener's answer."""
    try:
        _apply(turn, turn.body["actions"][0]["selected_option"]["value"])
    except (DomainError, CommandError):
        publish_home(turn)
        raise  # the listener answers it (and logs it if that answer fails too)
    publish_home(turn)


def _apply(turn: Turn, value: str) -> None:
    choice, _, raw = value.partition(":")
    followup_id = row_id(raw)
    with turn.begin() as session:
        rep, now = turn.rep(session), turn.now()
        if choice == "done":
            followups.complete_followup(
                session=session,
                team_id=rep.team_id,
                followup_id=followup_id,
                rep=rep,
                now=now,
            )
        elif choice in SNOOZES:
            followups.snooze_followup(
                session=session,
                team_id=rep.team_id,
                followup_id=followup_id,
                rep=rep,
                by=SNOOZES[choice],
                now=now,
            )


def publish_home(turn: Turn) -> None:
    with turn.begin() as session:
        rep = turn.rep(session)
        summary = summaries.home_summary(
            session=session,
            team_id=rep.team_id,
            rep_id=rep.id or 0,
            now=turn.now(),
            tz=turn.caller.tz,
            stale_days=turn.deps.stale_days,
        )
    view = build_home(summary, tz=turn.caller.tz, stale_days=turn.deps.stale_days)
    turn.client.views_publish(user_id=turn.caller.id, view=view)
