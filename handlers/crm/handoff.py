"""/crm handoff @from @to [account]: an admin moves one rep's accounts (or one of them), with
that rep's open deals and follow-ups on them, to another rep, after seeing what will move.

The click moves what the question listed and the from-rep still owns; then each of the two
reps gets one DM. A DM Slack refuses is logged; the handoff stands.
"""

import logging

from slack_sdk import WebClient

from handlers import listener
from handlers.blocks import Message
from handlers.blocks.crm import build_error
from handlers.blocks.handoff import (
    HandoffSummary,
    build_handed_over,
    build_handoff_canceled,
    build_handoff_dm,
    build_handoff_question,
)
from handlers.crm.accounts import member
from handlers.crm.answers import REPLACE, take_answer
from handlers.ids import CrmAction
from handlers.listener import Turn
from handlers.parsing.crm import CrmHandoff
from models import handoffs, pending
from models.accounts import Account
from models.base import DomainError, id_of
from models.deals import Deal
from models.matching import find_account
from models.pending import PendingAction

logger = logging.getLogger(__name__)

HANDOFF_PENDING = "crm.handoff"


def ask_to_hand_over(turn: Turn, request: CrmHandoff) -> Message:
    """The question: what will move, with Hand over / Cancel. Bad input raises its sentence."""
    caller = turn.caller
    with turn.begin() as session:
        actor = turn.rep(session)
        handoffs.check_may_hand_over(
            from_id=request.from_id, to_id=request.to_id, actor_is_admin=actor.is_admin
        )
        to_rep = turn.deps.rep(session, member(turn, request.to_id))
        from_rep = handoffs.get_giver(
            session=session, team_id=caller.team_id, slack_user_id=request.from_id
        )
        account = (
            find_account(session=session, team_id=caller.team_id, name=request.account)
            if request.account
            else None
        )
        plan = handoffs.plan_handoff(
            session=session, team_id=caller.team_id, from_rep=from_rep, to_rep=to_rep,
            account=account,
        )  # fmt: skip
        asked = pending.create_pending(
            session=session,
            team_id=caller.team_id,
            slack_user_id=caller.id,
            kind=HANDOFF_PENDING,
            payload={
                "from": id_of(from_rep),
                "to": id_of(to_rep),
                "accounts": [id_of(row) for row in plan.accounts],
            },
            now=turn.now(),
        )
        summary = summarize(
            request.from_id, request.to_id, plan.accounts, plan.deals, plan.followups
        )
        return build_handoff_question(summary=summary, pending_id=id_of(asked))


def handle_handoff_button(turn: Turn) -> Message:
    """Hand over or Cancel: the first click decides; a second one is told it was answered."""
    with turn.begin() as session:
        actor = turn.rep(session)
        asked = take_answer(
            turn, session, actor, kind=HANDOFF_PENDING, cancel=CrmAction.HANDOFF_CANCEL,
            canceled=build_handoff_canceled,
        )  # fmt: skip
        if not isinstance(asked, PendingAction):
            return asked
        try:  # checked again: accounts may have changed hands since the question
            done = handoffs.hand_over(
                session=session,
                team_id=actor.team_id,
                from_rep_id=asked.payload["from"],
                to_rep_id=asked.payload["to"],
                account_ids=asked.payload["accounts"],
                actor=actor,
                actor_is_admin=actor.is_admin,
                now=turn.now(),
            )
        except DomainError as error:
            return build_error(str(error)) | REPLACE
        summary = summarize(
            done.from_rep.slack_user_id,
            done.to_rep.slack_user_id,
            [handoff.account for handoff in done.handoffs],
            done.deals,
            done.followups,
        )
    untold = [
        reader_id
        for reader_id in (summary.to_id, summary.from_id)
        if not tell(turn.client, summary, reader_id=reader_id, actor_id=turn.caller.id)
    ]
    return build_handed_over(summary=summary, stayed=done.stayed, untold=untold) | REPLACE


def summarize(
    from_id: str, to_id: str, accounts: list[Account], deals: list[Deal], followups: int
) -> HandoffSummary:
    """Plain values of a plan or a handoff (read inside the transaction)."""
    name_of = {id_of(account): account.name for account in accounts}
    return HandoffSummary(
        from_id=from_id,
        to_id=to_id,
        accounts=[account.name for account in accounts],
        deals=[(deal.name, name_of.get(deal.account_id, "")) for deal in deals],
        followups=followups,
    )


def tell(client: WebClient, summary: HandoffSummary, *, reader_id: str, actor_id: str) -> bool:
    """One DM (after the commit); a failure is logged, never raised: False."""
    try:
        built = build_handoff_dm(summary=summary, reader_id=reader_id, actor_id=actor_id)
        listener.dm(client, reader_id)(**built)
    except Exception:
        logger.warning("could not tell %s of a handoff", reader_id, exc_info=True)
        return False
    return True
