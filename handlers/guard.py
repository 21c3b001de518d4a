"""Trust at the door: only full members of the installed workspace reach a listener.

Guests (restricted and ultra-restricted users) and people from other organisations, e.g. in a
Slack Connect channel, can neither read nor write (handlers.refusals tells them so, on every
surface). The check runs before any listener and puts the caller on `context["caller"]` for
the listeners.

It must not make the ack wait on Slack: a 429 with Retry-After 5 on users.info once made acks
5 s late, and a 500 gave Slack a 500. So a person is looked up in this process's cache, then in
the store (their reps row; a stale one is served and refreshed in the background), and only
someone Rapport has never seen costs a users.info call before the ack, within a second and
without retries. If Slack doesn't answer in that time the request gets a sentence, not a 500.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from handlers.deps import Deps
from handlers.directory import (
    LOOKUP_BUDGET_SECONDS,
    REFRESH_BUDGET_SECONDS,
    SlackUnreachable,
    SlackUser,
    UnknownUser,
)
from handlers.refusals import refuse

logger = logging.getLogger(__name__)

NOT_CHECKED = "I couldn't check who you are with Slack just now; please try again in a moment."


class WorkspaceGuard(Middleware):
    """The guard as a class middleware: Bolt calls it with the request as is, where a function
    middleware pays for Bolt's keyword injection on every request."""

    def __init__(self, deps: Deps) -> None:
        self.check = make_guard(deps)

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        refused = self.check(req.body, req.context, req.context.client, next)
        return resp if refused is None else refused


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
                caller = who_is(deps, client, installed_team, user_id)
                refused = not caller.is_full_member(installed_team)
            except UnknownUser:
                refused = True
            except SlackUnreachable as error:
                logger.warning("could not check %s with Slack before the ack: %s", user_id, error)
                return _unchecked(deps, body, context, client)
        if refused:
            logger.info(
                "refused %s from team %s: guest or outside the workspace", user_id, context.team_id
            )
            return refuse(deps, body, context, client)
        context["caller"] = caller
        next()
        return None

    return guard_workspace_members


def who_is(deps: Deps, client: WebClient, team_id: str, user_id: str) -> SlackUser:
    """The person asking, from this process's cache, else the store, else users.info within a
    short budget (UnknownUser, SlackUnreachable); what Slack says is stored in the background."""
    directory = deps.directory
    if (cached := directory.cached(team_id, user_id)) is not None:
        return cached
    if (known := _from_store(deps, team_id, user_id)) is not None:
        directory.remember(team_id, known)
        age = deps.now() - known.checked_at if known.checked_at else None
        if age is None or age >= timedelta(seconds=directory.ttl):
            directory.in_background(
                (team_id, user_id), lambda: refresh(deps, client, team_id, user_id)
            )
        return known
    user = directory.look_up(client, user_id, budget=LOOKUP_BUDGET_SECONDS, now=deps.now())
    directory.remember(team_id, user)
    directory.in_background((team_id, user_id), lambda: deps.save_user(team_id, user))
    return user


def refresh(deps: Deps, client: WebClient, team_id: str, user_id: str) -> None:
    """Ask Slack again about a person the store knows; store and cache what it says."""
    try:
        user = deps.directory.look_up(
            client, user_id, budget=REFRESH_BUDGET_SECONDS, now=deps.now()
        )
    except (UnknownUser, SlackUnreachable) as error:
        logger.info("profile of %s not refreshed: %r", user_id, error)  # asked again when stale
        return
    deps.save_user(team_id, user)
    deps.directory.remember(team_id, user)


def _from_store(deps: Deps, team_id: str, user_id: str) -> SlackUser | None:
    try:
        return deps.known_user(team_id, user_id)
    except Exception:  # the database is down: Slack may still say who this is
        logger.exception("could not read the profile of %s from the store", user_id)
        return None


def _unchecked(deps: Deps, body: dict, context: BoltContext, client: WebClient) -> BoltResponse:
    """Slack didn't say in time who is asking: a command reads why in its ack; anything else is
    acked, and told through its response_url, or ephemerally in its channel, in the background."""
    if "command" in body:
        return BoltResponse(status=200, body=NOT_CHECKED)
    response_url = body.get("response_url") or next(
        (url.get("response_url") for url in body.get("response_urls") or []), None
    )
    channel, user_id = context.channel_id, context.user_id
    if response_url:
        url: str = response_url

        def tell() -> None:
            WebhookClient(url).send(
                text=NOT_CHECKED, response_type="ephemeral", replace_original=False
            )

    elif channel and user_id:

        def tell() -> None:
            client.chat_postEphemeral(channel=channel, user=user_id, text=NOT_CHECKED)

    else:
        return BoltResponse(status=200, body="")
    deps.directory.in_background(("not checked", body.get("trigger_id") or id(body)), tell)
    return BoltResponse(status=200, body="")
