"""Handoffs: an account changing owner takes its previous owner's open follow-ups along.

`accounts.set_owner` changes the owner; `hand_account` is what every surface that changes an
owner calls (`/crm assign`, Take ownership), so the follow-ups move in the same transaction.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from models import accounts, followups
from models.accounts import Account
from models.followups import Followup
from models.reps import Rep


@dataclass(frozen=True)
class Handoff:
    account: Account
    previous: Rep | None  # the owner before; None: it had none
    owner: Rep
    actor: Rep
    moved: list[Followup] = field(default_factory=list)  # soonest first

    @property
    def changed(self) -> bool:
        return self.previous is None or self.previous.id != self.owner.id


def hand_account(
    *,
    session: Session,
    account: Account,
    owner: Rep,
    actor: Rep,
    actor_is_admin: bool,
    now: datetime,
) -> Handoff:
    """Give `account` to `owner` (as accounts.set_owner allows), moving the previous owner's
    open follow-ups on it to them."""
    account, previous = accounts.set_owner(
        session=session,
        account=account,
        owner=owner,
        actor=actor,
        actor_is_admin=actor_is_admin,
        now=now,
    )
    if previous is None or previous.id == owner.id:
        return Handoff(account, previous, owner, actor)
    moved = followups.hand_over_followups(
        session=session, account=account, previous=previous, owner=owner, actor=actor, now=now
    )
    return Handoff(account, previous, owner, actor, moved)
