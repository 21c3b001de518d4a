"""Every surface in manifest.yml answers through Bolt, even those whose feature comes later."""

import time

from tests.fakeslack import FakeSlack
from tests.slackrig import SlackDriver, text_of


def test_app_home_publishes_a_welcome(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    response = slack.event(
        {
            "type": "app_home_opened",
            "user": "U0ALICE",
            "channel": "D0HOME001",
            "tab": "home",
            "event_ts": "1700000500.000100",
        }
    )
    assert response.status_code == 200
    [call] = fake_slack.wait_for("views.publish")
    assert call.args["user_id"] == "U0ALICE" and "/crm new" in text_of(call.args["view"])


def test_mentions_are_answered_in_the_thread(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    slack.event(
        {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": "<@U0CRMBOT1> who owns acme?",
            "ts": "1700000001.000100",
            "channel": "C0SALES01",
            "event_ts": "1700000001.000100",
        }
    )
    [call] = fake_slack.wait_for("chat.postMessage")
    assert (call.args["channel"], call.args["thread_ts"]) == ("C0SALES01", "1700000001.000100")


def test_direct_messages_are_answered_and_the_bots_own_are_not(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0ALICE",
            "text": "called acme",
            "ts": "1700000002.000100",
            "channel": "D0HOME001",
            "event_ts": "1700000002.000100",
        }
    )
    [call] = fake_slack.wait_for("chat.postMessage")
    assert call.args["channel"] == "D0HOME001" and "/crm new" in call.args["text"]
    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "bot_id": "B0CRMBOT1",
            "user": "U0CRMBOT1",
            "text": "echo",
            "ts": "1700000003.000100",
            "channel": "D0HOME001",
            "event_ts": "1700000003.000100",
        }
    )
    slack.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel_type": "im",
            "channel": "D0HOME001",
            "ts": "1700000004.000100",
            "event_ts": "1700000004.000100",
            "hidden": True,
        }
    )
    time.sleep(0.3)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_shortcuts_open_a_modal_within_the_trigger_window(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    assert slack.shortcut("log_call").status_code == 200
    message = {
        "type": "message",
        "user": "U0BOB",
        "ts": "1699999000.000200",
        "team": "T0001",
        "text": "hi",
    }
    assert slack.shortcut("log_message_to_crm", message=message).status_code == 200
    calls = fake_slack.wait_for("views.open", count=2)
    assert all(call.args["trigger_id"] for call in calls)
    assert {call.args["view"]["title"]["text"] for call in calls} == {"Rapport"}
