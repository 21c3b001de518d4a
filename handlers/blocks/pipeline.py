"""Builders for /crm pipeline: the report, and what became of a chart."""

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
)

from handlers.blocks import Message, context, message, section
from handlers.blocks.text import SECTION_MAX, bold, literal, mention, quote_name
from handlers.ids import Command, PipelineAction
from models.money import format_money
from models.pipeline import Closed, CurrencySum, DealLine, PipelineReport

CURRENCIES_PER_LINE = 3  # a stage line names this many currencies, then "+N more"
STAGE_SECTIONS = 4  # sections the stage lines may fill before "and N more stages"
ROOM_FOR_MORE = 80  # characters kept free in a section for its "and N more" line


def build_pipeline(report: PipelineReport) -> Message:
    """The /crm pipeline answer: by stage, the last 30 days, stuck and overdue deals, Chart."""
    whose = "Team pipeline" if report.team else "Your pipeline"
    blocks: list[Block] = [HeaderBlock(text=whose), section(_open_summary(report))]
    stage_lines = [_stage_line(line.stage, line.probability, line.count, line.totals)
                   for line in report.stages]  # fmt: skip
    blocks += [section(text) for text in packed(stage_lines, "stages", STAGE_SECTIONS)]
    if report.stages and report.unweighted_stages:
        names = ", ".join(literal(stage) for stage in report.unweighted_stages)
        blocks.append(context(f"Weighted totals leave out stages without a probability: {names}."))
    blocks += [DividerBlock(), section(_closed_summary(report))]
    if report.stuck_total:
        blocks.append(section(_stuck(report)))
    if report.overdue_total:
        blocks.append(section(_overdue(report)))
    if report.stages:
        chart = ButtonElement(
            text="Chart", action_id=PipelineAction.CHART, value="team" if report.team else "mine"
        )
        blocks.append(ActionsBlock(block_id=PipelineAction.BUTTONS_BLOCK, elements=[chart]))
    other = (
        f"`{Command.CRM} pipeline` for your own deals"
        if report.team
        else f"`{Command.CRM} pipeline team` for the whole workspace"
    )
    blocks.append(context(f"{other} · `{Command.CRM} pipeline chart` draws it"))
    return message(f"{whose}: {_plain_summary(report)}", blocks)


def _open_summary(report: PipelineReport) -> str:
    if not report.stages:
        return "No open deals."
    count = report.open_count
    lines = [f"*{count:,} open deal{'' if count == 1 else 's'}*: {_amounts(report.open_totals)}"]
    weighted = [t for t in report.open_totals if t.weighted_minor is not None]
    if weighted:
        shown = [format_money(t.weighted_minor or 0, t.currency) for t in weighted]
        lines.append("Weighted by stage probability: " + _capped(shown, "currencies", 5))
    return "\n".join(lines)


def _plain_summary(report: PipelineReport) -> str:
    if not report.stages:
        return "no open deals"
    return f"{report.open_count:,} open deals, {_amounts(report.open_totals)}"


def _amounts(totals: Sequence[CurrencySum], cap: int = 5) -> str:
    shown = [format_money(t.amount_minor, t.currency) for t in totals if t.amount_minor]
    return _capped(shown, "currencies", cap) if shown else "no amounts yet"


def _capped(items: Sequence[str], what: str, cap: int) -> str:
    if len(items) <= cap:
        return " + ".join(items)
    return " + ".join(items[:cap]) + f" and {len(items) - cap} more {what}"


def _stage_line(
    stage: str, probability: int | None, count: int, totals: Sequence[CurrencySum]
) -> str:
    head = f"{bold(stage)}" + (f" ({probability}%)" if probability is not None else "")
    parts = [head, f"{count:,} deal{'' if count == 1 else 's'}"]
    amounts = []
    for total in totals[:CURRENCIES_PER_LINE]:
        if not total.amount_minor:
            continue
        shown = format_money(total.amount_minor, total.currency)
        if total.weighted_minor is not None:
            shown += f" (weighted {format_money(total.weighted_minor, total.currency)})"
        amounts.append(shown)
    if len(totals) > CURRENCIES_PER_LINE:
        amounts.append(f"+{len(totals) - CURRENCIES_PER_LINE} more currencies")
    return " · ".join(parts + amounts)


def packed(lines: Sequence[str], what: str, sections: int) -> list[str]:
    """Lines packed into at most `sections` texts of a section's size; what doesn't fit is
    counted in a last "…and N more" line."""
    texts: list[str] = []
    current: list[str] = []
    for shown, line in enumerate(lines):
        if len("\n".join([*current, line])) > SECTION_MAX - ROOM_FOR_MORE:
            texts.append("\n".join(current))
            current = []
            if len(texts) == sections:
                texts[-1] += f"\n…and {len(lines) - shown:,} more {what}"
                return texts
        current.append(line)
    if current:
        texts.append("\n".join(current))
    return texts


def _closed_summary(report: PipelineReport) -> str:
    if not report.won.count and not report.lost.count:
        return "*Last 30 days:* no deals won or lost."
    rate = f" · win rate {report.win_rate}%" if report.win_rate is not None else ""
    return f"*Last 30 days:* won {_closed(report.won)} · lost {_closed(report.lost)}{rate}"


def _closed(closed: Closed) -> str:
    if not closed.count:
        return "none"
    amounts = [format_money(t.amount_minor, t.currency) for t in closed.totals if t.amount_minor]
    worth = f" ({_capped(amounts, 'currencies', 3)})" if amounts else ""
    return f"{closed.count:,}{worth}"


def _deal(line: DealLine) -> str:
    parts = [f"*{quote_name(line.account, 80)}* {quote_name(line.name, 80)}", literal(line.stage)]
    if line.amount_minor:
        parts.append(format_money(line.amount_minor, line.currency))
    if line.owner_slack_id:
        parts.append(mention(line.owner_slack_id))
    return "• " + " · ".join(parts)


def _stuck(report: PipelineReport) -> str:
    head = f"*Stuck over {report.stuck_days} days in their stage ({report.stuck_total:,}):*"
    lines = [
        f"{_deal(line)} · {(report.now - line.stage_changed_at).days} days in stage"
        for line in report.stuck
    ]
    return "\n".join([head, *lines, *_more(report.stuck_total - len(lines))])


def _overdue(report: PipelineReport) -> str:
    head = f"*Expected close has passed ({report.overdue_total:,}):*"
    lines = [
        f"{_deal(line)} · was due {_day(line.expected_close)}"
        for line in report.overdue
        if line.expected_close is not None
    ]
    return "\n".join([head, *lines, *_more(report.overdue_total - len(lines))])


def _day(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _more(hidden: int) -> list[str]:
    return [f"…and {hidden:,} more"] if hidden > 0 else []


def build_chart_posted(*, team: bool) -> Message:
    text = f"Here is the chart of {'the team' if team else 'your'} pipeline, in this conversation."
    return message(text, [section(text)]) | {"replace_original": False}


def build_chart_refused(sentence: str) -> Message:
    return message(sentence, [section(f":warning: {sentence}")]) | {"replace_original": False}
