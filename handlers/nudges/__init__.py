"""Follow-up DMs (nudges): the sweep that sends them (sweep.py) and the clicks on them
(clicks.py)."""

from slack_bolt import App

from handlers import listener
from handlers.calls.modal import handle_open_log_modal
from handlers.deps import Deps
from handlers.ids import NudgeAction
from handlers.nudges.clicks import handle_nudge_click, refresh_nudge_message
from handlers.nudges.sweep import (
    _WORKSPACES,
    FIRST_BACKOFF,
    TOKEN_RECHECK,
    Pacer,
    SweepResult,
    describe_due,
    sweep_nudges,
)

__all__ = [
    "FIRST_BACKOFF",
    "TOKEN_RECHECK",
    "_WORKSPACES",
    "Pacer",
    "SweepResult",
    "describe_due",
    "handle_nudge_click",
    "refresh_nudge_message",
    "register",
    "sweep_nudges",
]


def register(app: App, deps: Deps) -> None:
    app.action(NudgeAction.DONE)(listener.action(deps, handle_nudge_click))
    app.action(NudgeAction.SNOOZE_DAY)(listener.action(deps, handle_nudge_click))
    app.action(NudgeAction.SNOOZE_WEEK)(listener.action(deps, handle_nudge_click))
    app.action(NudgeAction.PICK_DATE)(listener.action(deps, handle_nudge_click))
    app.action(NudgeAction.LOG_CALL)(listener.action(deps, handle_open_log_modal))
