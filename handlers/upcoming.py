"""The Slack surfaces of PRODUCT.md whose features come in later issues.

manifest.yml declares every surface, so each one answers with what works today instead of the
"operation_timeout" / 404 a missing listener would give. Each feature's issue replaces its entry.
"""

from slack_bolt import Ack, App

from handlers.blocks.crm import build_not_yet
from handlers.deps import Deps
from handlers.ids import Command

LATER_COMMANDS = (Command.DEAL, Command.FOLLOWUP)


def register(app: App, deps: Deps) -> None:
    def handle_later_command(ack: Ack, command: dict) -> None:
        ack(**build_not_yet(what=command["command"]))

    for later_command in LATER_COMMANDS:
        app.command(later_command)(handle_later_command)
