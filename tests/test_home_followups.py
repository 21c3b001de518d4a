"""App Home through the real Bolt pipeline: follow-ups beyond the week, where a snooze went,
stale accounts' Log a call buttons, and Slack's 100-block limit."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, home_menu_payload, selected, submit, text_input, text_of
from bot.standin.payloads import JSON, home_button_payload, home_opened_event
from bot.standin.webapi import FakeSlack
from models.accounts import Account
from models.followups import Followup
from models.interactions import Interaction
from models.reps import Rep
from tests.conftest import Clock

M = "log_"


def log(slack: SlackDriver, text: str, user_id: str = "U0ALICE") -> None:
    assert "Logged" in text_of(slack.command("/log-call", text, user_id=user_id).reply())


def new_account(slack: SlackDriver, name: str, user_id: str = "U0ALICE") -> None:
    assert "Created" in text_of(slack.command("/crm", f"new {name}", user_id=user_id).reply())


def home(slack: SlackDriver, fake_slack: FakeSlack, user_id: str = "U0ALICE") -> JSON:
    """The Home view `user_id` sees on opening the tab."""
    before = len(fake_slack.calls_to("views.publish"))
    slack.event(home_opened_event(user_id))
    return fake_slack.wait_for("views.publish", count=before + 1)[-1].args["view"]


def pick(slack: SlackDriver, fake_slack: FakeSlack, view: JSON, prefix: str, user: str) -> JSON:
    """Pick `prefix` ("snooze1:", "done:") on the first follow-up's menu; the view published."""
    before = len(fake_slack.calls_to("views.publish"))
    menu = next(b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("options"))
    option = next(o for o in menu["options"] if o["value"].startswith(prefix))
    payload = home_menu_payload(
        option, action_id="home_followup", trigger_id="9.9.9", action_ts="1763900600.000100",
        user_id=user,
    )  # fmt: skip
    assert slack.interactive(payload).status_code == 200
    return fake_slack.wait_for("views.publish", count=before + 1)[-1].args["view"]


def click_button(slack: SlackDriver, view: JSON, button: JSON, user_id: str = "U0ALICE") -> None:
    payload = home_button_payload(
        view, None, button, trigger_id="8.8.8", action_ts="1763900700.000100", user_id=user_id
    )
    assert slack.interactive(payload).status_code == 200


