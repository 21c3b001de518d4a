"""The /crm grammar, with what people actually type (escaped the way Slack escapes it)."""

import pytest

from handlers.parsing import (
    CommandError,
    CrmAssign,
    CrmHelp,
    CrmNewAccount,
    CrmNotYet,
    parse_crm,
    split_mentions,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", CrmHelp()),
        ("   ", CrmHelp()),
        ("help", CrmHelp()),
        ("HELP", CrmHelp()),
        ("?", CrmHelp()),
        ("frobnicate acme", CrmHelp(unknown="frobnicate acme")),
        ("show &lt;!channel&gt;", CrmHelp(unknown="show <!channel>")),
        ("new Acme", CrmNewAccount(account="Acme", owner_id=None)),
        ("new   Acme   Corp  ", CrmNewAccount(account="Acme Corp", owner_id=None)),
        ("New Acme Corp <@U0BOB|bob>", CrmNewAccount(account="Acme Corp", owner_id="U0BOB")),
        ("new Acme <@U0BOB>", CrmNewAccount(account="Acme", owner_id="U0BOB")),
        ("new AT&amp;T", CrmNewAccount(account="AT&T", owner_id=None)),
        ("new <@W0ENT|ent> Initech", CrmNewAccount(account="Initech", owner_id="W0ENT")),
        ("create Globex", CrmNewAccount(account="Globex", owner_id=None)),
        ("assign Acme <@U0BOB|bob>", CrmAssign(account="Acme", rep_id="U0BOB")),
        ("assign Acme, Inc. <@U0BOB|bob>", CrmAssign(account="Acme, Inc.", rep_id="U0BOB")),
        (
            "reassign Société Générale <@U0BOB|bob>",
            CrmAssign(account="Société Générale", rep_id="U0BOB"),
        ),
        ("link Acme", CrmNotYet("link")),
        ("pipeline", CrmNotYet("pipeline")),
        ("erase-contact jane@acme.com", CrmNotYet("erase-contact")),
    ],
)
def test_parse_crm(text: str, expected: object) -> None:
    assert parse_crm(text) == expected


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("new", "Name the account"),
        ("new <@U0BOB|bob>", "Name the account"),
        ("new Acme <@U0BOB|bob> <@U0ALICE|alice>", "one owner"),
        ("new Acme @bob", "@-suggestions"),
        ("assign Acme", "who gets it"),
        ("assign <@U0BOB|bob>", "which account"),
        ("assign Acme <@U0BOB|bob> <@U0ALICE|alice>", "who gets it"),
    ],
)
def test_parse_crm_errors_say_what_to_type(text: str, sentence: str) -> None:
    with pytest.raises(CommandError, match=sentence):
        parse_crm(text)


def test_split_mentions_keeps_order_and_text() -> None:
    assert split_mentions("a <@U1|x> b <@U2> c") == ("a b c", ["U1", "U2"])
