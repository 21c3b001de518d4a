"""The deal card's select and buttons (Won, Lost and its reason modal, Reopen, Log a call), the
lists' "Open a deal…", and the picks of "which deal?" and "which account?"."""

import re

from pydantic import BaseModel, Field
from slack_bolt import App

from handlers import listener
from handlers.blocks import Message
from handlers.blocks.calls import Choice, LogForm, build_done, build_log_modal
from handlers.blocks.deals import build_lost_modal
from handlers.calls.forms import LogMeta
from handlers.deals.command import PENDING_CHANGE, PENDING_NEW, create_on
from handlers.deals.common import Outcome, apply_change, card, guarded, not_owner
from handlers.deps import Deps
from handlers.ids import DealAction, DealModal
from handlers.listener import Turn
from handlers.parsing.deals import DealChange
from handlers.parsing.text import CommandError
from handlers.parsing.values import MAX_ROW_ID, STALE, metadata, row_id
from models import accounts, deals, pending
from models.accounts import NameTaken

REPLACE = {"replace_original": True}
PICK = re.compile(rf"^{DealAction.PICK}_\d+$")
PICK_ACCOUNT = re.compile(rf"^{DealAction.PICK_ACCOUNT}_\d+$")
BLOCK = re.compile(r"^deal_([0-9]{1,19})_([0-9]{1,9})$")


class LostMeta(BaseModel):
    deal_id: int = Field(ge=1, le=MAX_ROW_ID)
    version: int = Field(ge=0)
    response_url: str | None = None


def register(app: App, deps: Deps) -> None:
    app.action(DealAction.STAGE)(listener.action(deps, handle_stage_select))
    app.action(DealAction.WON)(listener.action(deps, handle_won_button))
    app.action(DealAction.REOPEN)(listener.action(deps, handle_reopen_button))
    app.action(DealAction.LOST)(listener.action(deps, handle_lost_button))
    app.action(DealAction.LOG_CALL)(listener.action(deps, handle_log_call_button))
    app.action(DealAction.OPEN)(listener.action(deps, handle_open_deal))
    app.action(PICK)(listener.action(deps, handle_pick_deal_button))
    app.action(PICK_ACCOUNT)(listener.action(deps, handle_pick_account_button))
    app.action(DealAction.CREATE_ACCOUNT)(listener.action(deps, handle_pick_account_button))
    app.view(DealModal.LOST_CALLBACK)(listener.view(deps, read_lost, handle_lost_submission))


def _action(turn: Turn) -> dict:
    return turn.body["actions"][0]


def _deal_and_version(value: str) -> tuple[int, int]:
    deal_id, _, version = value.partition(":")
    if not version.isdigit() or len(version) > 9:
        raise CommandError(STALE)
    return row_id(deal_id), int(version)


def _change(turn: Turn, deal_id: int, change: DealChange, seen: int | None) -> Outcome:
    with turn.begin() as session:
        actor = turn.rep(session)
        deal = deals.get_deal(session=session, team_id=actor.team_id, deal_id=deal_id)
        return apply_change(session, turn, actor, deal, change, seen=seen)


def handle_stage_select(turn: Turn) -> Message:
    """One click on the card's select moves the deal; a card older than the deal is told."""
    action = _action(turn)
    found = BLOCK.match(action.get("block_id", ""))
    stage = (action.get("selected_option") or {}).get("value")
    if found is None or not stage:
        raise CommandError(STALE)
    deal_id, seen = row_id(found[1]), int(found[2])
    change = DealChange(ref="", op="stage", arg=stage)
    return guarded(turn, lambda: _change(turn, deal_id, change, seen), replace=True)


def handle_won_button(turn: Turn) -> Message:
    deal_id, seen = _deal_and_version(_action(turn)["value"])
    change = DealChange(ref="", op="won")
    return guarded(turn, lambda: _change(turn, deal_id, change, seen), replace=True)


def handle_reopen_button(turn: Turn) -> Message:
    deal_id, seen = _deal_and_version(_action(turn)["value"])
    change = DealChange(ref="", op="reopen")
    return guarded(turn, lambda: _change(turn, deal_id, change, seen), replace=True)


