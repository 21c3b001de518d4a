"""CSV files as people save them, read for `rapport import`: the encoding (UTF-8 with or without
a BOM, else Excel's Windows-1252), the separator (`,` `;` or tab), and the columns, mapped to
Rapport's fields from the headers spreadsheets, HubSpot and Salesforce write.

Nothing here touches the store: `open_table` streams a file's rows as `Line`s.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

SAMPLE_BYTES = 64 * 1024
MAX_CELL = 1024 * 1024  # a cell bigger than this is not a CRM field: the file isn't a table
SEPARATORS = (",", ";", "\t")


class FileError(Exception):
    """A file that can't be imported at all, in one sentence (nothing was imported)."""


class Kind(StrEnum):
    ACCOUNTS = "accounts"
    CONTACTS = "contacts"
    DEALS = "deals"
    INTERACTIONS = "interactions"


# Each kind's fields and the headers that mean them, normalized (lower case, letters and digits
# and single spaces): Rapport's own export first, then spreadsheets, HubSpot, Salesforce.
OWNER = ("owner", "account owner", "company owner", "contact owner", "deal owner",
         "opportunity owner", "hubspot owner", "assigned to", "sales rep", "rep")  # fmt: skip
COMPANY = ("account", "account name", "company", "company name", "associated company",
           "associated company primary", "organization", "organisation")  # fmt: skip
CREATED = ("created at", "create date", "created date", "created", "date created")
FIELDS: dict[Kind, dict[str, tuple[str, ...]]] = {
    Kind.ACCOUNTS: {
        "account": (*COMPANY, "name"),
        "domain": ("domain", "company domain name", "domain name", "website", "website url"),
        "owner": OWNER,
        "owner_email": ("owner email", "account owner email", "company owner email"),
        "owner_slack": ("owner slack id", "owner slack user id"),
        "created_at": CREATED,
    },
    Kind.CONTACTS: {
        "account": COMPANY,
        "name": ("name", "full name", "contact name", "contact"),
        "first_name": ("first name", "firstname", "given name"),
        "last_name": ("last name", "lastname", "surname", "family name"),
        "email": ("email", "email address", "e mail", "contact email"),
        "title": ("title", "job title", "position", "role"),
        "created_at": CREATED,
    },
    Kind.DEALS: {
        "deal": ("deal", "deal name", "opportunity name", "opportunity", "name"),
        "account": COMPANY,
        "stage": ("stage", "deal stage", "opportunity stage", "status"),
        "amount": ("amount", "deal amount", "opportunity amount", "value", "deal value"),
        "currency": ("currency", "currency code", "opportunity currency", "deal currency"),
        "close_date": ("close date", "expected close", "expected close date", "closed date"),
        "owner": OWNER,
        "owner_email": ("owner email", "deal owner email", "opportunity owner email"),
        "owner_slack": ("owner slack id", "owner slack user id"),
        "lost_reason": ("lost reason", "closed lost reason", "loss reason", "reason lost"),
        "created_at": CREATED,
    },
    Kind.INTERACTIONS: {
        "account": COMPANY,
        "when": ("when", "date", "activity date", "call date", "occurred at", "date time"),
        "kind": ("kind", "type", "activity type", "call type", "task type"),
        "summary": ("summary", "notes", "note", "description", "comments", "body", "call notes"),
        "rep": ("rep", "logged by", "activity owner", "assigned", *OWNER[:5]),
        "rep_email": ("rep email", "logged by email"),
        "rep_slack": ("rep slack id", "rep slack user id"),
        "contact_email": ("contact email", "email"),
    },
}
# What a kind can't do without (one of each tuple), as the answer to an unknown layout names them.
REQUIRED: dict[Kind, tuple[tuple[str, ...], ...]] = {
    Kind.ACCOUNTS: (("account",),),
    Kind.CONTACTS: (("account",), ("name", "first_name", "last_name", "email")),
    Kind.DEALS: (("deal",), ("account",), ("stage",)),
    Kind.INTERACTIONS: (("account",), ("when",), ("summary",)),
}
HEADER_EXAMPLES = {
    "account": "Account (or Company name, Account Name)",
    "name": "Name (or First Name and Last Name, or Email)",
    "deal": "Deal (or Deal Name, Opportunity Name)",
    "stage": "Stage (or Deal Stage)",
    "when": "When (or Date, Activity Date)",
    "summary": "Summary (or Notes, Description)",
}
# Kinds told apart by what only they have, most specific first.
GUESS_ORDER = (Kind.DEALS, Kind.INTERACTIONS, Kind.CONTACTS, Kind.ACCOUNTS)


def header_key(header: str) -> str:
    """ "Company Domain Name", "company_domain_name " and "Company domain-name" are one key."""
    return " ".join(re.sub(r"[\W_]+", " ", header.casefold()).split())


@dataclass(frozen=True)
class Layout:
    """What each column of a file means for `kind`: {column index: field}."""

    kind: Kind
    columns: dict[int, str]
    headers: tuple[str, ...]

    @property
    def fields(self) -> set[str]:
        return set(self.columns.values())


def map_columns(kind: Kind, headers: list[str], overrides: dict[str, str]) -> dict[int, str]:
    """{column index: field}: `--map "Column=field"` first, then the known headers; the first
    column that means a field wins, so "Owner" and "Owner Email" don't fight."""
    known = FIELDS[kind]
    by_key = {header_key(column): field for column, field in overrides.items()}
    for field, names in known.items():
        for name in names:
            by_key.setdefault(name, field)
    columns: dict[int, str] = {}
    for index, header in enumerate(headers):
        meant = by_key.get(header_key(header))
        if meant and meant not in columns.values():
            columns[index] = meant
    return columns


