"""Surfaces whose features come later still answer through Bolt (App Home, @-mentions)."""

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
