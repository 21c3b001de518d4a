"""`rapport duplicates`: the workspace's likely duplicate accounts, best first, with why."""

import click
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from bot.clitools import TEAM_HELP, workspace
from models.duplicates import list_duplicates
from models.reps import Rep


@click.command()
@click.option("--team", default=None, help=TEAM_HELP)
@click.option("--limit", default=100, show_default=True, help="At most this many pairs (0: all).")
def duplicates(team: str | None, limit: int) -> None:
    """Accounts that look like duplicates (same domain, alike names), best first."""
    with workspace(team) as work, Session(work.engine) as session:
        pairs = list_duplicates(session=session, team_id=work.team_id, limit=limit or None)
        owners = {
            side.owner_id: _owner(session, side.owner_id)
            for pair in pairs
            for side in (pair.first, pair.second)
        }
    console = Console()
    if not pairs:
        console.print("No accounts look like duplicates.")
        return
    if not console.is_terminal:  # piped or redirected: whole values, one pair a line
        for pair in pairs:
            click.echo(
                f"{pair.first.name} ({owners[pair.first.owner_id]})\t"
                f"{pair.second.name} ({owners[pair.second.owner_id]})\t{', '.join(pair.reasons)}"
            )
        return
    table = Table(title=f"Likely duplicate accounts ({len(pairs)})")
    for column in ("Account", "Owner", "Looks like", "Owner ", "Why"):
        table.add_column(column)
    for pair in pairs:
        table.add_row(
            pair.first.name,
            owners[pair.first.owner_id],
            pair.second.name,
            owners[pair.second.owner_id],
            ", ".join(pair.reasons),
        )
    console.print(table)


def _owner(session: Session, rep_id: int | None) -> str:
    rep = session.get(Rep, rep_id) if rep_id else None
    if rep is None:
        return "-"
    return rep.email or rep.name or rep.slack_user_id
