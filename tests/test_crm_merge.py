"""/crm merge through signed HTTP: what will move, a Confirm button, a double click merges once,
and afterwards the old name still finds the account that stayed. A name that isn't clearly an
account gets its close names as buttons (never Create), and a pick carries on."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import db
from bot.config import Settings
from bot.standin.driver import SlackDriver, click, text_of
from bot.standin.webapi import FakeSlack
from handlers.blocks.merging import (
    build_merge_nothing_close,
    build_merge_pick,
    build_merge_question,
    describe_rows,
)
from handlers.blocks.names import Choice
from handlers.deps import Deps
from handlers.parsing.crm import CrmMerge, parse_crm
from handlers.parsing.text import CommandError
from models.accounts import Account, AccountStatus
from models.audit import AuditEntry
from tests.conftest import Clock, serve


def setup(slack: SlackDriver, owner: str = "U0ADMIN") -> None:
    for name in ("Initech", "Initek"):
        assert "Created" in text_of(slack.command("/crm", f"new {name}", user_id=owner).reply())
    slack.command("/crm", "contact Initek: Peter Gibbons, peter@initech.com").reply()
    slack.command("/log-call", "Initek: talked about TPS reports", user_id=owner).reply()


def answer(slack: SlackDriver, question: dict, action_id: str, user_id: str = "U0ADMIN") -> str:
    _, url = click(slack, question, action_id, user_id=user_id)
    [hook] = slack.fake.wait_for_hook(url)
    return text_of(hook.body)


def statuses(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {a.name: a.status for a in session.exec(select(Account))}


def test_an_admin_sees_what_moves_confirms_and_the_old_name_still_finds_it(
    slack: SlackDriver, engine: Engine
) -> None:
    setup(slack)
    question = slack.command("/crm", "merge Initek into Initech", user_id="U0ADMIN")
    asked = text_of(question.reply())
    assert "Merge *Initek* into *Initech*?" in asked
    assert "1 call" in asked and "1 contact" in asked
    assert statuses(engine)["Initek"] == AccountStatus.ACTIVE  # not before the click
    done = answer(slack, question.reply(), "crm_merge_confirm")
    assert "Merged *Initek* into *Initech*" in done
    assert statuses(engine)["Initek"] == AccountStatus.DELETED
    assert "answered already" in answer(slack, question.reply(), "crm_merge_confirm")
    owns = text_of(slack.command("/who-owns", "Initek").reply())
    assert "*Initech*" in owns and "No account" not in owns, owns
    with Session(engine) as session:
        merges = session.exec(select(AuditEntry).where(AuditEntry.action == "account.merge"))
        assert len(list(merges)) == 1


def test_cancel_merges_nothing(slack: SlackDriver, engine: Engine) -> None:
    setup(slack)
    question = slack.command("/crm", "merge Initek into Initech", user_id="U0ADMIN")
    assert "nothing was merged" in answer(slack, question.reply(), "crm_merge_cancel")
    assert statuses(engine)["Initek"] == AccountStatus.ACTIVE


@pytest.mark.parametrize(
    ("text", "user", "words"),
    [
        ("merge Initech into Initech", "U0ADMIN", "can't be merged into itself"),
        ("merge Initek into Initech", "U0BOB", "Only a Rapport admin, or the owner"),
        ("merge Globex into Initech", "U0ADMIN", "No account"),
        ("merge Initech", "U0ADMIN", "Say which account goes into which"),
    ],
)
def test_bad_merges_are_one_sentence_and_change_nothing(
    slack: SlackDriver, engine: Engine, text: str, user: str, words: str
) -> None:
    setup(slack)
    assert words in text_of(slack.command("/crm", text, user_id=user).reply())
    assert set(statuses(engine).values()) == {AccountStatus.ACTIVE}


def test_the_owner_of_both_may_merge_and_a_merged_account_cant_be_merged_again(
    slack: SlackDriver, engine: Engine
) -> None:
    setup(slack, owner="U0BOB")
    question = slack.command("/crm", "merge Initek into Initech", user_id="U0BOB")
    assert "Merged" in answer(slack, question.reply(), "crm_merge_confirm", user_id="U0BOB")
    again = slack.command("/crm", "merge Initek into Initech", user_id="U0BOB").reply()
    assert "itself" in text_of(again)  # the old name is Initech's now


def test_parse_merge_and_escaping() -> None:
    assert parse_crm("merge Into Tech into  Intotech") == CrmMerge("Into Tech", "Intotech")
    assert parse_crm("MERGE a &amp; b INTO c") == CrmMerge("a & b", "c")
    with pytest.raises(CommandError):
        parse_crm("merge into Acme")
    built = build_merge_question(source="<!channel>", target="A & B", counts={}, pending_id=3)
    assert "<!channel>" not in str(built) and "&amp;" in str(built)
    assert describe_rows({"interactions": 2, "contacts": 1, "deals": 0}) == "2 calls and 1 contact"


def test_duplicates_come_after_the_ack_for_admins_only(slack: SlackDriver) -> None:
    for name in ("Kessler Bakery", "Kesler Bakery", "Globex"):
        slack.command("/crm", f"new {name}", user_id="U0ADMIN").reply()
    result = slack.command("/crm", "duplicates", user_id="U0ADMIN")
    assert "Looking for accounts" in text_of(result.reply())
    [later] = slack.fake.wait_for_hook(result.response_url)
    listed = text_of(later.body)
    assert "*Kessler Bakery* and *Kesler Bakery*: names 96% alike" in listed
    assert "`/crm merge Kesler Bakery into Kessler Bakery`" in listed and "Globex" not in listed
    refused = slack.command("/crm", "duplicates", user_id="U0BOB")
    assert "Only a Rapport admin" in text_of(refused.reply())


# -- names that aren't clearly an account: pick, then the question ----------------------------


@pytest.fixture
def restarted(
    settings: Settings, engine: Engine, clock: Clock, fake_slack: FakeSlack
) -> Iterator[SlackDriver]:
    """Another process on the same store: a click there finds only what the database holds."""
    fresh = Deps(db=db.make_session_factory(engine), now=clock, admins=settings.admins)
    with serve(settings, fresh, engine, fake_slack) as driver:
        yield driver


def buttons_of(message: dict) -> list[tuple[str, str]]:
    """(label, action_id) of every button in a message."""
    return [
        (e["text"]["text"], e["action_id"])
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def pick(slack: SlackDriver, message: dict, label: str, user_id: str = "U0ADMIN") -> dict:
    """Click the button labelled `label`; the answer posted to the click's response_url."""
    [action_id] = [a for name, a in buttons_of(message) if name == label]
    _, url = click(slack, message, action_id, user_id=user_id)
    [hook] = slack.fake.wait_for_hook(url)
    return hook.body | {"replace_original": hook.body.get("replace_original")}


