"""/crm handoff through signed HTTP: what will move, Hand over / Cancel, a double click moves
once, each of the two reps gets one DM, and bad input gets one sentence and moves nothing."""

import logging

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, click, text_of
from bot.standin.webapi import FakeSlack
from handlers.blocks.handoff import HandoffSummary, build_handoff_dm, build_handoff_question
from handlers.parsing.crm import CrmHandoff, parse_crm
from handlers.parsing.text import CommandError
from models.accounts import Account
from models.audit import AuditEntry
from models.deals import Deal
from models.reps import Rep
from tests.test_followups import fu, new_account, stored

ALICE, BOB = "<@U0ALICE|alice>", "<@U0BOB|bob>"


def alice_sells(slack: SlackDriver) -> None:
    """Alice owns Acme and Globex (Bob owns Initech); two open deals of hers, one won, one
    of Bob's on Acme; three open follow-ups of hers on her accounts, one on Bob's, one on none."""
    for name in ("Acme", "Globex"):
        new_account(slack, name)
    new_account(slack, "Initech", user_id="U0BOB")
    for text in ("Acme: Renewal 2027 $48,000", "Globex: Pilot $5,000", "Acme: Old deal $1"):
        assert "Created" in text_of(slack.command("/deal", f"new {text}").reply())
    assert "to *Won*" in text_of(slack.command("/deal", "Acme Old deal won").reply())
    slack.command("/deal", "new Acme: Bob's upsell $9", user_id="U0BOB").reply()
    for text in ("Acme tomorrow: send the deck", "Globex friday: call", "Acme in 2 weeks: renew"):
        fu(slack, text)
    fu(slack, "Initech tomorrow: on Bob's account")
    fu(slack, "tomorrow: no account")


def owners(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {
            account.name: session.get_one(Rep, account.owner_id).slack_user_id
            for account in session.exec(select(Account))
            if account.owner_id
        }


def deal_owners(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {
            deal.name: session.get_one(Rep, deal.owner_id).slack_user_id
            for deal in session.exec(select(Deal))
            if deal.owner_id
        }


def dms_to(fake_slack: FakeSlack, user_id: str) -> list[str]:
    return [text_of(c.args) for c in fake_slack.calls_to("chat.postMessage")
            if c.args.get("channel") == user_id]  # fmt: skip


def answer(slack: SlackDriver, question: dict, action_id: str, user_id: str = "U0ADMIN") -> str:
    _, url = click(slack, question, action_id, user_id=user_id)
    [hook] = slack.fake.wait_for_hook(url)
    return text_of(hook.body)


def ask(slack: SlackDriver, text: str, user_id: str = "U0ADMIN") -> dict:
    return slack.command("/crm", f"handoff {text}", user_id=user_id).reply()


def test_an_admin_sees_what_moves_confirms_and_each_rep_is_told_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    alice_sells(slack)
    before = deal_owners(engine)
    question = ask(slack, f"{ALICE} {BOB}")
    asked = text_of(question)
    assert "Hand <@U0ALICE>'s 2 accounts to <@U0BOB> with <@U0ALICE>'s 2 open deals" in asked
    assert "and 3 open follow-ups on them?" in asked
    assert "*Acme*" in asked and "*Globex*" in asked and "Initech" not in asked
    assert "Renewal 2027" in asked and "Old deal" not in asked
    assert owners(engine)["Acme"] == "U0ALICE"  # not before the click
    done = answer(slack, question, "crm_handoff_confirm")
    assert "Handed 2 accounts from <@U0ALICE> to <@U0BOB> with 2 open deals" in done
    assert "Both were told by DM." in done
    assert owners(engine) == {"Acme": "U0BOB", "Globex": "U0BOB", "Initech": "U0BOB"}
    assert deal_owners(engine) == before | {"Renewal 2027": "U0BOB", "Pilot": "U0BOB"}
    assert deal_owners(engine)["Old deal"] == "U0ALICE"  # won: stays hers
    followups = {(note, rep, status) for _, rep, _, note, status in stored(engine)}
    assert followups == {
        ("send the deck", "U0BOB", "open"), ("call", "U0BOB", "open"),
        ("renew", "U0BOB", "open"), ("on Bob's account", "U0ALICE", "open"),
        ("no account", "U0ALICE", "open"),
    }  # fmt: skip
    [to_bob] = dms_to(fake_slack, "U0BOB")
    assert "<@U0ADMIN> handed you <@U0ALICE>'s 2 accounts with 2 open deals and 3 open" in to_bob
    [to_alice] = dms_to(fake_slack, "U0ALICE")
    assert "<@U0ADMIN> handed your 2 accounts to <@U0BOB> with your 2 open deals" in to_alice
    assert "*Acme*" in to_alice and "*Globex*" in to_alice
    with Session(engine) as session:
        actions = [entry.action for entry in session.exec(select(AuditEntry))]
    assert actions.count("account.assign") == 2 and actions.count("deal.handoff") == 2
    assert actions.count("followup.handoff") == 3 and actions.count("rep.handoff") == 1


def test_a_double_click_moves_once_and_tells_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    alice_sells(slack)
    question = ask(slack, f"{ALICE} to {BOB}")
    assert "Handed" in answer(slack, question, "crm_handoff_confirm")
    assert "answered already" in answer(slack, question, "crm_handoff_confirm")
    assert "answered already" in answer(slack, question, "crm_handoff_cancel")
    assert len(dms_to(fake_slack, "U0BOB")) == 1 and len(dms_to(fake_slack, "U0ALICE")) == 1
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "rep.handoff"))
        assert len(list(entries)) == 1


