"""/crm contact through signed HTTP: one email is one person, a move or a rename is asked about
first, every answer says what changed from what, and an email that isn't one is refused."""

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, click, text_of
from models.accounts import Account
from models.audit import AuditEntry
from models.contacts import Contact


def contacts_in(engine: Engine) -> list[tuple[str, str, str | None, str | None]]:
    """(account, name, email, title) of every contact."""
    with Session(engine) as session:
        rows = session.exec(
            select(Account.name, Contact.name, Contact.email, Contact.title)
            .join(Account, Account.id == Contact.account_id)
            .order_by(Contact.id)
        )
        return [tuple(row) for row in rows]


def contact_audit(engine: Engine) -> list[AuditEntry]:
    with Session(engine) as session:
        statement = select(AuditEntry).where(AuditEntry.entity == "contact")
        return list(session.exec(statement.order_by(AuditEntry.id)))


def setup(slack: SlackDriver) -> None:
    for name in ("Initech", "Hooli XYZ"):
        assert "Created" in text_of(slack.command("/crm", f"new {name}").reply())


def contact(slack: SlackDriver, text: str, *, user_id: str = "U0ALICE") -> dict:
    return slack.command("/crm", f"contact {text}", user_id=user_id).reply()


def answer(slack: SlackDriver, question: dict, action_id: str, **kwargs: str) -> str:
    _, url = click(slack, question, action_id, **kwargs)
    [hook] = slack.fake.wait_for_hook(url)
    return text_of(hook.body)


def test_a_new_contact_is_added_and_says_where(slack: SlackDriver, engine: Engine) -> None:
    setup(slack)
    reply = text_of(contact(slack, "Initech: Peter Gibbons, peter@initech.com, Engineer"))
    assert "Added Peter Gibbons, Engineer, peter@initech.com at *Initech*" in reply
    assert contacts_in(engine) == [("Initech", "Peter Gibbons", "peter@initech.com", "Engineer")]


def test_an_email_at_another_account_asks_before_moving_and_keep_changes_nothing(
    slack: SlackDriver, engine: Engine
) -> None:
    setup(slack)
    contact(slack, "Initech: Peter Gibbons, peter@initech.com, Engineer")
    question = contact(slack, "Hooli XYZ: Peter Gibbons, Peter@Initech.com, Architect")
    said = text_of(question)
    assert "peter@initech.com is *Peter Gibbons* (Engineer) at *Initech*" in said
    assert "move them to *Hooli XYZ*" in said and "Updated" not in said
    assert contacts_in(engine) == [("Initech", "Peter Gibbons", "peter@initech.com", "Engineer")]
    kept = answer(slack, question, "crm_contact_keep")
    assert "Kept Peter Gibbons at *Initech*; nothing changed" in kept
    assert contacts_in(engine) == [("Initech", "Peter Gibbons", "peter@initech.com", "Engineer")]
    assert "answered already" in answer(slack, question, "crm_contact_save")  # Keep came first
    assert len(contact_audit(engine)) == 1


def test_move_says_from_where_to_where_and_what_else_changed_and_audits_the_before(
    slack: SlackDriver, engine: Engine
) -> None:
    setup(slack)
    contact(slack, "Initech: Peter Gibbons, peter@initech.com, Engineer")
    question = contact(slack, "hooli: Peter Gibbons, peter@initech.com, Architect")
    moved = answer(slack, question, "crm_contact_save")
    assert "Moved Peter Gibbons from *Initech* to *Hooli XYZ*; title Engineer → Architect" in moved
    assert contacts_in(engine) == [("Hooli XYZ", "Peter Gibbons", "peter@initech.com", "Architect")]
    update = contact_audit(engine)[-1]
    assert (update.action, update.before["title"], update.after["title"]) == (
        "contact.update",
        "Engineer",
        "Architect",
    )
    assert update.before["account_id"] != update.after["account_id"]
    assert "answered already" in answer(slack, question, "crm_contact_save")  # a double click
    assert len(contact_audit(engine)) == 2


