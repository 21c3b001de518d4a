"""A workspace's tables as rows of names, for `rapport export` (bot/exporting.py writes them).

Each `*_rows` function streams one table of one workspace as tuples of plain strings, in
Rapport's own CSV layout (README: Export): names instead of ids, ISO 8601 UTC times with `Z`,
amounts in major units, rows in an order that doesn't depend on ids (account name, then the
row's natural key) so that export, import into an empty store, export gives the same files.

Deleted accounts, and everything hanging off them, are left out: importing them would bring
them back to life. The audit log keeps every entry, as history.
"""

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models.accounts import Account, AccountStatus
from models.audit import AuditEntry
from models.channels import AccountChannel
from models.contacts import Contact
from models.deals import Deal, DealStageChange
from models.followups import Followup
from models.interactions import Interaction
from models.money import exponent
from models.reps import Rep
from models.stages import get_pipeline

Row = tuple[str, ...]
BATCH = 1000

HEADERS: dict[str, Row] = {
    "accounts": ("Account", "Domain", "Owner Email", "Owner Slack ID", "Created At"),
    "contacts": ("Account", "Name", "Email", "Title", "Created At"),
    "deals": (
        *("Deal", "Account", "Stage", "Amount", "Currency", "Close Date"),
        *("Owner Email", "Owner Slack ID", "Lost Reason", "Created At"),
    ),
    "interactions": (
        *("Account", "When", "Kind", "Summary", "Rep Email", "Rep Slack ID", "Contact Email"),
    ),
    "followups": (
        *("Account", "Due At", "Status", "Note", "Rep Email", "Rep Slack ID"),
        *("Snoozed", "Completed At", "Created At"),
    ),
    "deal_stage_changes": (
        *("Account", "Deal", "From Stage", "To Stage", "Changed At"),
        *("Changed By Email", "Changed By Slack ID", "Note"),
    ),
    "account_channels": (
        *("Account", "Channel ID", "Linked By Email", "Linked By Slack ID", "Linked At"),
    ),
    "pipeline_stages": ("Position", "Stage", "Outcome", "Probability"),
    "reps": (
        *("Name", "Email", "Slack ID", "Time Zone", "Admin", "Guest", "Bot", "Active"),
        *("Deleted", "Created At"),
    ),
    "audit_log": ("At", "Actor", "Action", "Entity", "Account", "Name", "Before", "After"),
}


def iso_time(moment: datetime | None) -> str:
    """`2026-11-24T14:30:00Z` (UTC, whole seconds); "" for none."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def iso_date(day: date | None) -> str:
    return day.isoformat() if day else ""


def major_amount(minor: int | None, currency: str | None) -> str:
    """`48000.00`, JPY `5000`, KWD `1.500`: major units in the currency's ISO exponent."""
    if minor is None:
        return ""
    places = exponent(currency or "")
    whole, fraction = divmod(abs(minor), 10**places)
    sign = "-" if minor < 0 else ""
    return f"{sign}{whole}.{fraction:0{places}d}" if places else f"{sign}{whole}"


def text(value: object) -> str:
    return "" if value is None else str(value)


def flag(value: bool) -> str:
    return "yes" if value else "no"


def by_code_point(column: Any, session: Session) -> ColumnElement[Any]:
    """Order by Unicode code point in both databases (PostgreSQL's default collation doesn't)."""
    return column.collate("C" if session.get_bind().dialect.name == "postgresql" else "BINARY")


def _stream(session: Session, statement: Any) -> Iterator[Any]:
    yield from session.execute(statement.execution_options(yield_per=BATCH))


def _live(team_id: str) -> ColumnElement[bool]:
    return and_(col(Account.team_id) == team_id, col(Account.status) == AccountStatus.ACTIVE)


def account_rows(*, session: Session, team_id: str) -> Iterator[Row]:
    """accounts.csv: one row per live account, by name."""
    owner = aliased(Rep)
    statement = (
        select_columns(
            col(Account.name),
            col(Account.domain),
            col(owner.email),
            col(owner.slack_user_id),
            col(Account.created_at),
        )
        .outerjoin(owner, col(owner.id) == col(Account.owner_id))
        .where(_live(team_id))
        .order_by(
            by_code_point(col(Account.name), session), col(Account.created_at), col(Account.id)
        )
    )
    for name, domain, email, slack_id, created in _stream(session, statement):
        yield (name, text(domain), text(email), text(slack_id), iso_time(created))