def test_cancel_moves_nothing(slack: SlackDriver, fake_slack: FakeSlack, engine: Engine) -> None:
    alice_sells(slack)
    question = ask(slack, f"{ALICE} {BOB}")
    assert "nothing was handed over" in answer(slack, question, "crm_handoff_cancel")
    assert owners(engine)["Acme"] == "U0ALICE"
    assert "answered already" in answer(slack, question, "crm_handoff_confirm")
    assert owners(engine)["Globex"] == "U0ALICE"
    assert dms_to(fake_slack, "U0BOB") == []


def test_one_account_moves_alone(slack: SlackDriver, fake_slack: FakeSlack, engine: Engine) -> None:
    alice_sells(slack)
    question = ask(slack, f"{ALICE} {BOB} acme")
    asked = text_of(question)
    assert "Hand <@U0ALICE>'s account *Acme* to <@U0BOB> with <@U0ALICE>'s 1 open deal" in asked
    assert "2 open follow-ups on it?" in asked and "Globex" not in asked
    assert "Handed *Acme* from <@U0ALICE>" in answer(slack, question, "crm_handoff_confirm")
    assert owners(engine) == {"Acme": "U0BOB", "Globex": "U0ALICE", "Initech": "U0BOB"}
    assert deal_owners(engine)["Pilot"] == "U0ALICE"
    [to_bob] = dms_to(fake_slack, "U0BOB")
    assert "you <@U0ALICE>'s account *Acme* with 1 open deal and 2 open follow-ups, now" in to_bob


def test_the_click_moves_only_what_is_still_the_from_reps(
    slack: SlackDriver, engine: Engine
) -> None:
    alice_sells(slack)
    question = ask(slack, f"{ALICE} {BOB}")
    slack.command("/crm", "assign Globex <@U0ADMIN>", user_id="U0ADMIN").reply()
    done = answer(slack, question, "crm_handoff_confirm")
    assert "Handed *Acme*" in done and "1 account had changed hands meanwhile" in done
    assert owners(engine)["Globex"] == "U0ADMIN"
    slack.command("/crm", "assign Acme <@U0ADMIN>", user_id="U0ADMIN").reply()
    late = ask(slack, f"{BOB} {ALICE} Initech")
    slack.command("/crm", "assign Initech <@U0ADMIN>", user_id="U0ADMIN").reply()
    assert "no longer owns any of those accounts" in answer(slack, late, "crm_handoff_confirm")


