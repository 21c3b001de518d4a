"""`rapport import`: rows read from a file (bot/importing.py parses them) applied to the store,
a batch at a time, each row created, updated, left unchanged, held back as a possible duplicate,
or refused with one sentence. The caller commits each batch.

A row that means an existing record updates it (models.import_index for accounts; contacts by
email, else by name at their account; deals by name at their account; interactions by a key
of what they say), so importing one file twice changes nothing the second time, and a re-run
after a crash finishes the job. Each write is in the audit log under the importer's name
(`cli:<login>`).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import UniqueConstraint, insert
from sqlmodel import Field, Session, SQLModel, col, select

from models import audit
from models.accounts import (
    Account,
    AccountStatus,
    clean_display_name,
    normalize_name,
)
from models.audit import AuditEntry
from models.base import DomainError, UTCDateTime, id_of, without_nul
from models.import_index import LIVE, AccountIndex, Known, normalize_domain

IMPORTED = {"source": "import"}  # in each audit entry's `after`: what an import wrote


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SIMILAR = "possible duplicate"
    ERROR = "error"


@dataclass(frozen=True)
class Result:
    line: int
    outcome: Outcome
    why: str = ""  # for a possible duplicate or an error: one sentence


@dataclass(frozen=True)
class AccountRow:
    line: int
    name: str
    domain: str | None = None
    owner_id: int | None = None  # a full member's rep row
    created_at: datetime | None = None


@dataclass
class Batch:
    """What a batch of rows shares: the workspace, the index, who imports, and when."""

    team_id: str
    index: AccountIndex
    actor: str  # `cli:<login>`
    now: datetime
    merge_similar: bool = False
    claimed: dict[int, int] = field(default_factory=dict)  # a record's key's hash -> its line
    in_batch: dict[str, int] = field(default_factory=dict)  # keys only this batch needs

    def claim(self, line: int, key: str) -> Result | None:
        """An error when an earlier line of this file was the same record; else claims it. The
        hash stays, not the key: a few bytes a row, however long the file."""
        first = self.claimed.setdefault(hash(key), line)
        return _repeated(line, first) if first != line else None

    def claim_new(self, line: int, *keys: str) -> Result | None:
        """The same for a row that creates a record its batch's later rows can't find yet (by
        its name, or its domain): once created, it is claimed by id (`claim`). A refused row
        claims nothing, so a later row is never told it repeats one that wasn't imported."""
        for key in keys:
            first = self.in_batch.get(key, line)
            if first != line:
                return _repeated(line, first)
        for key in keys:
            self.in_batch[key] = line
        return None


def _repeated(line: int, first: int) -> Result:
    return Result(line, Outcome.ERROR, f"The same as line {first}, which was imported.")


def import_accounts(*, session: Session, batch: Batch, rows: Sequence[AccountRow]) -> list[Result]:
    """Create or update the accounts of `rows`; near-named ones are held back as possible
    duplicates unless `batch.merge_similar`, when they update the nearest."""
    planned: list[tuple[AccountRow, str, str, str | None, Known | None]] = []
    results: dict[int, Result] = {}
    cleaned: list[tuple[AccountRow, str, str, str | None]] = []
    for row in rows:
        try:
            display = clean_display_name(row.name)
        except DomainError as error:
            results[row.line] = Result(row.line, Outcome.ERROR, str(error))
            continue
        cleaned.append((row, display, normalize_name(display), normalize_domain(row.domain)))
    batch.in_batch.clear()
    batch.index.prepare(
        session, {key for _, _, key, _ in cleaned}, {d for *_, d in cleaned if d is not None}
    )
    for row, display, key, domain in cleaned:
        target = batch.index.find(key, domain)
        if target is None:
            similar = batch.index.similar(session, key)
            if similar and not batch.merge_similar:
                best = similar[0]
                results[row.line] = Result(
                    row.line,
                    Outcome.SIMILAR,
                    f"Looks like {best.account.name} ({best.score:.0f}% alike): not imported. "
                    "Rename it in the file, or re-run with --merge-similar to update that account.",
                )
                continue
            target = similar[0].account if similar else None
        if target is not None:
            refused = batch.claim(row.line, f"account:{target.id}")
        else:
            refused = batch.claim_new(
                row.line, f"name:{key}", *([f"domain:{domain}"] * bool(domain))
            )
        if refused:
            results[row.line] = refused
            continue
        planned.append((row, display, key, domain, target))
    existing = live_accounts(session, batch.team_id, [t.id for *_, t in planned if t])
    created: list[tuple[AccountRow, dict[str, Any]]] = []
    for row, display, key, domain, target in planned:
        if target is None:
            created.append((row, _new_account(batch, row, display, key, domain)))
            continue
        changed = _update_account(session, batch, existing[target.id], row, domain)
        results[row.line] = Result(row.line, Outcome.UPDATED if changed else Outcome.UNCHANGED)
    ids = insert_rows(session, Account, [values for _, values in created])
    for (row, _), account_id in zip(created, ids, strict=True):
        batch.claim(row.line, f"account:{account_id}")  # later batches find it by id
        results[row.line] = Result(row.line, Outcome.CREATED)
    after = [_snapshot_of(values) for _, values in created]
    record_created(session, batch, "account.create", "account", ids, after)
    return [results[row.line] for row in rows]


