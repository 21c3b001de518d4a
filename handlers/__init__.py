"""The Slack face of Rapport: the whole bot's surface, registered in one place."""

import re
from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from handlers import calls, crm, deals, followups, home, lookups, nudges
from handlers.deps import Deps
from handlers.guard import WorkspaceGuard
from handlers.listener import Listener

MODULES = (lookups, calls, deals, followups, crm, home, nudges)
# What modules register, by the App method they call, in the order Bolt gets them: Bolt asks
# each listener's matcher in turn (~0.1 M instructions each: its keyword injection), so what a
# person sends comes first. Commands and buttons are many: each is one Bolt listener that routes
# by name (ROUTED), so every command and button costs one matcher, wherever it is registered.
ORDER = ("command", "event", "global_shortcut", "message_shortcut", "action", "view", "options")
ROUTED: dict[str, Callable[[dict], str]] = {
    "command": lambda body: body["command"],
    "action": lambda body: (body.get("actions") or [{}])[0].get("action_id", ""),
}
Constraint = str | re.Pattern[str]


def register_listeners(app: App, deps: Deps) -> "Routes":
    app.use(WorkspaceGuard(deps))
    routes = Routes(app)
    for module in MODULES:
        module.register(routes, deps)
    routes.register()
    return routes


class Routes:
    """The app, as a module's `register` sees it: `routes.command(name)(listener)` and so on,
    kept until every module has registered, then handed to Bolt in ORDER."""

    def __init__(self, app: App) -> None:
        self._app = app
        self.kept: dict[str, list[tuple[Constraint, Listener]]] = {method: [] for method in ORDER}

    def __getattr__(self, method: str) -> Callable[[Constraint], Callable[[Listener], None]]:
        if method not in ORDER:
            raise AttributeError(method)

        def listen(constraint: Constraint) -> Callable[[Listener], None]:
            return lambda listener: self.add(method, constraint, listener)

        return listen

    def add(self, method: str, constraint: Constraint, listener: Listener) -> None:
        self.kept[method].append((constraint, listener))

    def register(self) -> None:
        for method in ORDER:
            kept = self.kept[method]
            if method in ROUTED and kept:
                pattern, route = _router(kept, ROUTED[method])
                getattr(self._app, method)(pattern)(route)
                continue
            for constraint, listener in kept:
                getattr(self._app, method)(constraint)(listener)


def _router(
    kept: list[tuple[Constraint, Listener]], name_of: Callable[[dict], str]
) -> tuple[re.Pattern[str], Listener]:
    """One Bolt listener for every name kept: a pattern matching just those names, and the
    listener that hands the request to the one registered for its name."""
    named = {c: listener for c, listener in kept if isinstance(c, str)}
    patterns = [(c, listener) for c, listener in kept if not isinstance(c, str)]
    if len(named) + len(patterns) != len(kept) or len(set(map(str, named))) != len(named):
        raise ValueError("a name is registered twice")
    either = [re.escape(str(name)) for name in named] + [p.pattern for p, _ in patterns]
    pattern = re.compile("^(?:" + "|".join(f"(?:{e})" for e in either) + ")$")

    def route(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
        name = name_of(body)
        found = named.get(name) or next(f for p, f in patterns if p.search(name))
        found(ack=ack, body=body, client=client, context=context)

    return pattern, route
