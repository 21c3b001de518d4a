"""/crm erase-contact EMAIL: an admin erases a person on request, after confirming.

The question's pending action holds the contacts' ids, never the email or the name, so a
question nobody answers keeps no copy of them either.
"""

from handlers.blocks import Message
from handlers.blocks.calls import build_done
from handlers.blocks.crm import build_error
from handlers.blocks.erasure import build_erase_canceled, build_erase_question, build_erased
from handlers.crm.answers import REPLACE, take_answer
from handlers.ids import CrmAction
from handlers.listener import Turn
from handlers.parsing.crm import CrmEraseContact
from models import erasure, pending
from models.base import id_of
from models.contacts import get_contact
from models.pending import PendingAction

ERASE_PENDING = "crm.erase_contact"
ADMINS_ONLY = "Only a workspace admin can erase a contact."


def ask_to_erase(turn: Turn, request: CrmEraseContact) -> Message:
    with turn.begin() as session:
        rep = turn.rep(session)
        if not rep.is_admin:
            return build_error(ADMINS_ONLY)
        found = erasure.people_with(session=session, team_id=rep.team_id, email=request.email)
        if not found:
            return build_error(f"No contact has the email {request.email}; nothing was erased.")
        asked = pending.create_pending(
            session=session,
            team_id=rep.team_id,
            slack_user_id=turn.caller.id,
            kind=ERASE_PENDING,
            payload={"contact_ids": [contact_id for contact_id, _, _ in found]},
            now=turn.now(),
        )
        return build_erase_question(
            email=request.email,
            people=[(name, account) for _, name, account in found],
            pending_id=id_of(asked),
        )


def handle_erase_button(turn: Turn) -> Message:
    """Erase or Cancel: the first click decides; a second one is told it was answered."""
    with turn.begin() as session:
        rep = turn.rep(session)
        if not rep.is_admin:
            return build_error(ADMINS_ONLY) | {"replace_original": False}
        asked = take_answer(
            turn, session, rep, kind=ERASE_PENDING, cancel=CrmAction.ERASE_CANCEL,
            canceled=build_erase_canceled,
        )  # fmt: skip
        if not isinstance(asked, PendingAction):
            return asked
        emails = {
            contact.email
            for contact_id in asked.payload["contact_ids"]
            if (contact := get_contact(session=session, team_id=rep.team_id, contact_id=contact_id))
            and contact.email
        }
        if not emails:
            return build_done("They were erased already; nothing more to do.") | REPLACE
        erased = [
            erasure.erase_contact(
                session=session,
                team_id=rep.team_id,
                email=email,
                actor=rep,
                now=turn.now(),
                scrub_files=turn.deps.scrub_files,
            )
            for email in sorted(emails)
        ]
    return (
        build_erased(
            contacts=sum(e.contacts for e in erased),
            unlinked=sum(e.unlinked for e in erased),
            rows=sum(e.rows_scrubbed for e in erased),
            files=sum(e.files for e in erased),
        )
        | REPLACE
    )