def insert_rows(session: Session, table: type[SQLModel], rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows in a few statements (no ORM objects: 100,000 rows an import); their ids,
    in order."""
    if not rows:
        return []
    statement = insert(table).returning(table.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
    return list(session.execute(statement, rows).scalars())


def record_created(
    session: Session,
    batch: Batch,
    action: str,
    entity: str,
    ids: Sequence[int],
    after: Sequence[dict[str, object]],
) -> None:
    """The audit entries of rows `insert_rows` created, as `record` writes one."""
    if not ids:
        return
    entries = [
        {"team_id": batch.team_id, "actor": batch.actor, "action": action, "entity": entity,
         "entity_id": row_id, "before": None, "after": snapshot | IMPORTED, "at": batch.now}
        for row_id, snapshot in zip(ids, after, strict=True)
    ]  # fmt: skip
    session.execute(insert(AuditEntry), entries)


def live_accounts(session: Session, team_id: str, ids: list[int]) -> dict[int, Account]:
    if not ids:
        return {}
    statement = select(Account).where(
        Account.team_id == team_id,
        col(Account.id).in_(ids),
        LIVE,
    )
    return {id_of(account): account for account in session.exec(statement)}


def _new_account(
    batch: Batch, row: AccountRow, display: str, key: str, domain: str | None
) -> dict[str, Any]:
    return {
        "team_id": batch.team_id,
        "name": display,
        "normalized_name": key,
        "domain": domain,
        "status": AccountStatus.ACTIVE.value,
        "owner_id": row.owner_id,
        "owner_since": batch.now if row.owner_id else None,
        "created_at": row.created_at or batch.now,
    }


def _update_account(
    session: Session, batch: Batch, account: Account, row: AccountRow, domain: str | None
) -> bool:
    """Fill in what the row says that differs (its domain, its owner); never blanks a field."""
    before = _snapshot(account)
    if domain and domain != normalize_domain(account.domain):
        account.domain = domain
    if row.owner_id is not None and row.owner_id != account.owner_id:
        account.owner_id, account.owner_since = row.owner_id, batch.now
        account.owner_assigned_by_id = None
    after = _snapshot(account)
    if after == before:
        return False
    session.add(account)
    record(session, batch, "account.update", account, before, after)
    return True


def _snapshot(account: Account) -> dict[str, object]:
    return {"name": account.name, "domain": account.domain, "owner_id": account.owner_id}


def _snapshot_of(values: dict[str, Any]) -> dict[str, object]:
    return {"name": values["name"], "domain": values["domain"], "owner_id": values["owner_id"]}


def record(
    session: Session,
    batch: Batch,
    action: str,
    subject: audit.Audited,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
) -> None:
    """An audit entry under the importer's name; what an import wrote says so."""
    audit.record(
        session=session,
        actor=batch.actor,
        action=action,
        subject=subject,
        before=before,
        after=after | IMPORTED if after else after,
        at=batch.now,
    )


def clean_text(value: str | None, *, limit: int, what: str) -> str | None:
    """A cell as stored: no NULs, runs of spaces collapsed; DomainError when over `limit`."""
    if value is None:
        return None
    cleaned = " ".join(without_nul(value).split())
    if len(cleaned) > limit:
        raise DomainError(f"The {what} is longer than {limit} characters.")
    return cleaned or None


def later(first: datetime | None, second: datetime) -> datetime:
    return second if first is None or second > first else first


class ImportFile(SQLModel, table=True):
    """An errors file an import wrote beside its input: it holds rows of people's data, so an
    erasure rewrites it too (models.erasure's `scrub_files`)."""

    __tablename__ = "import_files"
    __table_args__ = (UniqueConstraint("team_id", "path", name="uq_import_files_team_path"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    path: str = Field(max_length=1024)
    written_at: datetime = Field(sa_type=UTCDateTime)


def remember_file(*, session: Session, team_id: str, path: str, now: datetime) -> None:
    """Note that an import wrote `path` (an absolute path) for this workspace."""
    statement = select(ImportFile).where(ImportFile.team_id == team_id, ImportFile.path == path)
    found = session.exec(statement).first() or ImportFile(
        team_id=team_id, path=path, written_at=now
    )
    found.written_at = now
    session.add(found)


def list_files(*, session: Session, team_id: str) -> list[str]:
    """The errors files imports wrote for this workspace, oldest first."""
    statement = select(ImportFile.path).where(ImportFile.team_id == team_id)
    return list(session.exec(statement.order_by(col(ImportFile.id))))
