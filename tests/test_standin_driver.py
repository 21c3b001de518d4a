"""The stand-in's request side: pure payload builders, Slack's signature, pluggable transports."""

import json
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.standin import spec
from bot.standin.driver import (
    SlackDriver,
    SlackRequest,
    command_form,
    form_request,
    interactive_request,
    sign,
    signed,
)
from bot.standin.inprocess import dispatch_to
from bot.standin.listeners import ListenerWork
from bot.standin.webapi import FakeSlack

SECRET = "test-signing-secret"
# The slash command of SLACK-CONTRACT §2.1, byte for byte, and its signature at 1700000000 (§1).
CONTRACT_BODY = (
    "token=legacy&team_id=T0001&team_domain=acme&channel_id=C0123ABCD&channel_name=sales"
    "&user_id=U0A1B2C3D&user_name=alice&command=%2Fcrm&text=log+call+Acme+Corp"
    "&api_app_id=A0CRMBOT1&is_enterprise_install=false"
    "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0001%2F111%2Fabc&trigger_id=111.222.abc"
)
CONTRACT_SIGNATURE = "v0=0cf9cf0b602fe6eaf6cb4788fe4d069f7061e2462d63727f6494ce78e5a21311"


def test_signing_matches_slacks_test_vector() -> None:
    assert sign(SECRET, CONTRACT_BODY, 1700000000) == {
        "X-Slack-Request-Timestamp": "1700000000",
        "X-Slack-Signature": CONTRACT_SIGNATURE,
    }
    request = signed(SlackRequest(CONTRACT_BODY, {"Content-Type": "x"}), SECRET, 1700000000)
    assert request.headers["X-Slack-Signature"] == CONTRACT_SIGNATURE
    assert request.headers["Content-Type"] == "x"


def test_builders_are_pure_and_encode_like_slack() -> None:
    form = command_form("/crm", "new AT&T", response_url="http://x/hooks/1", trigger_id="1.2.3",
                        user_id="U0ALICE")  # fmt: skip
    assert form == command_form("/crm", "new AT&T", response_url="http://x/hooks/1",
                                trigger_id="1.2.3", user_id="U0ALICE")  # fmt: skip
    request = form_request(form)
    assert request.headers == {"Content-Type": "application/x-www-form-urlencoded"}
    assert dict(urllib.parse.parse_qsl(request.body)) == form and "text=new+AT%26T" in request.body
    payload = {"type": "shortcut", "callback_id": "log_call"}
    body = interactive_request(payload).body
    assert body.startswith("payload=")
    assert json.loads(urllib.parse.unquote(body.removeprefix("payload="))) == payload


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def ping_app(fake: FakeSlack, release: threading.Event) -> App:
    app = App(signing_secret=SECRET, client=WebClient(token="xoxb-t", base_url=fake.api_url))

    @app.command("/ping")
    def ping(ack: Ack, respond: Respond) -> None:
        ack("pong")
        release.wait(5)
        respond(text="and a later answer", replace_original=True)

    return app


def test_in_process_dispatch_runs_the_app_and_settle_waits_for_its_after_ack_work(
    fake: FakeSlack,
) -> None:
    release = threading.Event()
    app = ping_app(fake, release)
    work = ListenerWork(app)
    driver = SlackDriver(dispatch_to(app), SECRET, fake, settle=work.wait_idle)
    result = driver.command("/ping", channel_id="C0SALES01", user_id="U0ALICE")
    assert (result.response.status_code, result.response.text) == (200, "pong")
    [ack] = fake.messages("C0SALES01", visible_to="U0ALICE")
    assert (ack.text, ack.via) == ("pong", "ack")
    assert work.pending == 1
    with pytest.raises(TimeoutError):
        work.wait_idle(timeout=0.05)
    release.set()
    driver.settle()
    [answer] = fake.messages("C0SALES01")
    assert (answer.ts, answer.text) == (ack.ts, "and a later answer")


def test_a_forged_request_is_refused_in_process_too(fake: FakeSlack) -> None:
    driver = SlackDriver(dispatch_to(ping_app(fake, threading.Event())), "wrong", fake)
    assert driver.command("/ping").response.status_code == 401
    with pytest.raises(RuntimeError, match="quiet"):
        driver.settle()


def test_the_shipped_spec_is_what_extract_makes_of_slacks_spec(tmp_path: Path) -> None:
    openapi = {
        "paths": {
            "/chat.postMessage": {"post": {"parameters": [
                {"name": "token", "in": "header", "required": True},
                {"name": "text", "in": "formData"},
                {"name": "channel", "in": "formData", "required": True},
            ]}},
            "/auth.test": {"get": {}},
        }
    }  # fmt: skip
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(openapi))
    out = tmp_path / "methods.json"
    spec.main([str(source), "--out", str(out)])
    written = json.loads(out.read_text())
    assert written["methods"] == {
        "auth.test": {},
        "chat.postMessage": {"channel": True, "text": False, "token": True},
    }
    shipped = spec.shipped_path().read_text()
    methods = spec.shipped_methods()
    sha = json.loads(shipped)["about"]["source_sha256"]
    assert spec.render(methods, source_sha256=sha) == shipped  # the file is extract()'s output
    assert len(methods) == 174 and sha.startswith("742a5c97")
    assert spec.shipped_path().parent.joinpath("LICENSE").read_text().startswith("MIT License")
