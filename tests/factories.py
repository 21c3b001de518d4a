"""Row factories for tests: the smallest valid rows, overridable by keyword."""

from datetime import datetime

from sqlmodel import Session

from bot.standin.driver import TEAM_ID
from models import accounts, reps
from models.accounts import Account
from models.base import id_of
from models.deals import Deal
from models.reps import Rep, RepProfile


def make_rep(
    session: Session,
    user_id: str,
    *,
    now: datetime,
    team_id: str = TEAM_ID,
    is_admin: bool = False,
    tz: str = "America/New_York",
) -> Rep:
    profile = RepProfile(slack_user_id=user_id, name=user_id.lower(), tz=tz, is_admin=is_admin)
    return reps.upsert_rep(session=session, team_id=team_id, profile=profile, now=now)


def make_account(session: Session, name: str, *, owner: Rep, now: datetime) -> Account:
    return accounts.create_account(
        session=session, team_id=owner.team_id, name=name, owner=owner, created_by=owner, now=now
    )


def make_deal(
    session: Session,
    account: Account,
    owner: Rep,
    stage: str,
    amount: int | None = None,
    *,
    now: datetime,
    name: str = "Renewal",
    currency: str | None = "USD",
) -> Deal:
    deal = Deal(
        team_id=account.team_id,
        account_id=id_of(account),
        owner_id=owner.id,
        name=name,
        stage=stage,
        amount_minor=amount,
        currency=currency,
        stage_changed_at=now,
        created_at=now,
    )
    session.add(deal)
    session.flush()
    return deal
