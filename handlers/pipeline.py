"""/crm pipeline: the report, and its chart uploaded into the conversation.

The chart is slow work (drawing, then Slack's three-step external upload), so it always runs
outside the ack: the Chart button is acked at once by `listener.action`; `/crm pipeline chart`
acks with "Drawing…" while a Bolt lazy listener (started beside the ack, never waited for)
draws and uploads. Either way the person is told what became of it on the response_url, and a
chart never lands where a guest or another organisation could read it.
"""

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError, SlackClientError

from handlers import listener
from handlers.blocks import Message, message, section
from handlers.blocks.chart import build_pipeline_chart
from handlers.blocks.pipeline import build_chart_posted, build_chart_refused, build_pipeline
from handlers.deps import Deps
from handlers.ids import PipelineAction
from handlers.listener import Turn
from handlers.parsing.pipeline import PipelineRequest, parse_pipeline
from handlers.parsing.text import CommandError
from models import claims, pipeline
from models.base import id_of
from models.pipeline import PipelineReport

logger = logging.getLogger(__name__)

PRIVATE_HERE = (
    "Not everyone in this conversation may see CRM data (guests, people from another "
    "organisation), so I won't post the chart here. Ask me in a DM or a channel of your team."
)
# What Slack's upload errors mean for the person who asked.
UPLOAD_ERRORS = {
    "not_in_channel": "I'm not in this channel, so I can't post the chart here: "
    "invite me with `/invite @Rapport`, or ask me in a DM.",
    "channel_not_found": "I can't post in this conversation: ask me in a DM or a channel I'm in.",
    "file_uploads_disabled": "This workspace has turned off file uploads, so I can't post "
    "the chart.",
    "storage_limit_reached": "This workspace's file storage is full, so I can't post the chart.",
    "is_archived": "This channel is archived, so I can't post the chart here.",
}
ALREADY_CHARTED = "That chart is on its way already; `/crm pipeline` again for a fresh one."
UPLOAD_FAILED = "Slack wouldn't take the chart just now. Please try again in a minute."


def register(app: App, deps: Deps) -> None:
    """The Chart button; /crm itself is registered by handlers.crm, which hands over to here."""
    app.action(PipelineAction.CHART)(listener.action(deps, handle_chart_button))


def wants_pipeline(text: str) -> bool:
    return text.strip().lower().split(maxsplit=1)[:1] == ["pipeline"]


def handle_pipeline_command(turn: Turn) -> Message:
    request = parse_pipeline(turn.body.get("text", ""))
    assert request is not None  # handlers.crm asked wants_pipeline first
    if request.chart:
        text = f"Drawing the chart of {'the team' if request.team else 'your'} pipeline…"
        return message(text, [section(text)])
    return build_pipeline(report(turn, team=request.team))


def handle_chart_after_ack(turn: Turn) -> Message | None:
    try:
        request: PipelineRequest | None = parse_pipeline(turn.body.get("text", ""))
    except CommandError:
        return None  # the ack said so already
    if request is None or not request.chart:
        return None
    return upload_chart(turn, team=request.team, channel_id=turn.body.get("channel_id"))


def handle_chart_button(turn: Turn) -> Message:
    team = turn.body["actions"][0].get("value") == "team"
    channel_id = (turn.body.get("channel") or {}).get("id")
    clicked = (turn.body.get("container") or {}).get("message_ts")
    with turn.begin() as session:
        # One chart per answer, person and conversation: a double click uploads once.
        key = f"chart:{channel_id}:{clicked}:{turn.caller.id}"
        first = claims.claim_once(
            session=session, team_id=turn.caller.team_id, key=key, now=turn.now()
        )
    if not first:
        return build_chart_refused(ALREADY_CHARTED)
    return upload_chart(turn, team=team, channel_id=channel_id)


def report(turn: Turn, *, team: bool) -> PipelineReport:
    with turn.begin() as session:
        owner_id = None if team else id_of(turn.rep(session))
        return pipeline.pipeline_report(
            session=session,
            team_id=turn.caller.team_id,
            owner_id=owner_id,
            now=turn.now(),
            tz=turn.caller.tz,
            stuck_days=turn.deps.stuck_days,
        )


def upload_chart(turn: Turn, *, team: bool, channel_id: str | None) -> Message:
    """Draw the chart and upload it into `channel_id`; the answer says how that went."""
    audience = turn.deps.audience
    if not channel_id or not audience.only_full_members(
        turn.client, turn.caller.team_id, channel_id
    ):
        return build_chart_refused(PRIVATE_HERE)
    chart = build_pipeline_chart(report(turn, team=team))
    try:
        turn.client.files_upload_v2(
            channel=channel_id,
            file=chart.png,
            filename="pipeline.png",
            title=chart.title,
            alt_txt=chart.alt_text,
        )
    except SlackApiError as error:
        code = str(error.response.get("error", ""))
        logger.warning("chart upload to %s refused: %s", channel_id, code)
        return build_chart_refused(UPLOAD_ERRORS.get(code, UPLOAD_FAILED))
    except SlackClientError as error:  # the bytes' upload itself failed
        logger.warning("chart upload to %s failed: %s", channel_id, error)
        return build_chart_refused(UPLOAD_FAILED)
    return build_chart_posted(team=team)
