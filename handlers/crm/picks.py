"""An unknown account name in /crm link, contact or assign: the close names as buttons that
carry on with the parsed request, and Create."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from handlers.blocks import Message
from handlers.blocks.calls import build_done
from handlers.blocks.crm import (
    build_account_created,
)
from handlers.blocks.names import Buttons, Choice, build_created, build_unknown_name
from handlers.crm.accounts import account_named, assign_owner, member
from handlers.crm.contacts import save_typed_contact
from handlers.crm.links import link_to
from handlers.directory import SlackUser
from handlers.ids import CrmAction
from handlers.listener import Turn
from handlers.parsing.crm import (
    ContactText,
    CrmAssign,
    CrmContact,
    CrmRequest,
    parse_contact,
)
from handlers.parsing.values import row_id
from models import accounts, channels, pending
from models.accounts import Account
from models.base import DomainError, id_of
from models.matching import Resolution
from models.reps import Rep

PENDING_CRM = "crm"


REPLACE = {"replace_original": True}


def ask_which_account(turn: Turn, request: CrmRequest, resolution: Resolution) -> Message:
    """An unknown name in /crm link, contact or assign: close names as buttons that carry on
    with the one picked, and Create. The request is parked as read (its fields, not its text),
    so a click works after a restart and a picked name is never read as command text."""
    with turn.begin() as session:
        parked = pending.create_pending(
            session=session,
            team_id=turn.caller.team_id,
            slack_user_id=turn.caller.id,
            kind=PENDING_CRM,
            payload=_parked(request)
            | {"typed": resolution.query, "channel_id": turn.body["channel_id"]},
            now=turn.now(),
        )
    pending_id = id_of(parked)
    buttons = Buttons(
        pick=CrmAction.PICK_ACCOUNT,
        value=lambda choice: f"{pending_id}:{choice.id}",
        create=CrmAction.CREATE_ACCOUNT,
        create_value=str(pending_id),
        block_id=f"pick_{pending_id}",
        owner=_owner_name(turn, request),
    )
    choices = [Choice(c.id, c.name) for c in resolution.choices or resolution.nearest]
    return build_unknown_name(
        typed=resolution.query, choices=choices, close=bool(resolution.choices), buttons=buttons
    )


def _parked(request: CrmRequest) -> dict[str, Any]:
    """What a pick needs to carry on with a /crm request, besides the account."""
    if isinstance(request, CrmContact):
        parsed = parse_contact(request.text)
        return {"op": "contact", "name": parsed.name, "email": parsed.email, "title": parsed.title}
    if isinstance(request, CrmAssign):
        return {"op": "assign", "rep_id": request.rep_id}
    return {"op": "link"}


def _owner_name(turn: Turn, request: CrmRequest) -> str:
    """Who Create makes the owner: the caller, or whom `/crm assign` named."""
    if isinstance(request, CrmAssign) and request.rep_id != turn.caller.id:
        return member(turn, request.rep_id).name
    return "you"


def handle_pick_account_button(turn: Turn) -> Message:
    """A pick (or Create) on an unknown name: the parked /crm request runs with that account,
    through the same functions as the command, so who may link (say) is decided the same way."""
    pending_id, _, account_id = turn.body["actions"][0]["value"].partition(":")
    with turn.begin() as session:
        parked = pending.consume_pending(
            session=session,
            team_id=turn.caller.team_id,
            pending_id=row_id(pending_id),
            slack_user_id=turn.caller.id,
            now=turn.now(),
        )
        payload = parked.payload if parked is not None else None
    if payload is None:
        return build_done("That one is done already.") | REPLACE
    if "op" not in payload:  # parked by an older version, as command text
        raise DomainError("That question is out of date; run the command again.")
    typed, created = payload["typed"], False

    def account_of(session: Session) -> Account:
        nonlocal created
        if account_id:
            return accounts.get_account(
                session=session, team_id=turn.caller.team_id, account_id=row_id(account_id)
            )
        rep = turn.rep(session)
        if payload["op"] == "link":  # refused before anything is created for it
            channels.check_may_link(
                session=session, team_id=rep.team_id, channel_id=payload["channel_id"], actor=rep
            )
        account, created = _create(session, rep, typed, turn.now())
        return account

    if payload["op"] == "assign":
        owner = member(turn, payload["rep_id"])
        if not account_id:
            return _create_for(turn, owner, typed) | REPLACE
        return assign_owner(turn, owner, account_of) | REPLACE
    if payload["op"] == "contact":
        parsed = ContactText(
            account=typed, name=payload["name"], email=payload["email"], title=payload["title"]
        )
        answer = save_typed_contact(turn, parsed, account_of)
    else:
        answer = link_to(turn, payload["channel_id"], account_of)
    return (build_created(answer, typed) if created else answer) | REPLACE


def _create_for(turn: Turn, owner: SlackUser, name: str) -> Message:
    """Create on `/crm assign <unknown> @bob`: the account, owned by Bob, created by the asker."""
    caller = turn.caller
    try:
        with turn.begin() as session:
            rep_of = {user.id: turn.deps.rep(session, user) for user in {caller, owner}}
            account = accounts.create_account(
                session=session,
                team_id=caller.team_id,
                name=name,
                owner=rep_of[owner.id],
                created_by=rep_of[caller.id],
                now=turn.now(),
            )
            created = account.name
    except accounts.NameTaken:  # created a moment ago (a retry, or someone else): assign it
        return assign_owner(turn, owner, account_named(turn, name))
    return build_account_created(account=created, owner_id=owner.id, caller_id=caller.id)


def _create(session: Session, rep: Rep, name: str, now: datetime) -> tuple[Account, bool]:
    """The account called `name`, created (owned by `rep`) unless it is there; and whether new."""
    try:
        account = accounts.create_account(
            session=session, team_id=rep.team_id, name=name, owner=rep, created_by=rep, now=now
        )
    except accounts.NameTaken as taken:  # created a moment ago (by someone else, or a retry)
        return taken.existing, False
    return account, True
