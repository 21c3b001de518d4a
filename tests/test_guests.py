"""Guests and other organisations' people are told, on every surface, the same one sentence:
in the ack, ephemerally, in a small modal or on Home; unasked-for surfaces (mentions, DMs, Home
opens) at most once per person per day."""

from datetime import timedelta

import pytest

from bot.standin.driver import SlackDriver, click, home_menu_payload, submit, text_of
from bot.standin.payloads import home_opened_event
from bot.standin.webapi import FakeSlack
from tests.conftest import Clock

SENTENCE = "Sorry, Rapport isn't available to guests or to people outside this workspace."
OUTSIDERS = ["U0GUEST", "U0SINGLE", "U0STRANGER"]


def said_to(fake_slack: FakeSlack, method: str) -> list[str]:
    return [text_of(call.args) for call in fake_slack.calls_to(method)]


def dm(user_id: str, n: int) -> dict:
    ts = f"17639001{n:02d}.000100"
    return {
        "type": "message", "channel_type": "im", "user": user_id, "text": "called acme: hi",
        "ts": ts, "channel": "D0OUTSIDE", "event_ts": ts, "client_msg_id": f"c-{n}",
    }  # fmt: skip


def mention(user_id: str, n: int) -> dict:
    ts = f"17639002{n:02d}.000100"
    return {
        "type": "app_mention", "user": user_id, "text": "<@U0CRMBOT1> who owns acme",
        "ts": ts, "channel": "C0SALES01", "event_ts": ts,
    }  # fmt: skip


@pytest.mark.parametrize("user_id", OUTSIDERS)
def test_a_global_shortcut_opens_a_small_modal_with_the_sentence(
    slack: SlackDriver, fake_slack: FakeSlack, user_id: str
) -> None:
    assert slack.shortcut("log_call", user_id=user_id).status_code == 200
    [opened] = fake_slack.wait_for("views.open")
    assert opened.args["view"]["type"] == "modal" and SENTENCE in text_of(opened.args["view"])


@pytest.mark.parametrize("user_id", OUTSIDERS)
def test_a_message_shortcut_answers_ephemerally(
    slack: SlackDriver, fake_slack: FakeSlack, user_id: str
) -> None:
    message = {"type": "message", "user": "U0BOB", "ts": "1763900000.000200", "text": "Acme"}
    slack.shortcut("log_message_to_crm", user_id=user_id, message=message)
    slack.settle()
    [hook] = fake_slack.hooks
    assert hook.body["response_type"] == "ephemeral" and SENTENCE in text_of(hook.body)
    assert fake_slack.calls_to("views.open") == []


def test_a_click_on_someone_elses_card_answers_the_guest_only(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    slack.command("/crm", "new Acme").reply()
    card = slack.command("/who-owns", "Acme").reply()
    _, url = click(slack, card, "history_show", user_id="U0GUEST")
    [hook] = fake_slack.wait_for_hook(url)
    assert SENTENCE in text_of(hook.body) and hook.body["replace_original"] is False
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_click_on_home_republishes_home_with_the_sentence(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    _, trigger_id, action_ts = slack.ids()
    option = {"text": {"type": "plain_text", "text": "Done"}, "value": "done:1"}
    slack.interactive(
        home_menu_payload(
            option,
            action_id="home_followup",
            trigger_id=trigger_id,
            action_ts=action_ts,
            user_id="U0SINGLE",
        )
    )
    [published] = fake_slack.wait_for("views.publish")
    assert published.args["user_id"] == "U0SINGLE"
    assert SENTENCE in text_of(published.args["view"])


def test_a_modal_submitted_by_a_guest_is_replaced_by_the_sentence(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    slack.shortcut("log_call")  # Alice's modal; submitted by someone who is a guest now
    [opened] = fake_slack.wait_for("views.open")
    response = submit(slack, opened.args["view"], {}, user_id="U0GUEST")
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "update" and SENTENCE in text_of(answer["view"])


@pytest.mark.parametrize("user_id", OUTSIDERS)
def test_dms_and_mentions_are_answered_once_a_day_not_on_every_message(
    slack: SlackDriver, fake_slack: FakeSlack, clock: Clock, user_id: str
) -> None:
    for n in range(3):
        slack.event(dm(user_id, n))
        slack.event(mention(user_id, n))
    slack.settle()
    told = said_to(fake_slack, "chat.postMessage") + said_to(fake_slack, "chat.postEphemeral")
    assert told == [SENTENCE]
    clock.at += timedelta(days=1)
    slack.event(mention(user_id, 9))
    slack.settle()
    [whisper] = fake_slack.calls_to("chat.postEphemeral")[-1:]
    assert whisper.args["user"] == user_id and whisper.args["thread_ts"] == "1763900209.000100"
    assert (
        len(said_to(fake_slack, "chat.postMessage") + said_to(fake_slack, "chat.postEphemeral"))
        == 2
    )


def test_a_guests_dm_is_answered_in_the_dm(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    slack.event(dm("U0GUEST", 1))
    [answer] = fake_slack.wait_for("chat.postMessage")
    assert answer.args["channel"] == "D0OUTSIDE" and text_of(answer.args) == SENTENCE


def test_home_shows_the_sentence_once_a_day(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    for _ in range(3):
        slack.event(home_opened_event("U0STRANGER"))
    slack.event(home_opened_event("U0STRANGER", tab="messages"))
    slack.settle()
    [published] = fake_slack.calls_to("views.publish")
    assert published.args["view"]["type"] == "home" and SENTENCE in text_of(published.args["view"])


def test_commands_still_answer_every_time(slack: SlackDriver) -> None:
    for text in ("help", "new Acme"):
        assert SENTENCE in slack.command("/crm", text, user_id="U0GUEST").response.text


def test_members_get_no_refusal(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    slack.event(home_opened_event("U0BOB"))
    [published] = fake_slack.wait_for("views.publish")
    assert SENTENCE not in text_of(published.args["view"])
