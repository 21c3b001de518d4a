"""The App Home tab, republished on open and after every change made from it."""

from datetime import timedelta

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from handlers.blocks.home import build_home
from handlers.deps import Deps
from handlers.directory import SlackUser
from handlers.ids import Event, HomeAction
from models import followups, summaries

SNOOZES = {"snooze1": timedelta(days=1), "snooze7": timedelta(days=7)}


def register(app: App, deps: Deps) -> None:
    @app.event(Event.APP_HOME_OPENED)
    def handle_home_opened(event: dict, client: WebClient, context: BoltContext) -> None:
        if event.get("tab") == "home":
            publish_home(deps, client, context["caller"])

    @app.action(HomeAction.FOLLOWUP)
    def handle_home_followup(
        ack: Ack, action: dict, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        caller: SlackUser = context["caller"]
        choice, _, followup_id = action["selected_option"]["value"].partition(":")
        with deps.db.begin() as session:
            rep = deps.rep(session, caller)
            if choice == "done":
                followups.complete_followup(
                    session=session,
                    team_id=caller.team_id,
                    followup_id=int(followup_id),
                    rep=rep,
                    now=deps.now(),
                )
            elif choice in SNOOZES:
                followups.snooze_followup(
                    session=session,
                    team_id=caller.team_id,
                    followup_id=int(followup_id),
                    rep=rep,
                    by=SNOOZES[choice],
                    now=deps.now(),
                )
        publish_home(deps, client, caller)


def publish_home(deps: Deps, client: WebClient, caller: SlackUser) -> None:
    with deps.db.begin() as session:
        rep = deps.rep(session, caller)
        summary = summaries.home_summary(
            session=session,
            team_id=caller.team_id,
            rep_id=rep.id or 0,
            now=deps.now(),
            tz=caller.tz,
            stale_days=deps.stale_days,
        )
    client.views_publish(
        user_id=caller.id, view=build_home(summary, tz=caller.tz, stale_days=deps.stale_days)
    )
