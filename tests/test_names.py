"""Account names as reps write them, end to end: where a name ends and the notes begin, legal forms
of many countries, names nothing is close to, and names with Slack's formatting characters."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import TEAM_ID, SlackDriver, click, text_of
from bot.standin.webapi import FakeSlack
from handlers.blocks.text import bold, literal
from handlers.parsing.calls import parse_dm_log
from models.accounts import Account
from models.channels import get_linked_account
from models.contacts import Contact
from tests.test_calls import dm, logged, make_accounts


@pytest.mark.parametrize(
    ("line", "account", "notes"),
    [
        ("Called UMBRELLA, GmbH: they renewed", "Umbrella GmbH", "they renewed"),
        ("called umbrella gmbh - sent the deck", "Umbrella GmbH", "sent the deck"),
        ("met Hooli, LLC, demo went well", "Hooli", "demo went well"),
        ("rang Hooli \u2014 no answer, follow up Dec 3", "Hooli", "no answer"),
        ("emailed hooli \u2013 contract v2", "Hooli", "contract v2"),
        ("called Umbrella talked pricing", "Umbrella GmbH", "talked pricing"),
        ("met Hooli Inc. demo went well", "Hooli", "demo went well"),
        ("called Umbrella GmbH talked pricing, follow up Dec 3", "Umbrella GmbH", "talked pricing"),
    ],
)
def test_a_dm_splits_the_account_from_the_notes_the_way_people_write(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack, line: str, account: str, notes: str
) -> None:
    make_accounts(slack, "Umbrella GmbH", "Hooli")
    slack.event(dm(line))
    [reply] = fake_slack.wait_for("chat.postMessage")
    assert f"on *{account}*" in text_of(reply.args)
    assert [row[0] for row in logged(engine)] == [account]
    assert logged(engine)[0][3].startswith(notes)


def test_a_dm_that_names_no_known_account_gets_an_example(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    make_accounts(slack, "Hooli")
    slack.event(dm("called Globex and talked pricing"))
    [reply] = fake_slack.wait_for("chat.postMessage")
    assert "called Acme: they signed the NDA" in reply.args["text"] and logged(engine) == []


@pytest.mark.parametrize(
    ("text", "account", "notes"),
    [
        ("Hooli talked pricing", "Hooli", "talked pricing"),
        ("hooli inc talked pricing", "Hooli", "talked pricing"),
        ("Hooli Cloud renewal is at risk", "Hooli Cloud", "renewal is at risk"),
        ("hooli as discussed, pricing next", "Hooli", "as discussed, pricing next"),
        ("Kone Oy \u2014 kickoff done", "Kone Oyj", "kickoff done"),
        ("Kone, Oyj: kickoff done", "Kone Oyj", "kickoff done"),
    ],
)
def test_log_call_finds_the_account_at_the_start_without_a_separator(
    slack: SlackDriver, engine: Engine, text: str, account: str, notes: str
) -> None:
    make_accounts(slack, "Hooli", "Hooli Cloud", "Kone Oyj")
    reply = slack.command("/log-call", text).reply()
    assert f"Logged a call on *{account}*" in text_of(reply)
    assert [row[0] for row in logged(engine)] == [account] and logged(engine)[0][3] == notes


def test_log_call_with_no_known_account_at_the_start_opens_the_modal_with_the_text(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Hooli")
    result = slack.command("/log-call", "Pied Piper talked pricing")
    assert result.response.text.strip() == ""
    [call] = slack.fake.wait_for("views.open")
    notes = [b for b in call.args["view"]["blocks"] if b.get("block_id") == "log_notes"]
    assert notes[0]["element"]["initial_value"] == "Pied Piper talked pricing"
    assert logged(engine) == []


@pytest.mark.parametrize(
    ("created", "typed"),
    [
        ("株式会社リコー", "リコー株式会社"),
        ("リコー", "㈱リコー"),
        ("Ferrari S.p.A.", "ferrari spa"),
        ("Ikea AB", "IKEA"),
        ("Canva Pty Ltd", "canva"),
        ("Heineken", "Heineken N.V."),
    ],
)
def test_legal_forms_of_many_countries_name_one_account(
    slack: SlackDriver, engine: Engine, created: str, typed: str
) -> None:
    make_accounts(slack, created)
    reply = slack.command("/log-call", f"{typed}: kickoff").reply()
    assert f"Logged a call on *{created}*" in text_of(reply)
    assert "already an account" in text_of(slack.command("/crm", f"new {typed}").reply())
    with Session(engine) as session:
        assert session.exec(select(Account.name)).all() == [created]


# -- names nothing is close to, and one answer with buttons for names that aren't clear ----------


def buttons_of(message: dict) -> list[tuple[str, str]]:
    """(label, action_id) of every button in a message."""
    return [
        (e["text"]["text"], e["action_id"])
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def mention(slack: SlackDriver, fake_slack: FakeSlack, text: str, n: int = 1) -> dict:
    ts = f"17639005{n:02d}.000100"
    slack.event(
        {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": f"<@U0CRMBOT1> {text}",
            "ts": ts,
            "channel": "C0SALES01",
            "event_ts": ts,
        }
    )
    return fake_slack.wait_for("chat.postMessage", count=n)[-1].args


@pytest.mark.parametrize(
    ("command", "text", "create"),
    [
        ("/who-owns", "Pied Piper", "who_owns_create"),
        ("/history", "Pied Piper", "who_owns_create"),
        ("/log-call", "zzz: hello", "log_create_account"),
        ("/crm", "link Hooli XYZ Zebra", "crm_create_account"),
        ("/crm", "contact Vandelay: Art Vandelay, art@vandelay.com", "crm_create_account"),
    ],
)
def test_unrelated_names_are_not_offered_and_create_is(
    slack: SlackDriver, command: str, text: str, create: str
) -> None:
    make_accounts(slack, "Initech", "Initrode", "Hooli")
    reply = slack.command(command, text).reply()
    assert "No account is close to “" in text_of(reply)
    [(label, action_id)] = buttons_of(reply)
    assert label.startswith("Create account “") and action_id == create


def test_a_mention_with_nothing_close_says_so(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C0SALES01")
    make_accounts(slack, "Initech", "Hooli")
    answer = mention(slack, fake_slack, "who owns zzz?")
    assert "No account is close to “zzz”" in text_of(answer)
    assert [label for label, _ in buttons_of(answer)] == ["Create account “zzz” (owner: you)"]


def test_create_on_who_owns_makes_the_account_yours_and_shows_its_card(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Initech")
    reply = slack.command("/who-owns", "Vandelay Industries", user_id="U0BOB").reply()
    shown = []
    for _ in range(2):  # a double click creates it once
        _, url = click(slack, reply, "who_owns_create", user_id="U0BOB")
        shown.append(text_of(slack.fake.wait_for_hook(url)[0].body))
    assert all("*Vandelay Industries* is owned by <@U0BOB>" in text for text in shown)
    assert ["Created *Vandelay Industries* (owner: you)" in text for text in shown] == [True, False]
    with Session(engine) as session:
        names = session.exec(select(Account.name).order_by(Account.id)).all()
    assert names == ["Initech", "Vandelay Industries"]


def test_a_close_name_on_who_owns_shows_that_card(slack: SlackDriver) -> None:
    make_accounts(slack, "Vandelay Industries", "Vandelay Imports", "Initech")
    reply = slack.command("/who-owns", "vandelay").reply()
    labels = [label for label, _ in buttons_of(reply)]
    assert sorted(labels[:2]) == ["Vandelay Imports", "Vandelay Industries"]
    assert labels[2:] == ["Create account “vandelay” (owner: you)"]
    _, url = click(slack, reply, "who_owns_show")
    assert f"*{labels[0]}* is owned by" in text_of(slack.fake.wait_for_hook(url)[0].body)


def channel_account(engine: Engine, channel_id: str = "C0SALES01") -> str | None:
    with Session(engine) as session:
        linked = get_linked_account(session=session, team_id=TEAM_ID, channel_id=channel_id)
        return linked.name if linked else None


def test_a_close_name_on_crm_link_links_the_one_picked_once(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Hooli", "Initech")
    reply = slack.command("/crm", "link Hooly").reply()
    assert "Did you mean" in text_of(reply) or "Which account" in text_of(reply)
    assert buttons_of(reply) == [
        ("Hooli", "crm_pick_account_0"),
        ("Create account “Hooly” (owner: you)", "crm_create_account"),
    ]
    _, url = click(slack, reply, "crm_pick_account")
    assert "This channel is now *Hooli*'s" in text_of(slack.fake.wait_for_hook(url)[0].body)
    assert channel_account(engine) == "Hooli"
    _, again = click(slack, reply, "crm_create_account")  # the other button, after the pick
    assert "done already" in text_of(slack.fake.wait_for_hook(again)[0].body)
    with Session(engine) as session:
        assert session.exec(select(Account.name).order_by(Account.name)).all() == [
            "Hooli",
            "Initech",
        ]


def test_create_on_crm_contact_creates_the_account_and_adds_the_contact(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Initech")
    reply = slack.command("/crm", "contact Vandelay: Art Vandelay, art@vandelay.com, CEO").reply()
    _, url = click(slack, reply, "crm_create_account", user_id="U0ALICE")
    shown = text_of(slack.fake.wait_for_hook(url)[0].body)
    assert "Created *Vandelay* (owner: you)" in shown and "Art Vandelay" in shown
    with Session(engine) as session:
        [(name, account)] = session.exec(
            select(Contact.name, Account.name).join(Account, Account.id == Contact.account_id)
        ).all()
    assert (name, account) == ("Art Vandelay", "Vandelay")


def test_a_pick_on_crm_assign_assigns_the_one_picked(slack: SlackDriver, engine: Engine) -> None:
    make_accounts(slack, "Initech Labs", "Initech Cloud")
    reply = slack.command("/crm", "assign initech <@U0BOB|bob>").reply()
    assert "Which account do you mean by “initech”?" in text_of(reply)
    create = ("Create account “initech” (owner: Bob Berg)", "crm_create_account")
    assert buttons_of(reply)[-1] == create
    picked = buttons_of(reply)[0][0]
    _, url = click(slack, reply, "crm_pick_account")
    shown = text_of(slack.fake.wait_for_hook(url)[0].body)
    assert f"*{picked}* is now owned by <@U0BOB>" in shown


# -- names with Slack's formatting characters read as typed ------------------------------------

V = "<!date^00000000^{_}|"  # a formatting character shown verbatim: handlers.blocks.text.literal


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("*Bold* Industries", f"{V}*>Bold{V}*> Industries"),
        ("_under_score", f"{V}_>under{V}_>score"),
        ("~strike~ & <Co>", f"{V}~>strike{V}~> &amp; &lt;Co&gt;"),
        ("`code` **twice**", f"{V}`>code{V}`> {V}**>twice{V}**>"),
        ("Plain & Simple", "Plain &amp; Simple"),
    ],
)
def test_literal_shows_formatting_characters_as_typed_and_still_escapes(
    typed: str, shown: str
) -> None:
    assert literal(typed) == shown and bold(typed) == f"*{shown}*"


def test_a_name_with_formatting_characters_reads_as_typed_in_command_answers(
    slack: SlackDriver,
) -> None:
    make_accounts(slack, "*Bold* Industries")
    card = text_of(slack.command("/who-owns", "bold industries").reply())
    assert f"*{V}*>Bold{V}*> Industries* is owned by" in card and "**Bold*" not in card
    logged = text_of(slack.command("/log-call", "_bold_ industries inc: kickoff").reply())
    assert f"Logged a call on *{V}*>Bold{V}*> Industries*" in logged
    assert f"(you typed “{V}_>bold{V}_> industries inc”)" in logged


def test_a_name_with_formatting_characters_reads_as_typed_in_mention_answers(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0SALES01")
    make_accounts(slack, "_Under_ ~Strike~ `Labs`")
    answer = text_of(mention(slack, fake_slack, "who owns under strike labs?"))
    assert f"*{V}_>Under{V}_> {V}~>Strike{V}~> {V}`>Labs{V}`>* is owned by" in answer
    history = text_of(mention(slack, fake_slack, "history under strike labs", n=2))
    assert f"History of *{V}_>Under{V}_>" in history


def test_the_readme_example_offers_the_near_name_beside_create(slack: SlackDriver) -> None:
    make_accounts(slack, "Initrode", "Hooli")
    reply = slack.command("/log-call", "Initech: intro call").reply()
    assert "No account matches “Initech”. Did you mean one of these?" in text_of(reply)
    assert [label for label, _ in buttons_of(reply)] == [
        "Initrode",
        "Create account “Initech” (owner: you)",
    ]


def test_only_the_person_who_asked_can_finish_a_parked_crm_command(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Hooli")
    reply = slack.command("/crm", "link Hooly").reply()
    _, url = click(slack, reply, "crm_pick_account", user_id="U0BOB")
    assert "done already" in text_of(slack.fake.wait_for_hook(url)[0].body)
    assert channel_account(engine) is None
    _, url = click(slack, reply, "crm_pick_account")
    assert "now *Hooli*'s" in text_of(slack.fake.wait_for_hook(url)[0].body)


@pytest.mark.parametrize(
    ("line", "known", "typed"),
    [
        ("called Hooli Cloud: renewal at risk", "Hooli", "Hooli Cloud"),
        ("met Initech Labs - demo went well", "Initech", "Initech Labs"),
        ("rang hooli europe \u2014 no answer", "Hooli", "hooli europe"),
    ],
)
def test_a_dm_with_a_separator_never_logs_on_a_name_that_merely_starts_it(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack, line: str, known: str, typed: str
) -> None:
    make_accounts(slack, "Hooli", "Initech")
    slack.event(dm(line))
    [reply] = fake_slack.wait_for("chat.postMessage")
    assert logged(engine) == []
    assert f"“{typed}”" in text_of(reply.args)
    labels = [label for label, _ in buttons_of(reply.args)]
    assert labels[0] == known and labels[-1] == f"Create account “{typed}” (owner: you)"


def test_picking_the_offered_account_logs_the_notes_after_the_separator(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Acme Corp", "Globex")
    reply = slack.command("/log-call", "Acme Labs: asked for a quote").reply()
    assert logged(engine) == []
    assert buttons_of(reply)[0] == ("Acme Corp", "log_pick_account_0")
    _, url = click(slack, reply, "log_pick_account_0")
    assert "on *Acme Corp*" in text_of(slack.fake.wait_for_hook(url)[0].body)
    assert [(row[0], row[3]) for row in logged(engine)] == [("Acme Corp", "asked for a quote")]


@pytest.mark.parametrize(
    ("text", "account", "notes"),
    [
        ("Acme talked pricing", "Acme Corp", "talked pricing"),
        ("Re: Solutions: kickoff booked", "Re: Solutions", "kickoff booked"),
    ],
)
def test_a_known_name_at_the_start_still_logs_without_a_separator_or_spanning_it(
    slack: SlackDriver, engine: Engine, text: str, account: str, notes: str
) -> None:
    make_accounts(slack, "Acme Corp", "Re: Solutions")
    assert f"on *{account}*" in text_of(slack.command("/log-call", text).reply())
    assert [(row[0], row[3]) for row in logged(engine)] == [(account, notes)]


@pytest.mark.parametrize(
    ("line", "explicit"),
    [("called Hooli: x", True), ("called Hooli - x", True), ("called Hooli, x", False)],
)
def test_a_dm_knows_whether_it_was_split_at_an_explicit_separator(
    line: str, explicit: bool
) -> None:
    assert parse_dm_log(line).explicit is explicit
