"""The App Home tab: my follow-ups, my open deals by stage, my stale accounts.

Home holds at most 100 blocks. Deals (one block per stage, at most 30) and stale accounts (a
capped list) are laid out first; the follow-up lists share what is left, the longest list giving
up rows first, each cut list saying how many more there are.
"""

from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    Option,
    OverflowMenuElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from handlers.blocks import context, section
from handlers.blocks.text import bold, local_time, quote, quote_name
from handlers.ids import HomeAction
from models.base import zone
from models.money import format_money
from models.summaries import FollowupRow, HomeSummary

HOME_BLOCKS_MAX = 100
SHOWN_PER_STAGE = 10
STALE_SHOWN = 10  # one block each, with its own Log a call button


@dataclass(frozen=True)
class Group:
    title: str
    rows: list[FollowupRow]
    total: int
    subtitle: str = ""


def day_and_time(moment: datetime, tz: str) -> str:
    """ "Thu Dec 3, 09:00" in the rep's zone: where a follow-up went, in plain words."""
    local = moment.astimezone(zone(tz))
    return f"{local:%a %b} {local.day}, {local:%H:%M}"


def _day(moment: datetime, tz: str) -> str:
    local = moment.astimezone(zone(tz))
    return f"{local:%a %b} {local.day}"


def _followup(row: FollowupRow, tz: str) -> SectionBlock:
    account = f"{bold(row.account)} · " if row.account else ""
    snoozed = " (snoozed)" if row.snoozed else ""
    note = quote(row.note, 200) if row.note else "_no note_"
    menu = OverflowMenuElement(
        action_id=HomeAction.FOLLOWUP,
        options=[
            Option(value=f"done:{row.id}", label="Done"),
            Option(value=f"snooze1:{row.id}:{row.snoozes}", label="Snooze 1 day"),
            Option(value=f"snooze7:{row.id}:{row.snoozes}", label="Snooze 1 week"),
        ],
    )
    return section(text=f"{account}{local_time(row.due_at, tz)}{snoozed}\n{note}", accessory=menu)


def _more(shown: int, total: int) -> list[Block]:
    if total <= shown:
        return []
    return [context(f"and {total - shown} more")]


def _groups(summary: HomeSummary, tz: str) -> list[Group]:
    later = ""
    if summary.later:
        later = f" · next on {_day(summary.later[0].due_at, tz)}"
    groups = [
        Group("Overdue", summary.overdue, summary.overdue_total),
        Group("Today", summary.today, summary.today_total),
        Group("Next 7 days", summary.upcoming, summary.upcoming_total),
        Group("Later", summary.later, summary.later_total, later),
    ]
    return [group for group in groups if group.total]


def _shown_rows(groups: list[Group], budget: int) -> list[int]:
    """How many rows of each group fit in `budget` blocks, with a title per group and an
    "and N more" line under each cut one; the group showing most gives up a row first."""
    shown = [len(group.rows) for group in groups]

    def blocks() -> int:
        return sum(1 + n + (group.total > n) for group, n in zip(groups, shown, strict=True))

    while blocks() > budget and any(shown):
        largest = max(range(len(shown)), key=lambda i: shown[i])
        shown[largest] -= 1
    return shown


def _followup_blocks(summary: HomeSummary, tz: str, budget: int) -> list[Block]:
    groups = _groups(summary, tz)
    if not groups:
        return [section("Nothing to follow up. :tada:")]
    blocks: list[Block] = []
    for group, n in zip(groups, _shown_rows(groups, budget), strict=True):
        blocks.append(section(f"*{group.title}* ({group.total}){group.subtitle}"))
        blocks += [_followup(row, tz) for row in group.rows[:n]]
        blocks += _more(n, group.total)
    return blocks


def _deal_blocks(summary: HomeSummary) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text="Open deals")]
    if not summary.stages:
        blocks.append(section("No open deals."))
    for group in summary.stages:
        count = sum(t.count for t in group.totals)  # group.deals is capped; totals are not
        shown = group.deals[:SHOWN_PER_STAGE]
        worth = " + ".join(
            format_money(t.amount_minor, t.currency) for t in group.totals if t.amount_minor
        )
        lines = [
            f"• {bold(account)}: {quote_name(name, 80)}"
            f"{' · ' + format_money(amount, currency) if amount else ''}"
            for _, account, name, amount, currency in shown
        ]
        more = f"\n_and {count - len(shown)} more_" if count > len(shown) else ""
        blocks.append(
            section(
                text=f"{bold(group.stage)} ({count})"
                f"{' · ' + worth if worth else ''}\n" + "\n".join(lines) + more
            )
        )
    return blocks


def _stale_blocks(summary: HomeSummary, tz: str, stale_days: int) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text=f"Untouched for {stale_days}+ days")]
    if not summary.stale:
        return [*blocks, section("None: every account you own was touched recently.")]
    shown = summary.stale[:STALE_SHOWN]
    for account_id, name, at in shown:
        touched = f"last touch {local_time(at, tz)}" if at else "never touched"
        button = ButtonElement(
            text="Log a call", action_id=HomeAction.LOG_CALL, value=str(account_id)
        )
        blocks.append(section(f"{bold(name)} · {touched}", accessory=button))
    return blocks + _more(len(shown), summary.stale_total)


def build_home(
    summary: HomeSummary, *, tz: str, stale_days: int, notice: str | None = None
) -> dict:
    """The Home view; `notice` (built mrkdwn) says what the rep's last click did."""
    head: list[Block] = [
        HeaderBlock(text="Your day in Rapport"),
        ActionsBlock(
            elements=[
                ButtonElement(text="Log a call", action_id=HomeAction.LOG_CALL, style="primary")
            ]
        ),
    ]
    if notice:
        head.append(context(notice))
    head.append(HeaderBlock(text="Follow-ups"))
    deals, stale = _deal_blocks(summary), _stale_blocks(summary, tz, stale_days)
    budget = HOME_BLOCKS_MAX - len(head) - len(deals) - len(stale)
    blocks = head + _followup_blocks(summary, tz, budget) + deals + stale
    return View(type="home", blocks=blocks).to_dict()