def check_overrides(overrides: dict[str, str], kinds: tuple[Kind, ...]) -> None:
    fields = {field for kind in kinds for field in FIELDS[kind]}
    for column, field in overrides.items():
        if field not in fields:
            known = ", ".join(sorted(fields))
            raise FileError(f"--map {column}={field}: there is no field {field} (fields: {known}).")


def missing(kind: Kind, fields: set[str]) -> list[str]:
    """The required fields of `kind` the columns lack, as header examples."""
    return [
        HEADER_EXAMPLES.get(need[0], need[0])
        for need in REQUIRED[kind]
        if not fields.intersection(need)
    ]


def choose_layout(
    headers: list[str], kind: Kind | None, overrides: dict[str, str] | None = None
) -> Layout:
    """The layout of a file: of `kind`, or the first kind whose required columns are all there;
    FileError naming the columns found and the ones needed otherwise."""
    overrides = overrides or {}
    check_overrides(overrides, (kind,) if kind else GUESS_ORDER)
    found = ", ".join(f"“{h}”" for h in headers if h.strip()) or "none"
    if kind is not None:
        columns = map_columns(kind, headers, overrides)
        lacking = missing(kind, set(columns.values()))
        if lacking:
            raise FileError(
                f"This file's columns are {found}; a {kind} file needs {' and '.join(lacking)}. "
                'Rename the columns or say which is which with --map "Column=field".'
            )
        return Layout(kind, columns, tuple(headers))
    for guess in GUESS_ORDER:
        columns = map_columns(guess, headers, overrides)
        if not missing(guess, set(columns.values())):
            return Layout(guess, columns, tuple(headers))
    raise FileError(
        f"Can't tell what this file holds: its columns are {found}. An accounts file needs "
        f"{HEADER_EXAMPLES['account']}; contacts also a name or email; deals "
        f"{HEADER_EXAMPLES['deal']} and {HEADER_EXAMPLES['stage']}; interactions "
        f"{HEADER_EXAMPLES['when']} and {HEADER_EXAMPLES['summary']}. Or give --kind and --map."
    )


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """A byte that isn't UTF-8, read as Windows-1252 (Excel's "CSV" on Windows)."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("rapport-cp1252", _cp1252_fallback)


def detect_encoding(sample: bytes) -> str:
    """ "utf-8-sig" when the sample is UTF-8 (a BOM is dropped), else "cp1252"."""
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 3:  # not just a character cut by the sample's end
            return "cp1252"
    return "utf-8-sig"


def detect_separator(first_line: str) -> str:
    """The separator the header line uses most, outside quotes; "," when it has none."""
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {sep: unquoted.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


@dataclass(frozen=True)
class Table:
    """An open CSV file: its layout and its rows, read as they are asked for."""

    layout: Layout
    rows: Iterator["Line"]
    size: int  # bytes, for the progress bar
    raw: BinaryIO  # where reading is (`tell()`), for the progress bar
    text: io.TextIOWrapper  # over `raw`: kept here, as it closes `raw` when collected

    @property
    def position(self) -> int:
        return 0 if self.raw.closed else self.raw.tell()

    def close(self) -> None:
        self.text.close()


@dataclass(frozen=True)
class Line:
    number: int  # the line of the file the row starts on
    cells: list[str]  # as read, for the errors file
    fields: dict[str, str]  # {field: cell}, cells stripped, empty ones left out


def open_table(path: Path, kind: Kind | None, overrides: dict[str, str]) -> Table:
    """Open `path` as a CSV table; FileError in one sentence when it can't be one."""
    try:
        raw = path.open("rb")
    except OSError as error:
        raise FileError(f"Can't read {path} ({error.strerror}).") from None
    sample = raw.read(SAMPLE_BYTES)
    raw.seek(0)
    if not sample.strip():
        raw.close()
        raise FileError(f"{path.name} is empty: there is nothing to import.")
    if b"\x00" in sample:
        raw.close()
        raise FileError(f"{path.name} isn't a CSV file (it holds binary data): save it as CSV.")
    encoding = detect_encoding(sample)
    text = io.TextIOWrapper(raw, encoding=encoding, errors="rapport-cp1252", newline="")
    first_line = sample.decode(encoding, errors="replace").splitlines()[0]
    reader = csv.reader(text, delimiter=detect_separator(first_line))
    try:
        headers = [cell.strip() for cell in next(reader)]
    except csv.Error as error:
        raw.close()
        raise FileError(f"{path.name} isn't a CSV file ({error}).") from None
    try:
        layout = choose_layout(headers, kind, overrides)
    except FileError:
        raw.close()
        raise
    return Table(layout, _rows(reader, layout, path.name), path.stat().st_size, raw, text)


def _rows(reader: Any, layout: Layout, name: str) -> Iterator[Line]:
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileError(f"{name} line {line}: {error}; nothing after it was read.") from None
        if not any(cell.strip() for cell in cells):
            continue  # blank lines between rows, or trailing ones
        fields = {
            field: cells[index].strip()
            for index, field in layout.columns.items()
            if index < len(cells) and cells[index].strip()
        }
        yield Line(line, cells, fields)


csv.field_size_limit(MAX_CELL)