def test_a_second_person_cannot_silently_rename_someone_elses_contact(
    slack: SlackDriver, engine: Engine
) -> None:
    setup(slack)
    contact(slack, "Initech: Samir Nagheenanajar, samir@initech.com, Engineer")
    question = contact(slack, "Initech: Sam N., samir@initech.com", user_id="U0BOB")
    assert "is saved as" not in text_of(question)
    assert "rename them *Sam N.*?" in text_of(question)
    assert contacts_in(engine)[0][1] == "Samir Nagheenanajar"
    # Only the asker can answer: Alice clicking Bob's question changes nothing.
    assert "answered already" in answer(slack, question, "crm_contact_save", user_id="U0ALICE")
    renamed = answer(slack, question, "crm_contact_save", user_id="U0BOB")
    assert "Updated Sam N. at *Initech*: name Samir Nagheenanajar → Sam N." in renamed
    assert contact_audit(engine)[-1].before["name"] == "Samir Nagheenanajar"


def test_a_title_change_is_applied_and_says_what_it_was(slack: SlackDriver, engine: Engine) -> None:
    setup(slack)
    contact(slack, "Initech: Bill Lumbergh, bill@initech.com, VP")
    reply = text_of(
        contact(slack, "INITECH inc: bill lumbergh, BILL@initech.com, Division VP", user_id="U0BOB")
    )
    assert "Updated bill lumbergh at *Initech*: name Bill Lumbergh → bill lumbergh; " in reply
    assert "title VP → Division VP" in reply
    same = text_of(contact(slack, "Initech: bill lumbergh, bill@initech.com"))
    assert "already saved at *Initech*; nothing changed" in same
    assert len(contact_audit(engine)) == 2  # the create and the one real change


def test_a_contact_without_email_is_found_again_by_name_and_gets_the_email(
    slack: SlackDriver, engine: Engine
) -> None:
    setup(slack)
    contact(slack, "Hooli XYZ: Gavin Belson")
    reply = text_of(contact(slack, "Hooli XYZ: Gavin  Belson, gavin@hooli.xyz, CEO"))
    assert (
        "Updated Gavin Belson at *Hooli XYZ*: email (none) → gavin@hooli.xyz; title (none) → CEO"
        in reply
    )
    assert contacts_in(engine) == [("Hooli XYZ", "Gavin Belson", "gavin@hooli.xyz", "CEO")]


def test_a_question_is_rechecked_when_the_contact_changed_in_between(
    slack: SlackDriver, engine: Engine
) -> None:
    setup(slack)
    contact(slack, "Initech: Milton Waddams, milton@initech.com")
    question = contact(slack, "Hooli XYZ: Milton Waddams, milton@initech.com")
    contact(slack, "Initech: Milton Waddams, milton@initech.com, Collator", user_id="U0BOB")
    stale = answer(slack, question, "crm_contact_save")
    assert "changed by someone else since I asked" in stale
    assert contacts_in(engine) == [("Initech", "Milton Waddams", "milton@initech.com", "Collator")]


def test_an_email_that_isnt_one_is_refused_in_one_sentence_and_nothing_is_stored(
    slack: SlackDriver, engine: Engine
) -> None:
    setup(slack)
    for typed in ("joanna at chotchkies.com", "joanna@chotchkies", "joanna@@chotchkies.com"):
        reply = text_of(contact(slack, f"Initech: Joanna, {typed}, Waitress"))
        assert "isn't an email address; write it like jane@acme.com" in reply, typed
    assert contacts_in(engine) == []


def test_contact_names_and_emails_are_shown_escaped(slack: SlackDriver) -> None:
    setup(slack)
    reply = text_of(contact(slack, "Initech: Tom &lt;!channel&gt; Smykowski, tom@initech.com"))
    assert "Tom &lt;!channel&gt; Smykowski" in reply and "<!channel>" not in reply
