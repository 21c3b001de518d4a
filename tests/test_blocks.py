"""Block Kit builders: pure, within Slack's limits, and escaping whatever users typed."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.standin.driver import text_of
from handlers.blocks.calls import (
    Choice,
    LogForm,
    Logged,
    build_log_modal,
    build_logged,
    build_pick_account,
)
from handlers.blocks.crm import (
    build_account_created,
    build_crm_help,
    build_error,
    build_owner_assigned,
)
from handlers.blocks.home import build_home
from handlers.blocks.text import escape, local_time, preview
from handlers.ids import Command


def test_escape_defuses_mentions_and_broadcasts() -> None:
    assert (
        escape("<!channel> & <@U123> <#C1>") == "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;#C1&gt;"
    )


def test_preview_cuts_on_a_word() -> None:
    assert preview("one two three", limit=9) == "one two…"
    assert preview("  a\n b ") == "a b"


def test_local_time_falls_back_to_what_strftime_writes_in_every_zone_all_year() -> None:
    start = datetime(2026, 1, 1, 0, 7, tzinfo=UTC)
    for tz in ("America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"):
        for hours in range(0, 366 * 24, 7):
            moment = start + timedelta(hours=hours)
            local = moment.astimezone(ZoneInfo(tz))
            fallback = local.strftime(f"%a %b {local.day}, %H:%M {local.tzname()}")
            assert local_time(moment, tz).endswith(f"|{fallback}>"), (tz, moment)
    assert local_time(start, "Not/AZone").endswith("|Thu Jan 1, 00:07 UTC>")


def test_help_names_every_command_with_an_example() -> None:
    help_text = text_of(build_crm_help())
    for command in Command:
        assert f"`{command}" in help_text
    for sub in (
        "new",
        "assign",
        "link",
        "contact",
        "pipeline",
        "stages",
        "digest",
        "handoff",
        "merge",
        "duplicates",
        "audit",
        "erase-contact",
    ):
        assert f"`/crm {sub}" in help_text


def test_help_for_an_unknown_subcommand_quotes_it_escaped() -> None:
    help_text = text_of(build_crm_help(unknown="ping <!here> now"))
    assert "&lt;!here&gt;" in help_text and "<!here>" not in help_text


def test_account_created_escapes_the_name() -> None:
    text = text_of(
        build_account_created(account="<!channel> & Co", owner_id="U0BOB", caller_id="U0ALICE")
    )
    assert "&lt;!channel&gt; &amp; Co" in text and "<@U0BOB>" in text and "<!channel>" not in text


def test_owner_assigned_names_old_and_new_owner() -> None:
    text = text_of(build_owner_assigned(account="Acme", owner_id="U0BOB", previous_id="U0ALICE"))
    assert "<@U0BOB>" in text and "was <@U0ALICE>" in text
    assert "nothing changed" in text_of(
        build_owner_assigned(account="Acme", owner_id="U0BOB", previous_id="U0BOB")
    )


def test_error_escapes_quoted_input() -> None:
    text = text_of(build_error("No account is called <!everyone>."))
    assert "No account is called &lt;!everyone&gt;." in text and "<!everyone>" not in text


def logged(**overrides: object) -> Logged:
    fields: dict = dict(
        interaction_id=7,
        kind="call",
        account="Acme",
        typed_account="acme",
        notes="talked",
        permalink=None,
        followup_due=None,
        tz="Europe/Berlin",
    )
    return Logged(**(fields | overrides))


def test_logged_shows_the_follow_up_in_the_readers_zone_with_a_rep_local_fallback() -> None:
    due = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    text = text_of(build_logged(logged(followup_due=due)))
    assert (
        f"<!date^{int(due.timestamp())}^{{date_short_pretty}} at {{time}}|Thu Dec 3, 09:00 CET>"
        in text
    )


def test_logged_names_the_match_only_when_it_differs_from_what_was_typed() -> None:
    assert "you typed" not in text_of(build_logged(logged(typed_account="ACME")))
    assert "you typed “acme inc”" in text_of(build_logged(logged(typed_account="acme inc")))


def test_logged_trims_long_notes_and_escapes_them() -> None:
    built = build_logged(logged(notes="<!here> " + "word " * 2000, account="A&B"))
    text = text_of(built)
    assert "&lt;!here&gt;" in text and "<!here>" not in text and "*A&amp;B*" in text
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in built["blocks"])


def test_pick_account_fits_buttons_for_long_names() -> None:
    long = Choice(1, "Z" * 120)
    built = build_pick_account(typed="z" * 120, pending_id=9, choices=[long] * 5, nearest=[])
    buttons = [e for b in built["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 6 and all(len(e["text"]["text"]) <= 75 for e in buttons)
    assert {e["value"] for e in buttons[:5]} == {"9:1"} and buttons[5]["value"] == "9"
    assert len({e["action_id"] for e in buttons}) == 6  # ids unique within the block


def test_log_modal_uses_mobile_friendly_inputs_only() -> None:
    modal = build_log_modal(LogForm(notes="n" * 5000, author_id="U0BOB"), private_metadata="{}")
    elements = [b["element"]["type"] for b in modal["blocks"] if b["type"] == "input"]
    assert set(elements) <= {"external_select", "static_select", "plain_text_input"}
    assert len(modal["title"]["text"]) <= 24 and modal["submit"]["text"] == "Log"
    notes = next(b for b in modal["blocks"] if b.get("block_id") == "log_notes")["element"]
    assert len(notes["initial_value"]) == 3000


def test_home_counts_every_deal_in_a_stage_though_it_lists_ten() -> None:
    from models.summaries import DealTotal, HomeSummary, StageGroup

    deals = [(n, "Acme", f"Deal {n}", 100, "USD") for n in range(15)]
    stage = StageGroup(stage="Demo", deals=deals, totals=[DealTotal("USD", 4000, 40)])
    summary = HomeSummary([], [], [], 0, 0, 0, [stage], [], 0)
    home = build_home(summary, tz="UTC", stale_days=14)
    text = text_of(home)
    assert "*Demo* (40) · $40" in text and "and 30 more" in text and len(home["blocks"]) <= 100
