"""Shared column types, the domain's error type, and time zones."""

from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, DateTime, Executable, Result, Table, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime in every database.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so values are stored as UTC and
    given their zone back on the way out. Naive datetimes are refused: they are always a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass timezone-aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class DomainError(Exception):
    """An error a user can cause; `str(error)` is the one friendly sentence they are shown."""


class NotFound(DomainError):
    """The thing asked for does not exist in this workspace."""


class NotAllowed(DomainError):
    """The caller may not do this."""


class HasId(Protocol):
    id: int | None


def id_of(row: HasId) -> int:
    """The primary key of a row that has been flushed (a row without one is a bug, not input)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id


def zone(tz: str | None) -> tzinfo:
    """A rep's Slack time zone (users.info `tz`); an unknown name, or none, is UTC."""
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


def table(model: type) -> Table:
    """A model's Core table. Hot reads select its columns rather than the model's attributes:
    a statement of plain columns skips the ORM's compile and loading work on every execution."""
    found: Table = model.__table__  # type: ignore[attr-defined]
    return found


# What a Core read runs on: a session, or for the hot answers a bare connection in its own
# transaction (no ORM session to build and close: 151k instructions from begin to close, not 387k).
Reader = Session | Connection


def read(session: Reader, statement: Executable, **params: Any) -> Result[Any]:
    """A Core statement (built once, with bind parameters) on the session's connection, in its
    transaction: the hot path's reads, without the ORM's per-execution bookkeeping."""
    connection = session.connection() if isinstance(session, Session) else session
    return connection.execute(statement, params)


def conflict_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT, in the dialect of the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_once(session: Session, table: Any, row: dict[str, Any], unique: list[str]) -> bool:
    """INSERT `row` unless one with the same `unique` columns exists (ON CONFLICT DO NOTHING, in
    one statement, so concurrent twins can't both win); whether this call inserted it."""
    return insert_new(session, table, row, unique) is not None


def insert_new(session: Session, table: Any, row: dict[str, Any], unique: list[str]) -> Any:
    """As `insert_once`, but the new row's primary key (None: a row like it was there). The row
    is written as given: strip NULs first (`without_nul`), as a session's flush would."""
    statement = _insert_new(session.get_bind().dialect.name, table, tuple(unique))
    return session.connection().execute(statement, row).scalar()


@cache
def _insert_new(dialect: str, model: type, unique: tuple[str, ...]) -> Any:
    """Built once per table: the values come with each execution."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    core = table(model)
    return (
        insert(core)
        .on_conflict_do_nothing(index_elements=list(unique))
        # rowcount is -1 on psycopg once RETURNING is in play: ask for the row instead
        .returning(*core.primary_key.columns)
    )


def without_nul(value: Any) -> Any:
    """Typed text without NUL characters (PostgreSQL's text can't hold them; SQLite can), in
    strings and in the strings inside JSON values; anything else as is."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


@event.listens_for(Session, "before_flush")
def _strip_nul(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """The one place stored text loses its NULs: every row written through a session, whichever
    model it is, so the same input works on SQLite and PostgreSQL."""
    for row in [*session.new, *session.dirty]:
        for column in inspect(row).mapper.column_attrs:
            value = getattr(row, column.key, None)
            cleaned = without_nul(value)
            if cleaned != value:
                setattr(row, column.key, cleaned)
