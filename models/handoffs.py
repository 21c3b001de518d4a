"""Handoffs: an account changing owner takes its previous owner's open follow-ups along.

`accounts.set_owner` changes the owner; `hand_account` is what every surface that changes an
owner calls (`/crm assign`, Take ownership, `/crm handoff`), so the follow-ups move in the same
transaction. `plan_handoff` and `hand_over` are `/crm handoff`: an admin moves all of one rep's
accounts (or one of them) to another, with that rep's open deals and follow-ups on them.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import accounts, audit, followups, reps
from models.accounts import Account, AccountStatus
from models.base import DomainError, NotAllowed, NotFound, id_of
from models.deals import Deal
from models.followups import Followup, FollowupStatus
from models.merging import lock_accounts
from models.reps import Rep
from models.stages import get_pipeline


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


# `/crm handoff @from @to [account]`: an admin moves one rep's accounts to another at once, each
# through hand_account, with the from-rep's open deals on them.


@dataclass(frozen=True)
class HandoffPlan:
    """What a handoff will move, as the question shows it."""

    from_rep: Rep
    to_rep: Rep
    accounts: list[Account]  # the from-rep's live accounts, by name
    deals: list[Deal]  # the from-rep's open deals on them
    followups: int  # the from-rep's open follow-ups on them


@dataclass(frozen=True)
class HandedOver:
    """What a handoff moved."""

    from_rep: Rep
    to_rep: Rep
    handoffs: list[Handoff]  # one an account, by name
    deals: list[Deal]
    stayed: int  # accounts of the question that had changed hands meanwhile, and stayed

    @property
    def followups(self) -> int:
        return sum(len(handoff.moved) for handoff in self.handoffs)


def name_of(rep: Rep) -> str:
    return rep.name or rep.slack_user_id


def check_may_hand_over(*, from_id: str, to_id: str, actor_is_admin: bool) -> None:
    """Admins only, and between two people (Slack user ids)."""
    if not actor_is_admin:
        raise NotAllowed("Only a Rapport admin can hand one rep's accounts to another.")
    if from_id == to_id:
        raise DomainError("That's the same person twice; name who hands over, then who takes over.")


def check_may_take(rep: Rep) -> None:
    """Accounts go to full members of this workspace only."""
    if rep.is_guest or rep.is_bot or rep.deleted or not rep.active:
        raise NotAllowed(
            f"{name_of(rep)} can't take over accounts: only full members of this workspace can "
            "own them."
        )


def get_giver(*, session: Session, team_id: str, slack_user_id: str) -> Rep:
    """The rep who hands over; NotFound when Rapport has never seen them (they own nothing)."""
    rep = reps.get_rep(session=session, team_id=team_id, slack_user_id=slack_user_id)
    if rep is None:
        raise NotFound("That person owns no accounts in Rapport; there is nothing to hand over.")
    return rep


def plan_handoff(
    *,
    session: Session,
    team_id: str,
    from_rep: Rep,
    to_rep: Rep,
    account: Account | None = None,
) -> HandoffPlan:
    """What `/crm handoff` would move: all of `from_rep`'s live accounts (or `account`, which
    must be theirs), their open deals and open follow-ups on them; a DomainError if nothing."""
    check_may_take(to_rep)
    if account is not None and account.owner_id != from_rep.id:
        raise NotAllowed(f"{account.name} isn't {name_of(from_rep)}'s; nothing to hand over.")
    if account is not None:
        owned = [account]
    else:
        owned = list(
            session.exec(
                select(Account)
                .where(Account.team_id == team_id, Account.owner_id == id_of(from_rep))
                .where(Account.status == AccountStatus.ACTIVE)
                .order_by(col(Account.name), col(Account.id))
            )
        )
    if not owned:
        raise NotFound(f"{name_of(from_rep)} owns no accounts; there is nothing to hand over.")
    ids = [id_of(row) for row in owned]
    return HandoffPlan(
        from_rep=from_rep,
        to_rep=to_rep,
        accounts=owned,
        deals=_open_deals(session, team_id, from_rep, ids),
        followups=_count_open_followups(session, team_id, from_rep, ids),
    )


def hand_over(
    *,
    session: Session,
    team_id: str,
    from_rep_id: int,
    to_rep_id: int,
    account_ids: Sequence[int],
    actor: Rep,
    actor_is_admin: bool,
    now: datetime,
) -> HandedOver:
    """Give `to_rep` those of `account_ids` that `from_rep` still owns (each through
    hand_account, so its follow-ups move and it is audited), and `from_rep`'s open deals on
    them; the handoff itself audited on the from-rep. Checked again: things may have changed
    since the question."""
    from_rep, to_rep = session.get(Rep, from_rep_id), session.get(Rep, to_rep_id)
    if from_rep is None or to_rep is None or {from_rep.team_id, to_rep.team_id} != {team_id}:
        raise NotFound("One of those two people is no longer in Rapport.")
    check_may_hand_over(
        from_id=from_rep.slack_user_id, to_id=to_rep.slack_user_id, actor_is_admin=actor_is_admin
    )
    check_may_take(to_rep)
    locked = lock_accounts(session=session, team_id=team_id, ids=list(account_ids))
    still = sorted(
        (
            a
            for a in locked.values()
            if a.owner_id == from_rep.id and a.status == AccountStatus.ACTIVE
        ),
        key=lambda a: (a.name, id_of(a)),
    )
    if not still:
        raise NotFound(
            f"{name_of(from_rep)} no longer owns any of those accounts; nothing was handed over."
        )
    deals = _open_deals(session, team_id, from_rep, [id_of(a) for a in still], lock=True)
    handed = [
        hand_account(
            session=session,
            account=account,
            owner=to_rep,
            actor=actor,
            actor_is_admin=actor_is_admin,
            now=now,
        )
        for account in still
    ]
    for deal in deals:
        _give_deal(session, deal, from_rep, to_rep, actor, now)
    summary = HandedOver(from_rep, to_rep, handed, deals, stayed=len(account_ids) - len(still))
    _record_handoff(session, summary, actor, now)
    return summary


def _open_deals(
    session: Session, team_id: str, owner: Rep, account_ids: list[int], *, lock: bool = False
) -> list[Deal]:
    """`owner`'s open deals on those accounts, by account then name."""
    closed = get_pipeline(session=session, team_id=team_id).closed_names
    statement = (
        select(Deal)
        .where(Deal.team_id == team_id, Deal.owner_id == id_of(owner))
        .where(col(Deal.account_id).in_(account_ids), col(Deal.stage).not_in(closed))
        .order_by(col(Deal.account_id), col(Deal.name), col(Deal.id))
    )
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return list(session.exec(statement))


