"""The /crm grammar, with what people actually type (escaped the way Slack escapes it)."""

import pytest

from handlers.parsing.calls import DmLog, parse_dm_log, parse_log_call
from handlers.parsing.crm import (
    ContactText,
    CrmAssign,
    CrmContact,
    CrmHandoff,
    CrmHelp,
    CrmLink,
    CrmNewAccount,
    CrmNotYet,
    parse_contact,
    parse_crm,
)
from handlers.parsing.text import CommandError, plain_text, split_mentions, split_name


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
        ("link Acme, Inc.", CrmLink("Acme, Inc.")),
        ("unlink", CrmLink(None)),
        ("contact Acme: Jane", CrmContact("Acme: Jane")),
        ("pipeline", CrmNotYet("pipeline")),
        ("handoff <@U0A> <@U0B>", CrmHandoff(from_id="U0A", to_id="U0B", account=None)),
        ("handoff <@U0A|a> <@U0B|b> Acme, Inc.", CrmHandoff("U0A", "U0B", "Acme, Inc.")),
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


@pytest.mark.parametrize(
    ("text", "account", "notes"),
    [
        ("Acme: talked renewal, they want SSO", "Acme", "talked renewal, they want SSO"),
        (
            "Acme Corp: demo went well. Follow up next Tuesday",
            "Acme Corp",
            "demo went well. Follow up next Tuesday",
        ),
        ("  acme   inc :   left a voicemail  ", "acme inc", "left a voicemail"),
        ("AT&amp;T: pricing call", "AT&T", "pricing call"),
        ("Société Générale: réunion, très bien", "Société Générale", "réunion, très bien"),
        ("Acme: call at 3:30 moved to 4:00", "Acme", "call at 3:30 moved to 4:00"),
        (
            "Acme: see <https://acme.com/pricing|pricing page>",
            "Acme",
            "see pricing page (https://acme.com/pricing)",
        ),
        ("Acme: ping <@U0BOB|bob> and <#C0DEALS|deals>", "Acme", "ping @bob and #deals"),
        ("Acme: &lt;!channel&gt; is literal text", "Acme", "<!channel> is literal text"),
        ("Acme: <!here> was pinged", "Acme", "@here was pinged"),
        ("Acme: 🚀 signed!", "Acme", "🚀 signed!"),
        ("Acme: שלום, they replied in Hebrew", "Acme", "שלום, they replied in Hebrew"),
        ("Acme:", "Acme", ""),
        ("Acme", None, "Acme"),
        ("talked about renewal", None, "talked about renewal"),
        ("call at 3:30 went well", None, "call at 3:30 went well"),
        ("", None, ""),
        (": no account", None, ": no account"),
        ("acme inc - they signed the NDA", "acme inc", "they signed the NDA"),
        ("Initech \u2014 demo, then pricing", "Initech", "demo, then pricing"),
        ("ACME, Inc.: they signed", "ACME, Inc.", "they signed"),
        ("Acme, talked pricing", None, "Acme, talked pricing"),  # commas only split in DMs
        ("Acme talked pricing", None, "Acme talked pricing"),
        ("Smith-Jones talked pricing", None, "Smith-Jones talked pricing"),
    ],
)
def test_parse_log_call(text: str, account: str | None, notes: str) -> None:
    parsed = parse_log_call(text)
    assert (parsed.account, parsed.notes) == (account, notes)


@pytest.mark.parametrize(
    ("text", "kind", "account", "notes"),
    [
        (
            "called Acme: they signed the NDA, follow up friday",
            "call",
            "Acme",
            "they signed the NDA, follow up friday",
        ),
        ("met Globex, demo went well", "meeting", "Globex", "demo went well"),
        ("met with Globex: demo went well", "meeting", "Globex", "demo went well"),
        ("Called Initech, left a voicemail", "call", "Initech", "left a voicemail"),
        ("emailed Acme Corp: sent the quote", "email", "Acme Corp", "sent the quote"),
        ("email to Acme: contract v2", "email", "Acme", "contract v2"),
        ("note Acme: CFO is leaving in March", "note", "Acme", "CFO is leaving in March"),
        ("Acme: renewal at risk", "note", "Acme", "renewal at risk"),
        ("spoke with Dana at Acme, they need SSO", "call", "Dana at Acme", "they need SSO"),
        ("phoned <@U0BOB|bob>'s account Acme: hi", "call", "@bob's account Acme", "hi"),
        ("visited Globex HQ, great energy", "meeting", "Globex HQ", "great energy"),
        ("Called ACME, Inc.: they signed", "call", "ACME, Inc.", "they signed"),
        ("called umbrella gmbh - sent the deck", "call", "umbrella gmbh", "sent the deck"),
        ("met Hooli, LLC, demo went well", "meeting", "Hooli, LLC", "demo went well"),
        ("met Fiat, S.p.A. — kickoff", "meeting", "Fiat, S.p.A.", "kickoff"),
        ("rang Kone Oyj \u2013 no answer", "call", "Kone Oyj", "no answer"),
        ("called Acme, co-founder left", "call", "Acme", "co-founder left"),
        ("met Smith-Jones: a - b", "meeting", "Smith-Jones", "a - b"),
        ("called Acme at 3:30, went well", "call", "Acme at 3:30", "went well"),
        ("called Acme talked pricing", "call", None, "Acme talked pricing"),
    ],
)
def test_parse_dm_log(text: str, kind: str, account: str, notes: str) -> None:
    assert parse_dm_log(text) == DmLog(kind=kind, account=account, notes=notes)