def contact_rows(*, session: Session, team_id: str) -> Iterator[Row]:
    """contacts.csv: by account, then name, then email."""
    statement = (
        select_columns(
            col(Account.name),
            col(Contact.name),
            col(Contact.email),
            col(Contact.title),
            col(Contact.created_at),
        )
        .join(Account, col(Account.id) == col(Contact.account_id))
        .where(_live(team_id), col(Contact.team_id) == team_id)
        .order_by(
            by_code_point(col(Account.name), session), by_code_point(col(Contact.name), session)
        )
        .order_by(by_code_point(func.coalesce(col(Contact.email), ""), session), col(Contact.id))
    )
    for account, name, email, title, created in _stream(session, statement):
        yield (account, name, text(email), text(title), iso_time(created))


def deal_rows(*, session: Session, team_id: str) -> Iterator[Row]:
    """deals.csv: by account, then deal name, then when it was created."""
    owner = aliased(Rep)
    statement = (
        select(Deal, col(Account.name), col(owner.email), col(owner.slack_user_id))
        .join(Account, col(Account.id) == col(Deal.account_id))
        .outerjoin(owner, col(owner.id) == col(Deal.owner_id))
        .where(_live(team_id), col(Deal.team_id) == team_id)
        .order_by(by_code_point(col(Account.name), session), by_code_point(col(Deal.name), session))
        .order_by(col(Deal.created_at), col(Deal.id))
    )
    for deal, account, email, slack_id in _stream(session, statement):
        yield (
            *(deal.name, account, deal.stage, major_amount(deal.amount_minor, deal.currency)),
            *(text(deal.currency), iso_date(deal.expected_close), text(email), text(slack_id)),
            *(text(deal.lost_reason), iso_time(deal.created_at)),
        )


def interaction_rows(*, session: Session, team_id: str) -> Iterator[Row]:
    """interactions.csv: by account, then when, kind and summary."""
    rep = aliased(Rep)
    statement = (
        select_columns(
            Interaction,
            col(Account.name),
            col(rep.email),
            col(rep.slack_user_id),
            col(Contact.email),
        )
        .join(Account, col(Account.id) == col(Interaction.account_id))
        .join(rep, col(rep.id) == col(Interaction.rep_id))
        .outerjoin(Contact, col(Contact.id) == col(Interaction.contact_id))
        .where(_live(team_id), col(Interaction.team_id) == team_id)
        .order_by(by_code_point(col(Account.name), session), col(Interaction.occurred_at))
        .order_by(
            col(Interaction.kind),
            by_code_point(col(Interaction.summary), session),
            col(Interaction.id),
        )
    )
    for row, account, email, slack_id, contact in _stream(session, statement):
        yield (
            *(account, iso_time(row.occurred_at), row.kind, row.summary),
            *(text(email), text(slack_id), text(contact)),
        )


def followup_rows(*, session: Session, team_id: str) -> Iterator[Row]:
    """followups.csv: by account (none first), then due time."""
    rep = aliased(Rep)
    statement = (
        select(Followup, col(Account.name), col(rep.email), col(rep.slack_user_id))
        .outerjoin(Account, col(Account.id) == col(Followup.account_id))
        .join(rep, col(rep.id) == col(Followup.rep_id))
        .where(col(Followup.team_id) == team_id)
        .where((col(Followup.account_id).is_(None)) | (col(Account.status) == AccountStatus.ACTIVE))
        .order_by(
            by_code_point(func.coalesce(col(Account.name), ""), session), col(Followup.due_at)
        )
        .order_by(by_code_point(col(Followup.note), session), col(Followup.id))
    )
    for row, account, email, slack_id in _stream(session, statement):
        yield (
            *(text(account), iso_time(row.due_at), row.status, row.note, text(email)),
            *(text(slack_id), str(row.snoozed_count), iso_time(row.completed_at)),
            iso_time(row.created_at),
        )


