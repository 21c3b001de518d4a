"""`rapport import` of what hangs off accounts: contacts, deals and interactions, a batch at a
time (models.imports has the accounts, the batch and the results). A row names its account as
people write it; the account must exist (import the accounts file first)."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from models.accounts import MAX_NAME_LENGTH, normalize_name
from models.base import DomainError, id_of
from models.contacts import MAX_EMAIL, MAX_NAME, MAX_TITLE, Contact, snapshot
from models.deals import MAX_DEAL_NAME_LENGTH, Deal, DealStageChange
from models.deals import _snapshot as deal_snapshot
from models.import_index import Known
from models.imports import (
    Batch,
    Outcome,
    Result,
    clean_text,
    insert_rows,
    later,
    live_accounts,
    record,
    record_created,
)
from models.interactions import Interaction, InteractionKind
from models.interactions import _snapshot as interaction_snapshot
from models.money import Money
from models.stages import Pipeline, Stage, StageOutcome, find_stage, normalize_stage


@dataclass(frozen=True)
class ContactRow:
    line: int
    account: str
    name: str
    email: str | None = None  # lower-cased and checked by the reader
    title: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class DealRow:
    line: int
    account: str
    name: str
    stage: str
    money: Money | None = None
    close: date | None = None
    owner_id: int | None = None
    lost_reason: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class InteractionRow:
    line: int
    account: str
    when: datetime
    kind: InteractionKind
    summary: str
    rep_id: int
    rep_slack_id: str  # part of what makes two rows the same interaction
    contact_email: str | None = None


def account_of(session: Session, batch: Batch, typed: str) -> Known:
    """The existing account a row names, or DomainError saying there is none."""
    key = normalize_name(typed)
    found = batch.index.find(key, None)
    if found is not None:
        return found
    shown = " ".join(typed.split())[:MAX_NAME_LENGTH]
    if not key:
        raise DomainError("The row names no account.")
    similar = batch.index.similar(session, key)
    if similar:
        raise DomainError(
            f"There is no account called {shown}; did you mean {similar[0].account.name}?"
        )
    raise DomainError(f"There is no account called {shown}: import the accounts file first.")


def prepare(
    session: Session, batch: Batch, rows: Sequence[ContactRow | DealRow | InteractionRow]
) -> None:
    """Read the accounts the rows name, for `account_of`."""
    batch.index.prepare(session, {normalize_name(row.account) for row in rows}, set())


def import_contacts(*, session: Session, batch: Batch, rows: Sequence[ContactRow]) -> list[Result]:
    """Add each row's contact to its account, or update the one with its email (else with its
    name at that account); a contact's email at another account is refused, not moved."""
    prepare(session, batch, rows)
    results: dict[int, Result] = {}
    planned: list[tuple[ContactRow, Known, str, str | None]] = []
    for row in rows:
        try:
            account = account_of(session, batch, row.account)
            name = clean_text(row.name, limit=MAX_NAME, what="name") or ""
            title = clean_text(row.title, limit=MAX_TITLE, what="title")
            if row.email and len(row.email) > MAX_EMAIL:
                raise DomainError(f"The email is longer than {MAX_EMAIL} characters.")
        except DomainError as error:
            results[row.line] = Result(row.line, Outcome.ERROR, str(error))
            continue
        key = row.email or f"{account.id}:{name.casefold()}"
        refused = batch.claim(row.line, f"contact:{key}")
        if refused:
            results[row.line] = refused
            continue
        planned.append((row, account, name, title))
    by_email, by_name = _contacts(session, batch.team_id, planned)
    created: list[tuple[ContactRow, dict[str, Any]]] = []
    for row, account, name, title in planned:
        at = (account.id, name.casefold())
        existing = by_email.get(row.email) if row.email else by_name.get(at)
        if existing is None:  # (a second row for them in this file was refused by its claim)
            values: dict[str, Any] = {
                "team_id": batch.team_id, "account_id": account.id, "name": name,
                "email": row.email, "title": title, "created_at": row.created_at or batch.now,
            }  # fmt: skip
            created.append((row, values))
        elif existing.account_id != account.id:
            results[row.line] = Result(
                row.line,
                Outcome.ERROR,
                f"{row.email} is a contact at another account already; move them with "
                f"/crm contact {account.name}: {existing.name}, {row.email}.",
            )
        else:
            results[row.line] = _update_contact(session, batch, existing, row, name, title)
    ids = insert_rows(session, Contact, [values for _, values in created])
    for row, _ in created:
        results[row.line] = Result(row.line, Outcome.CREATED)
    after = [_contact_snapshot(values) for _, values in created]
    record_created(session, batch, "contact.create", "contact", ids, after)
    return [results[row.line] for row in rows]


def _contact_snapshot(values: dict[str, Any]) -> dict[str, object]:
    return {key: values[key] for key in ("account_id", "name", "email", "title")}


