"""What reps type to log: `/log-call <account>: <notes>` and one-line DMs."""

from dataclasses import dataclass, field, replace
from datetime import datetime

from handlers.dates import DateOrder, read_followup_text
from handlers.parsing.text import NAME_SEPARATORS, CommandError, plain_text, split_name
from models.interactions import InteractionKind
from models.logbook import Draft


@dataclass(frozen=True)
class LogText:
    """`/log-call <account>: <notes>`; either part may be missing."""

    account: str | None
    notes: str


def parse_log_call(text: str) -> LogText:
    """Split at the first separator (":", " - ", " — "); without one, the text is an account
    or notes alone (`handlers.calls` then looks for a known account name at its start)."""
    account, separator, notes = split_name(text.strip())
    account, notes = " ".join(plain_text(account).split()), plain_text(notes).strip()
    if not separator or not account:
        return LogText(account=None, notes=plain_text(text).strip())
    return LogText(account=account, notes=notes)


# The first word of a one-line DM says what happened.
KIND_WORDS: dict[str, InteractionKind] = {
    **dict.fromkeys(["call", "called", "phoned", "rang", "spoke"], InteractionKind.CALL),
    **dict.fromkeys(["meeting", "met", "meet", "visited"], InteractionKind.MEETING),
    **dict.fromkeys(["email", "emailed", "mailed", "wrote"], InteractionKind.EMAIL),
    **dict.fromkeys(["note", "noted"], InteractionKind.NOTE),
}
CONNECTORS = ("with", "to", "at", "on")


DM_EXAMPLE = (
    "Tell me the account and what happened, e.g. "
    "“called Acme: they signed the NDA, follow up friday” or “met Globex, demo went well”."
)


@dataclass(frozen=True)
class DmLog:
    kind: InteractionKind
    account: str | None  # None: no separator; `notes` may start with a known account name
    notes: str
    body: str = field(default="", compare=False)  # the text after the kind word, unsplit
    explicit: bool = field(default=False, compare=False)  # split at ":" or a dash, not a comma


def parse_dm_log(text: str) -> DmLog:
    """ "called Acme: they signed the NDA", "met with Globex, demo went well", "called acme inc -
    they signed"; a legal form after a comma is part of the name ("ACME, Inc.: they signed")."""
    first, _, rest = text.strip().partition(" ")
    kind = KIND_WORDS.get(first.lower().rstrip(":,"))
    body = rest.strip() if kind else text.strip()
    for connector in CONNECTORS:
        if body.lower().startswith(connector + " "):
            body = body[len(connector) + 1 :]
            break
    account, separator, notes = split_name(body, commas=True)
    account, notes = " ".join(plain_text(account).split()), plain_text(notes).strip()
    if not body or (separator and not (account and notes)):
        raise CommandError(DM_EXAMPLE)
    plain = plain_text(body).strip()
    if not separator:
        return DmLog(kind=kind or InteractionKind.NOTE, account=None, notes=plain, body=plain)
    return DmLog(
        kind=kind or InteractionKind.NOTE,
        account=account,
        notes=notes,
        body=plain,
        explicit=separator in NAME_SEPARATORS,
    )


def draft_from_text(
    notes: str,
    *,
    kind: InteractionKind,
    now: datetime,
    tz: str,
    source: str,
    source_key: str | None,
    order: DateOrder = "MDY",
) -> Draft:
    """A draft from typed notes, reading a final "follow up <when>" clause in the rep's zone and
    date order; what the clause says besides the date is the follow-up's note."""
    found = read_followup_text(notes, now=now, tz=tz, order=order)
    draft = Draft(
        kind=kind, notes=found.notes or notes, occurred_at=now, source=source, source_key=source_key
    )
    if not found.found:
        return draft
    if found.due is None:
        return replace(
            draft, warning=f"{found.error} The {kind} is logged; add the follow-up with the button."
        )
    read_as = f"I read “{found.phrase}” as {found.due.read_as}." if found.due.read_as else None
    return replace(
        draft, followup_due=found.due.at, followup_note=found.note or None, warning=read_as
    )
