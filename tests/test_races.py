"""Races and silent failures, through the real Bolt pipeline on SQLite and PostgreSQL.

Concurrent requests are real signed HTTP requests sent from threads released together by a
barrier; each test then waits for every answer, so a lost or doubled one is seen.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from threading import Barrier
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, click, home_menu_payload, submit, text_input, text_of
from bot.standin.payloads import home_opened_event
from bot.standin.webapi import FakeSlack
from models.accounts import Account
from models.audit import AuditEntry
from models.contacts import Contact
from models.followups import Followup
from models.interactions import Interaction

T = TypeVar("T")
TIMES = 4
M = "log_"  # handlers.ids.LogModal / LogAction


def at_once(send: Callable[[int], T], times: int = TIMES) -> list[T]:
    """`send(i)` from `times` threads released together; every result, in order."""
    barrier = Barrier(times, timeout=10)

    def released(i: int) -> T:
        barrier.wait()
        return send(i)

    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(released, range(times), timeout=30))


def audit_actions(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)))  # type: ignore[arg-type]


def count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return len(list(session.exec(select(table))))


def new_account(slack: SlackDriver, name: str = "Acme") -> None:
    assert "Created" in text_of(slack.command("/crm", f"new {name}").reply())


def home_opened(slack: SlackDriver) -> None:
    slack.event(home_opened_event())


# -- 7. concurrency ------------------------------------------------------------------------------


def test_four_concurrent_follow_up_submissions_make_one_follow_up_and_one_answer(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    new_account(slack)
    reply = slack.command("/log-call", "Acme: talked").reply()
    _, url = click(slack, reply, "log_add_followup")
    [call] = fake_slack.wait_for("views.open")
    values = text_input(M + "followup", M + "followup_input", "Dec 3 2pm")
    answers = at_once(lambda _: submit(slack, call.args["view"], values, view_id="V0FOLLOW1"))
    assert [a.status_code for a in answers] == [200] * TIMES
    slack.settle()
    with Session(engine) as session:
        assert [f.due_at for f in session.exec(select(Followup))] == [
            datetime(2026, 12, 3, 19, 0, tzinfo=UTC)
        ]
    assert audit_actions(engine).count("followup.create") == 1
    assert len(fake_slack.hooks_to(url)) == 1  # one confirmation, not one per submission


def test_four_concurrent_undos_remove_once_audit_once_and_say_already_undone(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    reply = slack.command("/log-call", "Acme: wrong account. Follow up Dec 3").reply()
    urls = [url for _, url in at_once(lambda _: click(slack, reply, "log_undo"))]
    answers = [text_of(slack.fake.wait_for_hook(url)[0].body) for url in urls]
    assert sum("Undone" in a for a in answers) == 1, answers
    assert sum("already undone" in a for a in answers) == TIMES - 1, answers
    assert count(engine, Interaction) == 0 and count(engine, Followup) == 0
    actions = audit_actions(engine)
    assert actions.count("interaction.delete") == 1 and actions.count("followup.delete") == 1


def test_a_double_clicked_share_posts_once(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C0SALES01")
    new_account(slack)
    reply = slack.command("/who-owns", "Acme").reply()
    urls = [url for _, url in at_once(lambda _: click(slack, reply, "who_owns_share"))]
    hooks = [fake_slack.wait_for_hook(url)[0].body for url in urls]
    shared = [h for h in hooks if h.get("response_type") == "in_channel"]
    assert len(shared) == 1, hooks
    assert "Shared by <@U0ALICE>" in text_of(shared[0])
    assert all("already shared" in text_of(h) for h in hooks if h not in shared)
    # Another person's click on the same card, or another card, still shares.
    _, bob_url = click(slack, reply, "who_owns_share", user_id="U0BOB")
    assert fake_slack.wait_for_hook(bob_url)[0].body.get("response_type") == "in_channel"


def test_four_concurrent_crm_new_of_one_name_create_it_once(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Globex")  # the rep exists: only the account races
    results = at_once(lambda i: slack.command("/crm", ["new Acme", "new ACME inc"][i % 2]))
    answers = [text_of(result.reply()) for result in results]
    assert sum("Created" in a for a in answers) == 1, answers
    assert sum("already an account called" in a for a in answers) == TIMES - 1, answers
    assert count(engine, Account) == 2


def test_four_concurrent_contacts_with_one_email_make_one_contact(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    results = at_once(lambda i: slack.command("/crm", f"contact Acme: Jane {i}, jane@acme.com"))
    answers = [text_of(result.reply()) for result in results]
    assert sum("Added" in a for a in answers) == 1, answers
    assert sum("rename them" in a for a in answers) == TIMES - 1, answers  # one email, one person
    assert count(engine, Contact) == 1


def test_four_concurrent_links_of_one_channel_all_answer(slack: SlackDriver) -> None:
    for name in ("Acme", "Globex", "Initech", "Umbrella"):
        new_account(slack, name)
    names = ["Acme", "Globex", "Initech", "Umbrella"]
    results = at_once(lambda i: slack.command("/crm", f"link {names[i]}"))
    answers = [text_of(result.reply()) for result in results]
    assert all("This channel is now" in a for a in answers), answers


# -- 9. failures that ended in silence -----------------------------------------------------------


def test_a_stale_done_on_app_home_says_so_and_refreshes_home(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    new_account(slack)
    reply = slack.command("/log-call", "Acme: talked. Follow up tomorrow").reply()
    home_opened(slack)
    [published] = fake_slack.wait_for("views.publish")
    menu = next(b["accessory"] for b in published.args["view"]["blocks"] if b.get("accessory"))
    _, url = click(slack, reply, "log_undo")  # the follow-up goes, the Home tab still shows it
    assert "Undone" in text_of(fake_slack.wait_for_hook(url)[0].body)
    for n, choice in enumerate(("done:", "snooze1:")):
        option = next(o for o in menu["options"] if o["value"].startswith(choice))
        payload = home_menu_payload(
            option,
            action_id="home_followup",
            trigger_id=f"9.9.{n}",
            action_ts=f"1763900600.00010{n}",
            user_id="U0ALICE",
        )
        assert slack.interactive(payload).status_code == 200
        [*_, told] = fake_slack.wait_for("chat.postMessage", count=n + 1)
        assert "no longer exists" in text_of(told.args)
        [*_, refreshed] = fake_slack.wait_for("views.publish", count=n + 2)
        assert "Nothing to follow up" in text_of(refreshed.args["view"])


def test_a_dm_with_a_file_logs_its_text_and_says_the_file_is_not_kept(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    new_account(slack)
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel_type": "im",
        "user": "U0ALICE",
        "text": "called Acme: sent them the deck",
        "files": [{"id": "F0DECK", "name": "deck.pdf", "mimetype": "application/pdf"}],
        "upload": False,
        "ts": "1763900100.000100",
        "channel": "D0ALICE",
        "event_ts": "1763900100.000100",
    }
    slack.event(event)
    [reply] = fake_slack.wait_for("chat.postMessage")
    assert "Logged a call on *Acme*" in text_of(reply.args) and "file" in text_of(reply.args)
    with Session(engine) as session:
        assert [i.summary for i in session.exec(select(Interaction))] == ["sent them the deck"]
    slack.event(event | {"text": "", "ts": "1763900200.000100", "event_ts": "1763900200.0001"})
    [_, bare] = fake_slack.wait_for("chat.postMessage", count=2)
    assert "doesn't log files" in text_of(bare.args) and count(engine, Interaction) == 1


def test_nul_characters_in_typed_text_are_dropped_not_fatal(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    assert "Logged a call" in text_of(slack.command("/log-call", "Acme: NDA\x00 signed").reply())
    saved = text_of(slack.command("/crm", "contact Acme: Ja\x00ne Roe, ja\x00ne@acme.com").reply())
    assert "Added Jane Roe, jane@acme.com" in saved
    assert "Created" in text_of(slack.command("/crm", "new Glo\x00bex").reply())
    with Session(engine) as session:
        assert [i.summary for i in session.exec(select(Interaction))] == ["NDA signed"]
        assert [c.email for c in session.exec(select(Contact))] == ["jane@acme.com"]
        assert "Globex" in [a.name for a in session.exec(select(Account))]