def _contacts(
    session: Session, team_id: str, planned: list[tuple[ContactRow, Known, str, str | None]]
) -> tuple[dict[str, Contact], dict[tuple[int, str], Contact]]:
    emails = [row.email for row, *_ in planned if row.email]
    accounts = {account.id for row, account, *_ in planned if not row.email}
    by_email: dict[str, Contact] = {}
    by_name: dict[tuple[int, str], Contact] = {}
    if emails:
        statement = select(Contact).where(
            Contact.team_id == team_id, col(Contact.email).in_(emails)
        )
        by_email = {str(c.email): c for c in session.exec(statement)}
    if accounts:
        statement = select(Contact).where(
            Contact.team_id == team_id, col(Contact.account_id).in_(accounts)
        )
        for contact in session.exec(statement):
            by_name.setdefault((contact.account_id, contact.name.casefold()), contact)
    return by_email, by_name


def _update_contact(
    session: Session, batch: Batch, contact: Contact, row: ContactRow, name: str, title: str | None
) -> Result:
    before = snapshot(contact)
    if name and name != contact.name:
        contact.name = name
    if title and title != contact.title:
        contact.title = title
    if snapshot(contact) == before:
        return Result(row.line, Outcome.UNCHANGED)
    session.add(contact)
    record(session, batch, "contact.update", contact, before, snapshot(contact))
    return Result(row.line, Outcome.UPDATED)


WON_NAMES = frozenset(["won", "closed won", "closedwon", "closed/won"])
LOST_NAMES = frozenset(["lost", "closed lost", "closedlost", "closed/lost"])


def stage_of(pipeline: Pipeline, typed: str) -> Stage:
    """The pipeline's stage a file means: its name (as `/deal` reads one), or "Closed Won" and
    "Closed Lost" (HubSpot, Salesforce) for its won and lost stages; else UnknownStage."""
    if pipeline.find(typed) is None:
        key = normalize_stage(typed)
        if key in WON_NAMES:
            return pipeline.won
        if key in LOST_NAMES:
            return pipeline.lost
    return find_stage(pipeline, typed)


def import_deals(
    *, session: Session, batch: Batch, rows: Sequence[DealRow], pipeline: Pipeline
) -> list[Result]:
    """Create each row's deal at its stage, or update the deal of that name at its account."""
    prepare(session, batch, rows)
    results: dict[int, Result] = {}
    planned: list[tuple[DealRow, Known, str, Stage]] = []
    for row in rows:
        try:
            account = account_of(session, batch, row.account)
            name = clean_text(row.name, limit=MAX_DEAL_NAME_LENGTH, what="deal's name")
            if not name:
                raise DomainError("The row names no deal.")
            stage = stage_of(pipeline, row.stage)
        except DomainError as error:
            results[row.line] = Result(row.line, Outcome.ERROR, str(error))
            continue
        refused = batch.claim(row.line, f"deal:{account.id}:{normalize_stage(name)}")
        if refused:
            results[row.line] = refused
            continue
        planned.append((row, account, name, stage))
    existing = _deals(session, batch.team_id, {account.id for _, account, _, _ in planned})
    created: list[tuple[DealRow, Deal]] = []
    for row, account, name, stage in planned:
        deal = existing.get((account.id, normalize_stage(name)))
        if deal is None:
            deal = _new_deal(batch, row, account, name, stage)
            session.add(deal)
            created.append((row, deal))
        else:
            results[row.line] = _update_deal(session, batch, deal, row, stage)
    session.flush()
    for row, deal in created:
        _stage_change(session, deal, None, deal.stage_changed_at, note="imported")
        record(session, batch, "deal.create", deal, None, deal_snapshot(deal))
        results[row.line] = Result(row.line, Outcome.CREATED)
    return [results[row.line] for row in rows]


def _deals(session: Session, team_id: str, account_ids: set[int]) -> dict[tuple[int, str], Deal]:
    if not account_ids:
        return {}
    statement = select(Deal).where(Deal.team_id == team_id, col(Deal.account_id).in_(account_ids))
    found: dict[tuple[int, str], Deal] = {}
    for deal in session.exec(statement.order_by(col(Deal.id))):
        found.setdefault((deal.account_id, normalize_stage(deal.name)), deal)
    return found


def _new_deal(batch: Batch, row: DealRow, account: Known, name: str, stage: Stage) -> Deal:
    created = row.created_at or batch.now
    return Deal(
        team_id=batch.team_id,
        account_id=account.id,
        owner_id=row.owner_id,
        name=name,
        stage=stage.name,
        amount_minor=row.money.minor if row.money else None,
        currency=row.money.currency if row.money else None,
        expected_close=row.close,
        lost_reason=row.lost_reason if stage.outcome == StageOutcome.LOST else None,
        stage_changed_at=created,
        closed_at=_closed_at(row, stage, created),
        created_at=created,
    )


