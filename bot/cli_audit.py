"""`rapport audit`: who changed what, when, before and after, newest first."""

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from sqlmodel import Session

from bot.clitools import TEAM_HELP, fail, workspace
from models import audit_trail
from models.audit import AuditEntry
from models.base import DomainError
from models.matching import find_account

MAX_VALUE = 80  # characters of one value on a line; the rest is elided


@click.command()
@click.option("--since", metavar="DATE", help="Only entries from this day on, e.g. 2026-11-01.")
@click.option("--account", metavar="NAME", help="Only this account and what hangs off it.")
@click.option("--tz", default="UTC", show_default=True, help="Times in this zone.")
@click.option("--team", default=None, help=TEAM_HELP)
def audit(since: str | None, account: str | None, tz: str, team: str | None) -> None:
    """Print the audit log of the workspace, newest first."""
    start = _since(since)
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--tz {tz!r} is not a time zone, e.g. UTC or Europe/Berlin.")
        raise
    with workspace(team) as work, Session(work.engine) as session:
        found = None
        if account is not None:
            try:
                found = find_account(session=session, team_id=work.team_id, name=account)
            except DomainError as error:
                fail(str(error))
        printed = 0
        for entry in audit_trail.trail(
            session=session, team_id=work.team_id, since=start, account=found
        ):
            click.echo(describe(entry, zone))
            printed += 1
    if not printed:
        click.echo("No audit entries" + (f" since {since}." if since else "."))


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        fail(f"--since {text!r} is not a date, e.g. 2026-11-01.")
        raise
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def describe(entry: AuditEntry, zone: ZoneInfo) -> str:
    """One line: when, who, what, which row, and each changed field as before → after."""
    when = entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    subject = f"{entry.entity} {entry.entity_id}" if entry.entity_id else entry.entity
    changed = "; ".join(
        f"{change.field}: {_value(change.before)} → {_value(change.after)}"
        for change in audit_trail.changes(entry)
    )
    return f"{when}  {entry.actor}  {entry.action}  {subject}" + (f"  {changed}" if changed else "")


def _value(value: Any) -> str:
    text = "(none)" if value is None or value == "" else " ".join(str(value).split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"
