"""Reps: the Slack users of a workspace, as Rapport knows them."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from models.base import UTCDateTime


class RepBase(SQLModel):
    team_id: str = Field(max_length=32, index=True)
    slack_user_id: str = Field(max_length=32)
    name: str = Field(default="", max_length=255)
    tz: str = Field(default="UTC", max_length=64)
    is_admin: bool = False
    active: bool = True


class Rep(RepBase, table=True):
    __tablename__ = "reps"
    __table_args__ = (UniqueConstraint("team_id", "slack_user_id", name="uq_reps_team_user"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class RepProfile(SQLModel):
    """What Slack's users.info says about a person, as the domain needs it."""

    slack_user_id: str
    name: str
    tz: str = "UTC"
    is_admin: bool = False


def get_rep(*, session: Session, team_id: str, slack_user_id: str) -> Rep | None:
    """The rep for a Slack user in this workspace, if Rapport has seen them."""
    statement = select(Rep).where(Rep.team_id == team_id, Rep.slack_user_id == slack_user_id)
    return session.exec(statement).first()


def upsert_rep(*, session: Session, team_id: str, profile: RepProfile, now: datetime) -> Rep:
    """Create or refresh the rep row from a Slack profile."""
    rep = get_rep(session=session, team_id=team_id, slack_user_id=profile.slack_user_id)
    if rep is None:
        rep = Rep(
            team_id=team_id, slack_user_id=profile.slack_user_id, created_at=now, updated_at=now
        )
    changed = (rep.name, rep.tz, rep.is_admin, rep.active) != (
        profile.name,
        profile.tz,
        profile.is_admin,
        True,
    )
    if rep.id is None or changed:
        rep.name, rep.tz, rep.is_admin, rep.active = (
            profile.name,
            profile.tz,
            profile.is_admin,
            True,
        )
        rep.updated_at = now
        session.add(rep)
        session.flush()
    return rep
