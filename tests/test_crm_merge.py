"""/crm merge through signed HTTP: what will move, a Confirm button, a double click merges once,
and afterwards the old name still finds the account that stayed."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, click, text_of
from handlers.blocks.merging import build_merge_question, describe_rows
from handlers.parsing.crm import CrmMerge, parse_crm
from handlers.parsing.text import CommandError
from models.accounts import Account, AccountStatus
from models.audit import AuditEntry


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
