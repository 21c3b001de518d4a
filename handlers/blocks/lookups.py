"""Builders for answers: who owns an account, its history, picking among several names."""

from handlers.blocks import Message, kit, message
from handlers.blocks.calls import KINDS
from handlers.blocks.names import Buttons, Choice, build_unknown_name
from handlers.blocks.text import bold, literal, local_time, mention, quote
from handlers.ids import LookupAction
from models.accounts import MAX_NAME_LENGTH
from models.money import format_money
from models.summaries import DealTotal, OwnerCard
from models.timeline import Entry, EntryKind, Page


def _totals(totals: list[DealTotal]) -> str:
    return " + ".join(format_money(t.amount_minor, t.currency) for t in totals if t.amount_minor)


def build_owner_card(
    card: OwnerCard, *, tz: str, shareable: bool, touches: list[Entry] | None = None
) -> Message:
    """The /who-owns answer; `shareable` adds Share in channel (never in Slack Connect channels).
    With `touches` ("what's new with Acme?"), those latest entries stand for the last touch."""
    name = literal(card.account)
    if card.owner_slack_id:
        since = f" since {local_time(card.owner_since, tz)}" if card.owner_since else ""
        by = (
            f" (assigned by {mention(card.assigned_by_slack_id)})"
            if card.assigned_by_slack_id and card.assigned_by_slack_id != card.owner_slack_id
            else ""
        )
        lines = [f"*{name}* is owned by {mention(card.owner_slack_id)}{since}{by}."]
    else:
        lines = [f"*{name}* has no owner."]
    touch = card.last_touch
    if touches:
        lines.append(f"Latest {len(touches)}:" if len(touches) > 1 else "Latest:")
        lines += [f"• {_touch_line(entry, tz)}" for entry in touches]
    elif touch:
        kind = KINDS.get(touch.kind, touch.kind).lower()
        link = f" <{touch.permalink}|message>" if touch.permalink else ""
        lines.append(
            f"Last touch: {kind} by {mention(touch.rep_slack_id)} "
            f"{local_time(touch.at, tz)}: “{quote(touch.summary, 140)}”{link}"
        )
    else:
        lines.append("No calls, meetings, emails or notes logged yet.")
    if card.open_deals:
        stages = ", ".join(literal(s) for s in card.open_stages)
        value = _totals(card.open_totals)
        lines.append(
            f"{card.open_deals} open deal{'s' * (card.open_deals > 1)} ({stages})"
            f"{' worth ' + value if value else ''}."
        )
    else:
        lines.append("No open deals.")
    if card.next_followup:
        due, rep, note = card.next_followup
        lines.append(
            f"Next follow-up {local_time(due, tz)} by {mention(rep)}"
            f"{': ' + quote(note, 100) if note else ''}."
        )
    account_id = str(card.account_id)
    buttons = [kit.button("History", action_id=LookupAction.SHOW_HISTORY, value=account_id)]
    if not card.owner_slack_id:
        take = kit.button(
            "Take ownership", action_id=LookupAction.TAKE, value=account_id, style="primary"
        )
        buttons.insert(0, take)
    if shareable:
        buttons.append(
            kit.button("Share in channel", action_id=LookupAction.SHARE, value=account_id)
        )
    blocks = [kit.section("\n".join(lines)), kit.actions(buttons, block_id=f"card_{account_id}")]
    return message(f"{name}: owner and last touch", blocks)


def _touch_line(entry: Entry, tz: str) -> str:
    kind = KINDS.get(entry.kind, entry.kind).lower()
    by = f" by {mention(entry.rep_slack_id)}" if entry.rep_slack_id else ""
    link = f" <{entry.permalink}|message>" if entry.permalink else ""
    return f"{kind}{by} {local_time(entry.at, tz)}: “{quote(entry.text, 280)}”{link}"


def build_shared_card(card: OwnerCard, *, tz: str, shared_by: str) -> Message:
    built = build_owner_card(card, tz=tz, shareable=False)
    built["blocks"] = [
        built["blocks"][0],
        kit.context(f"Shared by {mention(shared_by)}"),
    ]
    return built


