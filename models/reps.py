"""Reps: the Slack users of a workspace, as Rapport knows them.

A row is what users.info last said about a person who used Rapport (or was named in it), guests
and people of other organisations included: the door (handlers/guard.py) answers from these rows
without asking Slack again, and a refresh overwrites a row only with newer news.
"""

from dataclasses import dataclass
from datetime import datetime, time
from functools import cache
from typing import Any

from sqlalchemy import Index, Time, UniqueConstraint, bindparam, or_, true
from sqlmodel import Field, Session, SQLModel, col, select

from models.base import DomainError, UTCDateTime, conflict_insert


class RepBase(SQLModel):
    team_id: str = Field(max_length=32, index=True)
    slack_user_id: str = Field(max_length=32)
    name: str = Field(default="", max_length=255)
    tz: str = Field(default="UTC", max_length=64)
    is_admin: bool = False
    active: bool = True  # not deactivated in Slack
    is_guest: bool = False  # restricted or ultra-restricted
    is_bot: bool = False
    deleted: bool = False
    # The person's own workspace (users.info team_id): another organisation's for Slack Connect.
    home_team_id: str = Field(default="", max_length=32)
    # users.info `locale` ("de-DE", "en-US"): how the person writes dates; "" when not known.
    locale: str = Field(default="", max_length=16)
    # The person's email (users.info profile.email with users:read.email, or the address an
    # import found them by with users.lookupByEmail); None when not known. Stored lower-cased.
    email: str | None = Field(default=None, max_length=320)


class Rep(RepBase, table=True):
    __tablename__ = "reps"
    __table_args__ = (
        UniqueConstraint("team_id", "slack_user_id", name="uq_reps_team_user"),
        Index("ix_reps_tz", "tz"),  # the digest sweep: whose 09:00 is it?
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)  # when the row was last written
    checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # users.info's answer
    # `/crm hours`: when nudges may reach this rep, rep-local; None: WorkingHours' defaults.
    work_start: time | None = Field(default=None, sa_type=Time)
    work_end: time | None = Field(default=None, sa_type=Time)
    work_days: str | None = Field(default=None, max_length=7)  # weekday digits, "01234" Mon-Fri
    # `/crm digest off|on`: the morning digest (handlers/digest.py); a profile refresh keeps it.
    digest_enabled: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    # The rep's DM with Rapport (conversations.open), kept so each nudge costs one call.
    dm_channel: str | None = Field(default=None, max_length=32)
    # Slack refused to DM them (account_inactive, user_not_found, ...): nudges stop, and why.
    nudges_stopped: str | None = Field(default=None, max_length=64)
    nudges_stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RepProfile(SQLModel):
    """What Slack's users.info says about a person, as the domain needs it."""

    slack_user_id: str
    name: str
    tz: str = "UTC"
    is_admin: bool = False
    is_guest: bool = False
    is_bot: bool = False
    deleted: bool = False
    home_team_id: str | None = None  # None: the workspace the row belongs to
    checked_at: datetime | None = None  # when Slack said so; None: now
    locale: str = ""
    email: str | None = None  # profile.email (users:read.email); None: not said, kept as it is


def get_rep(*, session: Session, team_id: str, slack_user_id: str) -> Rep | None:
    """The rep for a Slack user in this workspace, if Rapport has seen them."""
    found = session.execute(_by_user(), {"team_id": team_id, "slack_user_id": slack_user_id})
    return found.scalars().first()


@cache
def _by_user() -> Any:
    """Built once: every request reads its caller's row."""
    return select(Rep).where(
        Rep.team_id == bindparam("team_id"), Rep.slack_user_id == bindparam("slack_user_id")
    )


def list_reps(*, session: Session, team_id: str) -> list[Rep]:
    """The workspace's people Rapport knows who may use it (not bots, not deactivated), by name."""
    statement = select(Rep).where(
        Rep.team_id == team_id,
        col(Rep.is_bot).is_(False),
        col(Rep.deleted).is_(False),
    )
    return list(session.exec(statement.order_by(Rep.name, Rep.slack_user_id)))


