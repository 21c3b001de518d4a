"""The stand-in keeps each conversation as Slack would show it: posted, updated, replaced, gone."""

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.standin.webapi import FakeSlack

CHANNEL = "C0SALES01"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def texts(fake: FakeSlack, channel: str = CHANNEL, **kwargs: str) -> list[str]:
    return [message.text for message in fake.messages(channel, **kwargs)]


def test_posted_messages_are_kept_in_order_per_channel(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel=CHANNEL, text="one")
    client.chat_postMessage(channel="C0OTHER01", text="elsewhere")
    client.chat_postMessage(channel=CHANNEL, text="two", thread_ts=first["ts"])
    assert texts(fake) == ["one", "two"] and texts(fake, "C0OTHER01") == ["elsewhere"]
    parent = fake.message(CHANNEL, first["ts"])
    assert parent is not None and parent.user == "U0CRMBOT1" and parent.bot_id == "B0CRMBOT1"
    assert [m.text for m in fake.conversations.thread(CHANNEL, first["ts"])] == ["one", "two"]
    assert fake.conversations.channels() == ["C0OTHER01", CHANNEL]


def test_a_dm_posted_to_a_user_id_lands_in_that_users_dm(
    fake: FakeSlack, client: WebClient
) -> None:
    client.chat_postMessage(channel="U0ALICE", text="your follow-up is due")
    assert texts(fake, "D0ALICE") == ["your follow-up is due"]


def test_an_ephemeral_message_is_seen_only_by_its_user(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel=CHANNEL, text="for all")
    client.chat_postEphemeral(channel=CHANNEL, user="U0BOB", text="psst")
    assert texts(fake) == ["for all", "psst"]
    assert texts(fake, visible_to="U0BOB") == ["for all", "psst"]
    assert texts(fake, visible_to="U0ALICE") == ["for all"]


def test_chat_update_changes_the_message_in_place_and_delete_removes_it(
    fake: FakeSlack, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="v1")["ts"]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "v2 *bold*"}}]
    client.chat_update(channel=CHANNEL, ts=ts, text="v2", blocks=blocks)
    [message] = fake.messages(CHANNEL)
    assert (message.ts, message.text, message.blocks, message.edited) == (ts, "v2", blocks, True)
    client.chat_delete(channel=CHANNEL, ts=ts)
    assert fake.messages(CHANNEL) == []


def test_response_url_posts_are_messages_of_the_conversation_they_answer(
    fake: FakeSlack,
) -> None:
    url = fake.response_url("cmd", channel=CHANNEL, user="U0ALICE")
    WebhookClient(url).send(text="only you can see this")
    WebhookClient(url).send(text="everyone sees this", response_type="in_channel")
    assert texts(fake, visible_to="U0ALICE") == ["only you can see this", "everyone sees this"]
    assert texts(fake, visible_to="U0BOB") == ["everyone sees this"]
    assert {message.via for message in fake.messages(CHANNEL)} == {"response_url"}


def test_replace_original_updates_the_clicked_message_and_delete_original_removes_it(
    fake: FakeSlack, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="Follow-up due")["ts"]
    click = fake.response_url("action", channel=CHANNEL, user="U0ALICE", message_ts=ts)
    WebhookClient(click).send(text="Done", replace_original=True)
    [message] = fake.messages(CHANNEL)
    assert (message.ts, message.text, message.edited) == (ts, "Done", True)
    WebhookClient(click).send(text="and a new one", replace_original=False)
    assert texts(fake) == ["Done", "and a new one"]
    WebhookClient(click).send_dict({"delete_original": True})
    assert texts(fake) == ["and a new one"]


def test_a_commands_ack_is_its_first_answer_and_replace_original_replaces_it(
    fake: FakeSlack,
) -> None:
    url = fake.response_url("cmd", channel=CHANNEL, user="U0ALICE")
    fake.show_ack(url, 200, "text/plain; charset=utf-8", "Working on it…")
    [ack] = fake.messages(CHANNEL, visible_to="U0ALICE")
    assert (ack.text, ack.via, ack.ephemeral_to) == ("Working on it…", "ack", "U0ALICE")
    WebhookClient(url).send(text="Here it is", replace_original=True)
    [answer] = fake.messages(CHANNEL)
    assert (answer.ts, answer.text) == (ack.ts, "Here it is")


def test_an_empty_or_failed_ack_shows_nothing(fake: FakeSlack) -> None:
    url = fake.response_url("cmd", channel=CHANNEL, user="U0ALICE")
    fake.show_ack(url, 200, "", "")
    fake.show_ack(url, 404, "application/json", '{"error": "unhandled request"}')
    assert fake.messages(CHANNEL) == []


def test_a_rejected_response_url_post_changes_no_conversation(fake: FakeSlack) -> None:
    url = fake.response_url("cmd", channel=CHANNEL, user="U0ALICE")
    assert WebhookClient(url).send_dict({"text": ""}).status_code == 400
    assert fake.messages(CHANNEL) == [] and len(fake.violations) == 1


def test_views_and_home_tabs_keep_their_latest_content(fake: FakeSlack, client: WebClient) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "3 follow-ups"}}
    home = {"type": "home", "blocks": [section]}
    client.views_publish(user_id="U0ALICE", view=home)
    again = {"type": "home", "blocks": [{**section, "text": {"type": "mrkdwn", "text": "2"}}]}
    client.views_publish(user_id="U0ALICE", view=again)
    shown = fake.home("U0ALICE")
    assert shown is not None and shown["blocks"] == again["blocks"]
    assert fake.home("U0BOB") is None
