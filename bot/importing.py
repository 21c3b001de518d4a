"""`rapport import FILE.csv`: a file of accounts, contacts, deals or interactions into the
workspace, a batch of rows per transaction, with a progress bar and a summary at the end.

A bad row never stops the import: it goes to FILE.errors.csv (beside the input) with its line
number and why, and the rest goes on. Each batch commits as it goes, so a crash loses nothing the
progress bar counted, and a re-run skips what is there (models.imports). `--dry-run` does all
of it in one transaction that is rolled back.
"""

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table as RichTable
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.clitools import TEAM_HELP, Workspace, fail, workspace
from bot.import_files import FileError, Kind, Line, open_table
from bot.import_rows import DateOrder, Owners, Reader
from handlers.directory import SlackUser
from models import import_related, imports
from models.base import DomainError
from models.erasure import ERASED
from models.import_index import load_index
from models.imports import Batch, Outcome, Result
from models.reps import Rep
from models.stages import Pipeline, get_pipeline

BATCH_ROWS = 1000
ERRORS_SUFFIX = ".errors.csv"


@dataclass
class Summary:
    kind: Kind
    counts: Counter[Outcome] = field(default_factory=Counter)
    unowned: Counter[str] = field(default_factory=Counter)  # why an owner means nobody -> rows
    errors_file: Path | None = None
    dry_run: bool = False

    @property
    def clean(self) -> bool:
        return not (self.counts[Outcome.ERROR] or self.counts[Outcome.SIMILAR])


class ErrorsFile:
    """FILE.errors.csv, opened at the first refused row: Line, Why, then the row as it was."""

    def __init__(self, path: Path, headers: Sequence[str]) -> None:
        self.path, self.headers = path, headers
        self._file: Any = None
        self._writer: Any = None

    def write(self, line: Line, why: str) -> None:
        if self._writer is None:
            self._file = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._file, lineterminator="\n")
            self._writer.writerow(["Line", "Why", *self.headers])
        self._writer.writerow([line.number, why, *line.cells])

    def close(self) -> bool:
        """Whether it was written (an old one from an earlier run is removed when not)."""
        if self._file is None:
            self.path.unlink(missing_ok=True)
            return False
        self._file.close()
        return True


def errors_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".csv") + ERRORS_SUFFIX)


def run_import(
    ws: Workspace,
    path: Path,
    *,
    kind: Kind | None = None,
    overrides: dict[str, str] | None = None,
    dry_run: bool = False,
    merge_similar: bool = False,
    order: DateOrder = "MDY",
    progress: Callable[[int, int], None] = lambda done, size: None,
) -> Summary:
    """Import `path` into the workspace; FileError when the file can't be read at all."""
    table = open_table(path, kind, overrides or {})
    summary = Summary(table.layout.kind, dry_run=dry_run)
    errors = ErrorsFile(errors_path(path), table.layout.headers)
    stats = Statistics(ws.engine, TABLES[summary.kind], dry_run)
    try:
        with _sessions(ws, dry_run) as session_for:
            owners = Owners(session_for, ws.team_id, ws.client, _rep_of(ws))
            reader = Reader(owners, order, ws.settings.currency)
            with session_for() as session:
                batch = Batch(ws.team_id, load_index(session=session, team_id=ws.team_id),
                              ws.actor, ws.deps.now(), merge_similar)  # fmt: skip
                pipeline = get_pipeline(session=session, team_id=ws.team_id)
            for lines in _chunks(table.rows, BATCH_ROWS):
                rows, refused = _typed(reader, summary, lines)
                results = _apply(ws, session_for, batch, pipeline, summary.kind, rows)
                by_line = {line.number: line for line in lines}
                for result in [*refused, *results]:
                    summary.counts[result.outcome] += 1
                    if result.why:
                        errors.write(by_line[result.line], result.why)
                progress(table.position, table.size)
                stats.grew(summary.counts[Outcome.CREATED])
            if not summary.counts:
                raise FileError(f"{path.name} has its headers but no rows: nothing to import.")
    finally:
        table.close()
        wrote = errors.close()
    if wrote:
        summary.errors_file = errors.path
        if not dry_run:
            where, now = str(errors.path.resolve()), ws.deps.now()
            with ws.deps.db.begin() as session:
                imports.remember_file(session=session, team_id=ws.team_id, path=where, now=now)
    return summary


TABLES = {
    Kind.ACCOUNTS: ("accounts", "audit_log"),
    Kind.CONTACTS: ("contacts", "audit_log"),
    Kind.DEALS: ("deals", "deal_stage_changes", "audit_log"),
    Kind.INTERACTIONS: ("interactions", "audit_log"),
}


@dataclass
class Statistics:
    """PostgreSQL plans from table statistics that autovacuum refreshes only now and then: a
    table an import grows from 0 to 100,000 rows is planned as if empty (a nested loop over every
    row per batch) unless it is analyzed as it grows. So: ANALYZE each time the rows created
    since the last one pass the count then, doubling, a few times per import."""

    engine: Any
    tables: tuple[str, ...]
    dry_run: bool
    next_at: int = BATCH_ROWS

    def grew(self, created: int) -> None:
        if self.dry_run or self.engine.dialect.name != "postgresql" or created < self.next_at:
            return
        with self.engine.begin() as connection:
            for table in self.tables:
                connection.exec_driver_sql(f"ANALYZE {table}")
        self.next_at = created * 2


def _rep_of(ws: Workspace) -> Callable[[Session, SlackUser], Rep]:
    def rep_of(session: Session, user: SlackUser) -> Rep:
        return ws.deps.rep_in(session, ws.team_id, user)

    return rep_of


def _chunks(lines: Iterator[Line], size: int) -> Iterator[list[Line]]:
    while chunk := list(islice(lines, size)):
        yield chunk