@pytest.mark.parametrize(
    ("text", "user", "words"),
    [
        (f"{ALICE} <@U0GUEST|gus>", "U0ADMIN", "only be owned by full members"),
        (f"{ALICE} {ALICE}", "U0ADMIN", "the same person twice"),
        (f"{ALICE} {BOB}", "U0ALICE", "Only a Rapport admin can hand"),
        (f"{ALICE} {BOB}", "U0BOB", "Only a Rapport admin can hand"),
        (f"<@U0ADMIN|ada> {BOB}", "U0ADMIN", "Ada Admin owns no accounts"),
        (f"<@U0SINGLE|sal> {BOB}", "U0ADMIN", "owns no accounts in Rapport"),
        (f"{ALICE} {BOB} Hooli", "U0ADMIN", "No account is close to “Hooli”"),
        (f"{ALICE} {BOB} Initech", "U0ADMIN", "Initech isn't Alice Ng's; nothing to hand over"),
        (f"{ALICE}", "U0ADMIN", "Pick both people from Slack's @-suggestions"),
        ("", "U0ADMIN", "Say who hands over to whom"),
    ],
)
def test_bad_handoffs_are_one_sentence_and_move_nothing(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, text: str, user: str, words: str
) -> None:
    alice_sells(slack)
    refused = ask(slack, text, user_id=user)
    assert words in text_of(refused), text_of(refused)
    assert "actions" not in str(refused["blocks"])
    assert owners(engine) == {"Acme": "U0ALICE", "Globex": "U0ALICE", "Initech": "U0BOB"}
    assert dms_to(fake_slack, "U0BOB") == []


def test_a_dm_slack_refuses_is_logged_and_the_handoff_stands(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    alice_sells(slack)
    question = ask(slack, f"{ALICE} {BOB}")
    fake_slack.fail("chat.postMessage", error="channel_not_found")
    with caplog.at_level(logging.WARNING):
        done = answer(slack, question, "crm_handoff_confirm")
    assert "Handed 2 accounts" in done and "I couldn't DM <@U0BOB> about it." in done
    assert owners(engine)["Acme"] == "U0BOB"
    assert "could not tell U0BOB of a handoff" in caplog.text
    assert len(dms_to(fake_slack, "U0ALICE")) == 1  # the other DM still goes


def test_the_grammar_takes_escaped_mentions_and_an_optional_account() -> None:
    assert parse_crm(f"handoff {ALICE} {BOB}") == CrmHandoff("U0ALICE", "U0BOB", None)
    assert parse_crm(f"HANDOFF {ALICE} to {BOB}  Acme &amp; Co") == CrmHandoff(
        "U0ALICE", "U0BOB", "Acme & Co"
    )
    assert parse_crm(f"handoff {ALICE} &gt; {BOB}") == CrmHandoff("U0ALICE", "U0BOB", None)
    for bad in ("handoff", "handoff @alice @bob", f"handoff {ALICE} {BOB} <@U0GUEST>"):
        with pytest.raises(CommandError):
            parse_crm(bad)


def test_the_builders_escape_names_and_count_what_they_do_not_list() -> None:
    summary = HandoffSummary(
        from_id="U0A",
        to_id="U0B",
        accounts=["<!channel> & Co", *[f"Account {n}" for n in range(30)]],
        deals=[("Renewal <b>", "<!channel> & Co")],
        followups=0,
    )
    built = str(build_handoff_question(summary=summary, pending_id=7))
    assert "<!channel>" not in built and "&lt;!channel&gt; &amp; Co" in built
    assert "and 11 more accounts" in built and "with <@U0A>'s 1 open deal on them?" in built
    dm = text_of(build_handoff_dm(summary=summary, reader_id="U0A", actor_id="U0A"))
    assert dm.startswith(":handshake: You handed your 31 accounts to <@U0B> with your 1 open")
