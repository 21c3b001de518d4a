"""/followup through the real Bolt pipeline: setting one in every form, the unknown-name answer,
bad dates, retries, and my list with Done, Snooze and Pick a date answering in place."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import TEAM_ID, SlackDriver, click, text_of
from bot.standin.payloads import APP_ID, command_form, user_of
from bot.standin.webapi import FakeSlack
from bot.standin.wire import form_request
from models.accounts import Account
from models.audit import AuditEntry
from models.followups import Followup, FollowupStatus
from models.reps import Rep
from tests.conftest import Clock

JSON = dict[str, Any]
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York (Alice)


def fu(slack: SlackDriver, text: str = "", user_id: str = "U0ALICE", **where: str) -> JSON:
    return slack.command("/followup", text, user_id=user_id, **where).reply()


def new_account(slack: SlackDriver, name: str, user_id: str = "U0ALICE") -> None:
    assert "Created" in text_of(slack.command("/crm", f"new {name}", user_id=user_id).reply())


def stored(engine: Engine) -> list[tuple[str | None, str, datetime, str, str]]:
    """(account, rep, due, note, status) of every follow-up, oldest first."""
    with Session(engine) as session:
        rows = session.exec(select(Followup).order_by(Followup.id))  # type: ignore[arg-type]
        found = []
        for row in rows:
            account = session.get(Account, row.account_id) if row.account_id else None
            rep = session.get(Rep, row.rep_id)
            assert rep is not None
            found.append(
                (account.name if account else None, rep.slack_user_id, row.due_at, row.note,
                 row.status)
            )  # fmt: skip
        return found


def only(engine: Engine) -> tuple[str | None, str, datetime, str, str]:
    rows = stored(engine)
    assert len(rows) == 1, rows
    return rows[0]


def row_of(message: JSON, n: int = 0) -> JSON:
    """The message cut to the buttons of its n-th listed follow-up."""
    rows = [b for b in message["blocks"] if b.get("block_id", "").startswith("followup_")]
    return {"text": message["text"], "blocks": [rows[n]]}


def press(slack: SlackDriver, message: JSON, action_id: str, user_id: str = "U0ALICE") -> JSON:
    """Click a button on the (ephemeral) list; what was posted to the click's response_url."""
    response, url = click(slack, message, action_id, user_id=user_id, ephemeral=True)
    assert response.status_code == 200
    return slack.fake.wait_for_hook(url)[0].body


def pick_date(slack: SlackDriver, message: JSON, day: str, user_id: str = "U0ALICE") -> JSON:
    """Pick `day` (YYYY-MM-DD) in the first row's datepicker (block_actions, ephemeral list)."""
    block = row_of(message)["blocks"][0]
    picker = next(e for e in block["elements"] if e["type"] == "datepicker")
    url = slack.fake.response_url("action", channel="C0SALES01", user=user_id)
    _, trigger_id, action_ts = slack.ids()
    payload = {
        "type": "block_actions", "user": user_of(user_id, TEAM_ID), "api_app_id": APP_ID,
        "token": "legacy", "trigger_id": trigger_id, "team": {"id": TEAM_ID, "domain": "acme"},
        "container": {"type": "message", "message_ts": "1.2", "channel_id": "C0SALES01",
                      "is_ephemeral": True},
        "channel": {"id": "C0SALES01", "name": "sales"},
        "response_url": url, "state": {"values": {}},
        "actions": [{"type": "datepicker", "action_id": picker["action_id"],
                     "block_id": block["block_id"], "selected_date": day,
                     "initial_date": picker.get("initial_date"), "action_ts": action_ts}],
    }  # fmt: skip
    assert slack.interactive(payload).status_code == 200
    return slack.fake.wait_for_hook(url)[0].body


# -- setting one --------------------------------------------------------------------------------


