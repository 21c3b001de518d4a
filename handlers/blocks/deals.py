"""Builders for deals: the deal card, lists of deals, picking one, the lost modal, the pipeline's
stages and the Won announcement."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from handlers.blocks import Message, context, message, section
from handlers.blocks.text import (
    bold,
    escape,
    label,
    literal,
    local_time,
    mention,
    quote,
    quote_name,
)
from handlers.ids import DealAction, DealModal
from models.deals import Change, Deal
from models.money import format_money
from models.stages import Pipeline, Stage, StageOutcome

MAX_LIST_LINES = 10  # deals listed per stage before "and N more"...
MAX_LINES = 50  # ...and in all: Slack refuses a message past ~13k characters of blocks
MAX_GROUPS = 40
MAX_OPEN_OPTIONS = 100  # Slack's limit on a static_select's options
REASON_MAX = 500


@dataclass(frozen=True)
class DealCard:
    """Everything the card shows; strings as stored (builders escape them)."""

    deal: Deal
    account: str
    owner: str | None  # Slack user id
    pipeline: Pipeline
    changes: list[Change]  # newest first
    today: date  # the reader's
    now: datetime


def _id(deal: Deal) -> int:
    assert deal.id is not None
    return deal.id


def amount(deal: Deal) -> str:
    if deal.amount_minor is None:
        return "no amount"
    return format_money(deal.amount_minor, deal.currency)


def close_text(deal: Deal, *, today: date, closed: bool) -> str:
    """The expected close, flagged when it has passed on an open deal."""
    if deal.expected_close is None:
        return "no close date"
    shown = f"{deal.expected_close:%b} {deal.expected_close.day}, {deal.expected_close.year}"
    if not closed and deal.expected_close < today:
        return f"{shown} :warning: _past_"
    return shown


def build_deal_card(card: DealCard, *, tz: str, headline: str | None = None) -> Message:
    deal, pipeline = card.deal, card.pipeline
    closed = pipeline.is_closed(deal.stage)
    title = f"{bold(deal.name)} · {literal(card.account)}"
    owner = mention(card.owner) if card.owner else "nobody"
    days = max(0, (card.now - deal.stage_changed_at).days)
    facts = [
        f"Owner: {owner}",
        f"Stage: {bold(deal.stage)} ({days} day{'s' if days != 1 else ''} in stage)",
        f"Amount: {escape(amount(deal))}",
        f"Expected close: {close_text(deal, today=card.today, closed=closed)}",
    ]
    if deal.lost_reason and closed:
        facts.append(f"Lost because: {quote(deal.lost_reason, 300)}")
    blocks: list[Block] = []
    if headline:
        blocks.append(section(headline))
    body = section(f"{title}\n" + "\n".join(facts), accessory=_stage_select(card))
    body.block_id = card_block_id(deal)
    blocks.append(body)
    if card.changes:
        blocks.append(context("\n".join(_change_line(c, tz) for c in card.changes)))
    blocks.append(_card_buttons(card, closed=closed))
    fallback = f"{headline or ''} {escape(deal.name)} · {escape(card.account)}: {deal.stage}"
    return message(fallback.strip(), blocks)


def _stage_select(card: DealCard) -> StaticSelectElement:
    options = [Option(text=label(s.name), value=s.name) for s in card.pipeline.stages]
    current = next((o for o in options if o.value == card.deal.stage), None)
    return StaticSelectElement(
        action_id=DealAction.STAGE,
        placeholder="Move to…",
        options=options,
        initial_option=current,
    )


def card_block_id(deal: Deal) -> str:
    """The card's block: which deal, and the version the card shows (a stale card is told)."""
    return f"deal_{_id(deal)}_{deal.version}"


def _change_line(change: Change, tz: str) -> str:
    moved = (
        f"{literal(change.from_stage)} → {literal(change.to_stage)}"
        if change.from_stage
        else f"created in {literal(change.to_stage)}"
    )
    who = f" by {mention(change.by)}" if change.by else ""
    note = f" — {quote(change.note, 200)}" if change.note else ""
    return f"{moved}{who}, {local_time(change.at, tz)}{note}"


