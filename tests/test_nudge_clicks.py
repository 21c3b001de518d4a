"""A follow-up's DM through the real app: Done, Snooze, Pick a date and Log a call from the
message, which then shows in place what happened; stale and foreign clicks change nothing."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import make_client
from bot.config import Settings
from bot.standin.driver import SlackDriver, click, text_of
from bot.standin.payloads import JSON
from bot.standin.webapi import FakeSlack
from handlers import nudges
from handlers.deps import Deps
from handlers.nudges import Pacer, sweep_nudges
from models.followups import Followup
from tests.conftest import Clock
from tests.factories import make_account, make_rep
from tests.test_home_followups import home, pick
from tests.test_nudges import add_followup

TUESDAY = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)  # 09:30 in New York


@pytest.fixture(autouse=True)
def _fresh_workspaces() -> Iterator[None]:
    nudges._WORKSPACES.clear()
    yield


def sweep(deps: Deps, settings: Settings) -> int:
    client = make_client(settings)
    return sweep_nudges(deps=deps, client=client, now=deps.now(), pacer=Pacer.off()).sent


def nudge_for_alice(
    deps: Deps, settings: Settings, clock: Clock, *, note: str = "Send <the> quote & terms",
    tz: str = "America/New_York",
) -> int:  # fmt: skip
    clock.at = TUESDAY
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY, tz=tz)
        account = make_account(session, "Acme & Co", owner=alice, now=TUESDAY)
        followup = add_followup(
            session, alice, TUESDAY - timedelta(hours=2), now=TUESDAY - timedelta(days=3),
            account=account, note=note,
        )  # fmt: skip
    assert sweep(deps, settings) == 1
    return followup.id or 0


def dm(fake_slack: FakeSlack, channel: str = "D0ALICE") -> JSON:
    return fake_slack.messages(channel)[-1].to_dict()


def press(
    slack: SlackDriver, message: JSON, action_id: str, *, user_id: str = "U0ALICE",
    updates: int = 1,
) -> str:  # fmt: skip
    before = len(slack.fake.calls_to("chat.update"))
    response, url = click(
        slack, message, action_id, user_id=user_id, channel_id="D0ALICE", ephemeral=False
    )
    assert response.status_code == 200
    if updates:
        slack.fake.wait_for("chat.update", count=before + updates)
    slack.settle()
    return url


def row(deps: Deps, followup_id: int) -> Followup:
    with deps.db() as session:
        found = session.get(Followup, followup_id)
        assert found is not None
        return found


def test_the_dm_says_what_is_due_on_which_account_who_set_it_and_the_last_touch(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    nudge_for_alice(deps, settings, clock)
    message = dm(fake_slack)
    text = text_of(message)
    assert "*Acme &amp; Co*" in text and "Send &lt;the&gt; quote &amp; terms" in text
    assert "Due Tue Nov 24, 07:30 · set by you on Sat Nov 21, 09:30" in text
    assert "last touch never" in text
    ids = [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert ids == [
        "nudge_done", "nudge_snooze1", "nudge_snooze7", "nudge_pick_date", "nudge_log_call"
    ]  # fmt: skip
    assert "workspace default" not in text


def test_done_from_the_dm_updates_it_in_place_and_a_second_click_changes_nothing(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    followup_id = nudge_for_alice(deps, settings, clock)
    message = dm(fake_slack)
    clock.at = TUESDAY + timedelta(minutes=44)  # 10:14 in New York
    press(slack, message, "nudge_done")
    shown = fake_slack.message("D0ALICE", message["ts"])
    assert shown is not None and shown.edited
    assert "Done by you at 10:14" in text_of(shown.to_dict())
    assert not [b for b in shown.blocks if b["type"] == "actions"]
    assert row(deps, followup_id).status == "done"
    clock.at += timedelta(minutes=5)
    press(slack, message, "nudge_done")  # the stale message, clicked again
    assert "Done by you at 10:14" in text_of(fake_slack.message("D0ALICE", message["ts"]).to_dict())  # type: ignore[union-attr]
    assert len(fake_slack.messages("D0ALICE")) == 1


def test_snooze_a_day_updates_the_dm_and_the_follow_up_comes_back_once_at_its_new_time(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    followup_id = nudge_for_alice(deps, settings, clock)
    message = dm(fake_slack)
    press(slack, message, "nudge_snooze1")
    shown = text_of(fake_slack.message("D0ALICE", message["ts"]).to_dict())  # type: ignore[union-attr]
    assert "Snoozed by you at 09:30 to Wed Nov 25, 09:30" in shown
    assert row(deps, followup_id).due_at == TUESDAY + timedelta(days=1)
    press(slack, message, "nudge_snooze1")  # a double click: still one day
    assert row(deps, followup_id).due_at == TUESDAY + timedelta(days=1)
    assert sweep(deps, settings) == 0
    clock.at = TUESDAY + timedelta(days=1)
    assert sweep(deps, settings) == 1
    clock.at += timedelta(hours=3)
    assert sweep(deps, settings) == 0
    assert len(fake_slack.messages("D0ALICE")) == 2
    assert "Follow-up due" in text_of(dm(fake_slack))


def test_snooze_a_week_moves_it_seven_days(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    followup_id = nudge_for_alice(deps, settings, clock)
    press(slack, dm(fake_slack), "nudge_snooze7")
    assert row(deps, followup_id).due_at == TUESDAY + timedelta(days=7)


def pick_date(slack: SlackDriver, message: JSON, day: str, user_id: str = "U0ALICE") -> str:
    """Pick `day` in the message's datepicker."""
    before = len(slack.fake.calls_to("chat.update"))
    url = slack.fake.response_url("action", channel="D0ALICE", user=user_id)
    _, trigger_id, action_ts = slack.ids()
    block = next(b for b in message["blocks"] if b["type"] == "actions")
    payload = {
        "type": "block_actions", "user": {"id": user_id, "username": "alice", "name": "alice",
                                          "team_id": "T0001"},
        "api_app_id": "A0RAPPORT", "token": "legacy", "trigger_id": trigger_id,
        "team": {"id": "T0001", "domain": "acme"},
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": "D0ALICE",
                      "is_ephemeral": False},
        "channel": {"id": "D0ALICE", "name": "directmessage"},
        "message": message, "response_url": url, "state": {"values": {}},
        "actions": [{"type": "datepicker", "action_id": "nudge_pick_date",
                     "block_id": block["block_id"], "selected_date": day,
                     "action_ts": action_ts}],
    }  # fmt: skip
    assert slack.interactive(payload).status_code == 200
    slack.fake.wait_for("chat.update", count=before + 1)
    slack.settle()
    return url


