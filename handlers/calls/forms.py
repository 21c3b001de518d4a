"""Pure readers for the log modals: private_metadata and submitted state, errors per field."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from handlers.blocks.calls import split_notes
from handlers.dates import DateError, DateOrder, parse_when, read_when
from handlers.ids import LogModal
from handlers.parsing.values import MAX_ROW_ID, is_row_id
from models.base import DomainError
from models.interactions import Interaction, InteractionKind
from models.logbook import Change


class LogMeta(BaseModel):
    """What a log modal carries in private_metadata (at most 3,000 characters)."""

    source: str
    response_url: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    author_id: str | None = None
    interaction_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    version: str | None = Field(default=None, max_length=64)  # Edit: the row as it was opened
    when: str | None = Field(default=None, max_length=64)  # Edit: the When it showed
    notes_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)  # a long message, parked

    def dump(self) -> str:
        return self.model_dump_json(exclude_none=True)


@dataclass(frozen=True)
class LogSubmission:
    account_id: int | None
    new_account: str | None  # "Create …" picked in the account select
    kind: str
    contact_id: int | None
    notes: str
    occurred_at: datetime
    followup_due: datetime | None
    followup_read: str | None = None  # how an ambiguous follow-up date was read
    when: str = "now"  # as typed: an Edit keeps the stored time when this is what it showed


def _value(values: dict[str, Any], block: str, action: str) -> Any:
    return values.get(block, {}).get(action, {})


def read_log_submission(
    values: dict[str, Any], *, now: datetime, tz: str, order: DateOrder = "MDY"
) -> LogSubmission | dict[str, str]:
    """The submitted log, or {block_id: sentence} for Slack to show under each bad field."""
    errors: dict[str, str] = {}
    account = (
        _value(values, LogModal.ACCOUNT_BLOCK, LogModal.ACCOUNT_SELECT).get("selected_option") or {}
    ).get("value", "")
    kind = (
        _value(values, LogModal.KIND_BLOCK, LogModal.KIND_SELECT).get("selected_option") or {}
    ).get("value", "call")
    contact = (
        _value(values, LogModal.CONTACT_BLOCK, LogModal.CONTACT_SELECT).get("selected_option") or {}
    ).get("value")
    notes = (_value(values, LogModal.NOTES_BLOCK, LogModal.NOTES_INPUT).get("value") or "").strip()
    when = (_value(values, LogModal.WHEN_BLOCK, LogModal.WHEN_INPUT).get("value") or "now").strip()
    followup = (
        _value(values, LogModal.FOLLOWUP_BLOCK, LogModal.FOLLOWUP_INPUT).get("value") or ""
    ).strip()
    if LogModal.ACCOUNT_BLOCK in values and not account:
        errors[LogModal.ACCOUNT_BLOCK] = "Pick an account."
    if kind not in set(InteractionKind):
        errors[LogModal.KIND_BLOCK] = "Pick what happened: a call, a meeting, an email or a note."
    if not notes:
        errors[LogModal.NOTES_BLOCK] = "Say what happened."
    occurred_at = now
    try:
        occurred_at = parse_when(when, now=now, tz=tz, allow_past=True, order=order)
        if occurred_at > now:
            errors[LogModal.WHEN_BLOCK] = "That's in the future; when did it happen?"
    except DateError as error:
        errors[LogModal.WHEN_BLOCK] = str(error)
    due, read_as = None, None
    if followup:
        try:
            reading = read_when(followup, now=now, tz=tz, order=order)
            due, read_as = reading.at, reading.read_as
        except DateError as error:
            errors[LogModal.FOLLOWUP_BLOCK] = str(error)
    if errors:
        return errors
    return LogSubmission(
        account_id=int(account) if is_row_id(account) else None,
        new_account=account.removeprefix("new:") if account.startswith("new:") else None,
        kind=kind,
        contact_id=int(contact) if contact and is_row_id(contact) else None,
        notes=notes,
        occurred_at=occurred_at,
        followup_due=due,
        followup_read=f"I read “{followup}” as {read_as}." if read_as else None,
        when=when,
    )


CHANGED_MEANWHILE = "This log changed after you opened Edit; open Edit again to see it as it is."


def version_of(interaction: Interaction) -> str:
    """A short fingerprint of what an Edit modal shows, to tell if the row changed since."""
    fields = (
        interaction.account_id,
        interaction.contact_id,
        interaction.kind,
        interaction.summary,
        interaction.occurred_at.isoformat(),
    )
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:32]


def whole_notes(whole: str, submitted: str) -> str:
    """The notes a modal stands for: `whole` if its input came back as it was shown, else what
    was typed followed by the part of `whole` that didn't fit in the input."""
    shown, rest = split_notes(whole)
    return whole if submitted == shown.strip() else submitted + rest


def change_from(meta: LogMeta, submitted: LogSubmission, current: Interaction) -> Change:
    """What an Edit save asks for, against what the modal was opened with: a field left as it
    was shown keeps its stored value (the seconds of the time, the part of a long note that
    didn't fit in the input); an edited note keeps that part after it."""
    if meta.version != version_of(current):
        raise DomainError(CHANGED_MEANWHILE)
    notes = whole_notes(current.summary, submitted.notes)
    kept_time = submitted.when == (meta.when or "").strip()
    return Change(
        kind=InteractionKind(submitted.kind),
        notes=notes,
        occurred_at=current.occurred_at if kept_time else submitted.occurred_at,
        account_id=submitted.account_id,
        new_account=submitted.new_account,
        contact_id=submitted.contact_id,
    )


def read_followup_submission(
    values: dict[str, Any], *, now: datetime, tz: str, order: DateOrder = "MDY"
) -> tuple[datetime, str] | dict[str, str]:
    """The follow-up modal's due time and note, or errors per field."""
    phrase = (
        _value(values, LogModal.FOLLOWUP_BLOCK, LogModal.FOLLOWUP_INPUT).get("value") or ""
    ).strip()
    note = (
        _value(values, LogModal.FOLLOWUP_NOTE_BLOCK, LogModal.FOLLOWUP_NOTE_INPUT).get("value")
        or ""
    )
    try:
        return parse_when(phrase, now=now, tz=tz, order=order), note.strip()
    except DateError as error:
        return {LogModal.FOLLOWUP_BLOCK: str(error)}