def setup_picks(slack: SlackDriver) -> None:
    """Initech and Initek are alike (an ambiguous "Initeck"); "Hooly" is nearest to Hooli."""
    for name in ("Initech", "Initek", "Hooli"):
        assert "Created" in text_of(slack.command("/crm", f"new {name}", user_id="U0ADMIN").reply())
    slack.command("/log-call", "Hooli: kickoff", user_id="U0ADMIN").reply()


def test_a_misspelled_source_offers_the_account_and_a_pick_asks_then_merges(
    slack: SlackDriver, engine: Engine, restarted: SlackDriver
) -> None:
    setup_picks(slack)
    reply = slack.command("/crm", "merge Hooly into Initech", user_id="U0ADMIN").reply()
    assert "Which account do you mean by “Hooly”?" in text_of(reply)
    assert "Pick the one that goes into *Initech*" in text_of(reply)
    assert buttons_of(reply) == [("Hooli", "crm_merge_pick_0")]  # and no Create
    asked = pick(restarted, reply, "Hooli")  # parked in the database, so any process carries on
    assert asked["replace_original"] is True
    assert "Merge *Hooli* into *Initech*?" in text_of(asked) and "1 call" in text_of(asked)
    assert statuses(engine)["Hooli"] == AccountStatus.ACTIVE  # not before the Merge click
    assert "Merged *Hooli* into *Initech*" in answer(slack, asked, "crm_merge_confirm")
    assert statuses(engine) == {
        "Initech": AccountStatus.ACTIVE,
        "Initek": AccountStatus.ACTIVE,
        "Hooli": AccountStatus.DELETED,
    }


def test_both_names_misspelled_are_picked_in_turn_then_the_question(
    slack: SlackDriver, engine: Engine
) -> None:
    setup_picks(slack)
    reply = slack.command("/crm", "merge Hooly into Initeck", user_id="U0ADMIN").reply()
    assert "“Hooly”" in text_of(reply) and "Pick the one that goes into *Initeck*" in text_of(reply)
    second = pick(slack, reply, "Hooli")
    assert "Which account do you mean by “Initeck”?" in text_of(second)
    assert "Pick the one *Hooli* goes into" in text_of(second)
    assert sorted(buttons_of(second)) == [
        ("Initech", "crm_merge_pick_1"),
        ("Initek", "crm_merge_pick_0"),
    ]
    asked = pick(slack, second, "Initek")
    assert "Merge *Hooli* into *Initek*?" in text_of(asked)
    assert "Merged *Hooli* into *Initek*" in answer(slack, asked, "crm_merge_confirm")
    assert statuses(engine)["Hooli"] == AccountStatus.DELETED


def test_an_ambiguous_name_shows_both_close_accounts(slack: SlackDriver) -> None:
    setup_picks(slack)
    reply = slack.command("/crm", "merge Initeck into Hooli", user_id="U0ADMIN").reply()
    assert "Which account do you mean by “Initeck”?" in text_of(reply)
    assert sorted(label for label, _ in buttons_of(reply)) == ["Initech", "Initek"]
    asked = pick(slack, reply, "Initek")
    assert "Merge *Initek* into *Hooli*?" in text_of(asked)


