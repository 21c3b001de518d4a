"""Handoffs through the real Bolt pipeline: an account changing owner takes its previous owner's
open follow-ups along, and the new owner is told once."""

import logging

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, click, text_of
from bot.standin.webapi import FakeSlack
from models.accounts import Account
from models.audit import AuditEntry
from tests.test_followups import fu, new_account, press, row_of, stored


def dms_to(fake_slack: FakeSlack, user_id: str) -> list[str]:
    return [text_of(c.args) for c in fake_slack.calls_to("chat.postMessage")
            if c.args.get("channel") == user_id]  # fmt: skip


def alice_with_followups(slack: SlackDriver) -> None:
    new_account(slack, "Acme")
    fu(slack, "Acme tomorrow: send the deck")
    fu(slack, "Acme friday: call <@U0BOB>")
    fu(slack, "Acme in 2 weeks: renewal")
    fu(slack, "Acme in 3 days: already done")
    press(slack, row_of(fu(slack), 1), "followup_list_done")  # the one due in 3 days
    fu(slack, "Acme in 4 days: bob's own", user_id="U0BOB")
    fu(slack, "tomorrow: no account")


def test_assign_moves_the_previous_owners_open_follow_ups_and_tells_the_new_owner_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    alice_with_followups(slack)
    assert "now owned by <@U0BOB>" in text_of(slack.command("/crm", "assign Acme <@U0BOB>").reply())
    owners = {(row[3], row[1], row[4]) for row in stored(engine)}
    assert owners == {
        ("send the deck", "U0BOB", "open"), ("call @Bob Berg", "U0BOB", "open"),
        ("renewal", "U0BOB", "open"), ("already done", "U0ALICE", "done"),
        ("bob's own", "U0BOB", "open"), ("no account", "U0ALICE", "open"),
    }  # fmt: skip
    [dm] = dms_to(fake_slack, "U0BOB")
    assert "<@U0ALICE> handed you *Acme* with 3 open follow-ups, now yours:" in dm
    assert dm.index("send the deck") < dm.index("call @Bob Berg") < dm.index("renewal")
    assert "Tue Nov 24, 15:00 CET" in dm  # in Bob's own zone
    mine = text_of(fu(slack))
    assert "send the deck" not in mine and "no account" in mine
    assert "send the deck" in text_of(fu(slack, user_id="U0BOB"))
    slack.command("/crm", "assign Acme <@U0BOB>", user_id="U0BOB").reply()  # no change
    assert len(dms_to(fake_slack, "U0BOB")) == 1
    with Session(engine) as session:
        moves = session.exec(select(AuditEntry).where(AuditEntry.action == "followup.handoff"))
        assert [(m.before, m.after) for m in moves] == [({"rep": "U0ALICE"}, {"rep": "U0BOB"})] * 3


def test_an_admin_handing_someones_account_on_says_whose_it_was(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    new_account(slack, "Acme")
    slack.command("/crm", "assign Acme <@U0BOB>", user_id="U0ADMIN").reply()
    [dm] = dms_to(fake_slack, "U0BOB")
    assert ":handshake: <@U0ADMIN> handed you *Acme* (it was <@U0ALICE>'s)." in dm


def test_the_previous_owners_stale_list_refuses_done_on_a_moved_follow_up(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Acme")
    fu(slack, "Acme tomorrow: send the deck")
    listed = fu(slack)
    slack.command("/crm", "assign Acme <@U0BOB>").reply()
    answer = text_of(press(slack, row_of(listed), "followup_list_done"))
    assert ":warning: That follow-up is someone else's." in answer
    assert "Nothing to follow up" in answer
    assert stored(engine)[0][1:5:3] == ("U0BOB", "open")


def test_take_ownership_on_a_stale_card_moves_the_follow_ups_to_the_taker(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    new_account(slack, "Acme")
    with Session(engine) as session:
        account = session.exec(select(Account)).one()
        owner_id, account.owner_id = account.owner_id, None
        session.add(account)
        session.commit()
    card = slack.command("/who-owns", "Acme", user_id="U0ADMIN").reply()
    with Session(engine) as session:  # Alice takes it back meanwhile, and sets a follow-up
        account = session.exec(select(Account)).one()
        account.owner_id = owner_id
        session.add(account)
        session.commit()
    fu(slack, "Acme tomorrow: send the deck")
    _, url = click(slack, card, "who_owns_take", user_id="U0ADMIN")
    assert "owned by <@U0ADMIN>" in text_of(slack.fake.wait_for_hook(url)[0].body)
    assert stored(engine)[0][1] == "U0ADMIN"
    [dm] = dms_to(fake_slack, "U0ADMIN")
    assert "You took over *Acme* from <@U0ALICE> with 1 open follow-up, now yours:" in dm


def test_taking_an_unowned_account_tells_nobody(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    new_account(slack, "Acme")
    with Session(engine) as session:
        account = session.exec(select(Account)).one()
        account.owner_id = None
        session.add(account)
        session.commit()
    card = slack.command("/who-owns", "Acme", user_id="U0BOB").reply()
    _, url = click(slack, card, "who_owns_take", user_id="U0BOB")
    slack.fake.wait_for_hook(url)
    assert dms_to(fake_slack, "U0BOB") == []


def test_a_dm_slack_refuses_is_logged_and_the_handoff_stands(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    new_account(slack, "Acme")
    fu(slack, "Acme tomorrow: send the deck")
    fake_slack.fail("chat.postMessage", error="channel_not_found")
    with caplog.at_level(logging.WARNING):
        reply = slack.command("/crm", "assign Acme <@U0BOB>").reply()
    assert "now owned by <@U0BOB>" in text_of(reply)
    assert stored(engine)[0][1] == "U0BOB"
    assert "could not tell U0BOB of a handoff" in caplog.text