def _closed_at(row: DealRow, stage: Stage, fallback: datetime) -> datetime | None:
    if not stage.is_closed:
        return None
    if row.close is not None:
        return datetime(row.close.year, row.close.month, row.close.day, tzinfo=fallback.tzinfo)
    return fallback


def _update_deal(session: Session, batch: Batch, deal: Deal, row: DealRow, stage: Stage) -> Result:
    """What the row says that differs; a new stage is a stage change, as a move in Slack."""
    before = deal_snapshot(deal)
    was = deal.stage
    if row.money is not None:
        deal.amount_minor, deal.currency = row.money.minor, row.money.currency
    if row.close is not None:
        deal.expected_close = row.close
    if row.owner_id is not None:
        deal.owner_id = row.owner_id
    if row.lost_reason and stage.outcome == StageOutcome.LOST:
        deal.lost_reason = row.lost_reason
    if normalize_stage(stage.name) != normalize_stage(was):
        deal.stage, deal.stage_changed_at = stage.name, batch.now
        deal.closed_at = _closed_at(row, stage, batch.now)
        _stage_change(session, deal, was, batch.now, note="imported")
    after = deal_snapshot(deal)
    if after == before:
        return Result(row.line, Outcome.UNCHANGED)
    deal.version += 1
    session.add(deal)
    record(session, batch, "deal.update", deal, before, after)
    return Result(row.line, Outcome.UPDATED)


def _stage_change(
    session: Session, deal: Deal, was: str | None, at: datetime, *, note: str
) -> None:
    session.add(
        DealStageChange(
            team_id=deal.team_id, deal_id=id_of(deal), account_id=deal.account_id,
            from_stage=was, to_stage=deal.stage, changed_by_id=None, changed_at=at, note=note,
        )
    )  # fmt: skip


def interaction_key(row: InteractionRow, account: Known) -> str:
    """The same call in the same file (or in a second import of it) has the same key."""
    said = "\x1f".join(
        [str(account.id), row.when.isoformat(), row.kind, row.summary, row.rep_slack_id]
    )
    return "import:" + hashlib.sha256(said.encode()).hexdigest()[:48]


def import_interactions(
    *, session: Session, batch: Batch, rows: Sequence[InteractionRow]
) -> list[Result]:
    """Log each row's interaction once: a second import of the same row is unchanged."""
    prepare(session, batch, rows)
    results: dict[int, Result] = {}
    planned: list[tuple[InteractionRow, Known, str]] = []
    for row in rows:
        try:
            account = account_of(session, batch, row.account)
            if not row.summary.strip():
                raise DomainError("The row has no summary.")
        except DomainError as error:
            results[row.line] = Result(row.line, Outcome.ERROR, str(error))
            continue
        key = interaction_key(row, account)
        refused = batch.claim(row.line, key)
        if refused:
            results[row.line] = refused
            continue
        planned.append((row, account, key))
    keys = [key for _, _, key in planned]
    seen = set(
        session.exec(
            select(Interaction.source_key).where(
                Interaction.team_id == batch.team_id, col(Interaction.source_key).in_(keys)
            )
        )
    ) if keys else set()  # fmt: skip
    emails = {row.contact_email for row, _, _ in planned if row.contact_email}
    contacts = _contact_ids(session, batch.team_id, emails)
    accounts = live_accounts(session, batch.team_id, list({a.id for _, a, _ in planned}))
    created: list[tuple[InteractionRow, Interaction]] = []
    for row, account, key in planned:
        if key in seen:
            results[row.line] = Result(row.line, Outcome.UNCHANGED)
            continue
        interaction = Interaction(
            team_id=batch.team_id, account_id=account.id, rep_id=row.rep_id,
            contact_id=contacts.get(row.contact_email or ""), kind=row.kind,
            summary=row.summary, occurred_at=row.when, source="import", source_key=key,
            created_at=batch.now,
        )  # fmt: skip
        session.add(interaction)
        created.append((row, interaction))
        touched = accounts[account.id]
        touched.last_touched_at = later(touched.last_touched_at, row.when)
        session.add(touched)
    session.flush()
    for row, interaction in created:
        record(
            session,
            batch,
            "interaction.create",
            interaction,
            None,
            interaction_snapshot(interaction),
        )
        results[row.line] = Result(row.line, Outcome.CREATED)
    return [results[row.line] for row in rows]


def _contact_ids(session: Session, team_id: str, emails: set[str]) -> dict[str, int]:
    if not emails:
        return {}
    statement = select(Contact.email, Contact.id).where(
        Contact.team_id == team_id, col(Contact.email).in_(emails)
    )
    return {str(email): int(contact_id) for email, contact_id in session.exec(statement)}  # type: ignore[arg-type]
