"""Deals: /deal (create, move, close, reopen, edit, list), the deal card and its buttons, and
`/crm stages` (handlers.crm hands it over)."""

from slack_bolt import App

from handlers.deals import buttons, command
from handlers.deps import Deps


def register(app: App, deps: Deps) -> None:
    for surface in (command, buttons):
        surface.register(app, deps)
