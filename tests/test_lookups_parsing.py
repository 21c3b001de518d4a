"""Reading questions: /history filters, @-mention questions (with or without a name), DMs."""

import pytest

from handlers.parsing.lookups import (
    HistoryText,
    MentionQuestion,
    is_question,
    parse_dm_question,
    parse_history,
    parse_mention,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("acme call", HistoryText("acme", "calls")),
        ("Acme Corp CALLS", HistoryText("Acme Corp", "calls")),
        ("acme meeting", HistoryText("acme", "meetings")),
        ("acme e-mail", HistoryText("acme", "emails")),
        ("acme note", HistoryText("acme", "notes")),
        ("acme deal", HistoryText("acme", "deals")),
        ("acme deals", HistoryText("acme", "deals")),
        ("acme follow-up", HistoryText("acme", "follow-ups")),
        ("acme followups", HistoryText("acme", "follow-ups")),
        ("calls", HistoryText(None, "calls")),
        ("acme", HistoryText("acme", None)),
        ("", HistoryText(None, None)),
        ("callisto", HistoryText("callisto", None)),
    ],
)
def test_history_reads_a_filter_in_the_singular_or_plural(
    typed: str, expected: HistoryText
) -> None:
    assert parse_history(typed) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@U0BOT> who owns Acme?", MentionQuestion("who", "Acme")),
        ("<@U0BOT> who owns this?", MentionQuestion("who", None)),
        ("<@U0BOT> who owns?", MentionQuestion("who", None)),
        ("<@U0BOT> who\u2019s the owner here", MentionQuestion("who", None)),
        ("<@U0BOT> who owns this channel's account?", MentionQuestion("who", None)),
        ("<@U0BOT> owner of Globex Shipping", MentionQuestion("who", "Globex Shipping")),
        ("<@U0BOT> history", MentionQuestion("history", None)),
        ("<@U0BOT> history here", MentionQuestion("history", None)),
        ("<@U0BOT> history of initech calls", MentionQuestion("history", "initech", "calls")),
        ("<@U0BOT> timeline email", MentionQuestion("history", None, "emails")),
        ("<@U0BOT> what's new here?", MentionQuestion("new", None)),
        ("<@U0BOT> what's new", MentionQuestion("new", None)),
        ("<@U0BOT> what is going on with Umber Tiles", MentionQuestion("new", "Umber Tiles")),
        ("<@U0BOT> whats up at hooli?!", MentionQuestion("new", "hooli")),
        ("<@U0BOT> who owns Acme? thanks!", MentionQuestion("who", "Acme")),
    ],
)
def test_mention_questions_name_an_account_or_mean_the_channels(
    text: str, expected: MentionQuestion
) -> None:
    assert parse_mention(text) == expected


def test_a_mention_that_asks_nothing_is_none() -> None:
    assert parse_mention("<@U0BOT> sing me a song") is None
    assert parse_mention("<@U0BOT>") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("who owns globex?", MentionQuestion("who", "globex")),
        ("Who has Initech", MentionQuestion("who", "Initech")),
        ("history acme", MentionQuestion("history", "acme")),
        ("  History of Acme meetings", MentionQuestion("history", "Acme", "meetings")),
        ("what's new with acme", MentionQuestion("new", "acme")),
        ("<@U0BOT> who owns hooli", MentionQuestion("who", "hooli")),
    ],
)
def test_a_dm_that_starts_as_a_question_is_one(text: str, expected: MentionQuestion) -> None:
    assert parse_dm_question(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "called acme: asked who owns the budget",
        "met globex - history of their outage",
        "note initech: what's new with them is a reorg",
        "emailed hooli",
        "",
    ],
)
def test_a_dm_that_logs_is_no_question(text: str) -> None:
    assert parse_dm_question(text) is None


def test_a_dm_question_is_read_from_its_start_only() -> None:
    assert parse_dm_question("who knew - called acme, history of the outage") is None
    assert parse_dm_question("Who has Acme? history of them") == MentionQuestion("who", "Acme")


@pytest.mark.parametrize(
    ("text", "account"),
    [
        ("who is the owner of globex", "globex"),
        ("whos acme's owner?", "acme"),
        ("who\u2019s Acme Corp\u2019s owner", "Acme Corp"),
        ("who's got initech", "initech"),
        ("who has got hooli?", "hooli"),
    ],
)
def test_more_ways_of_asking_who_owns_read_in_dms_and_mentions(text: str, account: str) -> None:
    expected = MentionQuestion(ask="who", account=account)
    assert parse_dm_question(text) == expected
    assert parse_mention(f"<@U0CRMBOT1> {text}") == expected


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Acme, Inc.?", True),
        ("is acme renewing", True),
        ("Any news on globex", True),
        ("called acme: they asked, can we get SSO?", False),
        ("Acme: they signed", False),
    ],
)
def test_a_dm_is_a_question_when_it_starts_like_one_or_ends_in_a_question_mark(
    text: str, question: bool
) -> None:
    assert is_question(text) is question


def test_a_log_line_after_a_dm_question_is_noticed_but_a_sign_off_is_not() -> None:
    assert parse_dm_question("Who owns Acme? I called them - they signed").more  # type: ignore[union-attr]
    assert not parse_dm_question("who owns acme? thx").more  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("acme calls emails", HistoryText("acme", "calls+emails")),
        ("Acme, Inc. calls, emails", HistoryText("Acme, Inc.", "calls+emails")),
        ("acme emails and calls", HistoryText("acme", "calls+emails")),
        ("Procter & Gamble", HistoryText("Procter & Gamble", None)),
        ("calls notes", HistoryText(None, "calls+notes")),
    ],
)
def test_history_reads_several_filters(typed: str, expected: HistoryText) -> None:
    assert parse_history(typed) == expected


@pytest.mark.parametrize(
    ("text", "account"),
    [("any news on globex?", "globex"), ("anything new with Acme Corp", "Acme Corp")],
)
def test_any_news_asks_whats_new(text: str, account: str) -> None:
    assert parse_dm_question(text) == MentionQuestion(ask="new", account=account)
