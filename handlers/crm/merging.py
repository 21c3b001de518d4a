"""/crm merge <account> into <account>: an admin (or the owner of both) merges a duplicate,
after seeing what will move and confirming."""

from typing import Any, Literal

from sqlmodel import Session

from handlers.blocks import Message
from handlers.blocks.calls import build_done
from handlers.blocks.crm import build_error
from handlers.blocks.merging import (
    build_merge_canceled,
    build_merge_nothing_close,
    build_merge_pick,
    build_merge_question,
    build_merged,
)
from handlers.blocks.names import Choice
from handlers.crm.answers import take_answer
from handlers.ids import CrmAction
from handlers.listener import Turn
from handlers.parsing.crm import CrmMerge
from handlers.parsing.values import row_id
from models import merging, pending
from models.accounts import Account, get_account
from models.base import DomainError, id_of
from models.matching import Resolution, UnknownName, find_account
from models.pending import PendingAction
from models.reps import Rep

MERGE_PENDING = "crm.merge"
PICK_PENDING = "crm.merge.pick"  # payload: the unknown side; the other's id, or its typed name
REPLACE = {"replace_original": True}
KEEP = {"replace_original": False}  # a second click must not wipe what the first one showed


def ask_to_merge(turn: Turn, request: CrmMerge) -> Message:
    """Both names known: the question. A name that isn't clearly an account: its close names
    as buttons (the source's first), the request parked so a click carries on."""
    with turn.begin() as session:
        rep = turn.rep(session)
        try:
            source = _find(session, rep.team_id, request.source)
            target = _find(session, rep.team_id, request.target)
        except DomainError as error:
            return build_error(str(error))
        unknown = [side for side in (source, target) if isinstance(side, Resolution)]
        if hopeless := [side for side in unknown if not (side.choices or side.nearest)]:
            return build_merge_nothing_close(hopeless[0].query)  # before a pick it would waste
        if isinstance(source, Resolution):
            if isinstance(target, Account):
                parked, other = {"unknown": "source", "target": id_of(target)}, target.name
            else:
                parked, other = (
                    {"unknown": "source", "target_typed": request.target},
                    request.target,
                )
            return _ask_which(turn, session, source, parked, other)
        return _carry_on(turn, session, rep, source, target)


def handle_merge_pick_button(turn: Turn) -> Message:
    """A name picked for one side of a merge: the other side's turn if it is unknown too, else
    the question, in place. A second click is told it is done (and changes nothing)."""
    pending_id, _, account_id = turn.body["actions"][0]["value"].partition(":")
    with turn.begin() as session:
        rep = turn.rep(session)
        parked = pending.consume_pending(
            session=session,
            team_id=rep.team_id,
            pending_id=row_id(pending_id),
            slack_user_id=turn.caller.id,
            now=turn.now(),
            kind=PICK_PENDING,
        )
        if parked is None:
            return build_done("That one is done already.") | KEEP
        try:
            picked = get_account(
                session=session, team_id=rep.team_id, account_id=row_id(account_id)
            )
            source, target = _sides(session, rep.team_id, parked.payload, picked)
        except DomainError as error:
            return build_error(str(error)) | REPLACE
        return _carry_on(turn, session, rep, source, target) | REPLACE


def _sides(
    session: Session, team_id: str, parked: dict[str, Any], picked: Account
) -> tuple[Account, Account | Resolution]:
    """(source, target) once one side is picked; the target may still be to pick."""
    if parked["unknown"] == "target":
        return get_account(session=session, team_id=team_id, account_id=parked["source"]), picked
    if "target" in parked:
        return picked, get_account(session=session, team_id=team_id, account_id=parked["target"])
    return picked, _find(session, team_id, parked["target_typed"])


def _carry_on(
    turn: Turn, session: Session, rep: Rep, source: Account, target: Account | Resolution
) -> Message:
    """The source known: which target, if that isn't clear yet, else the question."""
    if isinstance(target, Resolution):
        parked = {"unknown": "target", "source": id_of(source)}
        return _ask_which(turn, session, target, parked, source.name)
    return _ask_to_confirm(turn, session, rep, source, target)


def _find(session: Session, team_id: str, name: str) -> Account | Resolution:
    """The account a typed name clearly means, or what is close to it."""
    try:
        return find_account(session=session, team_id=team_id, name=name)
    except UnknownName as unknown:
        return unknown.resolution


def _ask_which(
    turn: Turn, session: Session, resolution: Resolution, parked: dict[str, Any], other: str
) -> Message:
    """Which account one side means: its close names (or nearest) as buttons, the rest of the
    request parked as read (ids, not text), so a click works after a restart."""
    choices = [Choice(c.id, c.name) for c in resolution.choices or resolution.nearest]
    if not choices:
        return build_merge_nothing_close(resolution.query)
    asked = pending.create_pending(
        session=session,
        team_id=turn.caller.team_id,
        slack_user_id=turn.caller.id,
        kind=PICK_PENDING,
        payload=parked,
        now=turn.now(),
    )
    unknown: Literal["source", "target"] = parked["unknown"]
    return build_merge_pick(
        typed=resolution.query,
        choices=choices,
        close=bool(resolution.choices),
        pending_id=id_of(asked),
        unknown=unknown,
        other=other,
    )


def _ask_to_confirm(
    turn: Turn, session: Session, rep: Rep, source: Account, target: Account
) -> Message:
    """What will move, Merge / Cancel on a pending action; refused first if it may not be."""
    try:
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
    with turn.begin() as session:
        rep = turn.rep(session)
        asked = take_answer(
            turn, session, rep, kind=MERGE_PENDING, cancel=CrmAction.MERGE_CANCEL,
            canceled=build_merge_canceled,
        )  # fmt: skip
        if not isinstance(asked, PendingAction):
            return asked
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