def handle_lost_button(turn: Turn) -> Message | None:
    """Lost asks why in a small modal; the owner (or an admin) only."""
    deal_id, seen = _deal_and_version(_action(turn)["value"])
    with turn.begin() as session:
        actor = turn.rep(session)
        deal = deals.get_deal(session=session, team_id=actor.team_id, deal_id=deal_id)
        try:
            deals.check_can_edit(deal, actor)
        except deals.NotDealOwner as refused:
            return not_owner(refused)
    meta = LostMeta(deal_id=deal_id, version=seen, response_url=turn.body.get("response_url"))
    view = build_lost_modal(
        deal=deal.name, private_metadata=meta.model_dump_json(exclude_none=True)
    )
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)
    return None


def read_lost(turn: Turn) -> str | dict[str, str]:
    values = turn.body["view"]["state"]["values"]
    typed = (values.get(DealModal.REASON_BLOCK, {}).get(DealModal.REASON_INPUT, {}) or {}).get(
        "value"
    )
    reason = " ".join((typed or "").split())
    if not reason:
        return {DealModal.REASON_BLOCK: "Say why it was lost."}
    return reason


def handle_lost_submission(turn: Turn, reason: str) -> Message:
    meta = metadata(LostMeta, turn.body["view"]["private_metadata"])
    change = DealChange(ref="", op="lost", note=reason)
    return guarded(turn, lambda: _change(turn, meta.deal_id, change, meta.version), replace=True)


def handle_log_call_button(turn: Turn) -> None:
    """The log modal with the deal's account filled in."""
    account_id = row_id(_action(turn)["value"])
    with turn.begin() as session:
        account = accounts.get_account(
            session=session, team_id=turn.caller.team_id, account_id=account_id
        )
    meta = LogMeta(source="deal", response_url=turn.body.get("response_url"))
    form = LogForm(account=Choice(account_id, account.name))
    view = build_log_modal(form, private_metadata=meta.dump())
    turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def handle_open_deal(turn: Turn) -> Message:
    """A deal picked from a list's "Open a deal…": its card."""
    value = (_action(turn).get("selected_option") or {}).get("value", "")
    with turn.begin() as session:
        deal = deals.get_deal(session=session, team_id=turn.caller.team_id, deal_id=row_id(value))
        return card(session, turn, deal) | {"replace_original": False}


def handle_pick_deal_button(turn: Turn) -> Message:
    """Which deal the rep meant: the parked change is applied to it, once."""
    pending_id, _, deal_id = _action(turn)["value"].partition(":")

    def work() -> Outcome:
        with turn.begin() as session:
            actor = turn.rep(session)
            deal = deals.get_deal(session=session, team_id=actor.team_id, deal_id=row_id(deal_id))
            parked = pending.consume_pending(
                session=session, team_id=actor.team_id, pending_id=row_id(pending_id),
                slack_user_id=actor.slack_user_id, now=turn.now(),
            )  # fmt: skip
            if parked is None or parked.kind != PENDING_CHANGE:
                return Outcome(build_done("That one is done already."))
            change = DealChange(**parked.payload)
            return apply_change(session, turn, actor, deal, change)

    return guarded(turn, work, replace=True)


def handle_pick_account_button(turn: Turn) -> Message:
    """/deal new on an unclear account: the picked (or created) account gets the parked deal."""
    pending_id, _, account_id = _action(turn)["value"].partition(":")
    with turn.begin() as session:
        rep, now = turn.rep(session), turn.now()
        parked = pending.consume_pending(
            session=session, team_id=rep.team_id, pending_id=row_id(pending_id),
            slack_user_id=rep.slack_user_id, now=now,
        )  # fmt: skip
        if parked is None or parked.kind != PENDING_NEW:
            return build_done("That deal is created already.") | REPLACE
        payload = parked.payload
        if account_id:
            account = accounts.get_account(
                session=session, team_id=rep.team_id, account_id=row_id(account_id)
            )
        else:
            try:
                account = accounts.create_account(
                    session=session, team_id=rep.team_id, name=payload["account"], owner=rep,
                    created_by=rep, now=now,
                )  # fmt: skip
            except NameTaken as taken:
                account = taken.existing
        return create_on(session, turn, rep, account, payload, typed=None, past=False) | REPLACE
