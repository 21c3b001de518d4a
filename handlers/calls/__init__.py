"""Logging: /log-call, the "Log to CRM" and "Log a call" shortcuts, one-line DMs, their buttons."""

from slack_bolt import App

from handlers.calls import buttons, command, modal
from handlers.deps import Deps


def register(app: App, deps: Deps) -> None:
    for surface in (command, modal, buttons):
        surface.register(app, deps)
