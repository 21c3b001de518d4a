"""What /deal and the card's buttons share: the card from the store, applying a change, the
answers to "not yours" and "changed meanwhile", and the Won announcement."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from handlers.blocks import Message, context, message, section
from handlers.blocks.deals import (
    DealCard,
    build_deal_card,
    build_needs_reason,
    build_won_announcement,
)
from handlers.blocks.text import bold, escape, literal, mention
from handlers.dates import DateError, parse_when
from handlers.listener import Turn
from handlers.parsing.deals import DealChange
from models import deals
from models.accounts import get_account
from models.base import DomainError, id_of, zone
from models.deals import Deal, DealChanged, NotDealOwner
from models.money import format_money, parse_amount
from models.reps import Rep
from models.stages import Pipeline, Stage, StageOutcome, find_stage, get_pipeline

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """An answer, and the Won deal to announce once the change has committed."""

    answer: Message
    won: Message | None = None
    replaces: bool = True  # whether it takes the place of the card it was clicked on


def today(turn: Turn, now: datetime) -> date:
    return now.astimezone(zone(turn.caller.tz)).date()


def card(session: Session, turn: Turn, deal: Deal, *, headline: str | None = None) -> Message:
    """The deal card as the caller reads it now."""
    account = get_account(session=session, team_id=deal.team_id, account_id=deal.account_id)
    now = turn.now()
    shown = DealCard(
        deal=deal,
        account=account.name,
        owner=deals.owner_slack_id(session=session, deal=deal),
        pipeline=get_pipeline(session=session, team_id=deal.team_id),
        changes=deals.recent_changes(session=session, deal=deal),
        today=today(turn, now),
        now=now,
    )
    return build_deal_card(shown, tz=turn.caller.tz, headline=headline)


def read_close(phrase: str, turn: Turn) -> tuple[date, bool]:
    """An expected close date in the rep's zone, and whether it has passed already."""
    now = turn.now()
    try:
        moment = parse_when(phrase, now=now, tz=turn.caller.tz)
    except DateError as error:
        try:
            moment = parse_when(phrase, now=now, tz=turn.caller.tz, allow_past=True)
        except DateError:
            raise DomainError(str(error).replace("as a date", "as a close date")) from None
    closes = moment.astimezone(zone(turn.caller.tz)).date()
    return closes, closes < today(turn, now)


def apply_change(
    session: Session,
    turn: Turn,
    actor: Rep,
    deal: Deal,
    change: DealChange,
    *,
    seen: int | None = None,
) -> Outcome:
    """Do what `change` asks to `deal` (owner or admin), and the answer with the new card.

    The deal is locked and read afresh first, so "next" counts from where a concurrent move
    left it, not from where it was when the name was resolved."""
    deal = deals.lock_deal(session=session, team_id=deal.team_id, deal_id=id_of(deal))
    deals.check_can_edit(deal, actor)
    if change.op in ("amount", "close"):
        return _edit(session, turn, actor, deal, change)
    pipeline = get_pipeline(session=session, team_id=deal.team_id)
    to = _target(session, pipeline, deal, change)
    if to.outcome == StageOutcome.LOST and not change.note:
        account = get_account(session=session, team_id=deal.team_id, account_id=deal.account_id)
        return Outcome(build_needs_reason(deal, account=account.name), replaces=False)
    was = deal.stage
    moved = deals.move_deal(
        session=session,
        team_id=deal.team_id,
        deal_id=deal.id or 0,
        to=to,
        actor=actor,
        now=turn.now(),
        note=change.note,
        # The target was worked out from this read ("next" from Lead): a move that lands in
        # between is told, rather than counted twice or met with "already in Qualified".
        seen_version=seen if seen is not None else deal.version,
    )
    headline = (
        f":white_check_mark: Moved {bold(moved.name)} from {literal(was)} to {bold(to.name)}."
    )
    answer = card(session, turn, moved, headline=headline)
    if to.outcome != StageOutcome.WON:
        return Outcome(answer)
    account = get_account(session=session, team_id=moved.team_id, account_id=moved.account_id)
    owner = deals.owner_slack_id(session=session, deal=moved)
    return Outcome(answer, build_won_announcement(deal=moved, account=account.name, owner=owner))


