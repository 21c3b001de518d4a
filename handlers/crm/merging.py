"""/crm merge <account> into <account>: an admin (or the owner of both) merges a duplicate,
after seeing what will move and confirming."""

from handlers.blocks import Message
from handlers.blocks.calls import build_done
from handlers.blocks.crm import build_error
from handlers.blocks.merging import build_merge_canceled, build_merge_question, build_merged
from handlers.ids import CrmAction
from handlers.listener import Turn
from handlers.parsing.crm import CrmMerge
from handlers.parsing.values import row_id
from models import merging, pending
from models.base import DomainError, id_of
from models.matching import find_account

MERGE_PENDING = "crm.merge"
REPLACE = {"replace_original": True}


def ask_to_merge(turn: Turn, request: CrmMerge) -> Message:
    with turn.begin() as session:
        rep = turn.rep(session)
        try:
            source = find_account(session=session, team_id=rep.team_id, name=request.source)
            target = find_account(session=session, team_id=rep.team_id, name=request.target)
            merging.check_may_merge(
                source=source, target=target, actor_id=rep.id, actor_is_admin=rep.is_admin
            )
        except DomainError as error:
            return build_error(str(error))
        counts = merging.count_references(
            session=session, team_id=rep.team_id, account_id=id_of(source)
        )
        asked = pending.create_pending(
            session=session,
            team_id=rep.team_id,
            slack_user_id=turn.caller.id,
            kind=MERGE_PENDING,
            payload={"source": id_of(source), "target": id_of(target)},
            now=turn.now(),
        )
        return build_merge_question(
            source=source.name, target=target.name, counts=counts, pending_id=id_of(asked)
        )


def handle_merge_button(turn: Turn) -> Message:
    """Merge or Cancel: the first click decides; a second one is told it was answered."""
    action = turn.body["actions"][0]
    with turn.begin() as session:
        rep = turn.rep(session)
        asked = pending.consume_pending(
            session=session,
            team_id=rep.team_id,
            pending_id=row_id(action["value"]),
            slack_user_id=turn.caller.id,
            now=turn.now(),
            kind=MERGE_PENDING,
        )
        if asked is None:
            return build_done("That question is answered already.") | {"replace_original": False}
        if action["action_id"] == CrmAction.MERGE_CANCEL:
            return build_merge_canceled() | REPLACE
        try:  # checked again: either account may have changed since the question
            merged = merging.merge_accounts(
                session=session,
                team_id=rep.team_id,
                source=asked.payload["source"],
                target=asked.payload["target"],
                actor=rep,
                actor_is_admin=rep.is_admin,
                now=turn.now(),
            )
        except DomainError as error:
            return build_error(str(error)) | REPLACE
        return (
            build_merged(source=merged.source.name, target=merged.target.name, moved=merged.moved)
            | REPLACE
        )
