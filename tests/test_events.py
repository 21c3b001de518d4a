"""Each Slack event is acted on once: a retried delivery (same event_id) is not answered again."""

from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, text_of
from bot.standin.webapi import FakeSlack
from handlers.deps import Deps
from handlers.jobs import forget_old_claims
from models.claims import Claim
from models.pending import PendingAction
from tests.conftest import Clock


def mention(text: str, ts: str = "1763900400.000100") -> dict:
    return {
        "type": "app_mention",
        "user": "U0ALICE",
        "text": text,
        "ts": ts,
        "channel": "C0SALES01",
        "event_ts": ts,
    }


def count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_a_retried_mention_is_answered_once(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C0SALES01")
    slack.command("/crm", "new Acme").reply()
    event = mention("<@U0CRMBOT1> who owns Acme?")
    slack.event(event, event_id="Ev0MENTION1")
    [answer] = fake_slack.wait_for("chat.postMessage")
    for retry in (1, 2, 3):
        assert slack.event(event, event_id="Ev0MENTION1", retry=retry).status_code == 200
    slack.settle()
    assert "is owned by <@U0ALICE>" in text_of(answer.args)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_retried_dm_that_asks_which_account_asks_once(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    for name in ("Acme Widgets", "Acme Robotics"):
        slack.command("/crm", f"new {name}").reply()
    event = {
        "type": "message",
        "channel_type": "im",
        "user": "U0ALICE",
        "text": "called acme: pricing",
        "ts": "1763900100.000100",
        "channel": "D0ALICE",
        "event_ts": "1763900100.000100",
    }
    slack.event(event, event_id="Ev0DM00001")
    fake_slack.wait_for("chat.postMessage")
    slack.event(event, event_id="Ev0DM00001", retry=1)
    slack.settle()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert count(engine, PendingAction) == 1


def test_distinct_events_are_each_answered(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C0SALES01")
    slack.event(mention("<@U0CRMBOT1> hello", ts="1763900401.000100"))
    slack.event(mention("<@U0CRMBOT1> hello again", ts="1763900402.000100"))
    fake_slack.wait_for("chat.postMessage", count=2)


def test_the_sweep_forgets_claims_after_a_day(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, deps: Deps, clock: Clock
) -> None:
    fake_slack.add_channel("C0SALES01")
    slack.event(mention("<@U0CRMBOT1> hello"))
    fake_slack.wait_for("chat.postMessage")
    slack.settle()
    client = WebClient(base_url=fake_slack.api_url)
    forget_old_claims(deps=deps, client=client, now=clock() + timedelta(hours=23))
    assert count(engine, Claim) == 1
    forget_old_claims(deps=deps, client=client, now=clock() + timedelta(days=2))
    assert count(engine, Claim) == 0