def _count_open_followups(session: Session, team_id: str, rep: Rep, account_ids: list[int]) -> int:
    statement = (
        select(func.count())
        .select_from(Followup)
        .where(Followup.team_id == team_id, Followup.rep_id == id_of(rep))
        .where(col(Followup.account_id).in_(account_ids))
        .where(Followup.status == FollowupStatus.OPEN)
    )
    return session.exec(statement).one()


def _give_deal(
    session: Session, deal: Deal, previous: Rep, owner: Rep, actor: Rep, now: datetime
) -> None:
    # The version moves with every change of a deal (models.deals), so a card read before
    # the handoff is told it changed rather than acting on what it showed.
    deal.owner_id, deal.version = id_of(owner), deal.version + 1
    session.add(deal)
    audit.record(
        session=session,
        actor=actor,
        action="deal.handoff",
        subject=deal,
        before={"owner": previous.slack_user_id},
        after={"owner": owner.slack_user_id},
        at=now,
    )


def _record_handoff(session: Session, summary: HandedOver, actor: Rep, now: datetime) -> None:
    audit.record(
        session=session,
        actor=actor,
        action="rep.handoff",
        subject=summary.from_rep,
        before={"owner": summary.from_rep.slack_user_id},
        after={
            "owner": summary.to_rep.slack_user_id,
            "accounts": [handoff.account.name for handoff in summary.handoffs],
            "deals": len(summary.deals),
            "followups": summary.followups,
        },
        at=now,
    )
