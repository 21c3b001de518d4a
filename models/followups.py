"""Follow-ups: a rep's promise to get back to an account, and the nudge bookkeeping."""

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint, event, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from models import audit
from models.accounts import Account
from models.base import NotAllowed, NotFound, UTCDateTime, id_of
from models.reps import Rep


class FollowupStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELED = "canceled"


class Followup(SQLModel, table=True):
    __tablename__ = "followups"
    __table_args__ = (
        # The sweep's question: which open follow-ups are due and not yet nudged?
        Index("ix_followups_due", "status", "due_at"),
        # The nudge sweep's claim (models/nudges.py): only rows still waiting for their nudge.
        Index(
            "ix_followups_nudge_due",
            "team_id",
            "next_attempt_at",
            sqlite_where=text("status = 'open' AND nudged_at IS NULL"),
            postgresql_where=text("status = 'open' AND nudged_at IS NULL"),
        ),
        Index("ix_followups_team_rep", "team_id", "rep_id", "status", "due_at"),
        # An account's next open follow-up (/who-owns, the owner card): a few rows, however many
        # open follow-ups the other accounts have (ix_followups_due walked all of them).
        Index("ix_followups_account_open", "team_id", "account_id", "status", "due_at", "id"),
        # The account timeline, newest first, paged by (created_at, id) cursor.
        Index("ix_followups_timeline", "team_id", "account_id", "created_at", "id"),
        # The follow-ups made with an interaction: an undo takes them, and deleting an interaction
        # has the database check its foreign key here (without it: every follow-up, per row).
        Index(
            "ix_followups_interaction",
            "interaction_id",
            sqlite_where=text("interaction_id IS NOT NULL"),
            postgresql_where=text("interaction_id IS NOT NULL"),
        ),
        # A double-submitted modal (or a retried request) carries the same key: one follow-up.
        UniqueConstraint("team_id", "source_key", name="uq_followups_source_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    rep_id: int = Field(foreign_key="reps.id")
    account_id: int | None = Field(default=None, foreign_key="accounts.id")
    interaction_id: int | None = Field(default=None, foreign_key="interactions.id")
    due_at: datetime = Field(sa_type=UTCDateTime)
    note: str = Field(default="", sa_type=Text)
    status: str = Field(default=FollowupStatus.OPEN, max_length=16)
    snoozed_count: int = 0
    nudge_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    nudged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    nudge_attempts: int = 0
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The nudge (models/nudges.py): when to try next (due, then pushed past quiet hours and
    # failures), who holds the lease on it, since when it may have reached Slack unrecorded,
    # and the DM once sent.
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unsure_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    nudge_channel: str | None = Field(default=None, max_length=32)
    nudge_ts: str | None = Field(default=None, max_length=32)
    nudge_error: str | None = Field(default=None, max_length=64)
    created_by_id: int | None = Field(default=None, foreign_key="reps.id")
    source_key: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_type=UTCDateTime)


def create_followup(
    *,
    session: Session,
    rep: Rep,
    account: Account | None,
    due_at: datetime,
    note: str,
    now: datetime,
    interaction_id: int | None = None,
    source_key: str | None = None,
) -> tuple[Followup, bool]:
    """A follow-up for a rep, due at `due_at` (UTC), once per source key; and whether it is new."""
    followup = Followup(
        team_id=rep.team_id,
        rep_id=id_of(rep),
        account_id=id_of(account) if account else None,
        interaction_id=interaction_id,
        due_at=due_at,
        note=note,
        source_key=source_key,
        created_at=now,
        next_attempt_at=due_at,
        created_by_id=id_of(rep),
    )
    try:
        with session.begin_nested():  # the unique source key decides between concurrent twins
            session.add(followup)
    except IntegrityError:
        if source_key is None:
            raise  # not a twin: a broken reference
        statement = select(Followup).where(
            Followup.team_id == rep.team_id, Followup.source_key == source_key
        )
        return session.exec(statement).one(), False
    audit.record(
        session=session,
        actor=rep,
        action="followup.create",
        subject=followup,
        before=None,
        after={"account_id": followup.account_id, "due_at": due_at.isoformat(), "note": note},
        at=now,
    )
    return followup, True


def list_for_interaction(*, session: Session, team_id: str, interaction_id: int) -> list[Followup]:
    """The follow-ups made together with an interaction."""
    statement = select(Followup).where(
        Followup.team_id == team_id, Followup.interaction_id == interaction_id
    )
    return list(session.exec(statement))


def _own_open(*, session: Session, team_id: str, followup_id: int, rep: Rep) -> Followup:
    # Locked (on PostgreSQL) so two clicks at once take turns: the second sees the first's change.
    followup = session.get(Followup, followup_id, with_for_update=True)
    if followup is None or followup.team_id != team_id:
        raise NotFound("That follow-up no longer exists.")
    if followup.rep_id != rep.id:
        raise NotAllowed("That follow-up is someone else's.")
    return followup


def complete_followup(
    *, session: Session, team_id: str, followup_id: int, rep: Rep, now: datetime
) -> Followup:
    """Mark a rep's follow-up done (again is a no-op)."""
    followup = _own_open(session=session, team_id=team_id, followup_id=followup_id, rep=rep)
    if followup.status == FollowupStatus.DONE:
        return followup
    before = {"status": followup.status}
    followup.status, followup.completed_at = FollowupStatus.DONE, now
    followup.claimed_by = followup.claimed_until = None  # a sweep holding it won't send it now
    session.add(followup)
    audit.record(
        session=session,
        actor=rep,
        action="followup.done",
        subject=followup,
        before=before,
        after={"status": "done"},
        at=now,
    )
    return followup


def snooze_followup(
    *,
    session: Session,
    team_id: str,
    followup_id: int,
    rep: Rep,
    by: timedelta,
    now: datetime,
    seen: int | None = None,
) -> Followup:
    """Push an open follow-up `by` from now (or from its due time, if that is later). `seen` is
    the snooze count the button was drawn with: a double click finds it moved on and changes
    nothing more."""
    followup = _open_to_move(session, team_id, followup_id, rep)
    if seen is not None and seen != followup.snoozed_count:
        return followup  # moved on since the button was drawn: a repeat changes nothing
    return _move(session, followup, rep, max(now, followup.due_at) + by, "followup.snooze", now)


def reschedule_followup(
    *,
    session: Session,
    team_id: str,
    followup_id: int,
    rep: Rep,
    due_at: datetime,
    now: datetime,
    seen: int | None = None,
) -> Followup:
    """Move an open follow-up to `due_at` (Pick a date, in its nudge or /followup's list); counts
    as a snooze, so a stale picker finds it moved on and changes nothing more."""
    followup = _open_to_move(session, team_id, followup_id, rep)
    if seen is not None and seen != followup.snoozed_count:
        return followup  # moved on since the button was drawn: a repeat changes nothing
    if due_at <= now:
        raise NotAllowed("Pick a day after today.")
    return _move(session, followup, rep, due_at, "followup.reschedule", now)


def _open_to_move(session: Session, team_id: str, followup_id: int, rep: Rep) -> Followup:
    followup = _own_open(session=session, team_id=team_id, followup_id=followup_id, rep=rep)
    if followup.status != FollowupStatus.OPEN:
        raise NotAllowed("That follow-up is already done.")
    return followup


def _move(
    session: Session, followup: Followup, rep: Rep, due_at: datetime, action: str, now: datetime
) -> Followup:
    """Due at `due_at` now, counted as a snooze, its nudge due again; audited as `action`."""
    before = {"due_at": followup.due_at.isoformat()}
    followup.due_at = due_at
    followup.snoozed_count += 1
    _due_again(followup)
    session.add(followup)
    audit.record(
        session=session,
        actor=rep,
        action=action,
        subject=followup,
        before=before,
        after={"due_at": due_at.isoformat()},
        at=now,
    )
    return followup


def _due_again(followup: Followup) -> None:
    """The nudge is due again at the follow-up's new time (a new DM; the old one says snoozed)."""
    followup.nudge_claimed_at = followup.nudged_at = None
    followup.next_attempt_at = followup.due_at
    followup.claimed_by = followup.claimed_until = followup.unsure_since = None
    followup.nudge_attempts, followup.nudge_error = 0, None


@event.listens_for(Followup, "before_insert")
def _first_attempt_when_due(_mapper: object, _connection: object, followup: Followup) -> None:
    if followup.next_attempt_at is None:
        followup.next_attempt_at = followup.due_at


def account_of(*, session: Session, followup: Followup) -> Account | None:
    """The account a follow-up is about, if any (the follow-up's own team's)."""
    account = session.get(Account, followup.account_id) if followup.account_id else None
    return account if account is not None and account.team_id == followup.team_id else None


def hand_over_followups(
    *, session: Session, account: Account, previous: Rep, owner: Rep, actor: Rep, now: datetime
) -> list[Followup]:
    """The open follow-ups `previous` has on `account`, moved to its new `owner` (soonest
    first); each move audited. Nothing is moved between a rep and themselves."""
    if previous.id == owner.id:
        return []
    statement = (
        select(Followup)
        .where(Followup.team_id == account.team_id, Followup.account_id == id_of(account))
        .where(Followup.rep_id == id_of(previous), Followup.status == FollowupStatus.OPEN)
        .order_by(col(Followup.due_at), col(Followup.id))
        .with_for_update()
    )
    moved = list(session.exec(statement))
    for followup in moved:
        followup.rep_id = id_of(owner)
        # A sweep holding it gives it up (it would DM the previous owner), and the previous
        # owner's DM of it is no longer the one to keep in step.
        followup.claimed_by = followup.claimed_until = None
        followup.nudge_channel = followup.nudge_ts = None
        session.add(followup)
        audit.record(
            session=session,
            actor=actor,
            action="followup.handoff",
            subject=followup,
            before={"rep": previous.slack_user_id},
            after={"rep": owner.slack_user_id},
            at=now,
        )
    return moved


def get_own_followup(*, session: Session, team_id: str, followup_id: int, rep: Rep) -> Followup:
    """A rep's own follow-up (locked for the change to come), else NotFound or NotAllowed."""
    return _own_open(session=session, team_id=team_id, followup_id=followup_id, rep=rep)
