"""Trust at the door: only full members of the installed workspace reach a listener.

Guests (restricted and ultra-restricted users) and people from other organisations, e.g. in a
Slack Connect channel, can neither read nor write. The check runs before any listener, on the
cached users.info profile, and puts the caller on `context["caller"]` for the listeners.
"""

import logging
from collections.abc import Callable

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient

from handlers.deps import Deps
from handlers.directory import UnknownUser

logger = logging.getLogger(__name__)

NOT_AVAILABLE = "Sorry, Rapport isn't available to guests or to people outside this workspace."


def make_guard(deps: Deps) -> Callable[..., BoltResponse | None]:
    def guard_workspace_members(
        body: dict, context: BoltContext, client: WebClient, next: Callable[[], None]
    ) -> BoltResponse | None:
        installed_team = context.authorize_result.team_id if context.authorize_result else None
        user_id = context.user_id
        if user_id is None or installed_team is None:  # bot messages, subtyped events
            next()
            return None
        refused = context.team_id not in (None, installed_team)
        if not refused:
            try:
                caller = deps.directory.get(client, installed_team, user_id)
                refused = not caller.is_full_member(installed_team)
            except UnknownUser:
                refused = True
        if refused:
            logger.info(
                "refused %s from team %s: guest or outside the workspace", user_id, context.team_id
            )
            return _refusal(body)
        context["caller"] = caller
        next()
        return None

    return guard_workspace_members


def _refusal(body: dict) -> BoltResponse:
    """Slash commands can read a plain-text ack; everything else is acked and ignored."""
    if "command" in body:
        return BoltResponse(status=200, body=NOT_AVAILABLE)
    return BoltResponse(status=200, body="")
