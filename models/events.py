"""Slack events already handled: Slack retries a delivery it thinks was missed (same event_id),
and each event must be acted on once, on whichever replica got it first."""

from datetime import datetime, timedelta

from sqlalchemy import UniqueConstraint, delete
from sqlmodel import Field, Session, SQLModel

from models.base import UTCDateTime, insert_once

# Slack retries a delivery three times within about an hour; a day is ample.
KEEP_FOR = timedelta(days=1)


class SlackEvent(SQLModel, table=True):
    __tablename__ = "slack_events"
    __table_args__ = (UniqueConstraint("team_id", "event_id", name="uq_slack_events_event"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    event_id: str = Field(max_length=64)
    kind: str = Field(max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)


def claim_event(*, session: Session, team_id: str, event_id: str, kind: str, now: datetime) -> bool:
    """Whether this delivery is the first of its event; a retry or a twin claims nothing."""
    row = {"team_id": team_id, "event_id": event_id, "kind": kind, "received_at": now}
    return insert_once(session, SlackEvent, row, ["team_id", "event_id"])


def forget_events(*, session: Session, now: datetime) -> int:
    """Drop what no retry can still repeat; how many rows went."""
    statement = delete(SlackEvent).where(SlackEvent.received_at < now - KEEP_FOR)  # type: ignore[arg-type]
    return session.execute(statement).rowcount  # type: ignore[attr-defined]
