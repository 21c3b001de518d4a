"""Pure tests of the lookup and logging builders: content, escaping and Slack's limits.

No Slack and no mocks: each message or view is checked for what a person reads, and against the
stand-in's Block Kit checks (slack_sdk's own validators plus Slack's counts and lengths).
"""

from datetime import UTC, datetime, timedelta

from bot.standin.checks import block_problems, message_problems, view_problems
from bot.standin.driver import text_of
from handlers.blocks.calls import Choice, build_account_options, build_followup_modal
from handlers.blocks.lookups import build_history, build_owner_card, build_pick
from handlers.ids import LogModal, LookupAction
from models.summaries import DealTotal, LastTouch, OwnerCard
from models.timeline import Cursor, Entry, EntryKind, Page

HOSTILE = "<!channel> ping <@U123> & <#C9>"
ESCAPED = "&lt;!channel&gt; ping &lt;@U123&gt; &amp; &lt;#C9&gt;"
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TZ = "America/New_York"


def card(**changes: object) -> OwnerCard:
    fields: dict = {
        "account_id": 7, "account": "Acme Corp", "owner_slack_id": "U0ALICE",
        "owner_since": T0 - timedelta(days=30), "assigned_by_slack_id": "U0ADMIN",
        "last_touch": LastTouch("U0BOB", T0, "call", "talked renewal, they want SSO", None),
        "open_deals": 2, "open_stages": ["Proposal", "Negotiation"],
        "open_totals": [DealTotal("USD", 4_800_000, 1), DealTotal("EUR", 120_050, 1)],
        "next_followup": (T0 + timedelta(days=3), "U0ALICE", "send the contract"),
    }  # fmt: skip
    return OwnerCard(**(fields | changes))


def buttons(message: dict) -> list[dict]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def assert_valid_message(message: dict) -> None:
    assert message_problems(message) == [] and message["text"]
    assert len(message["blocks"]) <= 50


def test_owner_card_names_the_owner_last_touch_deals_and_next_follow_up() -> None:
    message = build_owner_card(card(), tz=TZ, shareable=True)
    assert_valid_message(message)
    text = text_of(message)
    assert "*Acme Corp* is owned by <@U0ALICE> since <!date^" in text
    assert "(assigned by <@U0ADMIN>)" in text
    assert "Last touch: call by <@U0BOB>" in text and "“talked renewal, they want SSO”" in text
    assert "2 open deals (Proposal, Negotiation) worth $48,000 + €1,200.50." in text
    assert "Next follow-up <!date^" in text and "by <@U0ALICE>: send the contract." in text
    assert [b["action_id"] for b in buttons(message)] == [
        LookupAction.SHOW_HISTORY,
        LookupAction.SHARE,
    ]
    assert {b["value"] for b in buttons(message)} == {"7"}


def test_owner_card_without_owner_offers_to_take_it_and_is_not_shareable_when_told() -> None:
    bare = card(owner_slack_id=None, owner_since=None, last_touch=None, open_deals=0,
                open_stages=[], open_totals=[], next_followup=None)  # fmt: skip
    message = build_owner_card(bare, tz=TZ, shareable=False)
    assert_valid_message(message)
    text = text_of(message)
    assert "*Acme Corp* has no owner." in text
    assert "No calls, meetings, emails or notes logged yet." in text and "No open deals." in text
    assert [b["action_id"] for b in buttons(message)] == [
        LookupAction.TAKE,
        LookupAction.SHOW_HISTORY,
    ]


def test_owner_card_escapes_what_people_typed() -> None:
    touch = LastTouch("U0BOB", T0, "note", HOSTILE, None)
    hostile = card(account=f"Acme {HOSTILE}", last_touch=touch, open_stages=[HOSTILE],
                   next_followup=(T0, "U0ALICE", HOSTILE))  # fmt: skip
    message = build_owner_card(hostile, tz=TZ, shareable=True)
    assert_valid_message(message)
    text = text_of(message)
    assert f"*Acme {ESCAPED}* is owned by <@U0ALICE>" in text
    assert f"“{ESCAPED}”" in text and "(Proposal, Negotiation)" not in text
    assert f"({ESCAPED})" in text and f"by <@U0ALICE>: {ESCAPED}." in text
    assert message["text"] == f"Acme {ESCAPED}: owner and last touch"
    assert "<!channel>" not in text and "<@U123>" not in text


def test_owner_card_cuts_a_long_last_touch_to_a_preview() -> None:
    touch = LastTouch("U0BOB", T0, "call", "word " * 2000, None)
    message = build_owner_card(card(last_touch=touch), tz=TZ, shareable=False)
    assert_valid_message(message)
    [line] = [line for line in text_of(message).splitlines() if line.startswith("Last touch")]
    quoted = line.split("“", 1)[1].split("”", 1)[0]
    assert len(quoted) <= 140 and quoted.endswith("…")


def entries(count: int, text: str = "call number {n}") -> list[Entry]:
    kinds = [EntryKind.CALL, EntryKind.STAGE, EntryKind.FOLLOWUP, EntryKind.EMAIL]
    return [
        Entry(kind=kinds[n % 4], at=T0 - timedelta(hours=n), id=n, rep_slack_id="U0ALICE",
              text=text.format(n=n), status="open" if kinds[n % 4] == EntryKind.FOLLOWUP else None,
              due_at=T0 + timedelta(days=1) if kinds[n % 4] == EntryKind.FOLLOWUP else None)
        for n in range(count)
    ]  # fmt: skip


