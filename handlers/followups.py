"""/followup: set a follow-up for me, or list mine with Done, Snooze and Pick a date.

The list is the clicker's own ephemeral message: a click replaces it with the list as it is
now, headed by a line saying what happened (or, for a refusal, why nothing did).
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_bolt import App
from sqlmodel import Session

from handlers import listener
from handlers.blocks import Message
from handlers.blocks.calls import build_done
from handlers.blocks.followups import build_followup_list, build_followup_pick, build_followup_set
from handlers.blocks.home import day_and_time
from handlers.blocks.names import Choice, build_created
from handlers.blocks.text import bold, escape
from handlers.calls.mentions import names_in
from handlers.dates import PastDate
from handlers.deps import Deps
from handlers.ids import Command, FollowupAction
from handlers.listener import Turn
from handlers.parsing.followups import (
    FollowupList,
    FollowupRequest,
    When,
    parse_followup,
    picked_due,
    read_picked_date,
)
from handlers.parsing.text import CommandError, name_mentions, plain_text
from handlers.parsing.values import count, row_id
from models import accounts, channels, followups, pending, summaries
from models.accounts import Account
from models.base import DomainError, id_of
from models.matching import account_at_start, resolve_account
from models.reps import Rep

PICK = re.compile(rf"^{FollowupAction.PICK_ACCOUNT}_\d+$")
PENDING_FOLLOWUP = "followup"
SNOOZES = {
    FollowupAction.SNOOZE_DAY: timedelta(days=1),
    FollowupAction.SNOOZE_WEEK: timedelta(days=7),
}
REPLACE = {"replace_original": True}
NEW = {"replace_original": False}


def register(app: App, deps: Deps) -> None:
    app.command(Command.FOLLOWUP)(listener.command(deps, handle_followup_command))
    for button in (*SNOOZES, FollowupAction.DONE, FollowupAction.PICK_DATE):
        app.action(button)(listener.action(deps, handle_followup_button))
    app.action(PICK)(listener.action(deps, handle_pick_account_button))
    app.action(FollowupAction.CREATE_ACCOUNT)(listener.action(deps, handle_pick_account_button))


def handle_followup_command(turn: Turn) -> Message:
    text = turn.body.get("text", "")
    typed = name_mentions(
        text, names_in(turn.deps, turn.client, turn.caller.team_id, text, now=turn.now())
    )
    with turn.begin() as session:
        rep = turn.rep(session)
        request = _read(session, turn, rep.team_id, typed)
        if isinstance(request, FollowupList):
            return _agenda(session, turn, rep)
        return _set(session, turn, rep, request)


def _read(session: Session, turn: Turn, team_id: str, typed: str) -> FollowupList | FollowupRequest:
    """The request, reading a known account name at the start as that account ("Friday Labs
    tomorrow" is about Friday Labs, not due Friday)."""
    now, tz, order = turn.now(), turn.caller.tz, turn.caller.date_order
    start = account_at_start(session=session, team_id=team_id, text=plain_text(typed))
    if start is not None and start.rest:
        try:
            # The rest is plain text; escaped again, it reads as Slack sent it.
            rest = escape(start.rest)
            return parse_followup(rest, now=now, tz=tz, order=order, account=start.name)
        except PastDate:
            raise
        except CommandError:
            pass  # not a date after the name: read the text as a whole
    return parse_followup(typed, now=now, tz=tz, order=order)


@dataclass(frozen=True)
class _Target:
    account: Account | None
    linked: bool = False


def _set(session: Session, turn: Turn, rep: Rep, request: FollowupRequest) -> Message:
    """Set it on the account named (or this channel's), or park it until the rep picks one."""
    source_key = f"followup:{turn.body['trigger_id']}"  # Slack's retry sets nothing twice
    if request.account is None:
        linked = channels.get_linked_account(
            session=session, team_id=rep.team_id, channel_id=turn.body.get("channel_id", "")
        )
        return _create(session, turn, rep, request, _Target(linked, linked is not None), source_key)
    resolution = resolve_account(session=session, team_id=rep.team_id, name=request.account)
    if resolution.match is not None:
        account = accounts.get_account(
            session=session, team_id=rep.team_id, account_id=resolution.match.id
        )
        return _create(session, turn, rep, request, _Target(account), source_key)
    parked = pending.create_pending(
        session=session,
        team_id=rep.team_id,
        slack_user_id=rep.slack_user_id,
        kind=PENDING_FOLLOWUP,
        payload={
            "typed": resolution.query,
            "due_at": request.due.at.isoformat(),
            "note": request.note,
            "source_key": source_key,
        },
        now=turn.now(),
    )
    choices = [Choice(c.id, c.name) for c in resolution.choices or resolution.nearest]
    return build_followup_pick(
        typed=resolution.query,
        pending_id=id_of(parked),
        choices=choices,
        close=bool(resolution.choices),
    )


def _create(
    session: Session,
    turn: Turn,
    rep: Rep,
    request: FollowupRequest,
    target: _Target,
    source_key: str,
) -> Message:
    followup, _ = followups.create_followup(
        session=session,
        rep=rep,
        account=target.account,
        due_at=request.due.at,
        note=request.note,
        now=turn.now(),
        source_key=source_key,
    )
    return build_followup_set(
        account=target.account.name if target.account else None,
        typed=request.account,
        due_at=followup.due_at,
        note=followup.note,
        tz=turn.caller.tz,
        read_as=request.due.read_as,
        phrase=request.phrase,
        linked=target.linked,
    )


def _agenda(session: Session, turn: Turn, rep: Rep, notice: str | None = None) -> Message:
    agenda = summaries.followup_agenda(
        session=session, team_id=rep.team_id, rep_id=id_of(rep), now=turn.now(), tz=turn.caller.tz
    )
    return build_followup_list(agenda, tz=turn.caller.tz, notice=notice)


def handle_followup_button(turn: Turn) -> Message:
    """Done, Snooze 1 day, Snooze 1 week or a picked date on my list: the list comes back as it
    is now, headed by what happened, or by why nothing did (someone else's, done already)."""
    action, changed = turn.body["actions"][0], None
    try:
        with turn.begin() as session:
            change = change_followup(session, turn, action)
            notice, changed = change.notice, id_of(change.followup)
    except (DomainError, CommandError) as refused:
        notice = f":warning: {refused}"
    if changed is not None:
        from handlers.nudges import refresh_nudge_message  # it imports the log modal, as Home

        refresh_nudge_message(turn, changed)  # its DM, if it was nudged, says so too
    with turn.begin() as session:
        return _agenda(session, turn, turn.rep(session), notice) | REPLACE


@dataclass(frozen=True)
class Changed:
    followup: followups.Followup  # as the click left it
    notice: str  # built mrkdwn: what the click did


def change_followup(session: Session, turn: Turn, action: dict) -> Changed:
    """The one place a click on /followup's list changes a follow-up (Done, a snooze, a picked
    date), in the caller's transaction; the follow-up as it left it, and what it did."""
    rep, now = turn.rep(session), turn.now()
    kind = action["action_id"]
    if kind == FollowupAction.PICK_DATE:
        # A datepicker has no value: the follow-up is in the block_id, "followup_<id>_<n>".
        followup_id = row_id(f"{action.get('block_id')}_".split("_")[1])
        current = followups.get_own_followup(
            session=session, team_id=rep.team_id, followup_id=followup_id, rep=rep
        )
        due = picked_due(
            read_picked_date(action.get("selected_date") or ""),
            current.due_at,
            now=now,
            tz=turn.caller.tz,
        )
        moved = followups.reschedule_followup(
            session=session, team_id=rep.team_id, followup_id=followup_id, rep=rep,
            due_at=due, now=now,
        )  # fmt: skip
        return Changed(
            moved, f":calendar: Moved the follow-up{_on(session, moved)} to {_when(turn, moved)}."
        )
    raw, _, seen = action["value"].partition(":")
    if kind == FollowupAction.DONE:
        done = followups.complete_followup(
            session=session, team_id=rep.team_id, followup_id=row_id(raw), rep=rep, now=now
        )
        return Changed(done, f":white_check_mark: Done: the follow-up{_on(session, done)}.")
    snoozed = followups.snooze_followup(
        session=session, team_id=rep.team_id, followup_id=row_id(raw), rep=rep,
        by=SNOOZES[FollowupAction(kind)], now=now, seen=count(seen) if seen else None,
    )  # fmt: skip
    return Changed(
        snoozed, f":zzz: Snoozed the follow-up{_on(session, snoozed)} to {_when(turn, snoozed)}."
    )


def _on(session: Session, followup: followups.Followup) -> str:
    account = followups.account_of(session=session, followup=followup)
    return f" on {bold(account.name)}" if account else ""


def _when(turn: Turn, followup: followups.Followup) -> str:
    return day_and_time(followup.due_at, turn.caller.tz)


def handle_pick_account_button(turn: Turn) -> Message:
    """A pick (or Create) on "which account?": the parked follow-up is set on it, once."""
    pending_id, _, account_id = turn.body["actions"][0]["value"].partition(":")
    with turn.begin() as session:
        rep = turn.rep(session)
        parked = pending.consume_pending(
            session=session,
            team_id=rep.team_id,
            pending_id=row_id(pending_id),
            slack_user_id=rep.slack_user_id,
            now=turn.now(),
            kind=PENDING_FOLLOWUP,
        )
        if parked is None:  # a double click: the first one's confirmation stays
            return build_done("That follow-up is set already.") | NEW
        typed = str(parked.payload["typed"])
        if account_id:
            account = accounts.get_account(
                session=session, team_id=rep.team_id, account_id=row_id(account_id)
            )
        else:
            account = _account_named(session, rep, typed, turn.now())
        request = FollowupRequest(
            account=typed,
            due=When(datetime.fromisoformat(parked.payload["due_at"])),
            phrase="",
            note=str(parked.payload["note"]),
        )
        answer = _create(
            session, turn, rep, request, _Target(account), str(parked.payload["source_key"])
        )
    return (answer if account_id else build_created(answer, account.name)) | REPLACE


def _account_named(session: Session, rep: Rep, name: str, now: datetime) -> Account:
    try:
        return accounts.create_account(
            session=session, team_id=rep.team_id, name=name, owner=rep, created_by=rep, now=now
        )
    except accounts.NameTaken as taken:  # created a moment ago (by someone else, or a retry)
        return taken.existing
