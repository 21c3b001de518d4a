"""CRM answers land where only people who could ask for them read them: a mention or Share in a
channel with a guest, someone of another organisation, or members Slack won't list stays private."""

import pytest

from bot.standin.driver import SlackDriver, click, text_of
from bot.standin.webapi import FakeSlack
from handlers.audience import MEMBERS_CHECKED

BOT = "U0CRMBOT1"
PRIVATE = "so I answer privately here"


def setup_account(slack: SlackDriver) -> None:
    assert "Created" in text_of(slack.command("/crm", "new Acme Corp").reply())
    note = "Acme Corp: note they are unhappy with pricing"
    assert "Logged" in text_of(slack.command("/log-call", note).reply())


def mention(slack: SlackDriver, channel: str, question: str, n: int = 1) -> str:
    ts = f"17639005{n:02d}.000100"
    slack.event(
        {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": f"<@{BOT}> {question}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
        }
    )
    return ts


def share(slack: SlackDriver, fake_slack: FakeSlack, channel: str) -> dict:
    """/who-owns in `channel`, then Share in channel on the card; the click's one answer."""
    card = slack.command("/who-owns", "Acme Corp", channel_id=channel).reply()
    _, url = click(slack, card, "who_owns_share", channel_id=channel)
    [hook] = fake_slack.wait_for_hook(url)
    return hook.body


def assert_private(slack: SlackDriver, fake_slack: FakeSlack, channel: str, reader: str) -> None:
    """Both mentions are answered to the asker only, in their threads; `reader` sees nothing."""
    for n, (question, expected) in enumerate(
        [("who owns Acme?", "is owned by <@U0ALICE>"), ("history acme", "unhappy with pricing")],
        start=1,
    ):
        ts = mention(slack, channel, question, n)
        call = fake_slack.wait_for("chat.postEphemeral", count=n)[-1]
        assert call.args["user"] == "U0ALICE" and call.args["thread_ts"] == ts
        assert expected in text_of(call.args), question
    slack.settle()
    assert fake_slack.calls_to("chat.postMessage") == []
    assert fake_slack.messages(channel, visible_to=reader) == []


@pytest.mark.parametrize("guest", ["U0GUEST", "U0SINGLE"])
def test_a_mention_in_a_channel_with_a_guest_is_answered_privately(
    slack: SlackDriver, fake_slack: FakeSlack, guest: str
) -> None:
    fake_slack.add_channel("C0GUESTS1", members=[BOT, "U0ALICE", "U0BOB", guest])
    setup_account(slack)
    assert_private(slack, fake_slack, "C0GUESTS1", reader=guest)


def test_share_in_a_channel_with_a_guest_says_why_and_posts_nothing(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0GUESTS1", members=[BOT, "U0ALICE", "U0GUEST"])
    setup_account(slack)
    answer = share(slack, fake_slack, "C0GUESTS1")
    assert answer.get("response_type") != "in_channel" and PRIVATE in text_of(answer)
    assert not answer.get("replace_original")  # the private card stays as it was
    slack.settle()
    assert fake_slack.messages("C0GUESTS1", visible_to="U0GUEST") == []
    assert all(hook.body.get("response_type") != "in_channel" for hook in fake_slack.hooks)


def test_a_channel_of_full_members_and_bots_gets_public_answers(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0TEAM001", members=[BOT, "U0ALICE", "U0BOB", "U0ADMIN", "U0ROBOT"])
    setup_account(slack)
    ts = mention(slack, "C0TEAM001", "who owns Acme?")
    [call] = fake_slack.wait_for("chat.postMessage")
    assert call.args["thread_ts"] == ts and "is owned by <@U0ALICE>" in text_of(call.args)
    answer = share(slack, fake_slack, "C0TEAM001")
    assert answer["response_type"] == "in_channel" and "Shared by <@U0ALICE>" in text_of(answer)
    assert fake_slack.calls_to("chat.postEphemeral") == []


def test_a_member_from_another_organisation_makes_answers_private(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    # Not flagged is_ext_shared (e.g. a guest account of a partner's org): the members tell.
    fake_slack.add_channel("C0PARTNER", members=[BOT, "U0ALICE", "U0STRANGER"])
    setup_account(slack)
    assert_private(slack, fake_slack, "C0PARTNER", reader="U0STRANGER")
    answer = share(slack, fake_slack, "C0PARTNER")
    assert answer.get("response_type") != "in_channel" and PRIVATE in text_of(answer)


@pytest.mark.parametrize("error", ["missing_scope", "not_in_channel", "channel_not_found"])
def test_when_slack_wont_list_the_members_answers_are_private(
    slack: SlackDriver, fake_slack: FakeSlack, error: str
) -> None:
    fake_slack.add_channel("C0SALES01")  # by default: Rapport and the workspace's full members
    setup_account(slack)
    fake_slack.fail("conversations.members", error=error, times=3)
    assert_private(slack, fake_slack, "C0SALES01", reader="U0BOB")
    answer = share(slack, fake_slack, "C0SALES01")
    assert answer.get("response_type") != "in_channel" and PRIVATE in text_of(answer)


def test_a_member_slack_doesnt_know_makes_answers_private(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0SALES01", members=[BOT, "U0ALICE", "U0NOBODY"])
    setup_account(slack)
    assert_private(slack, fake_slack, "C0SALES01", reader="U0NOBODY")


def test_a_channel_too_large_to_check_is_answered_privately(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    crowd = [f"U1{n:07d}" for n in range(MEMBERS_CHECKED + 1)]
    for user_id in crowd:  # all full members: only the size makes it private
        fake_slack.add_user(user_id)
    fake_slack.add_channel("C0ALLHANDS", members=[BOT, "U0ALICE", *crowd])
    setup_account(slack)
    before = len(fake_slack.calls_to("users.info"))
    assert_private(slack, fake_slack, "C0ALLHANDS", reader=crowd[-1])
    pages = fake_slack.calls_to("conversations.members")
    assert 2 <= len(pages) <= MEMBERS_CHECKED // 100 + 1  # paginated, and stopped at the cap
    assert len(fake_slack.calls_to("users.info")) == before  # nobody looked up one by one


def test_the_members_list_is_cached_per_channel(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C0TEAM001", members=[BOT, "U0ALICE", "U0BOB"])
    setup_account(slack)
    for n in (1, 2):
        mention(slack, "C0TEAM001", "who owns Acme?", n)
        fake_slack.wait_for("chat.postMessage", count=n)
    assert share(slack, fake_slack, "C0TEAM001")["response_type"] == "in_channel"
    slack.settle()
    [listed] = fake_slack.calls_to("conversations.members")
    assert listed.args["channel"] == "C0TEAM001"
    looked_up = [call.args["user"] for call in fake_slack.calls_to("users.info")]
    assert sorted(looked_up) == sorted(set(looked_up))  # each member once, then from the cache
