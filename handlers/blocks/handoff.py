"""Builders for `/crm handoff @from @to [account]`: the question (what will move), the answer,
and the one DM each of the two reps gets."""

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from handlers.blocks import Message, context, message, section
from handlers.blocks.text import bold, literal, mention
from handlers.ids import Command, CrmAction

NAMES_SHOWN = 20  # accounts or deals listed by name; the rest are counted


@dataclass(frozen=True)
class HandoffSummary:
    """What a handoff moves (or moved), as plain values."""

    from_id: str
    to_id: str
    accounts: Sequence[str]  # names
    deals: Sequence[tuple[str, str]]  # (deal, its account)
    followups: int


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def what_comes_along(summary: HandoffSummary, *, whose: str = "") -> str:
    """ " with @lee's 2 open deals and 3 open follow-ups", or "" when neither."""
    parts = [
        plural(n, f"open {thing}")
        for n, thing in ((len(summary.deals), "deal"), (summary.followups, "follow-up"))
        if n
    ]
    return f" with {whose}{' and '.join(parts)}" if parts else ""


def _listing(summary: HandoffSummary) -> list[Block]:
    """The accounts, then the deals, by name (NAMES_SHOWN of each, the rest counted); nothing
    when the sentence said it all (one account, no deals)."""
    if len(summary.accounts) == 1 and not summary.deals:
        return []
    lines = [f"• {bold(name)}" for name in summary.accounts[:NAMES_SHOWN]]
    if len(summary.accounts) > NAMES_SHOWN:
        lines.append(f"and {len(summary.accounts) - NAMES_SHOWN:,} more accounts")
    deals = [f"• {literal(deal)} ({bold(at)})" for deal, at in summary.deals[:NAMES_SHOWN]]
    if len(summary.deals) > NAMES_SHOWN:
        deals.append(f"and {len(summary.deals) - NAMES_SHOWN:,} more deals")
    if deals:
        lines += ["*Open deals*", *deals]
    return [section("\n".join(lines))]


def _accounts_of(summary: HandoffSummary, owner: str) -> str:
    """ "@lee's account *Acme*" or "@lee's 3 accounts" (`owner` "": "*Acme*", "3 accounts")."""
    if len(summary.accounts) == 1:
        name = bold(summary.accounts[0])
        return f"{owner}account {name}" if owner else name
    return f"{owner}{plural(len(summary.accounts), 'account')}"


def build_handoff_question(*, summary: HandoffSummary, pending_id: int) -> Message:
    giver = mention(summary.from_id) + "'s "
    along = what_comes_along(summary, whose=giver)
    on = (" on it" if len(summary.accounts) == 1 else " on them") if along else ""
    text = (
        f":handshake: Hand {_accounts_of(summary, giver)} to {mention(summary.to_id)}{along}{on}?"
    )
    buttons = [
        ButtonElement(
            text="Hand over",
            action_id=CrmAction.HANDOFF_CONFIRM,
            value=str(pending_id),
            style="primary",
        ),
        ButtonElement(text="Cancel", action_id=CrmAction.HANDOFF_CANCEL, value=str(pending_id)),
    ]
    blocks = [
        section(text),
        *_listing(summary),
        ActionsBlock(block_id=CrmAction.HANDOFF_BLOCK, elements=buttons),
    ]
    return message(text, blocks)


def build_handed_over(
    *, summary: HandoffSummary, stayed: int, untold: Sequence[str] = ()
) -> Message:
    """The admin's answer, in place of the question; `untold`: whom Slack wouldn't let us DM."""
    text = (
        f":white_check_mark: Handed {_accounts_of(summary, '')} from {mention(summary.from_id)} "
        f"to {mention(summary.to_id)}{what_comes_along(summary)}."
    )
    if stayed:
        text += f" ({plural(stayed, 'account')} had changed hands meanwhile and stayed.)"
    if untold:
        text += f" I couldn't DM {' or '.join(mention(user) for user in untold)} about it."
    else:
        text += " Both were told by DM."
    return message(text, [section(text), *_listing(summary)])


def build_handoff_canceled() -> Message:
    text = "Canceled; nothing was handed over."
    return message(text, [section(text)])


def build_handoff_dm(*, summary: HandoffSummary, reader_id: str, actor_id: str) -> Message:
    """What the rep who took over (`reader_id` is `to_id`) or handed over is told, once."""
    who = "You" if actor_id == reader_id else mention(actor_id)
    if reader_id == summary.to_id:
        owner = mention(summary.from_id) + "'s "
        text = (
            f":handshake: {who} handed you {_accounts_of(summary, owner)}"
            f"{what_comes_along(summary)}, now yours."
        )
        hint = f"`{Command.WHO_OWNS}`, `{Command.DEAL}` and `{Command.FOLLOWUP}` show them."
    else:
        text = (
            f":handshake: {who} handed {_accounts_of(summary, 'your ')} to "
            f"{mention(summary.to_id)}{what_comes_along(summary, whose='your ')}; "
            f"{'it is' if len(summary.accounts) == 1 else 'they are'} "
            f"{mention(summary.to_id)}'s now."
        )
        hint = "Your follow-ups on other accounts, and without one, stay yours."
    return message(text, [section(text), *_listing(summary), context(hint)])