def _target(session: Session, pipeline: Pipeline, deal: Deal, change: DealChange) -> Stage:
    """The stage a change moves the deal to, or a DomainError saying why there is none."""
    closed = pipeline.is_closed(deal.stage)
    if change.op == "won":
        return pipeline.won
    if change.op == "lost":
        return pipeline.lost
    if change.op == "next":
        if closed:
            raise DomainError(f"{deal.name} is closed ({deal.stage}); `reopen` it first.")
        to = pipeline.next_after(deal.stage)
        if to is None:
            raise DomainError(
                f"{deal.name} is in the last open stage ({deal.stage}); say `won` or `lost`."
            )
        return to
    if change.op != "reopen":
        return find_stage(pipeline, change.arg or "")
    if not closed:
        raise DomainError(f"{deal.name} is open already ({deal.stage}).")
    if not change.arg:
        return deals.reopen_stage(session=session, deal=deal, pipeline=pipeline)
    to = find_stage(pipeline, change.arg)
    if to.is_closed:
        raise DomainError(f"Reopen {deal.name} into an open stage, e.g. {pipeline.first.name}.")
    return to


def _edit(session: Session, turn: Turn, actor: Rep, deal: Deal, change: DealChange) -> Outcome:
    arg = change.arg or ""
    if change.op == "amount":
        # "amount 52k" on a deal in euros stays in euros
        money = parse_amount(arg, default_currency=deal.currency or turn.deps.currency)
        edited = deals.update_deal(
            session=session, team_id=deal.team_id, deal_id=deal.id or 0, actor=actor,
            now=turn.now(), money=money,
        )  # fmt: skip
        shown = escape(format_money(money.minor, money.currency))
        headline = f":white_check_mark: {bold(edited.name)} is now {shown}."
        return Outcome(card(session, turn, edited, headline=headline))
    closes, past = read_close(arg, turn)
    edited = deals.update_deal(
        session=session, team_id=deal.team_id, deal_id=deal.id or 0, actor=actor,
        now=turn.now(), expected_close=closes,
    )  # fmt: skip
    when = f"{closes:%b} {closes.day}, {closes.year}"
    headline = f":white_check_mark: {bold(edited.name)} is expected to close {when}."
    if past and not get_pipeline(session=session, team_id=deal.team_id).is_closed(edited.stage):
        headline += "\n:warning: That date has passed already."
    return Outcome(card(session, turn, edited, headline=headline))


def guarded(turn: Turn, work: Callable[[], Outcome], *, replace: bool = False) -> Message:
    """Run a change: "not yours" names the owner; "changed meanwhile" shows the deal as it is
    now; a Won deal is announced after it committed. With `replace` (a click on a card), the
    new card takes the old one's place, and a refusal comes beside it."""
    try:
        outcome = work()
    except NotDealOwner as refused:
        return not_owner(refused) | ({"replace_original": False} if replace else {})
    except DealChanged as changed:
        by = f"{mention(changed.by)} changed" if changed.by else "Someone changed"
        headline = (
            f":warning: {by} {bold(changed.name)} a moment ago: it is now in "
            f"{bold(changed.stage)}. Nothing was changed; try again if you still want to."
        )
        with turn.begin() as session:
            fresh = deals.get_deal(
                session=session, team_id=changed.team_id, deal_id=changed.deal_id
            )
            return card(session, turn, fresh, headline=headline) | _replacing(replace)
    answer = announce(turn, outcome) if outcome.won is not None else outcome.answer
    return answer | _replacing(replace and outcome.replaces)


def _replacing(replace: bool) -> Message:
    return {"replace_original": True} if replace else {}


def not_owner(refused: NotDealOwner) -> Message:
    who = f"{mention(refused.owner)} (the deal's owner)" if refused.owner else "the deal's owner"
    text = f"Only {who} or a Rapport admin can change this deal."
    return message(text, [section(f":no_entry: {text}")])


def announce(turn: Turn, outcome: Outcome) -> Message:
    """Post a Won deal in RAPPORT_DEALS_CHANNEL; a failed post is logged and told, never undone."""
    channel = turn.deps.deals_channel
    if not channel or outcome.won is None:
        return outcome.answer
    try:
        turn.client.chat_postMessage(channel=channel, **outcome.won)
        return outcome.answer
    except SlackApiError as error:
        reason = error.response.get("error", "an error")
    except Exception:
        logger.exception("could not announce a won deal in %s", channel)
        reason = "no answer from Slack"
    logger.warning("could not announce a won deal in %s: %s", channel, reason)
    told = context(
        f":warning: The deal is won, but I couldn't announce it in <#{channel}> "
        f"({escape(reason)}); "
        "invite me there, or ask an admin to check RAPPORT_DEALS_CHANNEL."
    ).to_dict()
    return outcome.answer | {"blocks": [*outcome.answer["blocks"], told]}
