"""Dates as each rep writes them, through the real Bolt pipeline: /log-call, DMs and the modal."""

from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, selected, submit, text_input, text_of
from bot.standin.webapi import FakeSlack
from models.accounts import Account
from models.followups import Followup
from models.interactions import Interaction
from models.reps import Rep

M = "log_"


@pytest.fixture
def reps(fake_slack: FakeSlack) -> None:
    """Reps whose Slack language writes dates their own way."""
    fake_slack.add_user("U0KLARA", name="klara", tz="Europe/Berlin", locale="de-DE")
    fake_slack.add_user("U0LIAM", name="liam", tz="Europe/London", locale="en-GB")
    fake_slack.add_user("U0NORA", name="nora", tz="America/Chicago", locale="en-US")
    fake_slack.add_user("U0KENJI", name="kenji", tz="Asia/Tokyo", locale="ja-JP")


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def new_account(slack: SlackDriver, name: str, user_id: str) -> None:
    assert "Created" in text_of(slack.command("/crm", f"new {name}", user_id=user_id).reply())


def followups(engine: Engine) -> list[tuple[str, datetime, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Rep.slack_user_id, Followup.due_at, Followup.note)
            .join(Rep, Rep.id == Followup.rep_id)
            .order_by(Followup.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def notes(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Interaction.summary).order_by(Interaction.id)))


@pytest.mark.usefixtures("reps")
@pytest.mark.parametrize(
    ("user_id", "typed", "due", "read_as"),
    [
        ("U0KLARA", "3.12.", utc(2026, 12, 3, 8), "Thu Dec 3"),  # not 03:12 tonight
        ("U0KLARA", "12/3", utc(2027, 3, 12, 8), "Fri Mar 12"),  # not December 3rd
        ("U0KLARA", "24.12.", utc(2026, 12, 24, 8), None),  # one reading only
        ("U0LIAM", "4/12", utc(2026, 12, 4, 9), "Fri Dec 4"),
        ("U0NORA", "12/4", utc(2026, 12, 4, 15), "Fri Dec 4"),
        ("U0NORA", "4.12.", utc(2027, 4, 12, 14), "Mon Apr 12"),
        ("U0KENJI", "12/4", utc(2026, 12, 4, 0), "Fri Dec 4"),
        ("U0KLARA", "2026-12-04", utc(2026, 12, 4, 8), None),  # ISO: the same for everyone
        ("U0NORA", "2026-12-04", utc(2026, 12, 4, 15), None),
    ],
)
def test_numeric_follow_up_dates_read_in_the_reps_own_order_and_say_how(
    slack: SlackDriver, engine: Engine, user_id: str, typed: str, due: datetime, read_as: str
) -> None:
    new_account(slack, "Umbrella", user_id)
    reply = slack.command(
        "/log-call", f"Umbrella: sent pricing. Follow up {typed}", user_id=user_id
    )
    shown = text_of(reply.reply())
    assert followups(engine) == [(user_id, due, "sent pricing")]
    if read_as:
        assert f"I read “{typed.rstrip('.')}” as {read_as}." in shown
    else:
        assert "I read" not in shown


@pytest.mark.usefixtures("reps")
def test_a_reps_locale_is_kept_on_their_row_from_users_info(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    new_account(slack, "Umbrella", "U0KLARA")
    with Session(engine) as session:
        rep = session.exec(select(Rep).where(Rep.slack_user_id == "U0KLARA")).one()
        assert (rep.locale, rep.tz) == ("de-DE", "Europe/Berlin")
    asked = [c.args for c in fake_slack.calls_to("users.info") if c.args.get("user") == "U0KLARA"]
    assert asked and all(str(args.get("include_locale")) in ("1", "true") for args in asked)


@pytest.mark.usefixtures("reps")
def test_the_fake_hands_out_a_locale_only_when_asked_as_slack_does(fake_slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-test-token", base_url=fake_slack.api_url)
    assert "locale" not in client.users_info(user="U0KLARA")["user"]
    assert client.users_info(user="U0KLARA", include_locale=True)["user"]["locale"] == "de-DE"


@pytest.mark.usefixtures("reps")
def test_a_dm_follow_up_with_more_after_the_date_keeps_it_as_the_note(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    new_account(slack, "Umbrella", "U0KLARA")
    slack.event(
        {"type": "message", "channel_type": "im", "user": "U0KLARA", "channel": "D0KLARA",
         "text": "met Umbrella, demo went well. fu friday 3pm about the pilot scope",
         "ts": "1763900200.000100", "event_ts": "1763900200.000100", "client_msg_id": "c-1"}
    )  # fmt: skip
    [reply] = fake_slack.wait_for("chat.postMessage")
    assert "Logged a meeting on *Umbrella*" in text_of(reply.args)
    assert followups(engine) == [("U0KLARA", utc(2026, 11, 27, 14), "about the pilot scope")]
    assert notes(engine)[-1] == "demo went well"


@pytest.mark.usefixtures("reps")
@pytest.mark.parametrize(
    ("text", "notes_kept", "due", "note"),
    [
        ("Initech: remind me to send the deck on friday", "remind me to send the deck on friday",
         utc(2026, 11, 27, 15), "send the deck"),
        ("Initech: remind me friday", "remind me friday", utc(2026, 11, 27, 15),
         "remind me friday"),
        ("Initech: quick check-in - fu next tue re: security review", "quick check-in",
         utc(2026, 11, 24, 15), "re: security review"),
        ("Initech: signed! Follow up 12/14 with procurement", "signed!", utc(2026, 12, 14, 15),
         "with procurement"),
    ],
)  # fmt: skip
def test_remind_me_and_fu_phrases_are_follow_ups_with_their_note(
    slack: SlackDriver, engine: Engine, text: str, notes_kept: str, due: datetime, note: str
) -> None:
    new_account(slack, "Initech", "U0NORA")
    reply = slack.command("/log-call", text, user_id="U0NORA").reply()
    assert "Logged a call on *Initech*" in text_of(reply) and ":alarm_clock:" in text_of(reply)
    assert notes(engine) == [notes_kept]
    assert followups(engine) == [("U0NORA", due, note)]


@pytest.mark.usefixtures("reps")
def test_the_log_modal_reads_the_follow_up_field_in_the_reps_order_and_says_how(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    new_account(slack, "Umbrella", "U0KLARA")
    with Session(engine) as session:
        account_id = session.exec(select(Account.id)).one()
    assert slack.shortcut("log_call", user_id="U0KLARA").status_code == 200
    [opened] = fake_slack.wait_for("views.open")
    values = (
        selected(
            M + "account", M + "account_select", str(account_id), "Umbrella", "external_select"
        )
        | selected(M + "kind", M + "kind_select", "call")
        | text_input(M + "notes", M + "notes_input", "talked rollout")
        | text_input(M + "when", M + "when_input", "20.11. 10:00")  # last Friday, day first
        | text_input(M + "followup", M + "followup_input", "1.2.")
    )
    submit(slack, opened.args["view"], values, user_id="U0KLARA")
    [dm] = fake_slack.wait_for("chat.postMessage")
    assert "I read “1.2.” as Mon Feb 1." in text_of(dm.args)
    assert followups(engine) == [("U0KLARA", utc(2027, 2, 1, 8), "talked rollout")]
    with Session(engine) as session:
        assert session.exec(select(Interaction.occurred_at)).one() == utc(2026, 11, 20, 9)
