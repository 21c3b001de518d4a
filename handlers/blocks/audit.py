"""Builders for `/crm audit <account>`: who changed what, when, before and after, by page."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from handlers.blocks import Message, message, section
from handlers.blocks.text import bold, escape, fit, local_time, mention, preview
from handlers.ids import CrmAction

VALUE_MAX = 120  # characters of one before or after value


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str  # a Slack id, or "cli:<login>" / "system"
    action: str  # "account.assign"
    subject: str  # "contact 12"
    changes: Sequence[tuple[str, Any, Any]]  # (field, before, after), changed fields only


def build_audit_page(
    *, account: str, lines: Sequence[AuditLine], tz: str, older: str | None, first_page: bool
) -> Message:
    """A page of an account's trail, newest first; `older`: the Older button's value, if any."""
    if not lines:
        text = f"Nothing in the audit log for {bold(account)} yet." if first_page else (
            f"No older changes to {bold(account)}."
        )  # fmt: skip
        return message(text, [section(text)])
    head = f"*Changes to {escape(account)}*, newest first" + ("" if first_page else " (older)")
    blocks: list[Any] = [section(head)]
    blocks += [section(fit(_line(line, tz))) for line in lines]
    if older:
        button = ButtonElement(text="Older", action_id=CrmAction.AUDIT_OLDER, value=older)
        blocks.append(ActionsBlock(block_id=CrmAction.AUDIT_BLOCK, elements=[button]))
    return message(f"Changes to {escape(account)}", blocks)


def _line(line: AuditLine, tz: str) -> str:
    who = mention(line.actor) if line.actor[:1] in ("U", "W") else f"`{escape(line.actor)}`"
    head = f"{local_time(line.at, tz)} · {who} · `{escape(line.action)}` {escape(line.subject)}"
    changed = [
        f"{escape(field)}: {_value(before)} → {_value(after)}"
        for field, before, after in line.changes
    ]
    return head + ("\n" + "\n".join(changed) if changed else "")


def _value(value: Any) -> str:
    if value is None or value == "":
        return "_none_"
    return escape(preview(str(value), VALUE_MAX))