def build_pick(
    *,
    typed: str,
    choices: list[Choice],
    action: str,
    close: bool,
    create: bool = True,
    only: str | None = None,
) -> Message:
    """Which account a lookup is about: a button each showing that account (its history
    filtered to `only`, when a history filter was asked for), and Create."""
    name = " ".join(typed.split())
    buttons = Buttons(
        pick=action,
        value=lambda choice: f"{choice.id}|{only}" if only else str(choice.id),
        create=LookupAction.CREATE if create else None,
        create_value=name if len(name) <= MAX_NAME_LENGTH else "",
        block_id=f"pick_{action}",
    )
    return build_unknown_name(typed=typed, choices=choices, close=close, buttons=buttons)


def _entry_line(entry: Entry, tz: str) -> str:
    who = f" · {mention(entry.rep_slack_id)}" if entry.rep_slack_id else ""
    when = local_time(entry.at, tz)
    if entry.kind == EntryKind.STAGE:
        return f":chart_with_upwards_trend: *Deal* · {when}{who}\n{quote(entry.text, 300)}"
    if entry.kind == EntryKind.FOLLOWUP:
        return _followup_line(entry, tz)
    link = f" · <{entry.permalink}|message>" if entry.permalink else ""
    kind = KINDS.get(entry.kind, entry.kind)
    return f"*{kind}* · {when}{who}{link}\n>{quote(entry.text, 1200)}"


def _followup_line(entry: Entry, tz: str) -> str:
    """Each date says what it is: "due Thu Dec 3 · done Tue Dec 1 by @bob · set Nov 28"."""
    by = f" by {mention(entry.rep_slack_id)}" if entry.rep_slack_id else ""
    parts = [f"due {local_time(entry.due_at, tz)}"] if entry.due_at else []
    state = entry.status or "open"
    if entry.done_at and entry.status in ("done", "canceled"):
        parts.append(f"{state} {local_time(entry.done_at, tz)}{by}")
        parts.append(f"set {local_time(entry.at, tz)}")
    else:
        parts.append(f"{state}, set {local_time(entry.at, tz)}{by}")
    note = f"\n>{quote(entry.text, 600)}" if entry.text else ""
    return f":alarm_clock: *Follow-up* · {' · '.join(parts)}{note}"


def _position(page: Page) -> str:
    if not page.entries or not page.total:
        return ""
    last = page.first + len(page.entries) - 1
    return f" · {page.first}-{last} of {page.total}"


def build_history(
    *, account_id: int, account: str, page: Page, tz: str, only: str | None
) -> Message:
    """One page of an account's timeline, newest first, with Older / Newer."""
    scope = f" ({only.replace('+', ', ')})" if only else ""
    blocks = [kit.section(f":ledger: History of {bold(account)}{scope}{_position(page)}")]
    if not page.entries:
        blocks.append(kit.section("Nothing logged yet."))
    blocks += [kit.section(_entry_line(entry, tz)) for entry in page.entries]
    at = f"{account_id}|{only or ''}|"
    buttons = []
    if page.newer:
        buttons.append(
            kit.button("Newer", action_id=LookupAction.NEWER, value=at + page.newer.encode())
        )
    if page.older:
        buttons.append(
            kit.button("Older", action_id=LookupAction.OLDER, value=at + page.older.encode())
        )
    if buttons:
        blocks.append(kit.actions(buttons, block_id=f"history_{account_id}"))
    return message(f"History of {literal(account)}", blocks)


NOT_LOGGED = "Nothing was logged. To log the call, send it on its own."


def build_not_logged(answer: Message) -> Message:
    """An answer to a question a DM asked before a log line: it says the line wasn't logged."""
    line = kit.context(NOT_LOGGED)
    return answer | {"text": f"{answer['text']} {NOT_LOGGED}", "blocks": [*answer["blocks"], line]}


def build_mention_help() -> Message:
    text = (
        "I can answer “who owns Acme?”, “history Globex” and “what's new with Initech?” "
        "(in a linked channel, “who owns this?”, “history” and “what's new here?”). "
        "In a DM, “called Acme: they signed” logs a call."
    )
    return message(text, [kit.section(text)])
