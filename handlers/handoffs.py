"""Telling a rep they were handed an account, and its open follow-ups (models.handoffs).

`/crm assign` and Take ownership change the owner through `models.handoffs.hand_account`; once
that has committed, the new owner gets one DM. A DM Slack refuses is logged; the handoff stands.
"""

import logging

from slack_sdk import WebClient

from handlers import listener
from handlers.blocks.followups import HandoffNote, build_handoff_dm
from models.handoffs import Handoff

logger = logging.getLogger(__name__)


def handoff_note(handoff: Handoff) -> HandoffNote | None:
    """What the new owner is told (read inside the transaction), or None: nothing changed, or
    they took it themselves and no follow-up came along."""
    owner, actor = handoff.owner, handoff.actor
    if not handoff.changed or (actor.id == owner.id and not handoff.moved):
        return None
    return HandoffNote(
        account=handoff.account.name,
        actor_id=actor.slack_user_id,
        owner_id=owner.slack_user_id,
        previous_id=handoff.previous.slack_user_id if handoff.previous else None,
        followups=[(followup.due_at, followup.note) for followup in handoff.moved],
        tz=owner.tz,
    )


def tell_new_owner(client: WebClient, note: HandoffNote | None) -> None:
    """DM the new owner (after the commit); a failure is logged, never raised."""
    if note is None:
        return
    try:
        listener.dm(client, note.owner_id)(**build_handoff_dm(note))
    except Exception:
        logger.warning("could not tell %s of a handoff", note.owner_id, exc_info=True)