def _card_buttons(card: DealCard, *, closed: bool) -> ActionsBlock:
    deal = card.deal
    value = f"{_id(deal)}:{deal.version}"
    if closed:
        buttons = [ButtonElement(text="Reopen", action_id=DealAction.REOPEN, value=value)]
    else:
        buttons = [
            ButtonElement(text="Won", action_id=DealAction.WON, value=value, style="primary"),
            ButtonElement(text="Lost", action_id=DealAction.LOST, value=value, style="danger"),
        ]
    log = ButtonElement(
        text="Log a call", action_id=DealAction.LOG_CALL, value=str(deal.account_id)
    )
    return ActionsBlock(block_id=f"{card_block_id(deal)}_buttons", elements=[*buttons, log])


@dataclass(frozen=True)
class Listed:
    deal: Deal
    account: str


def build_deal_list(
    listed: Sequence[Listed], *, total: int, pipeline: Pipeline, today: date, title: str
) -> Message:
    """Deals grouped by stage in pipeline order, totals per currency, and "Open a deal…"."""
    if not listed:
        text = f"{title}: none." if total == 0 else title
        hint = "Create one with `/deal new Acme: Renewal 2027 $48,000`."
        return message(text, [section(f"{escape(text)} {hint}")])
    groups: dict[str, list[Listed]] = defaultdict(list)
    for row in listed:
        groups[row.deal.stage].append(row)
    blocks: list[Block] = [section(f"{bold(title)}")]
    stages = sorted(groups, key=pipeline.order_key)[:MAX_GROUPS]
    lines = max(1, min(MAX_LIST_LINES, MAX_LINES // len(stages)))
    for stage in stages:
        blocks.append(section(_group_text(stage, groups[stage], pipeline, today, lines)))
    if total > len(listed):
        blocks.append(context(f"and {total - len(listed):,} more not listed"))
    blocks.append(ActionsBlock(block_id="deal_list", elements=[_open_select(listed)]))
    return message(title, blocks)


def _group_text(
    stage: str, rows: list[Listed], pipeline: Pipeline, today: date, lines_max: int
) -> str:
    totals = _totals(row.deal for row in rows)
    head = f"{bold(stage)} · {len(rows)}" + (f" · {totals}" if totals else "")
    lines = [
        f"• {quote_name(row.account, 60)} — {quote_name(row.deal.name, 80)}"
        + f" · {escape(amount(row.deal))}"
        + (
            f" · closes {close_text(row.deal, today=today, closed=pipeline.is_closed(stage))}"
            if row.deal.expected_close
            else ""
        )
        for row in rows[:lines_max]
    ]
    if len(rows) > lines_max:
        lines.append(f"and {len(rows) - lines_max} more")
    return "\n".join([head, *lines])


def _totals(deals: Iterable[Deal]) -> str:
    """Exact sums per currency (integers), largest first."""
    sums: dict[str, int] = defaultdict(int)
    for deal in deals:
        if deal.amount_minor is not None:
            sums[deal.currency or "USD"] += deal.amount_minor
    ordered = sorted(sums.items(), key=lambda item: -item[1])
    return " + ".join(escape(format_money(minor, code)) for code, minor in ordered)


def _open_select(listed: Sequence[Listed]) -> StaticSelectElement:
    options = [
        Option(text=label(f"{row.account} — {row.deal.name}"), value=str(_id(row.deal)))
        for row in listed[:MAX_OPEN_OPTIONS]
    ]
    return StaticSelectElement(
        action_id=DealAction.OPEN, placeholder="Open a deal…", options=options
    )


def build_pick_deal(*, account: str, deals: Sequence[Deal], pending_id: int, verb: str) -> Message:
    """Several deals fit: a button each; the change waits in `pending_id`."""
    text = f"{literal(account)} has {len(deals)} deals; which one{f' to {verb}' if verb else ''}?"
    buttons = [
        ButtonElement(
            text=label(f"{deal.name} ({deal.stage})"),
            action_id=f"{DealAction.PICK}_{n}",
            value=f"{pending_id}:{_id(deal)}",
        )
        for n, deal in enumerate(deals[:25])
    ]
    blocks: list[Block] = [section(text), ActionsBlock(block_id="deal_pick", elements=buttons)]
    if len(deals) > 25:
        blocks.append(context(f"and {len(deals) - 25} more: name the deal after the account."))
    return message(text, blocks)


def build_pick_account_for_deal(
    *, typed: str, pending_id: int, choices: Sequence[tuple[int, str]], close: bool
) -> Message:
    """/deal new on an unclear account: a button per close name, and Create."""
    shown = quote(typed, 80)
    text = (
        f"Which account did you mean by “{shown}”?" if close else f"No account matches “{shown}”."
    )
    buttons = [
        ButtonElement(
            text=label(name), action_id=f"{DealAction.PICK_ACCOUNT}_{n}", value=f"{pending_id}:{i}"
        )
        for n, (i, name) in enumerate(choices[:5])
    ]
    create = ButtonElement(
        text=label(f"Create account “{typed}” (owner: you)"),
        action_id=DealAction.CREATE_ACCOUNT,
        value=str(pending_id),
        style=None if close else "primary",
    )
    blocks: list[Block] = [
        section(text),
        ActionsBlock(block_id=f"deal_new_{pending_id}", elements=[*buttons, create]),
        context("Your deal is saved; pick the account to create it on."),
    ]
    return message(f"Which account? {shown}", blocks)


def build_needs_reason(deal: Deal, *, account: str) -> Message:
    text = f"Lost needs a reason: why was {bold(deal.name)} ({literal(account)}) lost?"
    button = ButtonElement(
        text="Say why it was lost",
        action_id=DealAction.LOST,
        value=f"{_id(deal)}:{deal.version}",
    )
    blocks = [section(text), ActionsBlock(block_id=card_block_id(deal), elements=[button])]
    return message(text, blocks)


def build_lost_modal(*, deal: str, private_metadata: str) -> dict:
    view = View(
        type="modal",
        callback_id=DealModal.LOST_CALLBACK,
        title="Deal lost",
        submit="Mark lost",
        close="Cancel",
        private_metadata=private_metadata,
        blocks=[
            section(f"Why was {bold(deal)} lost?"),
            InputBlock(
                block_id=DealModal.REASON_BLOCK,
                label="Reason",
                element=PlainTextInputElement(
                    action_id=DealModal.REASON_INPUT,
                    multiline=True,
                    max_length=REASON_MAX,
                    placeholder="e.g. went with a competitor",
                ),
            ),
        ],
    )
    return view.to_dict()


OUTCOME_WORDS = {StageOutcome.WON: "won", StageOutcome.LOST: "lost"}


def stage_line(stage: Stage) -> str:
    extra = [OUTCOME_WORDS[stage.outcome]] if stage.outcome in OUTCOME_WORDS else []
    if stage.probability is not None:
        extra.append(f"{stage.probability}%")
    return literal(stage.name) + (f" ({', '.join(extra)})" if extra else "")


def build_stages(pipeline: Pipeline, *, headline: str | None = None, admin: bool) -> Message:
    lines = [f"{n}. {stage_line(s)}" for n, s in enumerate(pipeline.stages, start=1)]
    blocks: list[Block] = []
    if headline:
        blocks.append(section(headline))
    blocks.append(section("*The pipeline*\n" + "\n".join(lines)))
    hint = (
        "Change it: `/crm stages set Lead 10%, Qualified 25%, Demo, Won, Lost` · "
        "rename: `/crm stages rename Demo to Discovery`"
        if admin
        else "Rapport admins can change the stages."
    )
    blocks.append(context(hint))
    return message(headline or "The pipeline's stages", blocks)


def build_won_announcement(*, deal: Deal, account: str, owner: str | None) -> Message:
    who = mention(owner) if owner else "the team"
    text = (
        f":tada: {bold(account)} · {literal(deal.name)} is won: {escape(amount(deal))}, by {who}."
    )
    return message(f"Won: {escape(account)} {escape(deal.name)}", [section(text)])
