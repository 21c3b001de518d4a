"""What handlers are given by the runtime: no handler reads the environment or the clock itself."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from handlers.audience import Audience
from handlers.directory import Directory, SlackUser
from models import reps
from models.erasure import ScrubFiles, no_files
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
    currency: str = "USD"  # RAPPORT_CURRENCY: amounts typed without one
    scrub_files: ScrubFiles = no_files  # an erasure's rewrite of the files imports wrote
    audience: Audience = field(init=False)  # who reads each channel, on top of `directory`

    def __post_init__(self) -> None:
        object.__setattr__(self, "audience", Audience(self.directory))

    def rep(self, session: Session, user: SlackUser) -> Rep:
        """The rep row for a Slack user, created or refreshed from their (cached) profile."""
        return self.rep_in(session, user.team_id, user)

    def rep_in(self, session: Session, team_id: str, user: SlackUser) -> Rep:
        """The rep row of `user` in workspace `team_id` (a guest's or a stranger's too)."""
        profile, now = user.profile(extra_admins=self.admins), self.now()
        return reps.upsert_rep(session=session, team_id=team_id, profile=profile, now=now)

    def known_user(self, team_id: str, user_id: str) -> SlackUser | None:
        """The person as the store last heard of them from Slack, if Rapport has seen them."""
        with self.db() as session:
            rep = reps.get_rep(session=session, team_id=team_id, slack_user_id=user_id)
            return SlackUser.from_rep(rep) if rep is not None else None

    def save_user(self, team_id: str, user: SlackUser) -> None:
        """Keep what Slack said about a person, in its own transaction."""
        with self.db.begin() as session:
            self.rep_in(session, team_id, user)
