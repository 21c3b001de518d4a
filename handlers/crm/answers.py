"""A Confirm / Cancel click on a question /crm asked (merge, handoff, erase-contact): the
question parked with models.pending, consumed once, so a double click acts once."""

from collections.abc import Callable

from sqlmodel import Session

from handlers.blocks import Message
from handlers.blocks.calls import build_done
from handlers.listener import Turn
from handlers.parsing.values import row_id
from models import pending
from models.pending import PendingAction
from models.reps import Rep

REPLACE = {"replace_original": True}


def take_answer(
    turn: Turn,
    session: Session,
    rep: Rep,
    *,
    kind: str,
    cancel: str,
    canceled: Callable[[], Message],
) -> PendingAction | Message:
    """The question the click answers, consumed; or what the click is told instead: that it
    was answered already (a second click), or that nothing happened (Cancel)."""
    action = turn.body["actions"][0]
    asked = pending.consume_pending(
        session=session,
        team_id=rep.team_id,
        pending_id=row_id(action["value"]),
        slack_user_id=turn.caller.id,
        now=turn.now(),
        kind=kind,
    )
    if asked is None:
        return build_done("That question is answered already.") | {"replace_original": False}
    if action["action_id"] == cancel:
        return canceled() | REPLACE
    return asked
