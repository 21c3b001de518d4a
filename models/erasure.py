"""Erasure: a contact who asks to be forgotten leaves no copy of their name or email behind.

`erase_contact` deletes the contact row(s) with the email, unlinks whatever pointed at them, and
replaces every occurrence of their name and email, in any text or JSON column of any table of the
workspace (free-text summaries and notes, audit snapshots, pending actions' payloads), with
"[erased]". It walks `SQLModel.metadata` rather than a list of columns, so a column added later
can't be forgotten. Left alone: the reps table (workspace members, whom Slack describes; a rep
may share a contact's name) and account names (the company's record; a name there is reported).
One audit entry records the erasure: counts and ids, not the erased data.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import JSON, Column, String, Table, Text, cast, delete, func, or_, select, update
from sqlmodel import Session, SQLModel, col

from models import audit
from models.accounts import Account
from models.base import DomainError, NotFound, id_of
from models.contacts import Contact
from models.reps import Rep

ERASED = "[erased]"
# Not scrubbed: see the module's docstring.
KEPT_TABLES = frozenset(["reps"])
KEPT_COLUMNS = frozenset([("accounts", "name"), ("accounts", "normalized_name")])
BATCH = 500

ScrubFiles = Callable[[Session, str, Sequence[str]], int]


def no_files(session: Session, team_id: str, needles: Sequence[str]) -> int:
    """No files to scrub (the runtime passes bot.importing.scrub_error_files)."""
    return 0


@dataclass(frozen=True)
class Erased:
    contacts: int  # contact rows deleted
    account_ids: tuple[int, ...]  # where they were
    unlinked: int  # rows whose link to them was set to none (interactions.contact_id, …)
    scrubbed: dict[str, int] = field(default_factory=dict)  # table -> rows rewritten
    files: int = 0  # import error files rewritten

    @property
    def rows_scrubbed(self) -> int:
        return sum(self.scrubbed.values())


def checked_email(typed: str) -> str:
    """The address lower-cased, or one sentence when it isn't an email address."""
    try:
        valid = validate_email(typed.strip().replace("\x00", ""), check_deliverability=False)
    except EmailNotValidError as error:
        raise DomainError(f"“{typed.strip()[:80]}” isn't an email address.") from error
    return valid.normalized.lower()


def find_contacts(*, session: Session, team_id: str, email: str) -> list[Contact]:
    """The workspace's contacts with this email, whatever its case."""
    statement = select(Contact).where(
        col(Contact.team_id) == team_id, func.lower(Contact.email) == checked_email(email)
    )
    return list(session.scalars(statement.order_by(Contact.id)))  # type: ignore[arg-type]


def people_with(*, session: Session, team_id: str, email: str) -> list[tuple[int, str, str]]:
    """(contact id, name, account name) of each contact with this email, for the question."""
    statement = (
        select(col(Contact.id), col(Contact.name), col(Account.name))
        .join(Account, col(Account.id) == col(Contact.account_id))
        .where(col(Contact.team_id) == team_id)
        .where(func.lower(Contact.email) == checked_email(email))
        .order_by(col(Contact.id))
    )
    return [(id_, name, account) for id_, name, account in session.execute(statement)]


def erase_contact(
    *,
    session: Session,
    team_id: str,
    email: str,
    actor: Rep | str,
    now: datetime,
    scrub_files: ScrubFiles = no_files,
) -> Erased:
    """Forget the person with this email (NotFound, nothing written, when nobody has it)."""
    address = checked_email(email)
    found = find_contacts(session=session, team_id=team_id, email=address)
    if not found:
        raise NotFound(f"No contact has the email {address}; nothing was erased.")
    session.flush()
    ids = [id_of(contact) for contact in found]
    accounts = tuple(sorted({contact.account_id for contact in found}))
    needles = [address, *{" ".join(contact.name.split()) for contact in found}]
    unlinked = _unlink(session, ids)
    session.execute(delete(Contact).where(Contact.id.in_(ids)))  # type: ignore[union-attr]
    scrubbed = _scrub(session, team_id, [n for n in needles if n])
    files = scrub_files(session, team_id, needles)
    session.expire_all()
    erased = Erased(len(ids), accounts, unlinked, scrubbed, files)
    audit.record(
        session=session,
        actor=actor,
        action="contact.erased",
        subject=audit.Subject("contact", team_id, ids[0]),
        before=None,
        after={
            "contact_ids": ids,
            "account_ids": list(accounts),
            "unlinked": unlinked,
            "scrubbed": scrubbed,
            "files": files,
        },
        at=now,
    )
    return erased


