"""`rapport export DIR`: every table of a workspace as CSV files, in Rapport's own layout."""

import csv
from collections.abc import Iterable
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlmodel import Session

from bot.clitools import TEAM_HELP, fail, workspace
from models import exports


def export_workspace(engine: Engine, team_id: str, directory: Path) -> dict[str, int]:
    """Write one CSV per table into `directory` from one snapshot; rows written per file."""
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # Every file from the same moment, though writes go on while it runs.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with Session(connection) as session, session.begin():
            for name, rows in exports.TABLES.items():
                counts[name] = write_csv(
                    directory / f"{name}.csv",
                    exports.HEADERS[name],
                    rows(session=session, team_id=team_id),
                )
    return counts


def write_csv(path: Path, header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> int:
    """UTF-8 without BOM, RFC 4180 quoting, `\\n` line ends; how many rows (header not counted)."""
    written = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            written += 1
    return written


def _ready(directory: Path, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        fail(f"{directory} is a file, not a folder: give a folder to export into.")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        fail(f"{directory} already holds files: give an empty folder, or --force to overwrite.")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"Can't create {directory} ({error.strerror}).", code=1)


@click.command("export")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=True))
@click.option("--team", help=TEAM_HELP)
@click.option("--force", is_flag=True, help="Write into a folder that holds files already.")
def export_command(directory: Path, team: str | None, force: bool) -> None:
    """Write every table of the workspace as CSV files (names, not ids) into DIRECTORY."""
    _ready(directory, force)
    with workspace(team) as ws:
        counts = export_workspace(ws.engine, ws.team_id, directory)
    table = Table(title=f"Exported {ws.team_id} to {directory}")
    table.add_column("File")
    table.add_column("Rows", justify="right")
    for name, count in counts.items():
        table.add_row(f"{name}.csv", str(count))
    Console().print(table)
