"""Values that come back in our own buttons and modals are read strictly: a stale or tampered
one gets one sentence, never a stack trace (bench/faults.py found these)."""

import logging

import pytest

from bot.standin.driver import SlackDriver, click, text_of
from bot.standin.webapi import FakeSlack

HUGE = "9223372036854775808"  # one past the largest id a database column holds


def button(action_id: str, value: str) -> dict:
    element = {"type": "button", "action_id": action_id, "value": value,
               "text": {"type": "plain_text", "text": "x"}}  # fmt: skip
    return {"text": "x", "blocks": [{"type": "actions", "block_id": "b", "elements": [element]}]}


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("history_show", "abc"),
        ("history_older", "7||x~y~z"),
        ("history_newer", "7|emails|2026-13-45T00:00:00+00:00~3~1"),
        ("history_show", HUGE),
        ("log_pick_account_0", "<#C0SALES01|sales>:1"),
        ("log_pick_account_0", f"{HUGE}:1"),
        ("log_create_account", "1|2|3"),
        ("who_owns_take", ""),
        ("who_owns_show_1", " 1"),
        ("who_owns_share", HUGE),
        ("log_edit", "1|2|3"),
        ("log_add_followup", HUGE),
        ("log_undo", "-1"),
    ],
)
def test_a_tampered_button_gets_a_sentence_not_a_traceback(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    action_id: str,
    value: str,
) -> None:
    fake_slack.add_channel("C0SALES01")
    with caplog.at_level(logging.INFO):
        response, url = click(slack, button(action_id, value), action_id)
        assert response.status_code == 200
        [hook] = fake_slack.wait_for_hook(url)
        slack.settle()
    assert "That button no longer works" in text_of(hook.body)
    assert "unexpected error" not in caplog.text and "Traceback" not in caplog.text


@pytest.mark.parametrize("text", ["-1", "1.5", "", "x", "9" * 20])
def test_a_count_in_a_value_is_plain_digits(text: str) -> None:
    from handlers.parsing.text import CommandError
    from handlers.parsing.values import count

    assert count("0") == 0 and count("12") == 12
    with pytest.raises(CommandError):
        count(text)
