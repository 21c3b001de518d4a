"""The App Home tab: my follow-ups, my open deals by stage, my stale accounts."""

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
from handlers.blocks.lookups import money
from handlers.blocks.text import escape, local_time, quote
from handlers.ids import HomeAction
from models.summaries import FollowupRow, HomeSummary

HOME_BLOCKS_MAX = 100
SHOWN_PER_STAGE = 10


def _followup(row: FollowupRow, tz: str) -> SectionBlock:
    account = f"*{escape(row.account)}* · " if row.account else ""
    snoozed = " (snoozed)" if row.snoozed else ""
    note = quote(row.note, 200) if row.note else "_no note_"
    menu = OverflowMenuElement(
        action_id=HomeAction.FOLLOWUP,
        options=[
            Option(value=f"done:{row.id}", label="Done"),
            Option(value=f"snooze1:{row.id}", label="Snooze 1 day"),
            Option(value=f"snooze7:{row.id}", label="Snooze 1 week"),
        ],
    )
    return section(text=f"{account}{local_time(row.due_at, tz)}{snoozed}\n{note}", accessory=menu)


def _more(shown: int, total: int) -> list[Block]:
    if total <= shown:
        return []
    return [context(f"and {total - shown} more")]


def build_home(summary: HomeSummary, *, tz: str, stale_days: int) -> dict:
    blocks: list[Block] = [
        HeaderBlock(text="Your day in Rapport"),
        ActionsBlock(
            elements=[
                ButtonElement(text="Log a call", action_id=HomeAction.LOG_CALL, style="primary")
            ]
        ),
    ]
    groups = [
        ("Overdue", summary.overdue, summary.overdue_total),
        ("Today", summary.today, summary.today_total),
        ("Next 7 days", summary.upcoming, summary.upcoming_total),
    ]
    blocks.append(HeaderBlock(text="Follow-ups"))
    if not any(total for _, _, total in groups):
        blocks.append(section("Nothing to follow up. :tada:"))
    for title, rows, total in groups:
        if total:
            blocks.append(section(f"*{title}* ({total})"))
            blocks += [_followup(row, tz) for row in rows]
            blocks += _more(len(rows), total)
    blocks += [DividerBlock(), HeaderBlock(text="Open deals")]
    if not summary.stages:
        blocks.append(section("No open deals."))
    for group in summary.stages:
        count = sum(t.count for t in group.totals)  # group.deals is capped; totals are not
        shown = group.deals[:SHOWN_PER_STAGE]
        worth = " + ".join(
            money(t.amount_minor, t.currency) for t in group.totals if t.amount_minor
        )
        lines = [
            f"• *{escape(account)}*: {quote(name, 80)}"
            f"{' · ' + money(amount, currency) if amount else ''}"
            for _, account, name, amount, currency in shown
        ]
        more = f"\n_and {count - len(shown)} more_" if count > len(shown) else ""
        blocks.append(
            section(
                text=f"*{escape(group.stage)}* ({count})"
                f"{' · ' + worth if worth else ''}\n" + "\n".join(lines) + more
            )
        )
    blocks += [DividerBlock(), HeaderBlock(text=f"Untouched for {stale_days}+ days")]
    if summary.stale:
        lines = [
            f"• *{escape(name)}* · "
            + (f"last touch {local_time(at, tz)}" if at else "never touched")
            for _, name, at in summary.stale
        ]
        blocks.append(section("\n".join(lines)))
        blocks += _more(len(summary.stale), summary.stale_total)
    else:
        blocks.append(section("None: every account you own was touched recently."))
    return View(type="home", blocks=blocks[:HOME_BLOCKS_MAX]).to_dict()
