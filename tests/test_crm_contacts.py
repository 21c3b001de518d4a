"""/crm contact through signed HTTP: one email is one person, a move or a rename is asked about
first, every answer says what changed from what, and an email that isn't one is refused."""

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, click, text_of
from models.accounts import Account
from models.audit import AuditEntry
from models.contacts import Contact
from models.reps import Rep


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


def button_for(message: dict, label: str) -> str:
    [action_id] = [
        e["action_id"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == label
    ]
    return action_id


@pytest.mark.parametrize("picked", ["Hooli, Sales: EMEA", "Hooli *Cloud* <B&B>"])
def test_a_picked_account_with_separators_or_markup_keeps_the_contact_as_typed(
    slack: SlackDriver, engine: Engine, picked: str
) -> None:
    for name in ("Hooli, Sales: EMEA", "Hooli *Cloud* <B&B>"):
        assert "Created" in text_of(slack.command("/crm", f"new {name}").reply())
    asked = contact(slack, "hooli: Al Berg, al@x.com, VP, EMEA")
    said = answer(slack, asked, button_for(asked, picked))
    assert "Al Berg" in said
    assert contacts_in(engine) == [(picked, "Al Berg", "al@x.com", "VP, EMEA")]


def test_create_on_a_contact_creates_the_account_and_saves_the_contact_once(
    slack: SlackDriver, engine: Engine
) -> None:
    setup(slack)
    asked = contact(slack, "Zebra: Works: Jo Zee, jo@zebra.io")
    said = [answer(slack, asked, "crm_create_account") for _ in "12"]
    assert "Created *Zebra*" in said[0] and "done already" in said[1]
    assert contacts_in(engine) == [("Zebra", "Works: Jo Zee", "jo@zebra.io", None)]


def test_assign_picks_and_creates_with_the_named_owner(slack: SlackDriver, engine: Engine) -> None:
    for name in ("Umbrella: Labs *EU*", "Umbrella Labs US"):
        assert "Created" in text_of(slack.command("/crm", f"new {name}").reply())
    asked = slack.command("/crm", "assign umbrella <@U0BOB|bob>").reply()
    said = answer(slack, asked, button_for(asked, "Umbrella: Labs *EU*"))
    assert "is now owned by <@U0BOB>" in said
    asked = slack.command("/crm", "assign Zebra Works <@U0BOB|bob>").reply()
    said = answer(slack, asked, "crm_create_account")
    assert "Created *Zebra Works*, owned by <@U0BOB>" in said
    with Session(engine) as session:
        statement = select(Account.name, Rep.slack_user_id).join(Rep, Rep.id == Account.owner_id)
        owners = dict(session.exec(statement).all())
    assert owners == {
        "Umbrella: Labs *EU*": "U0BOB",
        "Umbrella Labs US": "U0ALICE",
        "Zebra Works": "U0BOB",
    }


@pytest.mark.parametrize(
    "typed",
    [
        "joe at acme dot com",
        "kim.acme.com",
        "jo(at)acme.io",
        "jo [at] acme [dot] io",
        "jo at acme.io",
    ],
)
def test_an_attempted_email_after_the_name_is_refused_not_stored_as_the_title(
    slack: SlackDriver, engine: Engine, typed: str
) -> None:
    setup(slack)
    reply = text_of(contact(slack, f"Initech: Joe, {typed}, VP"))
    assert f"“{typed}” isn't an email address; write it like jane@acme.com." in reply
    assert contacts_in(engine) == []


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("VP at Initech", "VP at Initech"),
        ("Sr. Director", "Sr. Director"),
        ("Ph.D, CTO", "Ph.D, CTO"),
    ],
)
def test_titles_with_at_or_dots_are_still_titles(
    slack: SlackDriver, engine: Engine, typed: str, title: str
) -> None:
    setup(slack)
    assert "Joe" in text_of(contact(slack, f"Initech: Joe, {typed}"))
    assert contacts_in(engine) == [("Initech", "Joe", None, title)]
