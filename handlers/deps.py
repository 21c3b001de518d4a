"""What handlers are given by the runtime: no handler reads the environment or the clock itself."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from handlers.directory import Directory, SlackUser
from models import reps
from models.reps import Rep


@dataclass(frozen=True)
class Deps:
    db: sessionmaker[
        Session
    ]  # `with deps.db.begin() as session:` — the handler owns the transaction
    now: Callable[[], datetime]  # timezone-aware UTC
    directory: Directory = field(default_factory=Directory)
    admins: frozenset[str] = frozenset()  # RAPPORT_ADMINS, on top of the workspace's admins
    stale_days: int = 14
    stuck_days: int = 21
    deals_channel: str | None = None

    def rep(self, session: Session, user: SlackUser) -> Rep:
        """The rep row for a Slack user, created or refreshed from their (cached) profile."""
        profile, now = user.profile(extra_admins=self.admins), self.now()
        return reps.upsert_rep(session=session, team_id=user.team_id, profile=profile, now=now)
