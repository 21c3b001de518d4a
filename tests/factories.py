"""Row factories for tests: the smallest valid rows, overridable by keyword."""

from datetime import datetime

from sqlmodel import Session

from bot.standin.driver import TEAM_ID
from models import accounts, reps
from models.accounts import Account
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
