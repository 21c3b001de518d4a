"""/crm new and /crm assign: accounts and who owns them."""

from collections.abc import Callable

from sqlmodel import Session

from handlers.blocks import Message
from handlers.blocks.crm import (
    build_account_created,
    build_owner_assigned,
)
from handlers.directory import SlackUser, UnknownUser
from handlers.handoffs import handoff_note, tell_new_owner
from handlers.listener import Turn
from handlers.parsing.crm import (
    CrmAssign,
    CrmNewAccount,
)
from models import accounts, handoffs
from models.accounts import Account
from models.base import DomainError
from models.matching import find_account


def member(turn: Turn, user_id: str) -> SlackUser:
    """A full member of this workspace who can own accounts, or a DomainError saying who can't."""
    try:
        user = turn.deps.directory.get(turn.client, turn.caller.team_id, user_id)
    except UnknownUser as error:
        raise DomainError("I can't find that person in this workspace.") from error
    if not user.is_full_member(turn.caller.team_id):
        raise DomainError("Accounts can only be owned by full members of this workspace.")
    return user


def create_account(turn: Turn, request: CrmNewAccount) -> Message:
    caller = turn.caller
    owner = member(turn, request.owner_id) if request.owner_id else caller
    with turn.begin() as session:
        rep_of = {user.id: turn.deps.rep(session, user) for user in {caller, owner}}
        account = accounts.create_account(
            session=session,
            team_id=caller.team_id,
            name=request.account,
            owner=rep_of[owner.id],
            created_by=rep_of[caller.id],
            now=turn.now(),
        )
    return build_account_created(account=account.name, owner_id=owner.id, caller_id=caller.id)


AccountOf = Callable[[Session], Account]  # the account an operation is for, in its transaction


def account_named(turn: Turn, name: str) -> AccountOf:
    """The account `name` clearly names; UnknownName (for a pick) otherwise."""
    return lambda session: find_account(session=session, team_id=turn.caller.team_id, name=name)


def assign_account(turn: Turn, request: CrmAssign) -> Message:
    return assign_owner(turn, member(turn, request.rep_id), account_named(turn, request.account))


def assign_owner(turn: Turn, owner: SlackUser, account_of: AccountOf) -> Message:
    with turn.begin() as session:
        actor, new_owner = turn.rep(session), turn.deps.rep(session, owner)
        handed = handoffs.hand_account(
            session=session,
            account=account_of(session),
            owner=new_owner,
            actor=actor,
            actor_is_admin=actor.is_admin,
            now=turn.now(),
        )
        told = handoff_note(handed)
    tell_new_owner(turn.client, told)
    previous_id = handed.previous.slack_user_id if handed.previous else None
    return build_owner_assigned(
        account=handed.account.name, owner_id=owner.id, previous_id=previous_id
    )
