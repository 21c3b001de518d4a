"""Clicks on answers: a shared answer stays as everyone reads it; the clicker's own one pages in
place. Through the real Bolt pipeline, with block_actions shaped as Slack shapes them."""

import time

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.conversations import Message
from bot.standin.driver import SlackDriver, click, text_of
from bot.standin.payloads import button_payload, is_ephemeral_message
from bot.standin.webapi import FakeSlack
from models.accounts import Account
from tests.test_lookups import add_interactions, setup_account

CHANNEL = "C0SALES01"


def mention(slack: SlackDriver, text: str, ts: str, *, channel: str = CHANNEL) -> None:
    slack.event(
        {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": f"<@U0CRMBOT1> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
        }
    )


def answer_in_thread(fake_slack: FakeSlack, thread: str, count: int = 1) -> Message:
    """The bot's `count`th message in the thread of `thread`, as the channel shows it (other
    posts in the channel, such as a link's announcement, don't count)."""
    deadline = time.monotonic() + 3.0
    while (
        len(replies := [m for m in fake_slack.messages(CHANNEL) if m.thread_ts == thread]) < count
    ):
        assert time.monotonic() < deadline, f"no reply {count} in thread {thread}: {replies}"
        time.sleep(0.01)
    return replies[count - 1]


def test_history_clicked_on_a_thread_answer_answers_the_clicker_alone_in_the_thread(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake_slack.add_channel(CHANNEL)
    account_id = setup_account(slack, "Birchwood Dairy")
    add_interactions(engine, account_id, 14)
    mention(slack, "who owns birchwood dairy?", "1763900501.000100")
    shared = answer_in_thread(fake_slack, "1763900501.000100")
    _, url = click(slack, shared.to_dict(), "history_show", user_id="U0BOB")
    [hook] = fake_slack.wait_for_hook(url)
    assert hook.body["replace_original"] is False and hook.body["response_type"] == "ephemeral"
    assert hook.body["thread_ts"] == "1763900501.000100"
    assert fake_slack.message(CHANNEL, shared.ts) == shared  # not edited, for everyone
    [page] = [m for m in fake_slack.messages(CHANNEL) if m.ephemeral_to == "U0BOB"]
    assert page.thread_ts == "1763900501.000100" and "History of *Birchwood Dairy*" in text_of(
        page.to_dict()
    )
    assert page not in fake_slack.messages(CHANNEL, visible_to="U0ALICE")

    # Bob pages his own copy in place; the shared card still reads as before.
    _, older = click(slack, page.to_dict(), "history_older", user_id="U0BOB")
    [paged] = fake_slack.wait_for_hook(older)
    assert paged.body["replace_original"] is True
    moved = fake_slack.message(CHANNEL, page.ts)
    assert moved is not None and moved.edited and "11-14 of 14" in text_of(moved.to_dict())
    assert fake_slack.message(CHANNEL, shared.ts) == shared


def test_paging_a_history_posted_in_a_thread_leaves_it_on_its_page_for_everyone(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake_slack.add_channel(CHANNEL)
    add_interactions(engine, setup_account(slack, "Quayside Ferries"), 25)
    mention(slack, "history quayside ferries", "1763900502.000100")
    shared = answer_in_thread(fake_slack, "1763900502.000100")
    assert "1-10 of 25" in text_of(shared.to_dict())
    _, url = click(slack, shared.to_dict(), "history_older", user_id="U0ADMIN")
    [hook] = fake_slack.wait_for_hook(url)
    assert hook.body["replace_original"] is False and "11-20 of 25" in text_of(hook.body)
    assert fake_slack.message(CHANNEL, shared.ts) == shared


def test_take_ownership_on_a_shared_card_tells_the_taker_and_keeps_the_card(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake_slack.add_channel(CHANNEL)
    account_id = setup_account(slack, "Lindqvist AB")
    with Session(engine) as session:
        account = session.get(Account, account_id)
        assert account is not None
        account.owner_id = None
        session.add(account)
        session.commit()
    mention(slack, "who owns lindqvist?", "1763900503.000100")
    shared = answer_in_thread(fake_slack, "1763900503.000100")
    assert "has no owner" in text_of(shared.to_dict())
    _, url = click(slack, shared.to_dict(), "who_owns_take", user_id="U0BOB")
    [hook] = fake_slack.wait_for_hook(url)
    assert hook.body["replace_original"] is False and "owned by <@U0BOB>" in text_of(hook.body)
    assert fake_slack.message(CHANNEL, shared.ts) == shared


def test_a_pick_posted_in_a_thread_shows_the_picked_card_to_the_picker_only(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel(CHANNEL)
    setup_account(slack, "Orchard Labs")
    setup_account(slack, "Orchard Foods")
    mention(slack, "who owns orchard", "1763900504.000100")
    shared = answer_in_thread(fake_slack, "1763900504.000100")
    assert "Which account do you mean" in text_of(shared.to_dict())
    _, url = click(slack, shared.to_dict(), "who_owns_show", user_id="U0BOB")
    [hook] = fake_slack.wait_for_hook(url)
    assert hook.body["replace_original"] is False and "is owned by" in text_of(hook.body)
    assert fake_slack.message(CHANNEL, shared.ts) == shared


def test_the_clickers_own_ephemeral_card_turns_into_its_history_in_place(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel(CHANNEL)
    setup_account(slack, "Kestrel Aviation")
    reply = slack.command("/who-owns", "kestrel").reply()
    _, url = click(slack, reply, "history_show")
    [hook] = fake_slack.wait_for_hook(url)
    assert hook.body["replace_original"] is True and "History of *Kestrel Aviation*" in text_of(
        hook.body
    )


def test_paging_in_the_dm_with_rapport_pages_in_place(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    add_interactions(engine, setup_account(slack, "Harbor Mills"), 12)
    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0ALICE",
            "text": "history harbor mills",
            "ts": "1763900505.000100",
            "channel": "D0ALICE",
            "event_ts": "1763900505.000100",
            "client_msg_id": "c-harbor",
        }
    )
    [posted] = fake_slack.wait_for("chat.postMessage")
    [page] = [m for m in fake_slack.messages("D0ALICE") if m.bot_id]
    assert posted.args["thread_ts"] == "1763900505.000100" and "1-10 of 12" in text_of(
        page.to_dict()
    )
    _, url = click(slack, page.to_dict(), "history_older", channel_id="D0ALICE")
    assert fake_slack.wait_for_hook(url)[0].body["replace_original"] is True
    moved = fake_slack.message("D0ALICE", page.ts)
    assert moved is not None and "11-12 of 12" in text_of(moved.to_dict())


def card_message(**extra: object) -> dict:
    button = {"type": "button", "action_id": "history_show", "value": "4",
              "text": {"type": "plain_text", "text": "History"}}  # fmt: skip
    return {"text": "card", "blocks": [{"type": "actions", "block_id": "b", "elements": [button]}],
            **extra}  # fmt: skip


def click_on(message: dict, *, is_ephemeral: bool) -> dict:
    return button_payload(
        message, "history_show", response_url="https://hooks.example/1", trigger_id="1.2.3",
        action_ts="1763900600.000100", user_id="U0BOB", is_ephemeral=is_ephemeral,
    )  # fmt: skip


def test_a_click_on_an_ephemeral_message_says_so_and_carries_no_message() -> None:
    payload = click_on(card_message(ts="1763900600.000200"), is_ephemeral=True)
    assert payload["container"] == {"type": "message", "message_ts": "1763900600.000200",
                                    "channel_id": CHANNEL, "is_ephemeral": True}  # fmt: skip
    assert "message" not in payload and payload["response_url"]


def test_a_click_on_a_thread_reply_carries_the_message_and_its_thread() -> None:
    message = card_message(ts="1763900600.000300", thread_ts="1763900600.000100")
    payload = click_on(message, is_ephemeral=False)
    assert payload["container"]["is_ephemeral"] is False
    assert payload["message"]["ts"] == "1763900600.000300"
    assert payload["message"]["thread_ts"] == "1763900600.000100"
    assert payload["message"]["blocks"] == message["blocks"]


def test_whether_a_message_is_ephemeral_follows_the_conversation_then_its_shape() -> None:
    assert is_ephemeral_message(card_message(), kept=False) is False
    assert is_ephemeral_message(card_message(response_type="ephemeral"), kept=None)
    assert not is_ephemeral_message(card_message(response_type="in_channel"), kept=None)
    assert is_ephemeral_message(card_message(), kept=None)  # a response_url body
    assert not is_ephemeral_message(card_message(channel=CHANNEL), kept=None)
    assert is_ephemeral_message(card_message(channel=CHANNEL, user="U0BOB"), kept=None)


def test_a_click_that_fails_on_a_shared_answer_tells_the_clicker_beside_it(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel(CHANNEL)
    setup_account(slack, "Marlow Glass")
    mention(slack, "who owns marlow glass?", "1763900504.000100")
    shared = answer_in_thread(fake_slack, "1763900504.000100")
    tampered = shared.to_dict()
    for block in tampered["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == "history_show":
                element["value"] = "not-an-id"
    _, url = click(slack, tampered, "history_show", user_id="U0BOB")
    [hook] = fake_slack.wait_for_hook(url)
    assert hook.body["replace_original"] is False and hook.body["response_type"] == "ephemeral"
    assert "That button no longer works" in text_of(hook.body)
    assert fake_slack.message(CHANNEL, shared.ts) == shared


def test_create_on_a_shared_answer_answers_the_clicker_alone_and_only_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake_slack.add_channel(CHANNEL)
    setup_account(slack, "Birchwood Dairy")
    mention(slack, "who owns quayside ferries?", "1763900505.000100")
    shared = answer_in_thread(fake_slack, "1763900505.000100")
    urls = [click(slack, shared.to_dict(), "who_owns_create", user_id="U0BOB")[1] for _ in "12"]
    slack.settle()
    hooks = [hook for url in urls for hook in fake_slack.hooks_to(url)]
    [hook] = hooks  # the double click answers once
    assert hook.body["replace_original"] is False and hook.body["response_type"] == "ephemeral"
    assert hook.body["thread_ts"] == "1763900505.000100"
    assert "Created *quayside ferries* (owner: you)" in text_of(hook.body)
    assert fake_slack.message(CHANNEL, shared.ts) == shared  # still the question, for everyone
    with Session(engine) as session:
        assert [a.name for a in session.exec(select(Account))].count("quayside ferries") == 1