def _typed(reader: Reader, summary: Summary, lines: list[Line]) -> tuple[list[Any], list[Result]]:
    rows, refused = [], []
    for line in lines:
        try:
            row, unowned = reader.row(summary.kind, line.number, line.fields)
        except DomainError as error:
            refused.append(Result(line.number, Outcome.ERROR, str(error)))
            continue
        if unowned:
            summary.unowned[unowned] += 1
        rows.append(row)
    return rows, refused


@contextmanager
def _sessions(ws: Workspace, dry_run: bool) -> Iterator[Callable[[], Any]]:
    """A session per batch that commits; for a dry run, one transaction rolled back at the end
    (its batches see each other's rows, as a real run's would)."""
    if not dry_run:
        yield ws.deps.db.begin
        return
    with ws.engine.connect() as connection, connection.begin() as outer:
        session = Session(connection, join_transaction_mode="create_savepoint")

        @contextmanager
        def joined() -> Iterator[Session]:
            with session.begin_nested():  # a batch that fails is undone alone, as when real
                yield session
            session.expunge_all()  # memory stays flat however long the file

        try:
            yield joined
        finally:
            session.close()
            outer.rollback()


def _apply(
    ws: Workspace,
    session_for: Callable[[], Any],
    batch: Batch,
    pipeline: Pipeline,
    kind: Kind,
    rows: list[Any],
) -> list[Result]:
    """One batch in one transaction. A batch that collides with a write made meanwhile (an
    account created in Slack while the import ran) is read again and retried once."""
    for attempt in (1, 2):
        try:
            with session_for() as session:
                return _import(session, batch, pipeline, kind, rows)
        except IntegrityError:
            if attempt == 2:
                raise  # (its rows' claims stay: the retry makes the same ones, line for line)
    raise AssertionError


def _import(
    session: Session, batch: Batch, pipeline: Pipeline, kind: Kind, rows: list[Any]
) -> list[Result]:
    if kind == Kind.ACCOUNTS:
        return imports.import_accounts(session=session, batch=batch, rows=rows)
    if kind == Kind.CONTACTS:
        return import_related.import_contacts(session=session, batch=batch, rows=rows)
    if kind == Kind.DEALS:
        return import_related.import_deals(
            session=session, batch=batch, rows=rows, pipeline=pipeline
        )
    return import_related.import_interactions(session=session, batch=batch, rows=rows)


def scrub_error_files(session: Session, team_id: str, needles: Sequence[str]) -> int:
    """Rewrite every errors file an import wrote for this workspace that holds one of `needles`
    (an erased person's email and names), whatever the case; how many files changed."""
    pattern = re.compile("|".join(re.escape(n) for n in needles if n), re.IGNORECASE)
    changed = 0
    for name in imports.list_files(session=session, team_id=team_id):
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue  # moved or deleted since: nothing of theirs left there
        scrubbed = pattern.sub(ERASED, text)
        if scrubbed != text:
            path.write_text(scrubbed, encoding="utf-8")
            changed += 1
    return changed


def parse_maps(values: Sequence[str]) -> dict[str, str]:
    maps = {}
    for value in values:
        column, sep, name = value.partition("=")
        if not sep or not column.strip() or not name.strip():
            fail(f'--map takes "Column=field", e.g. --map "Company=account"; not “{value}”.')
        maps[column.strip()] = name.strip()
    return maps


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--kind", type=click.Choice([k.value for k in Kind]), help="What the file holds "
              "(guessed from its columns when not given).")  # fmt: skip
@click.option("--map", "maps", multiple=True, metavar='"Column=field"',
              help="Read a column as a field, e.g. --map \"Client=account\".")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@click.option("--merge-similar", is_flag=True,
              help="Rows named like an account update it (else they are held back).")  # fmt: skip
@click.option("--day-first", is_flag=True, help='Read "03/04/2026" as 3 April (not March 4).')
@click.option("--team", help=TEAM_HELP)
def import_command(
    file: Path,
    kind: str | None,
    maps: tuple[str, ...],
    dry_run: bool,
    merge_similar: bool,
    day_first: bool,
    team: str | None,
) -> None:
    """Import FILE (accounts, contacts, deals or interactions, as CSV) into the workspace."""
    if not file.is_file():
        fail(f"There is no file {file}.")
    overrides = parse_maps(maps)
    console = Console(stderr=True)
    with workspace(team) as ws, Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(),
        TimeRemainingColumn(), console=console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"Importing {file.name}", total=file.stat().st_size)
        try:
            summary = run_import(
                ws, file, kind=Kind(kind) if kind else None, overrides=overrides,
                dry_run=dry_run, merge_similar=merge_similar,
                order="DMY" if day_first else "MDY",
                progress=lambda done, size: bar.update(task, completed=done),
            )  # fmt: skip
        except FileError as error:
            fail(str(error))
            return
    _report(summary, file)
    if not summary.clean:
        raise SystemExit(1)


def _report(summary: Summary, file: Path) -> None:
    console = Console()
    verb = "Would import" if summary.dry_run else "Imported"
    table = RichTable(title=f"{verb} {file.name} ({summary.kind})")
    for outcome in Outcome:
        table.add_column(outcome.value.capitalize(), justify="right")
    table.add_row(*(str(summary.counts[outcome]) for outcome in Outcome))
    console.print(table)
    for why, rows in summary.unowned.most_common():
        click.echo(f"{why} {rows} row(s) imported without an owner.")
    if summary.errors_file:
        click.echo(
            f"Rows not imported are in {summary.errors_file}, each with its line and why; fix "
            "them there and import that file."
        )
    if summary.dry_run:
        click.echo("Dry run: nothing was written.")