def test_history_page_shows_each_kind_of_entry_with_older_and_newer() -> None:
    older, newer = Cursor(T0, 3, 1), Cursor(T0, 3, 9)
    page = Page(entries=entries(10), older=older, newer=newer)
    message = build_history(account_id=7, account="Acme Corp", page=page, tz=TZ, only=None)
    assert_valid_message(message)
    text = text_of(message)
    assert ":ledger: History of *Acme Corp*" in text and message["text"] == "History of Acme Corp"
    assert "*Call* · <!date^" in text and ">call number 0" in text
    assert ":chart_with_upwards_trend: *Deal*" in text and "call number 1" in text
    assert ":alarm_clock: *Follow-up* · due <!date^" in text and "*Email*" in text
    assert "· open, set <!date^" in text
    assert text.count("<@U0ALICE>") == 10
    assert [(b["action_id"], b["value"]) for b in buttons(message)] == [
        (LookupAction.NEWER, f"7||{newer.encode()}"),
        (LookupAction.OLDER, f"7||{older.encode()}"),
    ]
    assert all(len(b["value"]) <= 2000 for b in buttons(message))


def test_history_of_an_empty_filtered_timeline_says_so_without_buttons() -> None:
    page = Page(entries=[], older=None, newer=None)
    message = build_history(account_id=7, account="Acme", page=page, tz=TZ, only="calls")
    assert_valid_message(message)
    assert "History of *Acme* (calls)" in text_of(message) and "Nothing logged yet." in text_of(
        message
    )
    assert buttons(message) == []


def test_history_escapes_entries_and_keeps_long_ones_within_section_limits() -> None:
    page = Page(entries=entries(10, HOSTILE + " {n} " + "x" * 5000), older=None, newer=None)
    message = build_history(account_id=7, account=HOSTILE, page=page, tz=TZ, only=None)
    assert_valid_message(message)
    text = text_of(message)
    assert (
        f"History of *{ESCAPED}*" in text and text.count(ESCAPED) == 12
    )  # fallback, heading, ten entries
    assert "<!channel>" not in text and "<@U123>" not in text
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert all(len(section) <= 3000 for section in sections)


def test_pick_offers_a_button_per_close_name_at_most_five() -> None:
    choices = [Choice(i, f"Acme {'Robotics ' * 12}{i}") for i in range(8)]
    message = build_pick(typed="acme", choices=choices, action=LookupAction.SHOW_CARD, close=True)
    assert_valid_message(message)
    assert "Which account do you mean by “acme”?" in text_of(message)
    *picked, create = buttons(message)
    assert create["text"]["text"] == "Create account “acme” (owner: you)"
    assert [b["value"] for b in picked] == ["0", "1", "2", "3", "4"]
    assert [b["action_id"] for b in picked] == [f"{LookupAction.SHOW_CARD}_{i}" for i in range(5)]
    assert all(len(b["text"]["text"]) <= 75 for b in picked)
    assert picked[0]["text"]["text"].startswith("Acme Robotics")


def test_pick_with_nothing_close_says_so_offers_create_and_escapes_what_was_typed() -> None:
    message = build_pick(typed=HOSTILE, choices=[], action=LookupAction.SHOW_CARD, close=False)
    assert_valid_message(message)
    text = text_of(message)
    assert (
        f"No account is close to “{ESCAPED}”." in text and "<!channel>" not in text.split("\n")[0]
    )
    [create] = buttons(message)
    assert (create["action_id"], create["value"]) == (LookupAction.CREATE, HOSTILE)
    nearest = build_pick(
        typed="Initech", choices=[Choice(1, "Initrode")], action="who_owns_show", close=False
    )
    assert "Did you mean one of these?" in text_of(nearest)
    assert [b["text"]["text"] for b in buttons(nearest)] == [
        "Initrode",
        "Create account “Initech” (owner: you)",
    ]


def test_followup_modal_asks_when_and_an_optional_note() -> None:
    view = build_followup_modal(account=HOSTILE, private_metadata='{"interaction_id": 5}')
    assert view_problems(view) == []
    assert view["callback_id"] == LogModal.FOLLOWUP_CALLBACK
    assert view["title"]["text"] == "Add follow-up" and len(view["title"]["text"]) <= 24
    assert view["private_metadata"] == '{"interaction_id": 5}'
    assert f"A follow-up on *{ESCAPED}* for you." in text_of(view)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs[LogModal.FOLLOWUP_BLOCK].get("optional", False) is False
    assert inputs[LogModal.FOLLOWUP_NOTE_BLOCK]["optional"] is True
    assert inputs[LogModal.FOLLOWUP_NOTE_BLOCK]["element"]["max_length"] == 3000


def options_problems(options: list[dict]) -> list[str]:
    """An options list checked the way Slack checks a select's options (at most 100)."""
    select = {"type": "static_select", "action_id": "a", "options": options}
    return block_problems([{"type": "actions", "elements": [select]}])


def test_account_options_list_matches_then_offer_to_create_what_was_typed() -> None:
    choices = [Choice(i, f"Globex {i}") for i in range(3)]
    options = build_account_options(choices, typed="  Globex Europe ")
    assert options_problems(options) == []
    assert [o["text"]["text"] for o in options] == [
        "Globex 0",
        "Globex 1",
        "Globex 2",
        "Create “Globex Europe”",
    ]
    assert options[-1]["value"] == "new:Globex Europe"
    assert all(o["text"]["type"] == "plain_text" for o in options)  # plain text never pings


def test_account_options_stay_within_slacks_limits() -> None:
    many = [Choice(i, "Acme " + "Holdings " * 20) for i in range(200)]
    options = build_account_options(many, typed="x" * 500)
    assert options_problems(options) == [] and len(options) <= 100
    assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in options)


def test_account_options_offer_no_create_for_an_exact_match_or_nothing_typed() -> None:
    exact = build_account_options([Choice(1, "Acme")], typed="acme")
    assert [o["value"] for o in exact] == ["1"]
    assert build_account_options([], typed="   ") == []
