"""The App Home tab, republished on open and after every change made from it."""

from datetime import timedelta

from slack_bolt import App
from slack_sdk import WebClient
from sqlmodel import Session

from handlers import listener
from handlers.blocks import Message, message, section
from handlers.blocks.home import build_home, day_and_time
from handlers.blocks.text import bold
from handlers.deps import Deps
from handlers.directory import SlackUser
from handlers.ids import Event, HomeAction
from handlers.listener import Reply, Turn
from handlers.parsing.text import CommandError
from handlers.parsing.values import count, row_id
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


def handle_home_followup(turn: Turn) -> Message | None:
    """Done or Snooze from the Home tab; Home is republished whatever happened, so a stale tab
    (the follow-up undone, or done elsewhere) shows the truth beside the listener's answer. A
    snooze says where the follow-up went, on Home and by DM (Home clicks have no response_url)."""
    value = turn.body["actions"][0]["selected_option"]["value"]
    try:
        done = _apply(turn, value)
    except (DomainError, CommandError):
        publish_home(turn)
        raise  # the listener answers it (and logs it if that answer fails too)
    publish_home(turn, notice=done)
    _refresh_nudge(turn, value)
    if done and done.startswith(":zzz:"):
        return message(done, [section(done)])
    return None


def _refresh_nudge(turn: Turn, value: str) -> None:
    """The follow-up's DM, if it was nudged, shows what was done here too."""
    from handlers.nudges import refresh_nudge_message  # it imports the log modal, which needs us

    refresh_nudge_message(turn, row_id(value.split(":")[1]))


def _apply(turn: Turn, value: str) -> str | None:
    """Do what was picked; the sentence saying what happened."""
    choice, _, rest = value.partition(":")
    raw, _, seen = rest.partition(":")
    followup_id = row_id(raw)
    with turn.begin() as session:
        rep, now = turn.rep(session), turn.now()
        if choice == "done":
            followup = followups.complete_followup(
                session=session,
                team_id=rep.team_id,
                followup_id=followup_id,
                rep=rep,
                now=now,
            )
            return f":white_check_mark: Done: the follow-up{_on(session, followup)}."
        if choice in SNOOZES:
            followup = followups.snooze_followup(
                session=session,
                team_id=rep.team_id,
                followup_id=followup_id,
                rep=rep,
                by=SNOOZES[choice],
                now=now,
                seen=count(seen) if seen else None,
            )
            when = day_and_time(followup.due_at, turn.caller.tz)
            return f":zzz: Snoozed the follow-up{_on(session, followup)} to {when}."
    return None


def _on(session: Session, followup: followups.Followup) -> str:
    account = followups.account_of(session=session, followup=followup)
    return f" on {bold(account.name)}" if account else ""


def publish_home(turn: Turn, *, notice: str | None = None) -> None:
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
    view = build_home(summary, tz=turn.caller.tz, stale_days=turn.deps.stale_days, notice=notice)
    turn.client.views_publish(user_id=turn.caller.id, view=view)
