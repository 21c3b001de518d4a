"""Block Kit builders: pure, within Slack's limits, and escaping whatever users typed."""

from handlers.blocks.crm import (
    build_account_created,
    build_crm_help,
    build_error,
    build_owner_assigned,
)
from handlers.blocks.text import escape, preview
from handlers.blocks.upcoming import build_home_welcome, build_modal_not_yet
from handlers.ids import Command
from tests.slackrig import text_of


def test_escape_defuses_mentions_and_broadcasts() -> None:
    assert (
        escape("<!channel> & <@U123> <#C1>") == "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;#C1&gt;"
    )


def test_preview_cuts_on_a_word() -> None:
    assert preview("one two three", limit=9) == "one two…"
    assert preview("  a\n b ") == "a b"


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
    assert "<!everyone>" not in text_of(build_error("No account is called <!everyone>."))


def test_views_fit_slack_limits() -> None:
    home, modal = build_home_welcome(), build_modal_not_yet(what="Log a call")
    assert home["type"] == "home" and len(home["blocks"]) <= 100
    assert modal["type"] == "modal" and len(modal["title"]["text"]) <= 24
