"""Logging through the real Bolt pipeline: /log-call, both shortcuts, DMs, and their buttons."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, click, selected, submit, suggest, text_input, text_of
from bot.standin.webapi import FakeSlack
from models.accounts import Account, AccountStatus
from models.channels import AccountChannel
from models.contacts import Contact
from models.followups import Followup
from models.interactions import Interaction
from models.reps import Rep
from tests.conftest import Clock

M = "log_"  # action and block ids: handlers.ids.LogModal / LogAction


def make_accounts(slack: SlackDriver, *names: str, user_id: str = "U0ALICE") -> None:
    for name in names:
        assert "Created" in text_of(slack.command("/crm", f"new {name}", user_id=user_id).reply())


def logged(engine: Engine) -> list[tuple[str, str, str, str, datetime]]:
    """(account, rep, kind, summary, occurred_at) of every interaction."""
    with Session(engine) as session:
        rows = session.exec(
            select(
                Account.name,
                Rep.slack_user_id,
                Interaction.kind,
                Interaction.summary,
                Interaction.occurred_at,
            )
            .join(Account, Account.id == Interaction.account_id)
            .join(Rep, Rep.id == Interaction.rep_id)
            .order_by(Interaction.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def followups_of(engine: Engine) -> list[tuple[str, datetime]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Rep.slack_user_id, Followup.due_at).join(Rep, Rep.id == Followup.rep_id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_log_call_logs_on_the_account_and_moves_last_touched(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    make_accounts(slack, "Acme Corp")
    reply = slack.command("/log-call", "acme inc: talked renewal, they want SSO").reply()
    assert "Logged a call on *Acme Corp*" in text_of(reply) and "you typed “acme inc”" in text_of(
        reply
    )
    assert logged(engine) == [
        ("Acme Corp", "U0ALICE", "call", "talked renewal, they want SSO", clock.at)
    ]
    with Session(engine) as session:
        assert session.exec(select(Account)).one().last_touched_at == clock.at
    buttons = [
        e["action_id"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["log_undo", "log_edit", "log_add_followup"]


@pytest.mark.parametrize(
    ("user_id", "due_utc"),
    [
        ("U0ALICE", datetime(2026, 12, 3, 14, 0, tzinfo=UTC)),  # New York, EST
        ("U0BOB", datetime(2026, 12, 3, 8, 0, tzinfo=UTC)),  # Berlin, CET
        ("U0ADMIN", datetime(2026, 12, 3, 0, 0, tzinfo=UTC)),  # Tokyo, JST
    ],
)
def test_follow_up_phrase_is_due_at_nine_in_the_reps_zone(
    slack: SlackDriver, engine: Engine, user_id: str, due_utc: datetime
) -> None:
    make_accounts(slack, "Acme", user_id=user_id)
    reply = text_of(
        slack.command(
            "/log-call", "Acme: sent pricing. Follow up on Dec 3", user_id=user_id
        ).reply()
    )
    assert followups_of(engine) == [(user_id, due_utc)]
    assert f"<!date^{int(due_utc.timestamp())}^" in reply and "09:00" in reply
    assert logged(engine)[0][3] == "sent pricing"


@pytest.mark.parametrize("phrase", ["follow up next blursday", "fu 2025-01-01"])
def test_an_unreadable_or_past_follow_up_still_logs_the_call(
    slack: SlackDriver, engine: Engine, phrase: str
) -> None:
    make_accounts(slack, "Acme")
    reply = text_of(slack.command("/log-call", f"Acme: demo went well. {phrase}").reply())
    assert "Logged a call" in reply and ":warning:" in reply and "add the follow-up" in reply
    assert len(logged(engine)) == 1 and followups_of(engine) == []


def test_ambiguous_names_offer_a_button_each_and_a_click_logs_once(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Acme Widgets", "Acme Robotics")
    reply = slack.command("/log-call", "acme: quick check-in").reply()
    assert "Which account do you mean" in text_of(reply)
    labels = [
        e["text"]["text"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert {"Acme Widgets", "Acme Robotics"} <= set(labels)
    response, response_url = click(slack, reply, "log_pick_account")
    assert response.status_code == 200
    [hook] = slack.fake.wait_for_hook(response_url)
    assert hook.body["replace_original"] is True and "Logged a call" in text_of(hook.body)
    _, again_url = click(slack, reply, "log_pick_account")
    [again] = slack.fake.wait_for_hook(again_url)
    assert again.body["replace_original"] is False and "already logged" in text_of(again.body)
    assert [row[0] for row in logged(engine)] == [labels[0]]


def test_unknown_names_offer_to_create_the_account(slack: SlackDriver, engine: Engine) -> None:
    make_accounts(slack, "Globex")
    reply = slack.command("/log-call", "Initech: intro call").reply()
    assert "No account is close to “Initech”" in text_of(reply)
    _, url = click(slack, reply, "log_create_account")
    answer = text_of(slack.fake.wait_for_hook(url)[0].body)
    assert "Created *Initech* (owner: you) and logged a call" in answer
    with Session(engine) as session:
        account = session.exec(select(Account).where(Account.name == "Initech")).one()
        assert session.get(Rep, account.owner_id).slack_user_id == "U0ALICE"
    assert logged(engine)[0][:4] == ("Initech", "U0ALICE", "call", "intro call")


def test_a_deleted_account_is_not_matched(slack: SlackDriver, engine: Engine) -> None:
    make_accounts(slack, "Acme")
    with Session(engine) as session:
        account = session.exec(select(Account)).one()
        account.status = AccountStatus.DELETED
        session.add(account)
        session.commit()
    assert "No account is close" in text_of(slack.command("/log-call", "Acme: hello").reply())
    assert logged(engine) == []


def test_undo_removes_the_log_for_its_author_within_ten_minutes(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    make_accounts(slack, "Acme")
    reply = slack.command("/log-call", "Acme: oops, wrong account. Follow up Dec 3").reply()
    _, url = click(slack, reply, "log_undo", user_id="U0BOB")
    assert "Only the rep who logged it" in text_of(slack.fake.wait_for_hook(url)[0].body)
    clock.at += timedelta(minutes=11)
    _, url = click(slack, reply, "log_undo")
    assert "10 minutes" in text_of(slack.fake.wait_for_hook(url)[0].body)
    clock.at -= timedelta(minutes=2)
    _, url = click(slack, reply, "log_undo")
    assert "Undone" in text_of(slack.fake.wait_for_hook(url)[0].body)
    assert logged(engine) == [] and followups_of(engine) == []
    with Session(engine) as session:
        assert session.exec(select(Account)).one().last_touched_at is None


def test_edit_opens_a_modal_and_saves_the_changes(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    make_accounts(slack, "Acme")
    reply = slack.command("/log-call", "Acme: talked").reply()
    click(slack, reply, "log_edit")
    [call] = slack.fake.wait_for("views.open")
    view = call.args["view"]
    assert view["callback_id"] == "log_edit_modal"
    values = (
        selected(M + "kind", M + "kind_select", "meeting")
        | text_input(M + "notes", M + "notes_input", "met in person, signed the NDA")
        | text_input(M + "when", M + "when_input", "2026-11-23 09:30")
    )
    assert submit(slack, view, values).status_code == 200
    _wait(lambda: logged(engine)[0][2] == "meeting")
    assert logged(engine) == [
        (
            "Acme",
            "U0ALICE",
            "meeting",
            "met in person, signed the NDA",
            datetime(2026, 11, 23, 14, 30, tzinfo=UTC),
        )
    ]


def test_add_follow_up_button_makes_one_follow_up_even_if_submitted_twice(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Acme")
    reply = slack.command("/log-call", "Acme: talked").reply()
    click(slack, reply, "log_add_followup")
    [call] = slack.fake.wait_for("views.open")
    values = text_input(M + "followup", M + "followup_input", "Dec 3 2pm")
    for _ in range(2):
        assert submit(slack, call.args["view"], values, view_id="V0FOLLOW1").status_code == 200
    slack.settle()  # both submissions fully handled: a second follow-up would be there by now
    assert followups_of(engine) == [("U0ALICE", datetime(2026, 12, 3, 19, 0, tzinfo=UTC))]


def test_log_call_without_text_opens_the_modal_and_a_submission_logs_once(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    make_accounts(slack, "Acme")
    with Session(engine) as session:
        acme_id = session.exec(select(Account.id)).one()
    result = slack.command("/log-call")
    assert result.response.status_code == 200
    [call] = slack.fake.wait_for("views.open")
    view = call.args["view"]
    assert view["callback_id"] == "log_modal" and len(view["title"]["text"]) <= 24
    values = (
        selected(M + "account", M + "account_select", str(acme_id), "Acme", "external_select")
        | selected(M + "kind", M + "kind_select", "email")
        | selected(M + "contact", M + "contact_select", None, kind="external_select")
        | text_input(M + "notes", M + "notes_input", "sent the <!channel> deck 🚀")
        | text_input(M + "when", M + "when_input", "now")
        | text_input(M + "followup", M + "followup_input", None)
    )
    for _ in range(2):  # double-submitted: same view id
        assert submit(slack, view, values, view_id="V0LOGMODAL").status_code == 200
    slack.settle()
    [hook] = slack.fake.hooks_to(result.response_url)
    assert "Logged an email on *Acme*" in text_of(hook.body) and "&lt;!channel&gt;" in text_of(
        hook.body
    )
    assert logged(engine) == [("Acme", "U0ALICE", "email", "sent the <!channel> deck 🚀", clock.at)]


def test_modal_errors_come_back_on_the_right_field(slack: SlackDriver, engine: Engine) -> None:
    slack.command("/log-call")
    [call] = slack.fake.wait_for("views.open")
    values = (
        selected(M + "account", M + "account_select", "new:Initech", "Create", "external_select")
        | selected(M + "kind", M + "kind_select", "call")
        | text_input(M + "notes", M + "notes_input", "  ")
        | text_input(M + "when", M + "when_input", "next blursday")
        | text_input(M + "followup", M + "followup_input", "yesterday")
    )
    response = submit(slack, call.args["view"], values)
    body = response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {M + "notes", M + "when", M + "followup"}
    assert logged(engine) == []


def test_global_shortcut_logs_through_the_modal_and_confirms_by_dm(
    slack: SlackDriver, engine: Engine
) -> None:
    assert slack.shortcut("log_call").status_code == 200
    [call] = slack.fake.wait_for("views.open")
    values = (
        selected(M + "account", M + "account_select", "new:Initech", "Create", "external_select")
        | selected(M + "kind", M + "kind_select", "meeting")
        | text_input(M + "notes", M + "notes_input", "lunch with their CTO")
        | text_input(M + "when", M + "when_input", "yesterday 1pm")
    )
    submit(slack, call.args["view"], values)
    [dm] = slack.fake.wait_for("chat.postMessage")
    assert dm.args["channel"] == "U0ALICE" and "Initech" in dm.args["text"]
    assert logged(engine) == [
        (
            "Initech",
            "U0ALICE",
            "meeting",
            "lunch with their CTO",
            datetime(2026, 11, 22, 18, 0, tzinfo=UTC),
        )
    ]


def test_message_shortcut_prefills_and_keeps_the_permalink(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    make_accounts(slack, "Acme Corp", "Globex")
    message = {
        "type": "message",
        "user": "U0BOB",
        "ts": "1763900000.000200",
        "team": "T0001",
        "text": "Spoke with Dana at Acme Corp, they want a quote for 40 seats <@U0ALICE>",
    }
    slack.shortcut("log_message_to_crm", message=message)
    [call] = fake_slack.wait_for("views.open")
    view = call.args["view"]
    account_select = next(b for b in view["blocks"] if b.get("block_id") == M + "account")[
        "element"
    ]
    notes = next(b for b in view["blocks"] if b.get("block_id") == M + "notes")["element"]
    assert account_select["initial_option"]["text"]["text"] == "Acme Corp"
    assert notes["initial_value"].endswith("40 seats @Alice Ng")  # as Slack shows the mention
    values = (
        selected(
            M + "account",
            M + "account_select",
            account_select["initial_option"]["value"],
            "Acme Corp",
            "external_select",
        )
        | selected(M + "kind", M + "kind_select", "note")
        | text_input(M + "notes", M + "notes_input", notes["initial_value"])
        | text_input(M + "when", M + "when_input", "now")
    )
    submit(slack, view, values)
    fake_slack.wait_for("chat.getPermalink")
    _wait(lambda: len(logged(engine)) == 1)
    with Session(engine) as session:
        interaction = session.exec(select(Interaction)).one()
    assert interaction.permalink == "https://acme.slack.com/archives/C0SALES01/p1763900000000200"
    assert (interaction.slack_author_id, interaction.source) == ("U0BOB", "message_shortcut")
    _wait(lambda: any("Logged" in text_of(h.body) for h in fake_slack.hooks))
    [hook] = [h for h in fake_slack.hooks if "Logged" in text_of(h.body)]
    assert "<https://acme.slack.com/archives/C0SALES01/p1763900000000200|Slack message>" in text_of(
        hook.body
    )


def test_message_shortcut_in_a_linked_channel_guesses_its_account(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack, clock: Clock
) -> None:
    make_accounts(slack, "Acme Corp", "Globex")
    with Session(engine) as session:
        globex = session.exec(select(Account).where(Account.name == "Globex")).one()
        session.add(
            AccountChannel(
                team_id="T0001", channel_id="C0SALES01", account_id=globex.id, linked_at=clock.at
            )
        )
        session.commit()
    message = {
        "type": "message",
        "user": "U0BOB",
        "ts": "1763900000.000200",
        "team": "T0001",
        "text": "Acme said hi",
    }
    slack.shortcut("log_message_to_crm", message=message)
    [call] = fake_slack.wait_for("views.open")
    block = next(b for b in call.args["view"]["blocks"] if b.get("block_id") == M + "account")
    assert block["element"]["initial_option"]["text"]["text"] == "Globex"


def test_account_suggestions_as_you_type(slack: SlackDriver, engine: Engine) -> None:
    make_accounts(slack, "Acme Corp", "Globex")
    slack.command("/log-call")
    [call] = slack.fake.wait_for("views.open")
    response = suggest(slack, call.args["view"], M + "account", M + "account_select", "acme")
    labels = [o["text"]["text"] for o in response.json()["options"]]
    assert labels[0] == "Acme Corp"
    assert "Create “Zenith”" in [
        o["text"]["text"]
        for o in suggest(
            slack, call.args["view"], M + "account", M + "account_select", "Zenith"
        ).json()["options"]
    ]


def test_contact_suggestions_follow_the_chosen_account(slack: SlackDriver, engine: Engine) -> None:
    make_accounts(slack, "Acme")
    assert "Added Jane Roe, VP Sales, jane@acme.com at *Acme*" in text_of(
        slack.command("/crm", "contact Acme: Jane Roe, jane@acme.com, VP Sales").reply()
    )
    with Session(engine) as session:
        acme_id = session.exec(select(Account.id)).one()
    slack.command("/log-call")
    [call] = slack.fake.wait_for("views.open")
    state = selected(M + "account", M + "account_select", str(acme_id), "Acme", "external_select")
    response = suggest(
        slack, call.args["view"], M + "contact", M + "contact_select", "", values=state
    )
    assert [o["text"]["text"] for o in response.json()["options"]] == ["Jane Roe"]


def test_crm_contact_dedupes_on_email(slack: SlackDriver, engine: Engine) -> None:
    make_accounts(slack, "Acme")
    slack.command("/crm", "contact Acme: Jane Roe, jane@acme.com").reply()
    reply = text_of(slack.command("/crm", "contact Acme: Jane Roe, JANE@acme.com, CFO").reply())
    assert "Updated Jane Roe at *Acme*: title (none) → CFO" in reply
    with Session(engine) as session:
        assert [(c.name, c.email, c.title) for c in session.exec(select(Contact))] == [
            ("Jane Roe", "jane@acme.com", "CFO")
        ]
    assert "e.g." in text_of(slack.command("/crm", "contact Acme").reply())


def dm(text: str, ts: str = "1763900100.000100") -> dict:
    return {
        "type": "message",
        "channel_type": "im",
        "user": "U0ALICE",
        "text": text,
        "ts": ts,
        "channel": "D0ALICE",
        "event_ts": ts,
        "client_msg_id": "c-" + ts,
    }


def test_one_line_dms_log_and_answer_in_the_thread(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    make_accounts(slack, "Acme", "Globex")
    slack.event(dm("called Acme: they signed the NDA, follow up Dec 3"))
    [reply] = fake_slack.wait_for("chat.postMessage")
    assert reply.args["thread_ts"] == "1763900100.000100" and "Logged a call on *Acme*" in text_of(
        reply.args
    )
    slack.event(dm("met Globex, demo went well", ts="1763900200.000100"))
    fake_slack.wait_for("chat.postMessage", count=2)
    assert [row[:4] for row in logged(engine)] == [
        ("Acme", "U0ALICE", "call", "they signed the NDA"),
        ("Globex", "U0ALICE", "meeting", "demo went well"),
    ]
    assert followups_of(engine) == [("U0ALICE", datetime(2026, 12, 3, 14, 0, tzinfo=UTC))]


def test_a_retried_dm_logs_and_answers_once(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    make_accounts(slack, "Acme")
    event = dm("called Acme: pricing")
    slack.event(event)
    fake_slack.wait_for("chat.postMessage")
    slack.event(event, retry=1)
    slack.settle()
    assert len(logged(engine)) == 1 and len(fake_slack.calls_to("chat.postMessage")) == 1


def test_an_unreadable_dm_gets_an_example(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    slack.event(dm("hello there"))
    [reply] = fake_slack.wait_for("chat.postMessage")
    assert "called Acme: they signed the NDA" in reply.args["text"] and logged(engine) == []


@pytest.mark.parametrize(
    ("text", "prefilled"),
    [
        ("", None),
        ("Acme", "account"),
        ("talked about renewal", "notes"),
        ("!!!: notes survive", "notes"),
    ],
)
def test_not_enough_to_log_opens_the_modal_with_what_was_typed(
    slack: SlackDriver, engine: Engine, text: str, prefilled: str | None
) -> None:
    make_accounts(slack, "Acme")
    slack.command("/log-call", text)
    [call] = slack.fake.wait_for("views.open")
    blocks = {b.get("block_id"): b for b in call.args["view"]["blocks"]}
    if prefilled == "account":
        assert blocks[M + "account"]["element"]["initial_option"]["text"]["text"] == "Acme"
    if prefilled == "notes":
        assert text.split(": ")[-1] in blocks[M + "notes"]["element"]["initial_value"]
    assert logged(engine) == []


def test_long_and_hostile_notes_are_kept_whole_and_shown_escaped(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Acme")
    notes = "שלום 👋 &lt;!channel&gt; <@U0BOB|bob> <#C0OTHER|general> " + "x" * 4000
    reply = text_of(slack.command("/log-call", f"Acme: {notes}").reply())
    stored = logged(engine)[0][3]
    assert stored.startswith("שלום 👋 <!channel> @Bob Berg #general") and len(stored) > 4000
    assert "<!channel>" not in reply and "<@U0BOB" not in reply and "&lt;!channel&gt;" in reply


def _wait(condition, timeout: float = 3.0) -> None:  # type: ignore[no-untyped-def]
    """Poll `condition` until it holds; fail the test if it still doesn't after `timeout`."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still not true after {timeout}s: {condition}"
        time.sleep(0.02)


