"""The Slack surfaces of PRODUCT.md whose features come in later issues.

manifest.yml declares every surface, so each one answers with what works today instead of the
"operation_timeout" / 404 a missing listener would give. Each feature's issue replaces its entry.
"""

from slack_bolt import Ack, App, Say
from slack_sdk import WebClient

from handlers.blocks.crm import build_not_yet
from handlers.blocks.upcoming import build_home_welcome, build_reply_what_works
from handlers.deps import Deps
from handlers.ids import Command, Event

LATER_COMMANDS = (Command.WHO_OWNS, Command.HISTORY, Command.DEAL, Command.FOLLOWUP)


def register(app: App, deps: Deps) -> None:
    def handle_later_command(ack: Ack, command: dict) -> None:
        ack(**build_not_yet(what=command["command"]))

    for later_command in LATER_COMMANDS:
        app.command(later_command)(handle_later_command)

    @app.event(Event.APP_HOME_OPENED)
    def handle_home_opened(event: dict, client: WebClient) -> None:
        if event.get("tab") == "home":
            client.views_publish(user_id=event["user"], view=build_home_welcome())

    @app.event(Event.APP_MENTION)
    def handle_mention(event: dict, say: Say) -> None:
        say(**build_reply_what_works(), thread_ts=event.get("thread_ts") or event["ts"])
