"""Builders for answers: what's new, where a history page sits, follow-up rows with labels."""

from datetime import timedelta

from bot.standin.driver import text_of
from handlers.blocks.lookups import build_history, build_owner_card
from handlers.ids import LookupAction
from models.timeline import Entry, EntryKind, Page
from tests.test_builders import ESCAPED, HOSTILE, T0, TZ, assert_valid_message, buttons, card


def touch(n: int, text: str = "touch {n}") -> Entry:
    return Entry(EntryKind.MEETING, T0 - timedelta(hours=n), n, "U0BOB", text.format(n=n))


def test_whats_new_puts_the_latest_touches_where_the_last_touch_was() -> None:
    message = build_owner_card(
        card(), tz=TZ, shareable=False, touches=[touch(0), touch(1), touch(2)]
    )
    assert_valid_message(message)
    text = text_of(message)
    assert "*Acme Corp* is owned by <@U0ALICE>" in text and "Latest 3:" in text
    assert "• meeting by <@U0BOB> <!date^" in text and "“touch 2”" in text
    assert "Last touch" not in text and "2 open deals" in text
    assert [b["action_id"] for b in buttons(message)] == [LookupAction.SHOW_HISTORY]


def test_whats_new_keeps_long_hostile_touches_short_and_escaped() -> None:
    long = [touch(n, HOSTILE + " {n} " + "y" * 4000) for n in range(3)]
    message = build_owner_card(card(), tz=TZ, shareable=False, touches=long)
    assert_valid_message(message)
    text = text_of(message)
    assert text.count(ESCAPED) == 3 and "<!channel>" not in text
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")


def test_a_history_page_says_which_entries_of_how_many_it_shows() -> None:
    page = Page([touch(n) for n in range(10, 20)], older=None, newer=None, first=11, total=37)
    text = text_of(build_history(account_id=7, account="Acme", page=page, tz=TZ, only="meetings"))
    assert ":ledger: History of *Acme* (meetings) · 11-20 of 37" in text
    one = Page([touch(0)], older=None, newer=None, first=1, total=1)
    assert "· 1-1 of 1" in text_of(build_history(account_id=7, account="A", page=one, tz=TZ,
                                                 only=None))  # fmt: skip


def followup(status: str, *, done: bool) -> Entry:
    done_at = T0 + timedelta(days=2) if done else None
    due_at = T0 + timedelta(days=3)
    return Entry(EntryKind.FOLLOWUP, T0, 1, "U0BOB", "send the contract", status=status,
                 due_at=due_at, done_at=done_at)  # fmt: skip


def row(entry: Entry) -> str:
    page = Page([entry], older=None, newer=None, first=1, total=1)
    message = build_history(account_id=7, account="Acme", page=page, tz=TZ, only=None)
    return message["blocks"][1]["text"]["text"]


def test_follow_up_rows_say_what_each_date_is() -> None:
    done = row(followup("done", done=True))
    assert done.startswith(":alarm_clock: *Follow-up* · due <!date^")
    assert "|Thu Nov 26, 10:00 EST> · done <!date^" in done
    assert "|Wed Nov 25, 10:00 EST> by <@U0BOB> · set <!date^" in done
    assert done.split("\n")[0].endswith("{time}|Mon Nov 23, 10:00 EST>")
    assert done.endswith("\n>send the contract")
    assert "· open, set <!date^" in row(followup("open", done=False))
    assert "· snoozed, set <!date^" in row(followup("snoozed", done=False))
    assert "· canceled, set <!date^" in row(followup("canceled", done=False))


def test_deal_values_on_the_card_are_exact_in_each_currencys_own_minor_unit() -> None:
    from models.summaries import DealTotal

    totals = [DealTotal("KWD", 1_234_567, 1), DealTotal("JPY", 1_200_000, 1)]
    totals += [DealTotal("HUF", 4_800_050, 1), DealTotal("USD", 10, 1)]
    text = text_of(build_owner_card(card(open_totals=totals), tz=TZ, shareable=False))
    assert "1,234.567 KWD + ¥1,200,000 + 48,000.50 HUF + $0.10" in text
