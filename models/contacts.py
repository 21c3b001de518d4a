"""Contacts: the people at an account."""

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from models import audit
from models.accounts import Account
from models.base import DomainError, UTCDateTime, id_of, without_nul

# The columns' lengths: longer input gets a sentence, not a database error on PostgreSQL only.
MAX_NAME, MAX_TITLE, MAX_EMAIL = 255, 255, 320


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_team_account", "team_id", "account_id"),
        Index("uq_contacts_team_email", "team_id", "email", unique=True),  # dedupe on email
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    account_id: int = Field(foreign_key="accounts.id")
    name: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=320)  # stored lower-cased
    title: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_type=UTCDateTime)


def add_contact(
    *,
    session: Session,
    account: Account,
    name: str,
    email: str | None,
    title: str | None,
    actor: str,
    now: datetime,
) -> tuple[Contact, bool]:
    """Add a contact to an account, deduplicated on email; returns it and whether it is new."""
    _check_lengths(name, email, title)
    email = without_nul(email).strip().lower() if email else None
    existing = (
        get_by_email(session=session, team_id=account.team_id, email=email) if email else None
    )
    if existing is not None:
        return _update(session, existing, name=name, title=title, actor=actor, now=now), False
    contact = Contact(
        team_id=account.team_id,
        account_id=id_of(account),
        name=name,
        email=email,
        title=title,
        created_at=now,
    )
    try:
        with session.begin_nested():  # the unique email decides between concurrent twins
            session.add(contact)
    except IntegrityError:
        twin = (
            get_by_email(session=session, team_id=account.team_id, email=email) if email else None
        )
        if twin is None:
            raise  # not a twin: a broken reference
        return _update(session, twin, name=name, title=title, actor=actor, now=now), False
    audit.record(
        session=session,
        actor=actor,
        action="contact.create",
        subject=contact,
        before=None,
        after=_snapshot(contact),
        at=now,
    )
    return contact, True


def _check_lengths(name: str, email: str | None, title: str | None) -> None:
    for what, value, limit in (("name", name, MAX_NAME), ("email", email, MAX_EMAIL)):
        if value and len(value) > limit:
            raise DomainError(f"A contact's {what} can be at most {limit} characters.")
    if title and len(title) > MAX_TITLE:
        raise DomainError(f"A contact's title can be at most {MAX_TITLE} characters.")


def _update(
    session: Session, contact: Contact, *, name: str, title: str | None, actor: str, now: datetime
) -> Contact:
    before = _snapshot(contact)
    contact.name, contact.title = name or contact.name, title or contact.title
    session.add(contact)
    audit.record(
        session=session,
        actor=actor,
        action="contact.update",
        subject=contact,
        before=before,
        after=_snapshot(contact),
        at=now,
    )
    return contact


def get_by_email(*, session: Session, team_id: str, email: str) -> Contact | None:
    """The workspace's contact with this email (stored lower-cased)."""
    statement = select(Contact).where(
        Contact.team_id == team_id, Contact.email == without_nul(email).lower()
    )
    return session.exec(statement).first()


def list_contacts(*, session: Session, team_id: str, account_id: int) -> list[Contact]:
    """An account's contacts, by name."""
    statement = (
        select(Contact)
        .where(Contact.team_id == team_id, Contact.account_id == account_id)
        .order_by(Contact.name)
    )
    return list(session.exec(statement))


def _snapshot(contact: Contact) -> dict[str, object]:
    return {
        "account_id": contact.account_id,
        "name": contact.name,
        "email": contact.email,
        "title": contact.title,
    }