def stage_change_rows(*, session: Session, team_id: str) -> Iterator[Row]:
    """deal_stage_changes.csv: by account, deal, then when."""
    rep = aliased(Rep)
    statement = (
        select_columns(
            DealStageChange,
            col(Account.name),
            col(Deal.name),
            col(rep.email),
            col(rep.slack_user_id),
        )
        .join(Deal, col(Deal.id) == col(DealStageChange.deal_id))
        .join(Account, col(Account.id) == col(Deal.account_id))
        .outerjoin(rep, col(rep.id) == col(DealStageChange.changed_by_id))
        .where(_live(team_id), col(DealStageChange.team_id) == team_id)
        .order_by(by_code_point(col(Account.name), session), by_code_point(col(Deal.name), session))
        .order_by(
            col(Deal.created_at),
            col(Deal.id),
            col(DealStageChange.changed_at),
            col(DealStageChange.id),
        )
    )
    for row, account, deal, email, slack_id in _stream(session, statement):
        yield (
            *(account, deal, text(row.from_stage), row.to_stage, iso_time(row.changed_at)),
            *(text(email), text(slack_id), text(row.note)),
        )


def channel_rows(*, session: Session, team_id: str) -> Iterator[Row]:
    """account_channels.csv: by account, then channel."""
    rep = aliased(Rep)
    statement = (
        select(AccountChannel, col(Account.name), col(rep.email), col(rep.slack_user_id))
        .join(Account, col(Account.id) == col(AccountChannel.account_id))
        .outerjoin(rep, col(rep.id) == col(AccountChannel.linked_by_id))
        .where(_live(team_id), col(AccountChannel.team_id) == team_id)
        .order_by(by_code_point(col(Account.name), session), col(AccountChannel.channel_id))
    )
    for row, account, email, slack_id in _stream(session, statement):
        yield (account, row.channel_id, text(email), text(slack_id), iso_time(row.linked_at))


def stage_rows(*, session: Session, team_id: str) -> Iterator[Row]:
    """pipeline_stages.csv: the workspace's pipeline in order (the default one if never set)."""
    for position, stage in enumerate(get_pipeline(session=session, team_id=team_id).stages, 1):
        yield (str(position), stage.name, stage.outcome, text(stage.probability))


def rep_rows(*, session: Session, team_id: str) -> Iterator[Row]:
    """reps.csv: the people Rapport knows in this workspace, by name then Slack id."""
    statement = (
        select(Rep)
        .where(col(Rep.team_id) == team_id)
        .order_by(by_code_point(col(Rep.name), session), col(Rep.slack_user_id))
    )
    for (rep,) in _stream(session, statement):
        yield (
            *(rep.name, text(rep.email), rep.slack_user_id, rep.tz, flag(rep.is_admin)),
            *(flag(rep.is_guest), flag(rep.is_bot), flag(rep.active), flag(rep.deleted)),
            iso_time(rep.created_at),
        )


def audit_rows(*, session: Session, team_id: str) -> Iterator[Row]:
    """audit_log.csv: oldest first, with the account and the name each entry is about."""
    account, contact, deal = aliased(Account), aliased(Contact), aliased(Deal)
    of_contact, of_deal = aliased(Account), aliased(Account)

    def about(entity: str, alias: Any) -> Any:
        return and_(
            col(AuditEntry.entity) == literal(entity), col(alias.id) == col(AuditEntry.entity_id)
        )

    statement = (
        select(
            AuditEntry,
            func.coalesce(col(account.name), col(of_contact.name), col(of_deal.name)),
            func.coalesce(col(account.name), col(contact.name), col(deal.name)),
        )
        .outerjoin(account, about("account", account))
        .outerjoin(contact, about("contact", contact))
        .outerjoin(of_contact, col(of_contact.id) == col(contact.account_id))
        .outerjoin(deal, about("deal", deal))
        .outerjoin(of_deal, col(of_deal.id) == col(deal.account_id))
        .where(col(AuditEntry.team_id) == team_id)
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    for entry, account_name, name in _stream(session, statement):
        yield (
            *(iso_time(entry.at), entry.actor, entry.action, entry.entity, text(account_name)),
            *(text(name), _json(entry.before), _json(entry.after)),
        )


def _json(value: dict[str, Any] | None) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


TABLES = {
    "accounts": account_rows,
    "contacts": contact_rows,
    "deals": deal_rows,
    "interactions": interaction_rows,
    "followups": followup_rows,
    "deal_stage_changes": stage_change_rows,
    "account_channels": channel_rows,
    "pipeline_stages": stage_rows,
    "reps": rep_rows,
    "audit_log": audit_rows,
}