def upsert_rep(*, session: Session, team_id: str, profile: RepProfile, now: datetime) -> Rep:
    """The rep row for a Slack profile: created, or refreshed unless the row holds newer news.

    One INSERT ... ON CONFLICT DO UPDATE, so first requests racing to create the same row all
    get it. An unchanged profile writes nothing: on PostgreSQL even a no-op DO UPDATE locks the
    row until the transaction ends, which would queue a rep's concurrent requests behind it.
    """
    values = _row_values(team_id, profile, now)
    rep = get_rep(session=session, team_id=team_id, slack_user_id=profile.slack_user_id)
    if rep is not None and not _is_news(rep, values):
        return rep
    statement = conflict_insert(session, Rep).values(created_at=now, **values)
    upsert = statement.on_conflict_do_update(
        index_elements=[col(Rep.team_id), col(Rep.slack_user_id)],
        set_=values,
        where=or_(
            col(Rep.checked_at).is_(None), col(Rep.checked_at) <= statement.excluded.checked_at
        ),
    ).returning(Rep)
    written = session.scalars(upsert, execution_options={"populate_existing": True}).first()
    if written is not None:
        return written
    # A concurrent refresh wrote newer news in between: that row stands.
    rep = get_rep(session=session, team_id=team_id, slack_user_id=profile.slack_user_id)
    assert rep is not None
    return rep


def _row_values(team_id: str, profile: RepProfile, now: datetime) -> dict[str, object]:
    return {
        "team_id": team_id,
        "slack_user_id": profile.slack_user_id,
        "name": profile.name,
        "tz": profile.tz,
        "is_admin": profile.is_admin,
        "active": not profile.deleted,
        "is_guest": profile.is_guest,
        "is_bot": profile.is_bot,
        "deleted": profile.deleted,
        "home_team_id": profile.home_team_id or team_id,
        "locale": profile.locale,
        "checked_at": profile.checked_at or now,
        "updated_at": now,
    } | ({"email": profile.email.strip().lower()} if profile.email else {})


def _is_news(rep: Rep, values: dict[str, object]) -> bool:
    """Whether a profile should overwrite the row: newer than it, or as new and different."""
    checked_at = values["checked_at"]
    assert isinstance(checked_at, datetime)
    if rep.checked_at is None or rep.checked_at < checked_at:
        return True
    same = all(getattr(rep, key) == value for key, value in values.items() if key != "updated_at")
    return rep.checked_at == checked_at and not same


WORK_DAYS = frozenset(range(5))  # Monday to Friday, as date.weekday() counts them
MIN_WORK_MINUTES = 60


@dataclass(frozen=True)
class WorkingHours:
    """When a rep may be nudged, in their own time zone: `start` to `end` (end excluded) on
    `days` (date.weekday() numbers, Monday 0)."""

    start: time = time(8, 0)
    end: time = time(19, 0)
    days: frozenset[int] = WORK_DAYS

    def __post_init__(self) -> None:
        minutes = minutes_of(self.end) - minutes_of(self.start)
        if minutes <= 0:
            raise DomainError("Working hours start before they end, e.g. 09:00-17:30.")
        if minutes < MIN_WORK_MINUTES:
            raise DomainError("Working hours span at least an hour.")
        if not self.days or not self.days <= frozenset(range(7)):
            raise DomainError("Working hours need at least one day of the week.")

    def includes(self, local: datetime) -> bool:
        """Whether a rep-local moment falls inside these hours."""
        return local.weekday() in self.days and self.start <= local.time() < self.end


def minutes_of(moment: time) -> int:
    """Minutes since midnight."""
    return moment.hour * 60 + moment.minute


DEFAULT_HOURS = WorkingHours()  # 08:00-19:00, Monday to Friday


def working_hours(rep: Rep) -> WorkingHours:
    """A rep's working hours: what `/crm hours` set, else 08:00-19:00 Monday to Friday."""
    return hours_of(rep.work_start, rep.work_end, rep.work_days)


def hours_of(start: time | None, end: time | None, days: str | None) -> WorkingHours:
    """Working hours from a rep row's columns (work_start, work_end, work_days), defaults for
    what is unset."""
    weekdays = frozenset(int(d) for d in days) if days else DEFAULT_HOURS.days
    return WorkingHours(start or DEFAULT_HOURS.start, end or DEFAULT_HOURS.end, weekdays)
