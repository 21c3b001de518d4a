"""What reps type to log: `/log-call <account>: <notes>` and one-line DMs."""

from dataclasses import dataclass, replace
from datetime import datetime

from handlers.dates import DateOrder, read_followup_text
from handlers.parsing.text import CommandError, partition_outside_markup, plain_text
from models.interactions import InteractionKind
from models.logbook import Draft


@dataclass(frozen=True)
class LogText:
    """`/log-call <account>: <notes>`; either part may be missing."""

    account: str | None
    notes: str


def parse_log_call(text: str) -> LogText:
    """Split on the first colon; without one, the text is either an account or notes alone."""
    account, colon, notes = partition_outside_markup(text.strip(), ":")
    account, notes = " ".join(plain_text(account).split()), plain_text(notes).strip()
    if not colon or not account or _looks_like_time(account, notes):
        return LogText(account=None, notes=plain_text(text).strip())
    return LogText(account=account, notes=notes)


def _looks_like_time(before: str, after: str) -> bool:
    """ "Call at 3:30 went well" has a colon that isn't the account separator."""
    return bool(before) and before[-1].isdigit() and bool(after) and after[0].isdigit()


# The first word of a one-line DM says what happened.
KIND_WORDS: dict[str, InteractionKind] = {
    **dict.fromkeys(["call", "called", "phoned", "rang", "spoke"], InteractionKind.CALL),
    **dict.fromkeys(["meeting", "met", "meet", "visited"], InteractionKind.MEETING),
    **dict.fromkeys(["email", "emailed", "mailed", "wrote"], InteractionKind.EMAIL),
    **dict.fromkeys(["note", "noted"], InteractionKind.NOTE),
}
CONNECTORS = ("with", "to", "at", "on")


@dataclass(frozen=True)
class DmLog:
    kind: InteractionKind
    account: str
    notes: str


def parse_dm_log(text: str) -> DmLog:
    """ "called Acme: they signed the NDA" or "met with Globex, demo went well"."""
    first, _, rest = text.strip().partition(" ")
    kind = KIND_WORDS.get(first.lower().rstrip(":,"))
    body = rest.strip() if kind else text.strip()
    for connector in CONNECTORS:
        if body.lower().startswith(connector + " "):
            body = body[len(connector) + 1 :]
            break
    account, separator, notes = partition_outside_markup(body, ":,")
    account, notes = " ".join(plain_text(account).split()), plain_text(notes).strip()
    if not separator or not account or not notes:
        raise CommandError(
            "Tell me the account and what happened, e.g. "
            "“called Acme: they signed the NDA, follow up friday” or “met Globex, demo went well”."
        )
    return DmLog(kind=kind or InteractionKind.NOTE, account=account, notes=notes)


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
