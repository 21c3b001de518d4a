"""Contacts: the people at an account."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, Session, SQLModel, select

from models import audit
from models.accounts import Account
from models.base import UTCDateTime, id_of


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
    email = email.strip().lower() if email else None
    existing = (
        get_by_email(session=session, team_id=account.team_id, email=email) if email else None
    )
    if existing is not None:
        before = _snapshot(existing)
        existing.name, existing.title = name or existing.name, title or existing.title
        session.add(existing)
        audit.record(
            session=session,
            actor=actor,
            action="contact.update",
            subject=existing,
            before=before,
            after=_snapshot(existing),
            at=now,
        )
        return existing, False
    contact = Contact(
        team_id=account.team_id,
        account_id=id_of(account),
        name=name,
        email=email,
        title=title,
        created_at=now,
    )
    session.add(contact)
    session.flush()
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


def get_by_email(*, session: Session, team_id: str, email: str) -> Contact | None:
    """The workspace's contact with this email (stored lower-cased)."""
    statement = select(Contact).where(Contact.team_id == team_id, Contact.email == email.lower())
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
