"""Mentions in what is logged read as Slack shows them: names, not ids."""

import time

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, selected, submit, text_input, text_of
from bot.standin.webapi import FakeSlack
from handlers.parsing.text import name_mentions, plain_text
from models.interactions import Interaction
from tests.test_calls import dm, make_accounts

M = "log_"
NAMES = {"U0CAROL": "Carol Diaz", "U0ODD": "Ann <&> Lee"}.get


@pytest.mark.parametrize(
    ("slack_text", "plain"),
    [
        ("ask <@U0CAROL> about it", "ask @Carol Diaz about it"),
        ("<@U0CAROL|carol> said so", "@Carol Diaz said so"),
        ("<@U0NOBODY> and <@U0NOBODY|nob>", "@U0NOBODY and @nob"),
        ("cc <@U0ODD>", "cc @Ann <&> Lee"),
        ("in <#C0123|general> and <#C0456>", "in #general and #C0456"),
        ("<!here> <!channel> <!subteam^S01|@sales>", "@here @channel @sales"),
        ("see <https://x.example/d?a=1&amp;b=2|the deck>", "see the deck (https://x.example/d?a=1&b=2)"),
        ("<mailto:ana@x.example|ana@x.example> &lt;b&gt;", "ana@x.example <b>"),
    ],
)  # fmt: skip
def test_slack_markup_reads_as_slack_shows_it(slack_text: str, plain: str) -> None:
    assert plain_text(slack_text, NAMES) == plain


def test_naming_mentions_keeps_the_markup_for_later_parsing() -> None:
    labelled = name_mentions("called Acme: <@U0ODD> and <@U0CAROL|c>", NAMES)
    assert labelled == "called Acme: <@U0ODD|Ann &lt;&amp;&gt; Lee> and <@U0CAROL|Carol Diaz>"


def message(text: str) -> dict:
    return {"type": "message", "user": "U0BOB", "ts": "1763900000.000300", "team": "T0001",
            "text": text}  # fmt: skip


def test_the_message_shortcut_prefills_stores_and_echoes_names(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0CAROL", name="carol", real_name="Carol Diaz")
    make_accounts(slack, "Globex")
    text = (
        "Globex call: <@U0CAROL> joined, <!here> heads-up in <#C0GEN01|general>, "
        "notes <https://docs.example/n|here>, and <@U0GHOST> too"
    )
    slack.shortcut("log_message_to_crm", message=message(text))
    [call] = fake_slack.wait_for("views.open")
    view = call.args["view"]
    notes = next(b for b in view["blocks"] if b.get("block_id") == M + "notes")["element"]
    expected = (
        "Globex call: @Carol Diaz joined, @here heads-up in #general, "
        "notes here (https://docs.example/n), and @U0GHOST too"
    )
    assert notes["initial_value"] == expected
    account = next(b for b in view["blocks"] if b.get("block_id") == M + "account")["element"]
    values = (
        selected(
            M + "account", M + "account_select", account["initial_option"]["value"], "Globex",
            "external_select",
        )
        | selected(M + "kind", M + "kind_select", "call")
        | text_input(M + "notes", M + "notes_input", notes["initial_value"])
        | text_input(M + "when", M + "when_input", "now")
    )  # fmt: skip
    submit(slack, view, values)
    slack.settle()
    with Session(engine) as session:
        assert session.exec(select(Interaction.summary)).one() == expected
    [answer] = [h.body for h in fake_slack.hooks if "Logged" in text_of(h.body)]
    assert "@Carol Diaz joined, @here" in text_of(answer) and "<!here>" not in text_of(answer)


def test_a_slow_directory_does_not_hold_up_the_modal(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0CAROL", name="carol", real_name="Carol Diaz")
    make_accounts(slack, "Globex")  # Alice is known: the only users.info left is Carol's
    fake_slack.slow("users.info", 2.5)
    started = time.monotonic()
    slack.shortcut("log_message_to_crm", message=message("Globex: <@U0CAROL> said yes"))
    [call] = fake_slack.wait_for("views.open", timeout=3.0)
    assert time.monotonic() - started < 2.0
    notes = next(b for b in call.args["view"]["blocks"] if b.get("block_id") == M + "notes")
    assert notes["element"]["initial_value"] == "Globex: @U0CAROL said yes"


def test_a_one_line_dm_stores_the_name_of_who_it_mentions(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0CAROL", name="carol", real_name="Carol Diaz")
    make_accounts(slack, "Globex")
    slack.event(dm("called Globex: <@U0CAROL> will send the MSA"))
    [reply] = fake_slack.wait_for("chat.postMessage")
    assert "@Carol Diaz will send the MSA" in text_of(reply.args)
    with Session(engine) as session:
        assert session.exec(select(Interaction.summary)).one() == "@Carol Diaz will send the MSA"
