"""Clicks on a follow-up's DM (Done, Snooze, Pick a date), and the DM kept in step wherever
the follow-up changes (the DM itself, App Home, /followup): updated in place to show what
happened, by whom."""

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from handlers.blocks import Message
from handlers.blocks.nudges import (
    build_nudge,
    build_settled_nudge,
    done_outcome,
    snoozed_outcome,
)
from handlers.ids import NudgeAction
from handlers.listener import Turn
from handlers.nudges.sweep import _nudge_of
from handlers.parsing.text import CommandError
from handlers.parsing.values import count, row_id
from models import followups
from models import nudges as store
from models.followups import Followup, FollowupStatus
from models.reps import Rep, working_hours

logger = logging.getLogger(__name__)

SNOOZES = {NudgeAction.SNOOZE_DAY: timedelta(days=1), NudgeAction.SNOOZE_WEEK: timedelta(days=7)}


# -- clicks ------------------------------------------------------------------------------------


def handle_nudge_click(turn: Turn) -> None:
    """Done, Snooze or a picked date on a nudge: the change, then the message shows it in place.
    A click on a stale message (done or snoozed since) changes nothing and shows the truth."""
    clicked = turn.body["actions"][0]
    action = clicked["action_id"]
    if action == NudgeAction.PICK_DATE:
        _, raw, seen = [*str(clicked.get("block_id", "")).split("_"), "", "", ""][:3]
        picked = clicked.get("selected_date") or ""
    else:
        raw, _, seen = str(clicked.get("value", "")).partition(":")
        picked = ""
    followup_id = row_id(raw)
    snoozes = count(seen) if seen else None
    message_ts = (turn.body.get("container") or {}).get("message_ts")
    try:
        with turn.begin() as session:
            rep, now = turn.rep(session), turn.now()
            team_id = rep.team_id
            if action == NudgeAction.DONE:
                followups.complete_followup(
                    session=session, team_id=team_id, followup_id=followup_id, rep=rep, now=now
                )
            elif action in SNOOZES:
                followups.snooze_followup(
                    session=session, team_id=team_id, followup_id=followup_id, rep=rep,
                    by=SNOOZES[action], now=now, seen=snoozes,
                )  # fmt: skip
            else:
                followups.reschedule_followup(
                    session=session, team_id=team_id, followup_id=followup_id, rep=rep,
                    due_at=_picked_moment(picked, rep), now=now, seen=snoozes,
                )  # fmt: skip
    finally:
        _refresh(turn, followup_id, clicked_ts=message_ts, snoozes=snoozes)


def _picked_moment(picked: str, rep: Rep) -> datetime:
    """A date picked in a nudge: the start of the rep's working hours that day (or the next
    working day), in the rep's zone."""
    try:
        day = datetime.strptime(picked, "%Y-%m-%d").date()
    except ValueError as error:
        raise CommandError("Pick a date from the calendar.") from error
    zone, _ = store.in_zone(rep.tz)
    start = working_hours(rep).start
    return store.rep_opens(rep, datetime.combine(day, start, tzinfo=zone))


def refresh_nudge_message(turn: Turn, followup_id: int) -> None:
    """Show a follow-up's current state on its DM, wherever it was changed (App Home,
    /followup, the DM itself): done, or snoozed to when. Nothing when it was never nudged."""
    _refresh(turn, followup_id)


def _refresh(
    turn: Turn, followup_id: int, *, clicked_ts: str | None = None, snoozes: int | None = None
) -> None:
    with turn.deps.db() as session:
        update = _settled(session, turn.caller.team_id, followup_id, clicked_ts, snoozes)
    if update is None:
        return
    channel, ts, payload = update
    try:
        turn.client.chat_update(channel=channel, ts=ts, **payload)
    except SlackApiError as error:
        logger.warning("could not update the nudge of follow-up %s: %s", followup_id, error)


def _settled(
    session: Session,
    team_id: str,
    followup_id: int,
    clicked_ts: str | None,
    snoozes: int | None,
) -> tuple[str, str, Message] | None:
    followup = session.get(Followup, followup_id)
    if followup is None or followup.team_id != team_id:
        return None
    rows = store.details(session=session, team_id=team_id, followups=[followup])
    if not rows:
        return None
    row = rows[0]
    nudge = _nudge_of(row)
    channel = followup.nudge_channel or row.rep.dm_channel
    ts = clicked_ts or followup.nudge_ts
    if channel is None or ts is None:
        return None
    if followup.status == FollowupStatus.DONE:
        outcome = done_outcome(followup.completed_at or followup.created_at, nudge.tz)
    elif followup.status != FollowupStatus.OPEN:
        outcome = ":heavy_minus_sign: Canceled."
    elif _round_past(followup, snoozes):
        outcome = snoozed_outcome(followup.due_at, nudge.tz, _snoozed_at(session, followup))
    else:  # the message is the live one: drawn again as it is
        return channel, ts, build_nudge(nudge)
    return channel, ts, build_settled_nudge(nudge, outcome)


def _round_past(followup: Followup, snoozes: int | None) -> bool:
    """Whether the message (of round `snoozes`, or the last one sent) was snoozed since."""
    if snoozes is not None:
        return followup.snoozed_count != snoozes
    return followup.snoozed_count > 0 and followup.nudged_at is None


def _snoozed_at(session: Session, followup: Followup) -> datetime:
    from models import audit

    entries = audit.list_entries(
        session=session, team_id=followup.team_id, entity="followup", entity_id=followup.id or 0
    )
    moves = ("followup.snooze", "followup.reschedule")
    snoozes = [entry.at for entry in entries if entry.action in moves]
    return snoozes[-1] if snoozes else followup.created_at
