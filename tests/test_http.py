"""The HTTP face: Bolt's endpoint, the health check, and one log line per request."""

import json
import logging

import httpx
import pytest
from sqlalchemy import Engine

from bot import db
from bot.app import create_app
from bot.config import Settings
from bot.server import RapportWSGI
from bot.standin.driver import FORM, SlackDriver, SlackRequest
from handlers.deps import Deps


def test_healthz_is_200_when_the_database_answers(slack: SlackDriver) -> None:
    response = httpx.get(f"{slack.transport.base_url}/healthz", trust_env=False)
    assert response.status_code == 200 and response.json() == {"ok": True, "database": "up"}


def test_healthz_is_503_when_the_database_does_not(
    settings: Settings, deps: Deps, tmp_path
) -> None:
    dead = db.make_engine(f"sqlite:///{tmp_path}/missing-dir/x.db")
    wsgi = RapportWSGI(create_app(settings, deps), dead)
    captured: list[str] = []
    body = b"".join(
        wsgi(
            {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"},
            lambda status, headers: captured.append(status),
        )
    )
    assert captured == ["503 Service Unavailable"] and json.loads(body)["ok"] is False


def test_url_verification_echoes_the_challenge(slack: SlackDriver) -> None:
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2r", "type": "url_verification"})
    response = slack.post(SlackRequest(body, {"Content-Type": "application/json"}))
    assert response.status_code == 200 and response.json() == {"challenge": "3eZbrw1aBm2r"}


def test_ssl_check_is_answered(slack: SlackDriver) -> None:
    assert (
        slack.post(SlackRequest("ssl_check=1&token=legacy", {"Content-Type": FORM})).status_code
        == 200
    )


def test_each_request_logs_one_line_with_its_correlation_id(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="rapport.http"):
        slack.command("/crm", "help").ack_json()
        httpx.get(f"{slack.transport.base_url}/healthz", trust_env=False)
    lines = [r for r in caplog.records if r.name == "rapport.http"]
    assert [r.getMessage().split()[:3] for r in lines] == [
        ["POST", "/slack/events", "200"],
        ["GET", "/healthz", "200"],
    ]


def test_an_unexpected_error_is_logged_with_a_reference_the_user_sees(
    slack: SlackDriver,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from models import accounts

    def explode(**kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(accounts, "create_account", explode)
    with caplog.at_level(logging.ERROR):
        reply = slack.command("/crm", "new Acme").reply()
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info and "disk on fire" in str(record.exc_info[1])
    reference = reply["text"].split("(ref ")[1].split(")")[0]
    assert len(reference) == 12 and "Something went wrong" in reply["text"]
    assert "disk on fire" not in json.dumps(reply)