def test_a_pick_that_fails_keeps_the_notes_for_the_next_click(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Acme Widgets", "Acme Robotics")
    reply = slack.command("/log-call", "acme: they want SSO").reply()
    with Session(engine) as session:  # the account picked below is deleted meanwhile
        for account in session.exec(select(Account)):
            account.status = AccountStatus.DELETED
            session.add(account)
        session.commit()
    _, failed_url = click(slack, reply, "log_pick_account")
    assert "no longer exists" in text_of(slack.fake.wait_for_hook(failed_url)[0].body)
    _, create_url = click(slack, reply, "log_create_account")
    assert "Created *acme* (owner: you) and logged a call" in text_of(
        slack.fake.wait_for_hook(create_url)[0].body
    )
    assert [(row[0], row[3]) for row in logged(engine)] == [("acme", "they want SSO")]


def shown_to(fake: FakeSlack, user_id: str = "U0ALICE", channel: str = "C0SALES01") -> list[dict]:
    """The conversation as `user_id` sees it, each message as Slack hands it back on a click."""
    return [m.to_dict() for m in fake.messages(channel, visible_to=user_id)]


def buttons_of(message: dict) -> list[str]:
    return [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]


@pytest.mark.parametrize("button", ["log_pick_account", "log_create_account"])
def test_a_double_click_on_a_pick_keeps_the_confirmation_and_its_buttons(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack, button: str
) -> None:
    make_accounts(slack, "Stark Industries", "Stark Logistics")
    slack.command("/log-call", "stark: asked about the arc reactor").reply()
    question = shown_to(fake_slack)[-1]
    for _ in range(2):  # both clicks come from the message as it was first shown
        _, url = click(slack, question, button)
        fake_slack.wait_for_hook(url)
    slack.settle()
    confirmation, again = shown_to(fake_slack)[-2:]
    assert confirmation["ts"] == question["ts"] and "logged a call" in text_of(confirmation).lower()
    assert buttons_of(confirmation) == ["log_undo", "log_edit", "log_add_followup"]
    assert "already logged" in text_of(again) and buttons_of(again) == []
    assert len(logged(engine)) == 1


def test_a_double_click_on_undo_keeps_the_first_answer(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    make_accounts(slack, "Wayne Enterprises")
    slack.command("/log-call", "Wayne Enterprises: wrong one").reply()
    confirmation = shown_to(fake_slack)[-1]
    for _ in range(2):
        _, url = click(slack, confirmation, "log_undo")
        fake_slack.wait_for_hook(url)
    undone, again = shown_to(fake_slack)[-2:]
    assert undone["ts"] == confirmation["ts"] and "Undone" in text_of(undone)
    assert "already undone" in text_of(again) and logged(engine) == []


def test_a_modal_log_with_a_when_and_a_contact_says_both(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Cyberdyne")
    slack.command("/crm", "contact Cyberdyne: Miles Dyson, miles@cyberdyne.example").reply()
    with Session(engine) as session:
        account_id, contact_id = session.exec(select(Contact.account_id, Contact.id)).one()
    result = slack.command("/log-call")
    [call] = slack.fake.wait_for("views.open")
    values = (
        selected(M + "account", M + "account_select", str(account_id), "x", "external_select")
        | selected(M + "kind", M + "kind_select", "meeting")
        | selected(M + "contact", M + "contact_select", str(contact_id), "x", "external_select")
        | text_input(M + "notes", M + "notes_input", "walked through the T-800 roadmap")
        | text_input(M + "when", M + "when_input", "yesterday 2pm")
    )
    submit(slack, call.args["view"], values)
    answer = text_of(slack.fake.wait_for_hook(result.response_url)[0].body)
    at = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
    assert "Logged a meeting on *Cyberdyne* with Miles Dyson" in answer
    assert f"<!date^{int(at.timestamp())}^" in answer and "Sun Nov 22, 14:00 EST" in answer


def test_a_log_made_now_does_not_repeat_the_time(slack: SlackDriver, engine: Engine) -> None:
    make_accounts(slack, "Tyrell")
    assert "<!date^" not in text_of(slack.command("/log-call", "Tyrell: replicant demo").reply())


def test_the_log_modal_creating_an_account_says_it_created_it(
    slack: SlackDriver, engine: Engine
) -> None:
    result = slack.command("/log-call")
    [call] = slack.fake.wait_for("views.open")
    values = (
        selected(M + "account", M + "account_select", "new:Soylent", "Create", "external_select")
        | selected(M + "kind", M + "kind_select", "call")
        | text_input(M + "notes", M + "notes_input", "first call")
        | text_input(M + "when", M + "when_input", "now")
    )
    submit(slack, call.args["view"], values)
    answer = text_of(slack.fake.wait_for_hook(result.response_url)[0].body)
    assert "Created *Soylent* (owner: you) and logged a call" in answer


@pytest.mark.parametrize(
    ("typed", "echoed"),
    [("bring the <signed> SOW & pricing", "“bring the &lt;signed&gt; SOW &amp; pricing”"),
     (None, "“talked budget”")],
)  # fmt: skip
def test_add_follow_up_says_its_note(
    slack: SlackDriver, engine: Engine, typed: str | None, echoed: str
) -> None:
    make_accounts(slack, "Acme")
    reply = slack.command("/log-call", "Acme: talked budget").reply()
    _, url = click(slack, reply, "log_add_followup")
    [call] = slack.fake.wait_for("views.open")
    values = text_input(M + "followup", M + "followup_input", "Dec 4 10am") | text_input(
        M + "followup_note", M + "followup_note_input", typed
    )
    submit(slack, call.args["view"], values)
    answer = text_of(slack.fake.wait_for_hook(url)[0].body)
    assert "Follow-up on *Acme*" in answer and echoed in answer


@pytest.mark.parametrize("edited", [False, True])
def test_a_message_longer_than_the_notes_input_is_logged_whole(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack, edited: bool
) -> None:
    make_accounts(slack, "Vandelay Industries")
    text = "Vandelay Industries recap. " + " ".join(f"item {n} latex import" for n in range(400))
    message = {"type": "message", "user": "U0BOB", "ts": "1763900000.000900", "team": "T0001",
               "text": text}  # fmt: skip
    slack.shortcut("log_message_to_crm", message=message)
    [call] = fake_slack.wait_for("views.open")
    view = call.args["view"]
    notes = next(b for b in view["blocks"] if b.get("block_id") == M + "notes")
    shown = notes["element"]["initial_value"]
    assert len(shown) <= 3000 < len(text) and "are kept" in notes["hint"]["text"]
    account = next(b for b in view["blocks"] if b.get("block_id") == M + "account")["element"]
    typed = "Art's summary: big order. " + shown if edited else shown
    values = (
        selected(M + "account", M + "account_select", account["initial_option"]["value"], "x",
                 "external_select")
        | selected(M + "kind", M + "kind_select", "note")
        | text_input(M + "notes", M + "notes_input", typed)
        | text_input(M + "when", M + "when_input", "now")
    )  # fmt: skip
    for _ in range(2):  # double-submitted: one log, still whole
        submit(slack, view, values, view_id="V0LONGMSG")
    slack.settle()
    expected = "Art's summary: big order. " + text if edited else text
    assert [row[3] for row in logged(engine)] == [expected]


def test_log_call_notes_too_long_for_the_modal_are_logged_whole(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Acme")
    with Session(engine) as session:
        acme_id = session.exec(select(Account.id)).one()
    typed = "went over the rollout plan " + "phase by phase " * 240  # no account named
    slack.command("/log-call", typed)
    [call] = slack.fake.wait_for("views.open")
    notes = next(b for b in call.args["view"]["blocks"] if b.get("block_id") == M + "notes")
    assert "are kept" in notes["hint"]["text"]
    values = (
        selected(M + "account", M + "account_select", str(acme_id), "Acme", "external_select")
        | selected(M + "kind", M + "kind_select", "call")
        | text_input(M + "notes", M + "notes_input", notes["element"]["initial_value"])
        | text_input(M + "when", M + "when_input", "now")
    )
    submit(slack, call.args["view"], values)
    slack.settle()
    assert [row[3] for row in logged(engine)] == [typed.strip()]
