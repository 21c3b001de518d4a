"""Nothing escapes after the ack: every error becomes a reply, and a reply that fails is logged."""

import logging
import time

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, click, home_menu_payload, text_of
from bot.standin.webapi import FakeSlack
from handlers.listener import ACK_DEADLINE_SECONDS
from models.interactions import Interaction


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


def test_a_quick_write_commits_before_the_ack_that_carries_its_answer(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    slack.command("/crm", "new Acme").reply()
    result = slack.command("/log-call", "Acme: they want SSO")
    assert result.response.status_code == 200
    with Session(engine) as session:  # no waiting: the row is there when Slack hears back
        assert [i.summary for i in session.exec(select(Interaction))] == ["they want SSO"]
    assert "Logged a call on *Acme*" in text_of(result.ack_json())
    slack.settle()
    assert fake_slack.hooks_to(result.response_url) == []


def test_work_that_misses_the_acks_deadline_is_answered_after_it(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    slack.command("/crm", "new Acme").reply()
    fake_slack.slow("conversations.info", 2.6)  # is this channel shared? Slack takes its time
    started = time.monotonic()
    result = slack.command("/who-owns", "Acme", channel_id="C0SLOW001")
    acked_after = time.monotonic() - started
    assert result.response.status_code == 200 and result.response.text == ""
    assert ACK_DEADLINE_SECONDS <= acked_after < 2.9
    [late] = fake_slack.wait_for_hook(result.response_url, timeout=5)
    assert "*Acme* is owned by <@U0ALICE>" in text_of(late.body)
    assert late.body["response_type"] == "ephemeral"


def test_an_answer_slack_refuses_twice_is_sent_a_third_time(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    slack.command("/crm", "new Acme").reply()
    reply = slack.command("/who-owns", "Acme").reply()
    fake_slack.fail_response_urls(status=500, times=2)
    _, url = click(slack, reply, "history_show")
    [hook] = fake_slack.wait_for_hook(url, timeout=10)
    assert "History of *Acme*" in text_of(hook.body) and fake_slack.refused_hooks == [url, url]


def test_a_dm_answer_refused_with_429s_is_retried(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=0, times=2)
    slack.interactive(home_menu_click("done:999999"))
    calls = fake_slack.wait_for("chat.postMessage", count=3, timeout=10)
    assert "That follow-up no longer exists." in text_of(calls[-1].args)


def test_an_answer_that_stays_refused_is_logged_as_lost(
    slack: SlackDriver, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.command("/crm", "new Acme").reply()
    reply = slack.command("/who-owns", "Acme").reply()
    fake_slack.fail_response_urls(status=500, times=3)
    with caplog.at_level(logging.INFO):
        click(slack, reply, "history_show")
        slack.settle()
    assert len(fake_slack.refused_hooks) == 3
    assert "AnswerLost: response_url answered 500" in caplog.text
