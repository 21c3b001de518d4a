"""Merging duplicate accounts: everything of one account moves to another, whose name it keeps.

What moves is read from the metadata: every column with a foreign key to `accounts.id`
(interactions, contacts, deals, deal stage changes, follow-ups, channel links, aliases, and any
table added later). The source is marked deleted and its name becomes an alias of the target
(`models.aliases`), so "who owns <old name>" answers with the target.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Table, func, select, update
from sqlmodel import Session, SQLModel, col

from models import aliases, audit
from models.accounts import Account, AccountStatus
from models.base import DomainError, NotAllowed, NotFound, id_of
from models.reps import Rep


@dataclass(frozen=True)
class Reference:
    """A column that points at an account."""

    table: Table
    column: Column

    @property
    def name(self) -> str:
        return self.table.name


def account_references() -> list[Reference]:
    """Every column of every table with a foreign key to accounts.id, in table order."""
    accounts = SQLModel.metadata.tables[Account.__tablename__]
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
            if fk.column.table is accounts and table is not accounts:
                found.append(Reference(table, fk.parent))
    return found


@dataclass(frozen=True)
class Merged:
    source: Account
    target: Account
    moved: dict[str, int]  # table -> rows moved from source to target


def lock_accounts(*, session: Session, team_id: str, ids: list[int]) -> dict[int, Account]:
    """The accounts, locked in id order for this transaction (PostgreSQL), read afresh."""
    statement = (
        select(Account)
        .where(Account.team_id == team_id, col(Account.id).in_(ids))  # type: ignore[arg-type]
        .order_by(col(Account.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {id_of(account): account for account in session.scalars(statement)}


def check_may_merge(
    *, source: Account, target: Account, actor_id: int | None, actor_is_admin: bool
) -> None:
    """Admins, or the owner of both accounts; never an account into itself or a merged one."""
    if source.id == target.id:
        raise DomainError(f"{source.name} can't be merged into itself; name two accounts.")
    for account in (source, target):
        if account.status != AccountStatus.ACTIVE:
            raise NotFound(f"{account.name} was merged or deleted already.")
    if not actor_is_admin and not (
        actor_id is not None and source.owner_id == actor_id == target.owner_id
    ):
        raise NotAllowed("Only a Rapport admin, or the owner of both accounts, can merge them.")


def count_references(*, session: Session, team_id: str, account_id: int) -> dict[str, int]:
    """Rows of each table that point at the account (tables with none left out)."""
    counts: dict[str, int] = {}
    for ref in account_references():
        statement = (
            select(func.count())
            .select_from(ref.table)
            .where(ref.table.c.team_id == team_id, ref.column == account_id)
        )
        count = session.execute(statement).scalar_one()
        if count:
            counts[ref.name] = counts.get(ref.name, 0) + count
    return counts


def merge_accounts(
    *,
    session: Session,
    team_id: str,
    source: int,
    target: int,
    actor: Rep | str,
    actor_is_admin: bool,
    now: datetime,
) -> Merged:
    """Move everything of account `source` to `target`, mark the source deleted and keep its
    name as an alias of the target; audited with the counts before and after."""
    locked = lock_accounts(session=session, team_id=team_id, ids=[source, target])
    if source not in locked or target not in locked:
        raise NotFound("That account no longer exists.")
    old, new = locked[source], locked[target]
    actor_id = actor.id if isinstance(actor, Rep) else None  # a string: the CLI's operator
    check_may_merge(source=old, target=new, actor_id=actor_id, actor_is_admin=actor_is_admin)
    before = {
        "source": count_references(session=session, team_id=team_id, account_id=source),
        "target": count_references(session=session, team_id=team_id, account_id=target),
    }
    moved: dict[str, int] = {}
    for ref in account_references():
        statement = (
            update(ref.table)
            .where(ref.table.c.team_id == team_id, ref.column == source)
            .values({ref.column.name: target})
        )
        count = session.execute(statement).rowcount  # type: ignore[attr-defined]
        if count:
            moved[ref.name] = moved.get(ref.name, 0) + count
    _absorb(session, old, new, now)
    after = count_references(session=session, team_id=team_id, account_id=target)
    for subject, action in ((old, "account.merge"), (new, "account.merge_into")):
        audit.record(
            session=session,
            actor=actor,
            action=action,
            subject=subject,
            before={"source": old.name, "target": new.name, "counts": before},
            after={"source": old.name, "target": new.name, "moved": moved, "counts": after},
            at=now,
        )
    return Merged(source=old, target=new, moved=moved)


def _absorb(session: Session, old: Account, new: Account, now: datetime) -> None:
    """The source is deleted and its name an alias; the target keeps its own name and owner,
    takes a domain when it had none, and the later of the two last touches."""
    session.expire_all()  # rows moved by UPDATE statements are stale in the identity map
    old, new = session.get_one(Account, id_of(old)), session.get_one(Account, id_of(new))
    old.status = AccountStatus.DELETED
    if new.domain is None:
        new.domain = old.domain
    touches = [t for t in (old.last_touched_at, new.last_touched_at) if t is not None]
    new.last_touched_at = max(touches) if touches else None
    session.add_all([old, new])
    session.flush()
    aliases.add_alias(
        session=session,
        team_id=old.team_id,
        account_id=id_of(new),
        name=old.name,
        key=old.normalized_name,
        now=now,
    )
