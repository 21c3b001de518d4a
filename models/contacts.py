"""Contacts: the people at an account. An email is one person in a workspace (unique per team),
so a second `/crm contact` with the same email is about the same person: it updates them, and
when it would move them to another account or give them another name, nothing is written until
the person asking confirms (`ContactClash`)."""

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Change:
    field: str  # "account", "name", "email", "title"
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ContactSaved:
    contact: Contact
    account: Account  # where the contact is now
    created: bool
    changes: tuple[Change, ...] = ()  # empty for a new contact, or when nothing changed


@dataclass(frozen=True)
class ContactClash:
    """The email is someone saved at another account or under another name: nothing written."""

    contact: Contact
    at: Account  # the account the contact is at now
    moves: bool  # the request names another account
    renames: bool  # the request names another person


def save_contact(
    *,
    session: Session,
    account: Account,
    name: str,
    email: str | None,
    title: str | None,
    actor: str,
    now: datetime,
    confirmed: dict[str, object] | None = None,
) -> ContactSaved | ContactClash:
    """Add a contact to an account, or update the one with this email (or, without an email,
    this name at this account). A move or a rename is a ContactClash unless `confirmed` is the
    contact as it was when the person was asked (`snapshot`); DomainError if it changed since."""
    _check_lengths(name, email, title)
    name, email = " ".join(without_nul(name).split()), _normal_email(email)
    title = " ".join(without_nul(title).split()) or None if title else None
    existing = _find(session, account, name, email)
    if existing is None:
        created = _insert(session, account, name=name, email=email, title=title, now=now)
        if isinstance(created, Contact):
            _audit(session, created, actor, "contact.create", None, now)
            return ContactSaved(contact=created, account=account, created=True)
        existing = created[0]  # a twin inserted a moment ago: an update of it, like any other
    moves, renames = existing.account_id != account.id, not _same_name(existing.name, name)
    if confirmed is None and (moves or renames):
        at = session.get(Account, existing.account_id)
        assert at is not None  # the contact's foreign key keeps its account row
        return ContactClash(contact=existing, at=at, moves=moves, renames=renames)
    if confirmed is not None and confirmed != snapshot(existing):
        raise DomainError(
            f"{existing.name} was changed by someone else since I asked; "
            "run /crm contact again to see them as they are now."
        )
    before = snapshot(existing)
    changes = _update(session, existing, account, name=name, email=email, title=title)
    if changes:
        _audit(session, existing, actor, "contact.update", before, now)
    return ContactSaved(contact=existing, account=account, created=False, changes=changes)


def _normal_email(email: str | None) -> str | None:
    return without_nul(email).strip().lower() or None if email else None


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _find(session: Session, account: Account, name: str, email: str | None) -> Contact | None:
    """The person this request is about: the one with this email, else one of this name at
    this account who has no email yet."""
    if email:
        statement = select(Contact).where(
            Contact.team_id == account.team_id, Contact.email == email
        )
        # Locked (PostgreSQL) so two updates of one person take turns: the second compares
        # against what the first wrote, rather than overwriting it unseen.
        if found := session.exec(statement.with_for_update()).first():
            return found
    unnamed = [
        contact
        for contact in list_contacts(
            session=session, team_id=account.team_id, account_id=id_of(account)
        )
        if contact.email is None and _same_name(contact.name, name)
    ]
    return unnamed[0] if unnamed else None


def _insert(
    session: Session,
    account: Account,
    *,
    name: str,
    email: str | None,
    title: str | None,
    now: datetime,
) -> Contact | tuple[Contact]:
    """The new contact, or (the twin,) that a concurrent request inserted with this email."""
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
        return (twin,)
    return contact


def _check_lengths(name: str, email: str | None, title: str | None) -> None:
    for what, value, limit in (("name", name, MAX_NAME), ("email", email, MAX_EMAIL)):
        if value and len(value) > limit:
            raise DomainError(f"A contact's {what} can be at most {limit} characters.")
    if title and len(title) > MAX_TITLE:
        raise DomainError(f"A contact's title can be at most {MAX_TITLE} characters.")


def _update(
    session: Session,
    contact: Contact,
    account: Account,
    *,
    name: str,
    email: str | None,
    title: str | None,
) -> tuple[Change, ...]:
    """Apply what was typed (an omitted email or title keeps the stored one); what changed."""
    changes = []
    if contact.account_id != account.id:
        was = session.get(Account, contact.account_id)
        changes.append(Change("account", was.name if was else None, account.name))
        contact.account_id = id_of(account)
    for field, value in (("name", name), ("email", email), ("title", title)):
        before = getattr(contact, field)
        if value and value != before:
            changes.append(Change(field, before, value))
            setattr(contact, field, value)
    session.add(contact)
    return tuple(changes)


def _audit(
    session: Session,
    contact: Contact,
    actor: str,
    action: str,
    before: dict[str, object] | None,
    now: datetime,
) -> None:
    audit.record(
        session=session,
        actor=actor,
        action=action,
        subject=contact,
        before=before,
        after=snapshot(contact),
        at=now,
    )


def get_by_email(*, session: Session, team_id: str, email: str) -> Contact | None:
    """The workspace's contact with this email (stored lower-cased)."""
    statement = select(Contact).where(
        Contact.team_id == team_id, Contact.email == without_nul(email).lower()
    )
    return session.exec(statement).first()


def get_contact(*, session: Session, team_id: str, contact_id: int) -> Contact | None:
    """A contact of this workspace by id."""
    contact = session.get(Contact, contact_id)
    return contact if contact is not None and contact.team_id == team_id else None


def list_contacts(*, session: Session, team_id: str, account_id: int) -> list[Contact]:
    """An account's contacts, by name."""
    statement = (
        select(Contact)
        .where(Contact.team_id == team_id, Contact.account_id == account_id)
        .order_by(Contact.name)
    )
    return list(session.exec(statement))


def snapshot(contact: Contact) -> dict[str, object]:
    """A contact's fields as the audit log (and a confirmation's check) keep them."""
    return {
        "account_id": contact.account_id,
        "name": contact.name,
        "email": contact.email,
        "title": contact.title,
    }
