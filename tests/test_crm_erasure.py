"""/crm erase-contact through signed HTTP: admins only, a Confirm button, a double click erases
once, and afterwards the person is nowhere in the store."""

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, click, text_of
from handlers.blocks.erasure import build_erase_question, build_erased
from handlers.parsing.crm import CrmEraseContact, parse_crm
from handlers.parsing.text import CommandError
from models.audit import AuditEntry
from models.pending import PendingAction
from tests.test_erasure import mentions

NAME, EMAIL = "Peter Gibbons", "peter@initech.com"


def setup(slack: SlackDriver) -> None:
    assert "Created" in text_of(slack.command("/crm", "new Initech").reply())
    slack.command("/crm", f"contact Initech: {NAME}, {EMAIL}, Engineer").reply()
    slack.command("/crm", f"contact Initech: {NAME}, {EMAIL}, Architect").reply()  # an edit
    slack.command("/log-call", f"Initech: {NAME} wants the TPS cover sheet at {EMAIL}").reply()


def erasures(engine: Engine) -> list[AuditEntry]:
    with Session(engine) as session:
        statement = select(AuditEntry).where(AuditEntry.action == "contact.erased")
        return list(session.exec(statement))


def answer(slack: SlackDriver, question: dict, action_id: str, user_id: str = "U0ADMIN") -> str:
    _, url = click(slack, question, action_id, user_id=user_id)
    [hook] = slack.fake.wait_for_hook(url)
    return text_of(hook.body)


def test_an_admin_confirms_and_the_person_is_nowhere_afterwards(
    slack: SlackDriver, engine: Engine
) -> None:
    setup(slack)
    assert {"contacts.email", "interactions.summary", "audit_log.before"} <= set(
        mentions(engine, NAME, EMAIL)
    )
    question = slack.command("/crm", f"erase-contact {EMAIL}", user_id="U0ADMIN").reply()
    said = text_of(question)
    assert "Erase *Peter Gibbons* at *Initech*" in said and "can't be undone" in said
    assert "contacts.email" in mentions(engine, EMAIL)  # nothing erased before the click
    done = answer(slack, question, "crm_erase_confirm")
    assert "Erased 1 contact" in done and NAME not in done and EMAIL not in done
    assert mentions(engine, NAME, EMAIL) == []
    assert "answered already" in answer(slack, question, "crm_erase_confirm")  # a double click
    [entry] = erasures(engine)
    assert entry.actor == "U0ADMIN" and entry.before is None


def test_cancel_erases_nothing_and_a_later_erase_still_works(
    slack: SlackDriver, engine: Engine
) -> None:
    setup(slack)
    question = slack.command("/crm", f"erase-contact {EMAIL}", user_id="U0ADMIN").reply()
    assert "nothing was erased" in answer(slack, question, "crm_erase_cancel")
    assert "answered already" in answer(slack, question, "crm_erase_confirm")
    assert erasures(engine) == [] and "contacts.email" in mentions(engine, EMAIL)
    with Session(engine) as session:
        payloads = [p.payload for p in session.exec(select(PendingAction))]
    assert all(EMAIL not in str(payload) for payload in payloads)  # the question holds ids


def test_a_non_admin_gets_one_sentence(slack: SlackDriver, engine: Engine) -> None:
    setup(slack)
    reply = text_of(slack.command("/crm", f"erase-contact {EMAIL}", user_id="U0BOB").reply())
    assert "Only a workspace admin can erase a contact." in reply
    assert "contacts.email" in mentions(engine, EMAIL)


def test_a_non_admin_clicking_an_admins_question_erases_nothing(
    slack: SlackDriver, engine: Engine
) -> None:
    setup(slack)
    question = slack.command("/crm", f"erase-contact {EMAIL}", user_id="U0ADMIN").reply()
    assert "Only a workspace admin" in answer(slack, question, "crm_erase_confirm", "U0BOB")
    assert erasures(engine) == []
    assert "Erased 1 contact" in answer(slack, question, "crm_erase_confirm")


def test_an_email_nobody_has_and_one_that_isnt_one(slack: SlackDriver, engine: Engine) -> None:
    setup(slack)
    nobody = slack.command("/crm", "erase-contact nobody@initech.com", user_id="U0ADMIN").reply()
    assert "No contact has the email nobody@initech.com; nothing was erased." in text_of(nobody)
    bad = slack.command("/crm", "erase-contact peter at initech", user_id="U0ADMIN").reply()
    assert "isn't an email address" in text_of(bad)
    assert erasures(engine) == []


def test_parse_erase_contact() -> None:
    assert parse_crm("erase-contact <mailto:Jo@Acme.com|Jo@Acme.com>") == CrmEraseContact(
        "jo@acme.com"
    )
    try:
        parse_crm("erase-contact")
    except CommandError as error:
        assert "erase-contact jane@acme.com" in str(error)
    else:
        raise AssertionError("no email must be refused")


def test_the_question_escapes_typed_names() -> None:
    built = build_erase_question(
        email="a@b.co", people=[("<!channel> *Bo*", "A & B")], pending_id=7
    )
    text = str(built["blocks"])
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "A &amp; B" in text
    assert (
        "1 interaction link removed"
        in build_erased(contacts=1, unlinked=1, rows=1, files=0)["text"]
    )
