"""The Slack surfaces of PRODUCT.md whose features come in later issues.

manifest.yml declares every surface, so each one answers with what works today instead of the
"operation_timeout" / 404 a missing listener would give. Each feature's issue replaces its entry.
"""

from slack_bolt import App

from handlers import listener
from handlers.blocks import Message
from handlers.blocks.crm import build_not_yet
from handlers.deps import Deps
from handlers.ids import Command

LATER_COMMANDS = (Command.FOLLOWUP,)


def register(app: App, deps: Deps) -> None:
    for later in LATER_COMMANDS:
        app.command(later)(listener.command(deps, handle_later_command))


def handle_later_command(turn: listener.Turn) -> Message:
    return build_not_yet(what=turn.body["command"])
