"""Claims: "this was done once" for Slack requests that make no row of their own to be unique on
(a Share click posts a message and writes nothing else). The first claim of a key wins; a double
click, a retried request or another replica racing it gets False.
"""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col

from models.base import UTCDateTime


class Claim(SQLModel, table=True):
    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("team_id", "key", name="uq_claims_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    key: str = Field(max_length=255)
    claimed_at: datetime = Field(sa_type=UTCDateTime)


def claim_once(*, session: Session, team_id: str, key: str, now: datetime) -> bool:
    """Take `key` for this workspace; False if it was taken already (an upsert, no race)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Claim)
        .values(team_id=team_id, key=key[:255], claimed_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "key"])
        .returning(col(Claim.id))  # an ORM insert's rowcount is -1 on psycopg; RETURNING is not
    )
    return session.execute(statement).first() is not None
