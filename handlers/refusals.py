"""Telling a guest, or someone of another organisation, that Rapport isn't for them: every
surface says the same sentence, in the way that surface can be answered.

Commands read it in their ack, modal submissions see it replace the modal, clicks on a message
and message shortcuts get it ephemerally through their response_url, global shortcuts and clicks
in a modal get a small modal (their trigger_id lasts 3 s), a click on Home republishes Home.
Events come unasked and can be many (every message of a busy DM, a mention in each thread), so
a mention or DM is answered at most once per person per day, and Home is republished at most
once a day: a claim (models.claims) keyed by person and UTC day decides, across replicas.
Everything but the ack's own answer is sent after the ack, on the directory's background pool.
"""

from collections.abc import Callable

from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from handlers.blocks.refusals import build_refusal_home, build_refusal_modal
from handlers.deps import Deps
from models import claims

NOT_AVAILABLE = "Sorry, Rapport isn't available to guests or to people outside this workspace."


def refuse(deps: Deps, body: dict, context: BoltContext, client: WebClient) -> BoltResponse:
    """The ack for a refused request, with the sentence sent wherever this surface allows."""
    if "command" in body:
        return BoltResponse(status=200, body=NOT_AVAILABLE)
    kind = body.get("type")
    if kind == "view_submission":
        view = build_refusal_modal(NOT_AVAILABLE)
        return BoltResponse(status=200, body={"response_action": "update", "view": view})
    if kind == "block_suggestion":
        return BoltResponse(status=200, body={"options": []})
    tell = _teller(deps, body, context, client)
    if tell is not None:
        key = body.get("trigger_id") or body.get("event_id") or id(body)
        deps.directory.in_background(("refused", key), tell)
    return BoltResponse(status=200, body="")


def _teller(
    deps: Deps, body: dict, context: BoltContext, client: WebClient
) -> Callable[[], None] | None:
    kind, trigger, user_id = body.get("type"), body.get("trigger_id"), context.user_id
    view, modal = body.get("view") or {}, build_refusal_modal(NOT_AVAILABLE)
    if kind == "event_callback":
        return _event_teller(deps, body["event"], context, client)
    if body.get("response_url"):  # a click on a message, a message shortcut
        hook = WebhookClient(body["response_url"])

        def whisper() -> None:
            hook.send(text=NOT_AVAILABLE, response_type="ephemeral", replace_original=False)

        return whisper
    if kind == "block_actions" and view.get("type") == "home" and user_id:

        def republish() -> None:
            client.views_publish(user_id=user_id, view=build_refusal_home(NOT_AVAILABLE))

        return republish
    if kind in ("shortcut", "block_actions") and trigger:
        in_modal = view.get("type") == "modal"  # a modal is open: push onto it

        def show() -> None:
            (client.views_push if in_modal else client.views_open)(trigger_id=trigger, view=modal)

        return show
    return None  # view_closed and the like: nothing was asked


def _event_teller(
    deps: Deps, event: dict, context: BoltContext, client: WebClient
) -> Callable[[], None] | None:
    user_id, channel = context.user_id, event.get("channel")
    if user_id is None or event.get("subtype") or event.get("bot_id"):
        return None
    if event.get("type") == "app_home_opened" and event.get("tab") == "home":

        def publish() -> None:
            if _first_today(deps, context, user_id, "home"):
                client.views_publish(user_id=user_id, view=build_refusal_home(NOT_AVAILABLE))

        return publish
    if event.get("type") == "app_mention" and channel:
        thread = event.get("thread_ts") or event.get("ts")

        def whisper() -> None:
            if _first_today(deps, context, user_id, "chat"):
                client.chat_postEphemeral(
                    channel=channel, user=user_id, thread_ts=thread, text=NOT_AVAILABLE
                )

        return whisper
    if event.get("type") == "message" and event.get("channel_type") == "im" and channel:

        def answer() -> None:
            if _first_today(deps, context, user_id, "chat"):
                client.chat_postMessage(channel=channel, text=NOT_AVAILABLE)

        return answer
    return None


def _first_today(deps: Deps, context: BoltContext, user_id: str, surface: str) -> bool:
    """Whether this person hasn't been told on this surface today (UTC), claiming it if not."""
    installed = context.authorize_result.team_id if context.authorize_result else None
    now = deps.now()
    with deps.db.begin() as session:
        return claims.claim_once(
            session=session,
            team_id=installed or context.team_id or "-",
            key=f"refused:{surface}:{user_id}:{now:%Y-%m-%d}",
            now=now,
        )
