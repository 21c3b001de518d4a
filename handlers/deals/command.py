"""/deal: my open deals, a new deal, an account's deals, a deal's card, and every change."""

from datetime import date

from slack_bolt import App
from sqlmodel import Session

from handlers import listener
from handlers.blocks import Message
from handlers.blocks.deals import (
    Listed,
    build_deal_list,
    build_pick_account_for_deal,
    build_pick_deal,
)
from handlers.blocks.text import bold, literal, quote
from handlers.deals.common import Outcome, apply_change, card, guarded, read_close, today
from handlers.deps import Deps
from handlers.ids import Command
from handlers.listener import Turn
from handlers.parsing.deals import DealChange, DealList, DealNew, DealShow, parse_deal
from models import deals, pending
from models.accounts import Account, get_account
from models.deal_refs import resolve_deal
from models.matching import resolve_account
from models.money import Money
from models.reps import Rep
from models.stages import get_pipeline

PENDING_NEW = "deal_new"
PENDING_CHANGE = "deal_change"


def register(app: App, deps: Deps) -> None:
    app.command(Command.DEAL)(listener.command(deps, handle_deal_command))


def handle_deal_command(turn: Turn) -> Message:
    request = parse_deal(turn.body.get("text", ""), default_currency=turn.deps.currency)
    if isinstance(request, DealList):
        return list_my_deals(turn)
    if isinstance(request, DealNew):
        return new_deal(turn, request)
    if isinstance(request, DealShow):
        return show_deal(turn, request)
    return guarded(turn, lambda: change_deal(turn, request))


def list_my_deals(turn: Turn) -> Message:
    with turn.begin() as session:
        rep = turn.rep(session)
        rows, total = deals.list_open_deals(
            session=session, team_id=rep.team_id, owner_id=rep.id or 0
        )
        pipeline = get_pipeline(session=session, team_id=rep.team_id)
    listed = [Listed(deal, account) for deal, account in rows]
    return build_deal_list(
        listed,
        total=total,
        pipeline=pipeline,
        today=today(turn, turn.now()),
        title="Your open deals",
    )


def new_deal(turn: Turn, request: DealNew) -> Message:
    closes, past = read_close(request.close, turn) if request.close else (None, False)
    with turn.begin() as session:
        rep = turn.rep(session)
        found = resolve_account(session=session, team_id=rep.team_id, name=request.account)
        if found.match is None:
            parked = pending.create_pending(
                session=session, team_id=rep.team_id, slack_user_id=rep.slack_user_id,
                kind=PENDING_NEW, payload=new_payload(request, closes), now=turn.now(),
            )  # fmt: skip
            choices = found.choices or found.nearest
            return build_pick_account_for_deal(
                typed=found.query, pending_id=parked.id or 0,
                choices=[(c.id, c.name) for c in choices], close=bool(found.choices),
            )  # fmt: skip
        account = get_account(session=session, team_id=rep.team_id, account_id=found.match.id)
        return create_on(
            session, turn, rep, account, new_payload(request, closes), typed=found.query, past=past
        )


def new_payload(request: DealNew, closes: object) -> dict:
    money = request.money
    return {
        "account": request.account,
        "name": request.name,
        "minor": money.minor if money else None,
        "currency": money.currency if money else None,
        "close": closes.isoformat() if closes else None,  # type: ignore[attr-defined]
    }


def create_on(
    session: Session,
    turn: Turn,
    rep: Rep,
    account: Account,
    payload: dict,
    *,
    typed: str | None,
    past: bool,
) -> Message:
    """Create the deal a payload describes on `account`, and its card."""
    money = Money(payload["minor"], payload["currency"]) if payload["minor"] is not None else None
    closes = date.fromisoformat(payload["close"]) if payload["close"] else None
    deal = deals.create_deal(
        session=session, account=account, owner=rep, name=payload["name"], money=money,
        expected_close=closes, now=turn.now(),
    )  # fmt: skip
    matched = ""
    if typed and typed.casefold() != account.name.casefold():
        matched = f" (you typed “{quote(typed, 60)}”)"
    headline = (
        f":white_check_mark: Created {bold(deal.name)} on {bold(account.name)}{matched}, "
        f"in {literal(deal.stage)}."
    )
    if past:
        headline += "\n:warning: Its expected close date has passed already."
    return card(session, turn, deal, headline=headline)


def show_deal(turn: Turn, request: DealShow) -> Message:
    with turn.begin() as session:
        ref = resolve_deal(session=session, team_id=turn.caller.team_id, typed=request.ref)
        if len(ref.deals) == 1 and (ref.named or _only_deal(session, ref.account)):
            return card(session, turn, ref.deals[0])
        everything = (
            ref.deals
            if ref.named
            else deals.list_account_deals(session=session, account=ref.account)
        )
        pipeline = get_pipeline(session=session, team_id=ref.account.team_id)
    listed = [Listed(deal, ref.account.name) for deal in everything]
    return build_deal_list(
        listed, total=len(listed), pipeline=pipeline, today=today(turn, turn.now()),
        title=f"Deals of {ref.account.name}",
    )  # fmt: skip


def _only_deal(session: Session, account: Account) -> bool:
    return len(deals.list_account_deals(session=session, account=account)) == 1


def change_deal(turn: Turn, request: DealChange) -> Outcome:
    with turn.begin() as session:
        rep = turn.rep(session)
        ref = resolve_deal(session=session, team_id=rep.team_id, typed=request.ref)
        if len(ref.deals) == 1:
            return apply_change(session, turn, rep, ref.deals[0], request)
        parked = pending.create_pending(
            session=session, team_id=rep.team_id, slack_user_id=rep.slack_user_id,
            kind=PENDING_CHANGE, payload=change_payload(request), now=turn.now(),
        )  # fmt: skip
        verb = request.op if request.op != "stage" else f"move to {request.arg}"
        return Outcome(
            build_pick_deal(
                account=ref.account.name, deals=ref.deals, pending_id=parked.id or 0, verb=verb
            )
        )


def change_payload(request: DealChange) -> dict:
    return {"ref": request.ref, "op": request.op, "arg": request.arg, "note": request.note}
