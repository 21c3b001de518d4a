"""Trust from the first request: forged requests, guests and other teams change nothing."""

import time
import urllib.parse

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import FORM, SlackDriver, SlackRequest, sign, text_of
from bot.standin.webapi import FakeSlack
from models.accounts import Account
from tests.conftest import OTHER_TEAM

NOT_AVAILABLE = "isn't available to guests or to people outside this workspace"


def crm_new_body(name: str, response_url: str) -> str:
    return urllib.parse.urlencode(
        {
            "token": "legacy",
            "team_id": "T0001",
            "team_domain": "acme",
            "channel_id": "C0SALES01",
            "channel_name": "sales",
            "user_id": "U0ALICE",
            "user_name": "alice",
            "command": "/crm",
            "text": f"new {name}",
            "api_app_id": "A0CRMBOT1",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


def account_count(engine: Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(Account)).all())


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: sign("wrong-secret", body), id="wrong-secret"),
        pytest.param(
            lambda body: sign("test-signing-secret", body, int(time.time()) - 301), id="stale"
        ),
        pytest.param(
            lambda body: sign("test-signing-secret", body, int(time.time()) + 301), id="future"
        ),
        pytest.param(
            lambda body: {
                "X-Slack-Signature": sign("test-signing-secret", body)["X-Slack-Signature"]
            },
            id="no-timestamp",
        ),
        pytest.param(lambda body: {}, id="unsigned"),
        pytest.param(lambda body: sign("test-signing-secret", body + "x"), id="tampered-body"),
    ],
)
def test_badly_signed_requests_get_401_and_change_nothing(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack, headers
) -> None:
    response_url = fake_slack.response_url("cmd", channel="C0SALES01", user="U0ALICE")
    body = crm_new_body("Acme", response_url)
    response = slack.send(SlackRequest(body, {"Content-Type": FORM, **headers(body)}))
    assert response.status_code == 401
    assert response.json() == {"error": "invalid request"}
    slack.settle()
    assert account_count(engine) == 0 and fake_slack.hooks_to(response_url) == []


def test_a_correctly_signed_copy_of_the_same_request_works(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    response_url = fake_slack.response_url("cmd", channel="C0SALES01", user="U0ALICE")
    body = crm_new_body("Acme", response_url)
    response = slack.post(SlackRequest(body, {"Content-Type": FORM}))
    assert response.status_code == 200  # the answer rides in the ack
    assert "Created *Acme*" in text_of(response.json()) and account_count(engine) == 1


@pytest.mark.parametrize("user_id", ["U0GUEST", "U0SINGLE", "U0STRANGER", "U0NOBODY"])
def test_guests_strangers_and_unknown_users_are_turned_away(
    slack: SlackDriver, engine: Engine, user_id: str
) -> None:
    result = slack.command("/crm", "new Acme", user_id=user_id)
    assert result.response.status_code == 200 and NOT_AVAILABLE in result.response.text
    assert "isn't available" in slack.command("/crm", "help", user_id=user_id).response.text
    assert account_count(engine) == 0


def test_requests_from_another_team_are_turned_away(slack: SlackDriver, engine: Engine) -> None:
    result = slack.command("/crm", "new Acme", team_id=OTHER_TEAM)
    assert NOT_AVAILABLE in result.response.text
    assert account_count(engine) == 0


def test_a_guest_cannot_even_reassign_an_account(slack: SlackDriver, engine: Engine) -> None:
    slack.command("/crm", "new Acme").reply()
    result = slack.command("/crm", "assign Acme <@U0GUEST>", user_id="U0GUEST")
    assert NOT_AVAILABLE in result.response.text
    with Session(engine) as session:
        assert session.exec(select(Account)).one().owner_id is not None


def test_a_guests_mention_gets_only_the_sentence_and_only_them(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    response = slack.event(
        {
            "type": "app_mention",
            "user": "U0GUEST",
            "text": "<@U0CRMBOT1> who owns acme",
            "ts": "1700000001.000100",
            "channel": "C0SALES01",
            "event_ts": "1700000001.000100",
        }
    )
    assert response.status_code == 200
    slack.settle()
    assert [c.method for c in fake_slack.calls if c.method.startswith("chat.")] == [
        "chat.postEphemeral"
    ]
    [told] = fake_slack.calls_to("chat.postEphemeral")
    assert told.args["user"] == "U0GUEST" and NOT_AVAILABLE in text_of(told.args)
    assert fake_slack.hooks == []


def test_help_reply_escapes_what_the_user_typed(slack: SlackDriver) -> None:
    text = text_of(slack.command("/crm", "&lt;!everyone&gt; &lt;@U0BOB&gt;").ack_json())
    assert "`&lt;!everyone&gt; &lt;@U0BOB&gt;`" in text
    assert "<!everyone>" not in text and "<@U0BOB>" not in text