def test_followup_with_an_account_a_date_and_a_note_is_set_for_me(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Acme")
    text = text_of(fu(slack, "Acme in 3 days: send the contract"))
    assert "Follow-up on *Acme*" in text and "“send the contract”" in text
    assert "Thu Nov 26, 09:00 EST" in text
    assert only(engine) == ("Acme", "U0ALICE", NOW + timedelta(days=3) - timedelta(hours=1),
                            "send the contract", "open")  # fmt: skip


def test_followup_without_an_account_is_mine_alone(slack: SlackDriver, engine: Engine) -> None:
    text = text_of(fu(slack, "in 3 days: call Dana back"))
    assert "Follow-up <!date" in text and "Thu Nov 26" in text and "“call Dana back”" in text
    assert only(engine)[:2] == (None, "U0ALICE") and only(engine)[3] == "call Dana back"


def test_followup_with_a_time_and_no_note(slack: SlackDriver, engine: Engine) -> None:
    new_account(slack, "Acme")
    assert "Tue Nov 24, 15:00 EST" in text_of(fu(slack, "Acme tomorrow 3pm"))
    assert only(engine)[2:4] == (datetime(2026, 11, 24, 20, 0, tzinfo=UTC), "")


def test_the_words_after_the_date_are_the_note(slack: SlackDriver, engine: Engine) -> None:
    new_account(slack, "Acme")
    fu(slack, "acme friday about pricing")
    assert only(engine)[0] == "Acme"
    assert only(engine)[2:4] == (datetime(2026, 11, 27, 14, 0, tzinfo=UTC), "about pricing")


def test_a_typed_name_is_named_and_a_note_with_mentions_and_markup_is_kept_as_typed(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Acme Corp")
    text = text_of(
        fu(slack, "ACME, Inc. next tuesday at 3:30pm: bring <@U0BOB> &amp; the deck <!channel>")
    )
    assert "on *Acme Corp* (you typed “ACME, Inc.”)" in text
    assert "bring @Bob Berg &amp; the deck @channel" in text and "<!channel>" not in text
    assert only(engine)[2:4] == (
        datetime(2026, 11, 24, 20, 30, tzinfo=UTC),
        "bring @Bob Berg & the deck @channel",
    )


def test_an_account_whose_name_starts_with_a_date_word_is_that_account(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Friday Labs")
    fu(slack, "friday labs tomorrow: demo")
    assert only(engine)[0] == "Friday Labs" and only(engine)[3] == "demo"


def test_an_ambiguous_numeric_date_says_how_it_was_read_in_my_date_order(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake_slack.add_user("U0ANNA", name="anna", real_name="Anna Schmidt", tz="Europe/Berlin",
                        locale="de-DE")  # fmt: skip
    new_account(slack, "Acme", user_id="U0ANNA")
    text = text_of(fu(slack, "Acme 3/12: renewal", user_id="U0ANNA"))
    assert "I read “3/12” as Thu Dec 3." in text
    assert only(engine)[2] == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def test_a_channel_linked_to_an_account_is_the_account_when_none_is_named(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Acme")
    slack.command("/crm", "link Acme", channel_id="C0ACME").reply()
    text = text_of(fu(slack, "tomorrow: send the deck", channel_id="C0ACME"))
    assert "on *Acme* (this channel's account)" in text
    assert only(engine)[0] == "Acme"


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("Acme yesterday: too late", "Nov 22 2026 is in the past; pick a later date."),
        ("Acme Nov 1 2025", "is in the past"),
        ("Acme sometime soon", "I couldn't find a date in “Acme sometime soon”"),
        ("Acme", "I couldn't find a date in “Acme”"),
        ("Acme: call them", "I couldn't find a date in “Acme”"),
        ("next blursday: call", "I couldn't find a date in “next blursday”"),
    ],
)
def test_a_past_or_unreadable_date_gets_one_sentence_and_stores_nothing(
    slack: SlackDriver, engine: Engine, typed: str, said: str
) -> None:
    new_account(slack, "Acme")
    assert said in text_of(fu(slack, typed))
    assert stored(engine) == []


def test_a_retried_command_sets_one_follow_up(slack: SlackDriver, engine: Engine) -> None:
    new_account(slack, "Acme")
    url = slack.fake.response_url("cmd", channel="C0SALES01", user="U0ALICE")
    form = command_form("/followup", "Acme friday: call", response_url=url, trigger_id="7.7.7",
                        user_id="U0ALICE")  # fmt: skip
    answers = [slack.post(form_request(form)) for _ in range(2)]
    assert all("Follow-up on *Acme*" in text_of(a.json()) for a in answers)
    assert len(stored(engine)) == 1


def test_an_unknown_account_offers_create_and_the_click_sets_the_follow_up(
    slack: SlackDriver, engine: Engine
) -> None:
    reply = fu(slack, "Initech tomorrow 2pm: intro")
    assert "No account is close to “Initech”" in text_of(reply)
    assert stored(engine) == []
    answer = press(slack, reply, "followup_create_account")
    assert answer["replace_original"] is True
    assert "Created *Initech* (owner: you)" in text_of(answer)
    assert "Follow-up on *Initech*" in text_of(answer) and "“intro”" in text_of(answer)
    again = press(slack, reply, "followup_create_account")
    assert "set already" in text_of(again) and again["replace_original"] is False
    assert only(engine)[:4] == (
        "Initech",
        "U0ALICE",
        datetime(2026, 11, 24, 19, 0, tzinfo=UTC),
        "intro",
    )


def test_a_name_close_to_several_accounts_sets_the_follow_up_on_the_one_picked(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Globex Widgets")
    new_account(slack, "Globex Robotics")
    reply = fu(slack, "globex friday: pricing")
    assert "Which account do you mean by “globex”?" in text_of(reply)
    picked = next(
        e for b in reply["blocks"] for e in b.get("elements", [])
        if e.get("action_id", "").startswith("followup_pick_account_")
    )  # fmt: skip
    answer = press(slack, reply, picked["action_id"])
    assert f"on *{picked['text']['text']}*" in text_of(answer)
    assert only(engine)[0] == picked["text"]["text"] and only(engine)[3] == "pricing"


def test_someone_else_cannot_use_my_pick_buttons(slack: SlackDriver, engine: Engine) -> None:
    reply = fu(slack, "Initech tomorrow: intro")
    assert "set already" in text_of(press(slack, reply, "followup_create_account", "U0BOB"))
    assert stored(engine) == []


# -- my list ------------------------------------------------------------------------------------


def test_followup_alone_with_nothing_open_says_so(slack: SlackDriver) -> None:
    assert "Nothing to follow up" in text_of(fu(slack))


def test_followup_alone_lists_mine_overdue_today_and_upcoming_with_buttons(
    slack: SlackDriver, clock: Clock
) -> None:
    new_account(slack, "Acme")
    new_account(slack, "Globex")
    fu(slack, "Acme today 11am: overdue one")
    fu(slack, "Globex today 5pm: later today")
    fu(slack, "Acme in 2 weeks: far off")
    fu(slack, "Globex tomorrow: bob's", user_id="U0BOB")
    clock.at = NOW + timedelta(hours=2)
    listed = slack.command("/followup").ack_json()  # held to Slack's limits
    text = text_of(listed)
    assert text.index("*Overdue* (1)") < text.index("overdue one") < text.index("*Today* (1)")
    assert text.index("later today") < text.index("*Upcoming* (1)") < text.index("far off")
    assert "bob's" not in text
    row = row_of(listed)["blocks"][0]
    kinds = [(e["type"], e["action_id"]) for e in row["elements"]]
    assert kinds == [
        ("button", "followup_list_done"), ("button", "followup_list_snooze1"),
        ("button", "followup_list_snooze7"), ("datepicker", "followup_list_date"),
    ]  # fmt: skip


def test_a_long_list_stays_within_slacks_limits_and_counts_the_rest(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Acme")
    for day in range(1, 31):
        fu(slack, f"Acme in {day} days: {'x' * 300} {day}")
    listed = slack.command("/followup").ack_json()
    assert len(listed["blocks"]) <= 50
    assert len([b for b in listed["blocks"] if b.get("block_id", "").startswith("followup_")]) == 10
    assert "and 20 more" in text_of(listed)


def test_done_replaces_my_list_with_the_list_as_it_is_now_and_says_so(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Acme")
    fu(slack, "Acme tomorrow: send the deck")
    fu(slack, "in 3 days: call Dana")
    listed = fu(slack)
    answer = press(slack, row_of(listed), "followup_list_done")
    assert answer["replace_original"] is True
    text = text_of(answer)
    assert ":white_check_mark: Done: the follow-up on *Acme*." in text
    assert "send the deck" not in text and "call Dana" in text
    assert [row[4] for row in stored(engine)] == ["done", "open"]
    again = press(slack, row_of(listed), "followup_list_done")  # the stale list, clicked again
    assert "Done: the follow-up on *Acme*" in text_of(again)
    with Session(engine) as session:
        done = session.exec(select(AuditEntry).where(AuditEntry.action == "followup.done")).all()
    assert len(done) == 1


@pytest.mark.parametrize(
    ("button", "said", "due"),
    [
        ("followup_list_snooze1", "to Wed Nov 25, 09:00", datetime(2026, 11, 25, 14, tzinfo=UTC)),
        ("followup_list_snooze7", "to Tue Dec 1, 09:00", datetime(2026, 12, 1, 14, tzinfo=UTC)),
    ],
)
def test_a_snooze_says_where_the_follow_up_went_and_a_double_click_snoozes_once(
    slack: SlackDriver, engine: Engine, button: str, said: str, due: datetime
) -> None:
    new_account(slack, "Acme")
    fu(slack, "Acme tomorrow: send the deck")
    listed = fu(slack)
    answer = press(slack, row_of(listed), button)
    assert f":zzz: Snoozed the follow-up on *Acme* {said}." in text_of(answer)
    assert "(snoozed)" in text_of(answer)
    press(slack, row_of(listed), button)  # the same list again: seen count is stale
    assert only(engine)[2] == due


def test_pick_a_date_moves_the_follow_up_to_that_day_at_its_time(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Acme")
    fu(slack, "Acme tomorrow 3pm: demo")
    answer = pick_date(slack, fu(slack), "2026-12-03")
    assert answer["replace_original"] is True
    assert ":calendar: Moved the follow-up on *Acme* to Thu Dec 3, 15:00." in text_of(answer)
    assert only(engine)[2] == datetime(2026, 12, 3, 20, 0, tzinfo=UTC)


def test_pick_a_date_today_after_its_time_means_the_next_hour_and_a_past_day_is_refused(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Acme")
    fu(slack, "Acme tomorrow 9am: demo")
    assert "to Mon Nov 23, 11:00" in text_of(pick_date(slack, fu(slack), "2026-11-23"))
    refused = text_of(pick_date(slack, fu(slack), "2026-11-20"))
    assert ":warning: Nov 20 2026 is in the past; pick a later date." in refused
    assert only(engine)[2] == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def test_snoozing_a_follow_up_done_meanwhile_is_refused_in_one_sentence(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Acme")
    fu(slack, "Acme tomorrow: send the deck")
    listed = fu(slack)
    press(slack, row_of(listed), "followup_list_done")
    answer = text_of(press(slack, row_of(listed), "followup_list_snooze1"))
    assert ":warning: That follow-up is already done." in answer
    assert "Nothing to follow up" in answer
    assert only(engine)[4] == FollowupStatus.DONE
    assert ":warning: That follow-up is already done." in text_of(
        pick_date(slack, listed, "2026-12-03")
    )


def test_done_on_someone_elses_follow_up_is_refused_in_one_sentence(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Acme")
    fu(slack, "Acme tomorrow: send the deck")
    listed = fu(slack)
    answer = text_of(press(slack, row_of(listed), "followup_list_done", user_id="U0BOB"))
    assert ":warning: That follow-up is someone else's." in answer
    assert only(engine)[4] == "open"


def test_a_tampered_button_gets_the_stale_button_sentence(slack: SlackDriver) -> None:
    new_account(slack, "Acme")
    fu(slack, "Acme tomorrow: send the deck")
    row = row_of(fu(slack))
    row["blocks"][0]["elements"][0]["value"] = "DROP TABLE"
    assert "That button no longer works" in text_of(press(slack, row, "followup_list_done"))
