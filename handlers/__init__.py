"""The Slack face of Rapport: the whole bot's surface, registered in one place."""

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from handlers import calls, crm, deals, followups, home, lookups, nudges
from handlers.deps import Deps
from handlers.guard import WorkspaceGuard

MODULES = (lookups, calls, deals, followups, crm, home, nudges)
# Bolt tries listeners in registration order, paying for each matcher it asks (~0.1 M
# instructions: its keyword injection). So what a person sends comes first: every module's
# commands, events and shortcuts, in MODULES order; then the buttons, modals and option lists.
LATER = frozenset(["action", "block_action", "view", "view_submission", "options"])


def register_listeners(app: App, deps: Deps) -> None:
    app.use(WorkspaceGuard(deps))
    later = _Later(app)
    for module in MODULES:
        module.register(later, deps)
    later.register()


class _Later:
    """The app, as a module's `register` sees it: commands, events and shortcuts registered at
    once, buttons, modals and option lists kept to be registered after every module's."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._kept: list[tuple[str, tuple[Any, ...], dict[str, Any], tuple[Any, ...], dict]] = []

    def __getattr__(self, name: str) -> Any:
        if name not in LATER:
            return getattr(self._app, name)

        def listen(*args: Any, **kwargs: Any) -> Callable[..., None]:
            def keep(*listener: Any, **options: Any) -> None:
                self._kept.append((name, args, kwargs, listener, options))

            return keep

        return listen

    def register(self) -> None:
        for name, args, kwargs, listener, options in self._kept:
            getattr(self._app, name)(*args, **kwargs)(*listener, **options)