def stale_buttons(view: JSON) -> list[JSON]:
    return [
        b["accessory"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == "home_log_call"
    ]


def test_follow_ups_beyond_the_week_show_under_later_with_a_count(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    new_account(slack, "Acme")
    for when in ("in 10 days", "Dec 15", "in 3 weeks", "Jan 4"):
        log(slack, f"Acme: checked in. Follow up {when}")
    text = text_of(home(slack, fake_slack))
    assert "Nothing to follow up" not in text
    assert "*Later* (4) · next on Thu Dec 3" in text and "and 1 more" in text
    assert text.index("Dec 3, 09:00") < text.index("Dec 14, 09:00") < text.index("Dec 15, 09:00")
    assert "Jan 4, 09:00" not in text  # the fourth is counted, not listed


def test_a_snooze_that_leaves_the_week_stays_on_home_and_says_where_it_went(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    new_account(slack, "Acme")
    log(slack, "Acme: sent the quote - follow up next week")  # Mon Nov 30, 09:00 New York
    view = home(slack, fake_slack)
    assert "*Next 7 days* (1)" in text_of(view)
    view = pick(slack, fake_slack, view, "snooze1:", "U0ALICE")
    text = text_of(view)
    assert "Nothing to follow up" not in text and "*Later* (1) · next on Tue Dec 1" in text
    assert ":zzz: Snoozed the follow-up on *Acme* to Tue Dec 1, 09:00." in text
    [dm] = fake_slack.wait_for("chat.postMessage")
    assert dm.args["channel"] == "U0ALICE"
    assert "Snoozed the follow-up on *Acme* to Tue Dec 1, 09:00." in text_of(dm.args)
    with Session(engine) as session:
        assert session.exec(select(Followup.due_at)).one() == datetime(2026, 12, 1, 14, tzinfo=UTC)
    assert "Snoozed" not in text_of(home(slack, fake_slack))  # said once, not on every open


def test_picking_snooze_twice_on_the_same_home_snoozes_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    new_account(slack, "Hooli")
    log(slack, "Hooli: intro call. Follow up Dec 2")  # Wed Dec 2, 09:00 New York
    view = home(slack, fake_slack)
    first = pick(slack, fake_slack, view, "snooze7:", "U0ALICE")
    second = pick(slack, fake_slack, view, "snooze7:", "U0ALICE")  # the same, stale, menu again
    for shown in (first, second):
        assert "Snoozed the follow-up on *Hooli* to Wed Dec 9, 09:00." in text_of(shown)
    with Session(engine) as session:
        followup = session.exec(select(Followup)).one()
        assert (followup.due_at, followup.snoozed_count) == (
            datetime(2026, 12, 9, 14, tzinfo=UTC),
            1,
        )
    again = pick(slack, fake_slack, second, "snooze7:", "U0ALICE")  # a fresh menu snoozes again
    assert "to Wed Dec 16, 09:00." in text_of(again)


def test_a_snooze_says_the_new_time_in_the_reps_own_zone(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    new_account(slack, "Globex", user_id="U0BOB")
    log(slack, "Globex: demo booked. fu tomorrow 4pm", user_id="U0BOB")  # Berlin
    view = pick(slack, fake_slack, home(slack, fake_slack, "U0BOB"), "snooze7:", "U0BOB")
    assert "Snoozed the follow-up on *Globex* to Tue Dec 1, 16:00." in text_of(view)
    [dm] = fake_slack.wait_for("chat.postMessage")
    assert dm.args["channel"] == "U0BOB" and "Tue Dec 1, 16:00" in text_of(dm.args)


def test_done_from_home_says_so_on_home_without_a_dm(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    new_account(slack, "Initech")
    log(slack, "Initech: renewal talk. Follow up tomorrow")
    view = pick(slack, fake_slack, home(slack, fake_slack), "done:", "U0ALICE")
    text = text_of(view)
    assert "Done: the follow-up on *Initech*." in text and "Nothing to follow up" in text
    slack.settle()
    assert fake_slack.calls_to("chat.postMessage") == []


def test_a_stale_accounts_log_a_call_opens_the_modal_on_that_account(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, clock: Clock
) -> None:
    clock.at -= timedelta(days=40)
    for name in ("Stark Industries", "Wayne Enterprises"):
        new_account(slack, name)
    clock.at += timedelta(days=40)
    view = home(slack, fake_slack)
    with Session(engine) as session:
        ids = {a.name: a.id for a in session.exec(select(Account))}
    buttons = stale_buttons(view)
    assert [b["value"] for b in buttons] == [
        str(ids["Stark Industries"]),
        str(ids["Wayne Enterprises"]),
    ]
    click_button(slack, view, buttons[1])
    [opened] = fake_slack.wait_for("views.open")
    account = next(b for b in opened.args["view"]["blocks"] if b.get("block_id") == M + "account")
    assert account["element"]["initial_option"] == {
        "text": {"type": "plain_text", "text": "Wayne Enterprises", "emoji": True},
        "value": str(ids["Wayne Enterprises"]),
    }
    values = (
        selected(M + "account", M + "account_select", str(ids["Wayne Enterprises"]),
                 "Wayne Enterprises", "external_select")
        | selected(M + "kind", M + "kind_select", "call")
        | text_input(M + "notes", M + "notes_input", "caught up with Lucius")
        | text_input(M + "when", M + "when_input", "now")
    )  # fmt: skip
    before = len(fake_slack.calls_to("views.publish"))
    submit(slack, opened.args["view"], values)
    republished = fake_slack.wait_for("views.publish", count=before + 1)[-1].args["view"]
    assert [b["value"] for b in stale_buttons(republished)] == [str(ids["Stark Industries"])]
    with Session(engine) as session:
        logged = session.exec(select(Interaction)).one()
        assert (logged.account_id, logged.summary) == (
            ids["Wayne Enterprises"],
            "caught up with Lucius",
        )


def test_homes_top_log_a_call_and_a_gone_account_open_an_empty_modal(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    view = home(slack, fake_slack)
    top = next(e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"])
    click_button(slack, view, top)
    click_button(slack, view, top | {"value": "424242"})  # an account deleted since
    for opened in fake_slack.wait_for("views.open", count=2):
        account = next(
            b for b in opened.args["view"]["blocks"] if b.get("block_id") == M + "account"
        )
        assert "initial_option" not in account["element"]


def test_a_busy_home_keeps_every_section_within_slacks_100_blocks(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, clock: Clock
) -> None:
    clock.at -= timedelta(days=40)
    for n in range(14):
        new_account(slack, f"Quiet {n:02}")
    clock.at += timedelta(days=40)
    new_account(slack, "Busy")
    with Session(engine) as session:
        rep = session.exec(select(Rep).where(Rep.slack_user_id == "U0ALICE")).one()
        busy = session.exec(select(Account).where(Account.name == "Busy")).one()
        session.add_all(
            Followup(
                team_id=rep.team_id, rep_id=rep.id, account_id=busy.id, note=f"task {n}",
                due_at=clock.at + timedelta(hours=6 * n - 100), created_at=clock.at,
            )
            for n in range(120)
        )  # fmt: skip
        session.commit()
    view = home(slack, fake_slack)
    text = text_of(view)
    assert len(view["blocks"]) <= 100
    for title in ("*Overdue*", "*Today*", "*Next 7 days*", "*Later*", "Open deals", "Untouched"):
        assert title in text
    assert len(stale_buttons(view)) == 10 and "and 4 more" in text
    view = pick(slack, fake_slack, view, "snooze7:", "U0ALICE")  # with the notice on top
    assert len(view["blocks"]) <= 100 and ":zzz: Snoozed" in text_of(view)
