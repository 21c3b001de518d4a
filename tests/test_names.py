"""Account names as reps write them, end to end: where a name ends and the notes begin, legal forms
of many countries, names nothing is close to, and names with Slack's formatting characters."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, text_of
from bot.standin.webapi import FakeSlack
from models.accounts import Account
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
