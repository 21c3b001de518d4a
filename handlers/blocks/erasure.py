"""Builders for `/crm erase-contact`: the question, and the answers that name nobody."""

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from handlers.blocks import Message, message, section
from handlers.blocks.text import bold, literal
from handlers.ids import CrmAction


def build_erase_question(
    *, email: str, people: Sequence[tuple[str, str]], pending_id: int
) -> Message:
    """Ask an admin to confirm; `people` are (name, account) of the contacts with the email."""
    who = ", ".join(f"{bold(name)} at {bold(account)}" for name, account in people)
    text = (
        f":warning: Erase {who} ({literal(email)})? Their contact card goes, and every mention "
        "of their name and email in calls, notes, follow-ups, deals and the audit log becomes "
        "[erased]. This can't be undone."
    )
    buttons = [
        ButtonElement(
            text="Erase", action_id=CrmAction.ERASE_CONFIRM, value=str(pending_id), style="danger"
        ),
        ButtonElement(text="Cancel", action_id=CrmAction.ERASE_CANCEL, value=str(pending_id)),
    ]
    return message(
        text, [section(text), ActionsBlock(block_id=CrmAction.ERASE_BLOCK, elements=buttons)]
    )


def build_erased(*, contacts: int, unlinked: int, rows: int, files: int) -> Message:
    """Done; says what was done in counts only, so the erased person is not shown again."""
    text = (
        f":white_check_mark: Erased {contacts} contact{_s(contacts)}: {unlinked} "
        f"interaction link{_s(unlinked)} removed, {rows} record{_s(rows)} rewritten"
        + (f", {files} import file{_s(files)} scrubbed" if files else "")
        + ". The audit log records the erasure, not who it was."
    )
    return message(text, [section(text)])


def build_erase_canceled() -> Message:
    text = "Canceled; nothing was erased."
    return message(text, [section(text)])


def _s(count: int) -> str:
    return "" if count == 1 else "s"
