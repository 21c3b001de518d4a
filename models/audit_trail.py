"""The audit trail, readable: the workspace's entries newest first, or one account's (the
account itself and the contacts, deals, calls, follow-ups and channel links it has now)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from models.accounts import Account
from models.audit import AuditEntry
from models.channels import AccountChannel
from models.contacts import Contact
from models.deals import Deal
from models.followups import Followup
from models.interactions import Interaction

# What hangs off an account, by the entity name its audit entries carry.
_PARTS: dict[str, Any] = {
    "contact": Contact,
    "deal": Deal,
    "interaction": Interaction,
    "followup": Followup,
    "account_channel": AccountChannel,
}


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


def trail(
    *,
    session: Session,
    team_id: str,
    since: datetime | None = None,
    account: Account | None = None,
    older_than: tuple[datetime, int] | None = None,
    batch: int = 500,
) -> Iterator[AuditEntry]:
    """Entries of the workspace (or about `account` and its parts), newest first, streamed;
    `older_than` (at, id) is a page's cursor: the entries after that one."""
    statement = select(AuditEntry).where(AuditEntry.team_id == team_id)
    if since is not None:
        statement = statement.where(AuditEntry.at >= since)
    if older_than is not None:
        at, entry_id = older_than
        statement = statement.where(
            or_(
                col(AuditEntry.at) < at,
                and_(col(AuditEntry.at) == at, col(AuditEntry.id) < entry_id),
            )
        )
    if account is not None:
        statement = statement.where(or_(*_about(session, team_id, account)))
    statement = statement.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    yield from session.exec(statement.execution_options(yield_per=batch))


def _about(session: Session, team_id: str, account: Account) -> list[Any]:
    conditions = [
        and_(col(AuditEntry.entity) == "account", col(AuditEntry.entity_id) == account.id)
    ]
    for entity, table in _PARTS.items():
        ids = select(table.id).where(table.team_id == team_id, table.account_id == account.id)
        conditions.append(
            and_(col(AuditEntry.entity) == entity, col(AuditEntry.entity_id).in_(ids))
        )
    return conditions


def changes(entry: AuditEntry) -> list[Change]:
    """The fields an entry changed, in the order they were written: before → after."""
    before, after = entry.before or {}, entry.after or {}
    fields = list(dict.fromkeys([*after, *before]))
    return [
        Change(name, before.get(name), after.get(name))
        for name in fields
        if before.get(name) != after.get(name)
    ]