def _unlink(session: Session, ids: list[int]) -> int:
    """Set every nullable foreign key to these contacts to none; how many rows."""
    count = 0
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "contacts" for fk in column.foreign_keys):
                if not column.nullable:
                    raise AssertionError(f"{table.name}.{column.name} can't forget a contact")
                result = session.execute(
                    update(table).where(column.in_(ids)).values({column.name: None})
                )
                count += result.rowcount  # type: ignore[attr-defined]
    return count


def pattern(needles: Sequence[str]) -> re.Pattern[str]:
    """Any of the needles, in any case, with any whitespace between a name's words."""
    parts = [r"\s+".join(re.escape(word) for word in needle.split()) for needle in needles]
    return re.compile("|".join(sorted(parts, key=len, reverse=True)), re.IGNORECASE)


def scrub_value(value: Any, found: re.Pattern[str]) -> Any:
    """The value with every match replaced, inside JSON's strings (keys included) too."""
    if isinstance(value, str):
        return found.sub(ERASED, value)
    if isinstance(value, dict):
        return {scrub_value(k, found): scrub_value(v, found) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_value(item, found) for item in value]
    return value


def text_columns(table: Table) -> Iterator[Column[Any]]:
    """The columns of a workspace table that can hold typed text: strings, texts and JSON."""
    if table.name in KEPT_TABLES or "team_id" not in table.columns:
        return
    for column in table.columns:
        if column.name == "team_id" or (table.name, column.name) in KEPT_COLUMNS:
            continue
        if isinstance(column.type, String | Text | JSON) or _decorates_text(column):
            yield column


def _decorates_text(column: Column[Any]) -> bool:
    impl = getattr(column.type, "impl", None)
    return isinstance(impl, String | Text | JSON)


def _scrub(session: Session, team_id: str, needles: list[str]) -> dict[str, int]:
    """Rewrite every row of the workspace whose text mentions a needle; rows per table."""
    found = pattern(needles)
    counts: dict[str, int] = {}
    for table in SQLModel.metadata.sorted_tables:
        columns = list(text_columns(table))
        if not columns:
            continue
        changed = _scrub_table(session, table, columns, team_id, needles, found)
        if changed:
            counts[table.name] = changed
    return counts


def _scrub_table(
    session: Session,
    table: Table,
    columns: list[Column[Any]],
    team_id: str,
    needles: list[str],
    found: re.Pattern[str],
) -> int:
    [key] = table.primary_key.columns
    statement = select(key, *columns).where(table.c.team_id == team_id)
    hints = [_might_hold(column, needles) for column in columns]
    if all(hint is not None for hint in hints):
        statement = statement.where(or_(*[hint for hint in hints if hint is not None]))
    rows = session.execute(statement).all()
    changed = 0
    for row in rows:
        values = {
            column.name: scrub_value(row[i + 1], found)
            for i, column in enumerate(columns)
            if row[i + 1] is not None and scrub_value(row[i + 1], found) != row[i + 1]
        }
        if values:
            session.execute(update(table).where(key == row[0]).values(values))
            changed += 1
    return changed


def _might_hold(column: Column[Any], needles: list[str]) -> Any:
    """A superset filter (LIKE, ASCII case folding) for a column; None where it can't be one:
    SQLite lowers ASCII only, and JSON may hold non-ASCII text as \\u escapes."""
    if not all(needle.isascii() for needle in needles):
        return None
    if _is_json(column) and any(ch in needle for needle in needles for ch in '"\\/'):
        return None  # written escaped inside JSON text
    as_text = func.lower(cast(column, Text)) if _is_json(column) else func.lower(column)
    likes = []
    for needle in needles:
        words = [_like_escape(word.lower()) for word in needle.split()]
        likes.append(as_text.like(f"%{'%'.join(words)}%", escape="\\"))
    return or_(*likes)


def _is_json(column: Column[Any]) -> bool:
    return isinstance(column.type, JSON) or isinstance(getattr(column.type, "impl", None), JSON)


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