@pytest.mark.parametrize("text", ["met", "", "called : x", "called Acme:", "called , x"])
def test_parse_dm_log_asks_for_an_example_when_it_cant_read_it(text: str) -> None:
    with pytest.raises(CommandError, match="called Acme: they signed the NDA"):
        parse_dm_log(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Acme: Jane Roe, jane@acme.com, VP Sales",
            ContactText("Acme", "Jane Roe", "jane@acme.com", "VP Sales"),
        ),
        ("Acme: Jane Roe", ContactText("Acme", "Jane Roe", None, None)),
        ("Acme Corp: Jane Roe, VP Sales", ContactText("Acme Corp", "Jane Roe", None, "VP Sales")),
        (
            "Acme: Jane Roe, <mailto:jane@acme.com|jane@acme.com>",
            ContactText("Acme", "Jane Roe", "jane@acme.com", None),
        ),
        (
            "Acme: Jane Roe, jane@acme.com, VP Sales, EMEA",
            ContactText("Acme", "Jane Roe", "jane@acme.com", "VP Sales, EMEA"),
        ),
        (
            "Initech: Peter Gibbons, Peter.Gibbons@Initech.CO.UK",
            ContactText("Initech", "Peter Gibbons", "peter.gibbons@initech.co.uk", None),
        ),
        (
            "Hooli: Gavin, CEO, mailto:gavin@hooli.xyz",
            ContactText("Hooli", "Gavin", "gavin@hooli.xyz", "CEO"),
        ),
        (
            "Hooli: Ed, Head of Sales at Hooli.com",
            ContactText("Hooli", "Ed", None, "Head of Sales at Hooli.com"),
        ),
    ],
)
def test_parse_contact(text: str, expected: ContactText) -> None:
    assert parse_contact(text) == expected


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("Acme", "e.g."),
        (": Jane", "e.g."),
        ("Acme: Jane, jane@", "isn't an email address"),
        ("Acme: Jane, jane at acme.com", "isn't an email address"),
        ("Acme: Jane, jane(at)acme.com, CFO", "isn't an email address"),
        ("Acme: Jane, jane@acme..com", "isn't an email address"),
        ("Acme: Jane, jane@@acme.com", "isn't an email address"),
        ("Acme: Jane, jane@acme.com, j.roe@acme.com", "one email address"),
        ("Acme: jane@acme.com", "name before the email"),
    ],
)
def test_parse_contact_errors(text: str, sentence: str) -> None:
    with pytest.raises(CommandError, match=sentence):
        parse_contact(text)


def test_plain_text_reads_slack_markup_the_way_people_wrote_it() -> None:
    assert plain_text(
        "<!subteam^S1|@sales> <!everyone> <https://x.io> <tel:+15551234|call me>"
    ) == ("@sales @everyone https://x.io call me")


@pytest.mark.parametrize(
    ("text", "commas", "expected"),
    [
        ("Acme: x", False, ("Acme", ":", " x")),
        ("Acme - x: y", False, ("Acme", " - ", "x: y")),
        ("ACME, Inc., x", True, ("ACME, Inc.", ",", " x")),
        ("ACME, Inc., x", False, ("ACME, Inc., x", "", "")),
        ("Acme, Pty Ltd: x", True, ("Acme, Pty Ltd", ":", " x")),
        ("Acme, Incredible news", True, ("Acme", ",", " Incredible news")),
        ("<https://a.b/c:d|link> - x", False, ("<https://a.b/c:d|link>", " - ", "x")),
        ("at 10:30, Acme", True, ("at 10:30", ",", " Acme")),
        ("Acme-Corp x", False, ("Acme-Corp x", "", "")),
    ],
)
def test_split_name_splits_where_people_separate_a_name(
    text: str, commas: bool, expected: tuple[str, str, str]
) -> None:
    assert split_name(text, commas=commas) == expected


def test_split_name_reads_a_long_message_quickly() -> None:
    assert split_name("word " * 8000 + ": x")[1] == ":"
