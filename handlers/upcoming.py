"""The Slack surfaces of PRODUCT.md whose features come in later issues.

manifest.yml declares every surface, so each one answers with what works today instead of the
"operation_timeout" / 404 a missing listener would give. Each feature's issue replaces its entry.
"""

from slack_bolt import Ack, App, Say
from slack_sdk import WebClient

from handlers.blocks.crm import build_not_yet
from handlers.blocks.upcoming import build_home_welcome, build_modal_not_yet, build_reply_what_works
from handlers.deps import Deps
from handlers.ids import Command, Event, Shortcut

LATER_COMMANDS = (
    Command.LOG_CALL,
    Command.WHO_OWNS,
    Command.HISTORY,
    Command.DEAL,
    Command.FOLLOWUP,
)


def register(app: App, deps: Deps) -> None:
    def handle_later_command(ack: Ack, command: dict) -> None:
        ack(**build_not_yet(what=command["command"]))

    for later_command in LATER_COMMANDS:
        app.command(later_command)(handle_later_command)

    @app.shortcut(Shortcut.LOG_MESSAGE)
    @app.shortcut(Shortcut.LOG_CALL)
    def handle_later_shortcut(ack: Ack, shortcut: dict, client: WebClient) -> None:
        ack()
        name = "Log to CRM" if shortcut["type"] == "message_action" else "Log a call"
        client.views_open(trigger_id=shortcut["trigger_id"], view=build_modal_not_yet(what=name))

    @app.event(Event.APP_HOME_OPENED)
    def handle_home_opened(event: dict, client: WebClient) -> None:
        if event.get("tab") == "home":
            client.views_publish(user_id=event["user"], view=build_home_welcome())

    @app.event(Event.APP_MENTION)
    def handle_mention(event: dict, say: Say) -> None:
        say(**build_reply_what_works(), thread_ts=event.get("thread_ts") or event["ts"])

    @app.event(Event.MESSAGE)
    def handle_direct_message(event: dict, say: Say) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, deletions, bot posts: nothing to answer
        say(**build_reply_what_works(), thread_ts=event["ts"])
