"""Claims: "this was done once" for Slack requests that make no row of their own to be unique on:
an event delivery (Slack retries one it thinks was missed, with the same event_id), a Share click
(it posts a message and writes nothing else). The first claim of a key wins; a double click, a
retry or another replica racing it gets False. Claims are kept a day: Slack's retries stop within
the hour, and a click a day later is a new click.
"""

from datetime import datetime, timedelta

from sqlalchemy import Index, UniqueConstraint, delete
from sqlmodel import Field, Session, SQLModel, col

from models.base import UTCDateTime, insert_once

KEEP_FOR = timedelta(days=1)


class Claim(SQLModel, table=True):
    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("team_id", "key", name="uq_claims_key"),
        Index("ix_claims_claimed_at", "claimed_at"),  # the sweep forgets old claims by age
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    key: str = Field(max_length=255)
    claimed_at: datetime = Field(sa_type=UTCDateTime)


def claim_once(*, session: Session, team_id: str, key: str, now: datetime) -> bool:
    """Take `key` for this workspace; False if it was taken already (one statement, no race)."""
    row = {"team_id": team_id, "key": key[:255], "claimed_at": now}
    return insert_once(session, Claim, row, ["team_id", "key"])


def forget_claims(*, session: Session, now: datetime) -> int:
    """Drop claims no retry or double click can still repeat; how many went."""
    statement = delete(Claim).where(col(Claim.claimed_at) < now - KEEP_FOR)
    return session.execute(statement).rowcount  # type: ignore[attr-defined]