def test_pick_a_date_moves_it_to_the_start_of_that_working_day_in_the_reps_zone(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    followup_id = nudge_for_alice(deps, settings, clock)
    message = dm(fake_slack)
    pick_date(slack, message, "2026-12-03")
    assert row(deps, followup_id).due_at == datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # 08:00 EST
    shown = text_of(fake_slack.message("D0ALICE", message["ts"]).to_dict())  # type: ignore[union-attr]
    assert "to Thu Dec 3, 08:00" in shown
    pick_date(slack, message, "2026-12-10")  # the stale picker: nothing more
    assert row(deps, followup_id).due_at == datetime(2026, 12, 3, 13, 0, tzinfo=UTC)


def test_pick_a_date_in_the_past_is_refused_in_one_sentence(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    followup_id = nudge_for_alice(deps, settings, clock)
    url = pick_date(slack, dm(fake_slack), "2026-11-02")
    [hook] = fake_slack.wait_for_hook(url)
    assert text_of(hook.body).count("Pick a day after today.") >= 1
    assert row(deps, followup_id).snoozed_count == 0


def test_done_on_someone_elses_follow_up_is_refused_in_one_sentence(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    followup_id = nudge_for_alice(deps, settings, clock)
    url = press(slack, dm(fake_slack), "nudge_done", user_id="U0BOB")
    [hook] = fake_slack.wait_for_hook(url)
    assert text_of(hook.body).count("That follow-up is someone else's.") >= 1
    assert hook.body.get("replace_original") is False
    assert row(deps, followup_id).status == "open"


def test_a_snooze_of_a_follow_up_already_done_is_refused_and_the_dm_still_says_done(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    followup_id = nudge_for_alice(deps, settings, clock)
    message = dm(fake_slack)
    press(slack, message, "nudge_done")
    url = press(slack, message, "nudge_snooze1")
    [hook] = fake_slack.wait_for_hook(url)
    assert text_of(hook.body).count("That follow-up is already done.") >= 1
    assert row(deps, followup_id).status == "done"
    assert "Done by you" in text_of(fake_slack.message("D0ALICE", message["ts"]).to_dict())  # type: ignore[union-attr]


def test_done_from_app_home_updates_the_dm_too(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    nudge_for_alice(deps, settings, clock)
    message = dm(fake_slack)
    pick(slack, fake_slack, home(slack, fake_slack), "done:", "U0ALICE")
    fake_slack.wait_for("chat.update")
    slack.settle()
    assert "Done by you at 09:30" in text_of(fake_slack.message("D0ALICE", message["ts"]).to_dict())  # type: ignore[union-attr]


def test_log_a_call_from_the_dm_opens_the_log_modal_with_the_account_filled_in(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    nudge_for_alice(deps, settings, clock)
    press(slack, dm(fake_slack), "nudge_log_call", updates=0)
    [opened] = fake_slack.wait_for("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "log_modal"
    account = next(b for b in view["blocks"] if b.get("block_id") == "log_account")
    assert account["element"]["initial_option"]["text"]["text"] == "Acme & Co"


@pytest.mark.parametrize("tz", ["", "Mars/Olympus_Mons"])
def test_a_rep_without_a_time_zone_slack_gives_is_told_the_workspace_default_in_the_footer(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock, tz: str
) -> None:
    nudge_for_alice(deps, settings, clock, tz=tz)
    text = text_of(dm(fake_slack))
    assert "Times are in UTC, the workspace default" in text
    assert "Due Tue Nov 24, 12:30" in text


def test_a_rep_with_no_tz_in_users_info_is_stored_without_one() -> None:
    from handlers.directory import slack_user_from_info

    user = slack_user_from_info({"id": "U1", "name": "x", "team_id": "T0001"})
    assert user.tz == ""


def test_done_and_a_snooze_from_the_followup_list_update_the_dm_too(
    slack: SlackDriver, deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    from tests.test_followups import press as press_on_list
    from tests.test_followups import row_of

    nudge_for_alice(deps, settings, clock)
    message = dm(fake_slack)
    listed = slack.command("/followup", "").reply()
    press_on_list(slack, row_of(listed), "followup_list_snooze1")
    fake_slack.wait_for("chat.update")
    slack.settle()
    shown = fake_slack.message("D0ALICE", message["ts"])
    assert shown is not None and "Snoozed by you" in text_of(shown.to_dict())
    listed = slack.command("/followup", "").reply()
    press_on_list(slack, row_of(listed), "followup_list_done")
    fake_slack.wait_for("chat.update", count=2)
    slack.settle()
    shown = fake_slack.message("D0ALICE", message["ts"])
    assert shown is not None and "Done by you" in text_of(shown.to_dict())
