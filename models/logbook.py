"""Logging, whichever way it came in (a command, a DM, a modal, a nudge's button, an import):
resolve the account, log once, make the follow-up, or park the draft until the rep picks.

A draft whose account isn't clear waits in the database (models.pending), so the rep's click
works after a restart or on another replica. Taking a parked draft and logging it happen in the
caller's one transaction: if logging fails, the draft is still there.
"""

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from models import accounts, followups, interactions, pending
from models.accounts import Account
from models.contacts import Contact
from models.interactions import Interaction, InteractionKind
from models.matching import Candidate, Resolution, resolve_account
from models.reps import Rep

PENDING_LOG = "log"
PENDING_NOTES = "notes"  # a message too long for a modal's input, waiting for its submission


@dataclass(frozen=True)
class Draft:
    """A log not yet written: everything but the account."""

    kind: InteractionKind
    notes: str
    occurred_at: datetime
    source: str  # slash, modal, home, message_shortcut, dm, import
    source_key: str | None  # the Slack delivery's key: a repeat logs nothing
    followup_due: datetime | None = None
    permalink: str | None = None
    author_id: str | None = None  # a logged message's Slack author
    contact_id: int | None = None
    warning: str | None = None  # a sentence to show with the result (e.g. an unread date)
    followup_note: str | None = None  # what the follow-up is about, when not the notes

    def to_payload(self, typed: str) -> dict[str, Any]:
        """The draft as JSON for a pending row, with the account name as typed."""
        data = asdict(self) | {"typed": typed}
        for key in ("occurred_at", "followup_due"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> tuple["Draft", str]:
        """The draft and the typed account name that `to_payload` stored."""
        fields = {k: v for k, v in data.items() if k != "typed"}
        for key in ("occurred_at", "followup_due"):
            fields[key] = datetime.fromisoformat(fields[key]) if fields[key] else None
        fields["kind"] = InteractionKind(fields["kind"])
        return cls(**fields), data["typed"]


@dataclass(frozen=True)
class Logged:
    """A draft written to an account (or found written already, `created` False)."""

    interaction: Interaction
    account: Account
    rep: Rep
    typed: str | None  # the name as typed, when the account was resolved from it
    followup_due: datetime | None
    warning: str | None
    created: bool
    new_account: bool = False  # the account was created for this log
    contact: Contact | None = None


@dataclass(frozen=True)
class NeedsPick:
    """The name wasn't clear: the draft is parked until the rep picks an account or creates one."""

    pending_id: int
    typed: str
    choices: list[Candidate]  # several close names
    nearest: list[Candidate]  # nothing close: the nearest names


def log_by_name(
    *,
    session: Session,
    rep: Rep,
    typed: str,
    draft: Draft,
    now: datetime,
    meant: Candidate | None = None,
) -> Logged | NeedsPick:
    """Log on the account `typed` clearly names (`meant`, when the caller resolved it already),
    or park the draft and say which names are close."""
    resolution = (
        Resolution(query=typed, match=meant, choices=[], nearest=[])
        if meant is not None
        else resolve_account(session=session, team_id=rep.team_id, name=typed)
    )
    if resolution.match is not None:
        account = accounts.get_account(
            session=session, team_id=rep.team_id, account_id=resolution.match.id
        )
        logged = log_on_account(session=session, rep=rep, account=account, draft=draft, now=now)
        return replace(logged, typed=typed)
    parked = pending.create_pending(
        session=session,
        team_id=rep.team_id,
        slack_user_id=rep.slack_user_id,
        kind=PENDING_LOG,
        payload=draft.to_payload(typed),
        now=now,
    )
    return NeedsPick(
        pending_id=parked.id or 0,
        typed=typed,
        choices=resolution.choices,
        nearest=resolution.nearest,
    )


def log_on_new_account(
    *, session: Session, rep: Rep, name: str, draft: Draft, now: datetime
) -> Logged:
    """Log on the account called `name`, created (owned by the rep) if there is none yet."""
    account, new = _account_named(session, rep, name, now)
    logged = log_on_account(session=session, rep=rep, account=account, draft=draft, now=now)
    return replace(logged, typed=name, new_account=new and logged.created)


def _account_named(session: Session, rep: Rep, name: str, now: datetime) -> tuple[Account, bool]:
    """The account called `name`, created (owned by the rep) if there is none; and whether new."""
    try:
        account = accounts.create_account(
            session=session, team_id=rep.team_id, name=name, owner=rep, created_by=rep, now=now
        )
    except accounts.NameTaken as taken:  # there already, or created a moment ago by someone else
        return taken.existing, False
    return account, True


def park_notes(*, session: Session, rep: Rep, notes: str, now: datetime) -> int:
    """Keep a message's whole text while its (shorter) log modal is open; the pending id."""
    parked = pending.create_pending(
        session=session,
        team_id=rep.team_id,
        slack_user_id=rep.slack_user_id,
        kind=PENDING_NOTES,
        payload={"notes": notes},
        now=now,
    )
    return parked.id or 0


def take_notes(*, session: Session, rep: Rep, pending_id: int, now: datetime) -> str | None:
    """The whole text `park_notes` kept, once; None if it was taken already."""
    parked = pending.consume_pending(
        session=session,
        team_id=rep.team_id,
        pending_id=pending_id,
        slack_user_id=rep.slack_user_id,
        now=now,
        kind=PENDING_NOTES,
    )
    if parked is None:
        return None
    return str(parked.payload.get("notes", ""))


def finish_pending(
    *, session: Session, rep: Rep, pending_id: int, account_id: int | None, now: datetime
) -> Logged | None:
    """A pick (or Create) click: log the parked draft once; None if it was used already."""
    parked = pending.consume_pending(
        session=session,
        team_id=rep.team_id,
        pending_id=pending_id,
        slack_user_id=rep.slack_user_id,
        now=now,
        kind=PENDING_LOG,
    )
    if parked is None:
        return None
    draft, typed = Draft.from_payload(parked.payload)
    if account_id is None:
        return log_on_new_account(session=session, rep=rep, name=typed, draft=draft, now=now)
    account = accounts.get_account(session=session, team_id=rep.team_id, account_id=account_id)
    return log_on_account(session=session, rep=rep, account=account, draft=draft, now=now)


def log_on_account(
    *, session: Session, rep: Rep, account: Account, draft: Draft, now: datetime
) -> Logged:
    """Write the draft on `account` once per source key, with its follow-up when it is new."""
    if draft.contact_id is not None and not _contact_of(session, account, draft.contact_id):
        draft = replace(draft, contact_id=None)  # a stale pick: the call still lands, unattached
    interaction, created = interactions.log_interaction(
        session=session,
        account=account,
        rep=rep,
        kind=draft.kind,
        summary=draft.notes,
        occurred_at=draft.occurred_at,
        now=now,
        source=draft.source,
        source_key=draft.source_key,
        permalink=draft.permalink,
        contact_id=draft.contact_id,
        slack_author_id=draft.author_id,
    )
    if created and draft.followup_due:
        followups.create_followup(
            session=session,
            rep=rep,
            account=account,
            due_at=draft.followup_due,
            note=draft.followup_note or draft.notes,
            now=now,
            interaction_id=interaction.id,
        )
    return Logged(
        interaction=interaction,
        account=account,
        rep=rep,
        typed=None,
        followup_due=draft.followup_due,
        warning=draft.warning,
        created=created,
        contact=session.get(Contact, interaction.contact_id) if interaction.contact_id else None,
    )


@dataclass(frozen=True)
class Change:
    """What an Edit save asks for, every field as it should be afterwards."""

    kind: InteractionKind
    notes: str
    occurred_at: datetime
    account_id: int | None  # None with new_account: the account to create
    new_account: str | None
    contact_id: int | None


@dataclass(frozen=True)
class Edited:
    logged: Logged
    changed: list[str]  # the interaction's fields that changed; empty: nothing did


def edit_logged(
    *, session: Session, rep: Rep, interaction_id: int, change: Change, now: datetime
) -> Edited:
    """Save an edit (its author only): the call moves to another account (created if asked)
    with its open follow-ups; an edit that changes nothing writes nothing."""
    new = False
    if change.new_account is not None:
        account, new = _account_named(session, rep, change.new_account, now)
    else:
        current = interactions.get_interaction(
            session=session, team_id=rep.team_id, interaction_id=interaction_id
        )
        account = accounts.get_account(
            session=session, team_id=rep.team_id, account_id=change.account_id or current.account_id
        )
    interaction, changed = interactions.update_interaction(
        session=session,
        team_id=rep.team_id,
        interaction_id=interaction_id,
        rep=rep,
        kind=change.kind,
        summary=change.notes,
        occurred_at=change.occurred_at,
        account=account,
        contact_id=change.contact_id,
        now=now,
    )
    contact = session.get(Contact, interaction.contact_id) if interaction.contact_id else None
    logged = Logged(
        interaction=interaction,
        account=account,
        rep=rep,
        typed=None,
        followup_due=None,
        warning=None,
        created=False,
        new_account=new,
        contact=contact,
    )
    return Edited(logged=logged, changed=changed)


def get_logged(
    *, session: Session, team_id: str, interaction_id: int
) -> tuple[Interaction, Account, Contact | None, Rep]:
    """A logged interaction with its account, contact and the rep who logged it."""
    found = interactions.get_interaction(
        session=session, team_id=team_id, interaction_id=interaction_id
    )
    account = accounts.get_account(session=session, team_id=team_id, account_id=found.account_id)
    contact = session.get(Contact, found.contact_id) if found.contact_id else None
    author = session.get(Rep, found.rep_id)
    assert author is not None
    return found, account, contact, author


def delete_logged(
    *, session: Session, rep: Rep, interaction_id: int, now: datetime
) -> tuple[Interaction, Account]:
    """Delete a logged interaction (its author or an admin) and its follow-ups."""
    removed = interactions.delete_interaction(
        session=session, team_id=rep.team_id, interaction_id=interaction_id, rep=rep, now=now
    )
    account = session.get(Account, removed.account_id)
    assert account is not None
    return removed, account


def add_followup(
    *,
    session: Session,
    rep: Rep,
    interaction_id: int,
    due_at: datetime,
    note: str,
    now: datetime,
    source_key: str,
) -> tuple[followups.Followup, Account, bool]:
    """A follow-up on a logged interaction's account, once per source key; and whether it's new."""
    found = interactions.get_interaction(
        session=session, team_id=rep.team_id, interaction_id=interaction_id
    )
    account = accounts.get_account(
        session=session, team_id=rep.team_id, account_id=found.account_id
    )
    followup, created = followups.create_followup(
        session=session,
        rep=rep,
        account=account,
        due_at=due_at,
        note=note or found.summary,
        now=now,
        interaction_id=found.id,
        source_key=source_key,
    )
    return followup, account, created


def _contact_of(session: Session, account: Account, contact_id: int) -> bool:
    contact = session.get(Contact, contact_id)
    return contact is not None and (contact.team_id, contact.account_id) == (
        account.team_id,
        account.id,
    )
