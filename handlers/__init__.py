"""The Slack face of Rapport: the whole bot's surface, registered in one place."""

from slack_bolt import App

from handlers import calls, crm, deals, followups, home, lookups, nudges
from handlers.deps import Deps
from handlers.guard import make_guard

# Bolt tries listeners in registration order, each matcher at a cost: what Slack sends most
# (/who-owns, /history, /log-call and their buttons) is registered first.
MODULES = (lookups, calls, deals, followups, crm, home, nudges)


def register_listeners(app: App, deps: Deps) -> None:
    app.use(make_guard(deps))
    for module in MODULES:
        module.register(app, deps)
