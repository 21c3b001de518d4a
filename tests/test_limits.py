"""Long typed text quoted back: every reply arrives, within Block Kit's limits, on both stores.

Slack's section and context text holds 3,000 characters and escaping makes text longer (`&` is
`&amp;`), so a name or note near that length must be cut, never an entity cut in half.
"""

import re

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.checks import message_problems, view_problems
from bot.standin.driver import SlackDriver, text_of
from bot.standin.payloads import home_opened_event
from bot.standin.webapi import FakeSlack
from models.interactions import Interaction

LENGTHS = [2995, 3000]
STYLES = ["words", "ampersands"]
HALF_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


def long_text(length: int, style: str = "words") -> str:
    """Typed text of `length` characters that escaping makes longer: words with `&` and `>`,
    or only ampersands (five times longer escaped, and no word to cut on)."""
    return "&" * length if style == "ampersands" else ("R&D > Sales " * length)[:length]


def mrkdwn_of(node: object) -> list[str]:
    """Every mrkdwn text in blocks (plain_text labels are shown as is, `&` and all)."""
    if isinstance(node, list):
        return [text for item in node for text in mrkdwn_of(item)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "mrkdwn" else []
    return own + [text for value in node.values() for text in mrkdwn_of(value)]


def arrives_whole(message: dict) -> str:
    assert not message_problems(message), message_problems(message)
    shown = text_of(message)
    for text in [message.get("text", ""), *mrkdwn_of(message.get("blocks", []))]:
        assert not HALF_ENTITY.search(text), f"an entity was cut in half: {text[:200]}"
    assert "went wrong" not in shown, shown[:300]
    return shown


def new_account(slack: SlackDriver, name: str = "Acme") -> None:
    assert "Created" in text_of(slack.command("/crm", f"new {name}").reply())


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize(
    "command",
    [
        "/crm link {}",
        "/crm assign {} <@U0BOB|bob>",
        "/crm new {}",
        "/crm contact Acme: {}, jane@acme.com, {}",
        "/crm contact {}: Jane Roe",
        "/log-call Acme: {}",
        "/log-call Acme: talked. Follow up {}",
        "/who-owns {}",
        "/history {}",
        "/crm {}",
    ],
)
def test_long_typed_text_in_a_command_gets_a_reply_within_slacks_limits(
    slack: SlackDriver, command: str, length: int, style: str
) -> None:
    new_account(slack)
    name, _, rest = command.partition(" ")
    typed = long_text(length, style)
    result = slack.command(name, rest.format(typed, typed))
    arrives_whole(result.ack_json() if result.response.text else result.reply())


@pytest.mark.parametrize("length", LENGTHS)
def test_a_long_unknown_name_is_answered_whole_without_a_create_button(
    slack: SlackDriver, engine: Engine, length: int
) -> None:
    new_account(slack, "R&D Labs")
    reply = slack.command("/log-call", f"{long_text(length)}: talked").reply()
    assert "No account is close" in (text := arrives_whole(reply))
    assert "Account names are at most 120 characters." in text  # so no Create button
    assert [b for b in reply["blocks"] if b["type"] == "actions"] == []


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("length", LENGTHS)
def test_long_notes_show_back_in_history_home_and_dm(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack, length: int, style: str
) -> None:
    new_account(slack)
    notes = long_text(length, style)
    slack.command("/log-call", f"Acme: {notes} Follow up Dec 3").reply()
    arrives_whole(slack.command("/history", "Acme").reply())
    arrives_whole(slack.command("/who-owns", "Acme").reply())
    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0ALICE",
            "text": f"called Acme: {notes}",
            "ts": "1763900100.000100",
            "channel": "D0ALICE",
            "event_ts": "1763900100.000100",
        }
    )
    [reply] = fake_slack.wait_for("chat.postMessage")
    arrives_whole(reply.args)
    slack.event(home_opened_event())
    [home] = fake_slack.wait_for("views.publish")
    assert not view_problems(home.args["view"])
    with Session(engine) as session:
        assert all(len(i.summary) >= length - 20 for i in session.exec(select(Interaction)))


def test_quote_cuts_after_escaping_and_never_halves_an_entity() -> None:
    from handlers.blocks.text import fit, quote  # here, so the module runs against older code

    for length in range(1, 40):
        for typed in ("&" * 50, "a&b<c>d " * 10, "x" * 50):
            shown = quote(typed, length)
            assert len(shown) <= length and not HALF_ENTITY.search(shown), (typed, length, shown)
    assert quote("Acme & Co", 100) == "Acme &amp; Co"
    assert fit("see <@U0BOB> now", 8) == "see …"
