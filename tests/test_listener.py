"""Nothing escapes after the ack: every error becomes a reply, and a reply that fails is logged."""

import logging
import time

import pytest

from bot.standin.driver import SlackDriver, home_menu_payload, text_of
from bot.standin.webapi import FakeSlack


def home_menu_click(value: str) -> dict:
    """What Slack sends when a rep picks an entry of a follow-up's menu on the App Home tab."""
    option = {"text": {"type": "plain_text", "text": "Done", "emoji": True}, "value": value}
    return home_menu_payload(
        option,
        action_id="home_followup",
        trigger_id="9.9.9",
        action_ts="1763900600.000100",
        user_id="U0ALICE",
    )


def test_a_stale_home_button_is_answered_not_dropped(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    started = time.monotonic()
    response = slack.interactive(home_menu_click("done:999999"))
    assert response.status_code == 200 and time.monotonic() - started < 2
    [dm] = fake_slack.wait_for("chat.postMessage")
    assert dm.args["channel"] == "U0ALICE"
    assert "That follow-up no longer exists." in text_of(dm.args)


def test_an_error_whose_reply_fails_too_is_logged_with_its_reference(
    slack: SlackDriver, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    fake_slack.fail("chat.postMessage", error="channel_not_found")
    with caplog.at_level(logging.INFO):
        assert slack.interactive(home_menu_click("snooze1:999999")).status_code == 200
        fake_slack.wait_for("chat.postMessage")
        deadline = time.monotonic() + 3
        while "could not tell the user" not in caplog.text:
            assert time.monotonic() < deadline, caplog.text
            time.sleep(0.01)
    [line] = [r for r in caplog.records if "could not tell the user" in r.getMessage()]
    assert line.exc_info is not None and "channel_not_found" in caplog.text