def test_a_double_click_on_a_pick_is_told_it_is_done_and_keeps_the_question(
    slack: SlackDriver, engine: Engine
) -> None:
    setup_picks(slack)
    result = slack.command("/crm", "merge Hooly into Initech", user_id="U0ADMIN")
    reply = result.reply()
    asked = pick(slack, reply, "Hooli")
    again = pick(slack, reply, "Hooli")  # from the message as it was first shown
    assert "done already" in text_of(again) and buttons_of(again) == []
    assert again["replace_original"] is False  # the question the first click showed stays
    slack.settle()
    shown = slack.fake.messages("C0SALES01", visible_to="U0ADMIN")[-2].to_dict()
    assert "Merge *Hooli* into *Initech*?" in text_of(shown), text_of(shown)
    assert "Merged" in answer(slack, asked, "crm_merge_confirm")


def test_someone_else_cant_click_anothers_pick(slack: SlackDriver) -> None:
    setup_picks(slack)
    reply = slack.command("/crm", "merge Hooly into Initech", user_id="U0ADMIN").reply()
    assert "done already" in text_of(pick(slack, reply, "Hooli", user_id="U0BOB"))
    assert "Merge *Hooli*" in text_of(pick(slack, reply, "Hooli"))


def test_picking_the_same_account_for_both_sides_cant_merge_it_into_itself(
    slack: SlackDriver, engine: Engine
) -> None:
    setup_picks(slack)
    reply = slack.command("/crm", "merge Hooly into Hooli", user_id="U0ADMIN").reply()
    refused = pick(slack, reply, "Hooli")
    assert "Hooli can't be merged into itself" in text_of(refused)
    assert buttons_of(refused) == []
    assert set(statuses(engine).values()) == {AccountStatus.ACTIVE}


def test_who_may_merge_is_checked_once_both_are_picked(slack: SlackDriver, engine: Engine) -> None:
    setup_picks(slack)
    reply = slack.command("/crm", "merge Hooly into Initech", user_id="U0BOB").reply()
    assert buttons_of(reply) == [("Hooli", "crm_merge_pick_0")]
    refused = pick(slack, reply, "Hooli", user_id="U0BOB")
    assert "Only a Rapport admin, or the owner" in text_of(refused)
    assert set(statuses(engine).values()) == {AccountStatus.ACTIVE}


@pytest.mark.parametrize("text", ["merge zzzz into Initech", "merge Hooly into qqqq"])
def test_a_name_close_to_nothing_is_one_sentence_with_no_buttons(
    slack: SlackDriver, text: str
) -> None:
    setup_picks(slack)
    reply = slack.command("/crm", text, user_id="U0ADMIN").reply()
    typed = "zzzz" if "zzzz" in text else "qqqq"  # the hopeless one, even when it is the target
    assert text_of(reply).startswith(f"No account is close to “{typed}”.")
    assert buttons_of(reply) == [] and len(reply["blocks"]) == 1


def test_build_merge_pick_offers_the_names_never_create_and_escapes() -> None:
    choices = [Choice(7, "Initech"), Choice(8, "<!channel> & Co")]
    built = build_merge_pick(
        typed="initeck <!here>",
        choices=choices,
        close=True,
        pending_id=3,
        unknown="target",
        other="A & B",
    )
    assert buttons_of(built) == [
        ("Initech", "crm_merge_pick_0"),
        ("<!channel> & Co", "crm_merge_pick_1"),  # plain_text: Slack shows it as typed
    ]
    assert [
        e["value"] for b in built["blocks"] if b["type"] == "actions" for e in b["elements"]
    ] == ["3:7", "3:8"]
    shown = text_of(built)
    assert "Which account do you mean by “initeck &lt;!here&gt;”?" in shown
    assert "Pick the one *A &amp; B* goes into; nothing moves until you confirm." in shown
    assert "Create" not in shown and "<!here>" not in shown
    source = build_merge_pick(
        typed="hooly", choices=choices[:1], close=False, pending_id=4, unknown="source", other="X"
    )
    assert "Did you mean" in text_of(source) and "goes into *X*" in text_of(source)
    nothing = build_merge_nothing_close("zz<z>")
    assert nothing["text"] == "No account is close to “zz&lt;z&gt;”."
    assert [b["type"] for b in nothing["blocks"]] == ["section"]


def test_a_name_only_near_some_accounts_offers_the_nearest(slack: SlackDriver) -> None:
    for name in ("Initrode", "Hooli"):
        slack.command("/crm", f"new {name}", user_id="U0ADMIN").reply()
    reply = slack.command("/crm", "merge Initech into Hooli", user_id="U0ADMIN").reply()
    assert "No account matches “Initech”. Did you mean one of these?" in text_of(reply)
    assert buttons_of(reply) == [("Initrode", "crm_merge_pick_0")]
    assert "Merge *Initrode* into *Hooli*?" in text_of(pick(slack, reply, "Initrode"))
