"""The door: nothing that fails Slack's signature check reaches Bolt, a listener, a reply or the
error handler; malformed or oversized bodies get a 4xx, never a 500 with a traceback."""

import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.parse

import pytest
from slack_bolt import BoltRequest

from bot.app import create_app
from bot.config import Settings
from bot.standin.driver import FORM, SlackDriver, SlackRequest, command_form, sign
from bot.standin.inprocess import dispatch_to
from bot.standin.webapi import FakeSlack
from bot.verify import MAX_BODY_BYTES
from handlers.deps import Deps
from tests.conftest import SIGNING_SECRET

# Timestamps slack_sdk's SignatureVerifier can't take (int() raises inside Bolt's middleware),
# and two integers it can but must refuse; "huge" is past int()'s 4300-digit limit.
BAD_TIMESTAMPS = {
    "word": "yesterday",
    "empty": "",
    "float": "1700000000.5",
    "huge": "9" * 5000,
    "underscored": f"{int(time.time()):_}",  # int() takes it; Slack never sends it
    "negative": "-1",
    "far future": "99999999999999999999",
}


def forged_command(fake: FakeSlack) -> tuple[str, str]:
    """A /crm command whose response_url is the fake's: (form body, response_url)."""
    url = fake.response_url("forged", channel="C0SALES01", user="U0ALICE")
    form = command_form("/crm", "new Acme", response_url=url, trigger_id="1.2.3", user_id="U0ALICE")
    return urllib.parse.urlencode(form), url


def hmac_headers(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's v0 headers over raw bytes, for any timestamp string (slack_sdk's need int-ish)."""
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def raw_post(
    slack: SlackDriver, headers: dict[str, str], body: bytes = b"", timeout: float = 5.0
) -> tuple[int, str]:
    """POST exactly these headers and bytes (no Content-Length unless given), read the answer."""
    parts = urllib.parse.urlsplit(slack.transport.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.putrequest("POST", "/slack/events", skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body or None)
        answer = connection.getresponse()
        return answer.status, answer.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


def assert_nothing_went_out(fake: FakeSlack, url: str, calls_before: int) -> None:
    assert fake.hooks_to(url) == []
    assert fake.calls[calls_before:] == []


def assert_quiet_logs(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    assert "Traceback" not in caplog.text
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    for secret in secrets:
        assert secret not in caplog.text


@pytest.mark.parametrize("signature", ["signed", "unsigned", "garbage"])
@pytest.mark.parametrize("timestamp", list(BAD_TIMESTAMPS.values()), ids=list(BAD_TIMESTAMPS))
def test_a_forged_timestamp_is_refused_and_nothing_is_sent_anywhere(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    timestamp: str,
    signature: str,
) -> None:
    body, url = forged_command(fake_slack)
    headers = {"Content-Type": FORM} | hmac_headers(body.encode(), timestamp)
    if signature == "unsigned":
        del headers["X-Slack-Signature"]
    elif signature == "garbage":
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    calls_before = len(fake_slack.calls)
    with caplog.at_level(logging.DEBUG):
        response = slack.send(SlackRequest(body, headers))
        slack.settle()
    assert response.status_code in (400, 401), response.text
    assert "slack" not in response.text.lower()  # no library names or versions in the answer
    assert_nothing_went_out(fake_slack, url, calls_before)
    assert_quiet_logs(caplog, url, "new Acme")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Slack-Signature": "v0=" + "0" * 64},
        {"X-Slack-Request-Timestamp": str(int(time.time()))},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=é"},
    ],
    ids=["no headers", "no timestamp", "no signature", "non-ascii signature"],
)
def test_a_request_without_a_whole_signature_is_refused_unread(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
) -> None:
    body, url = forged_command(fake_slack)
    calls_before = len(fake_slack.calls)
    with caplog.at_level(logging.DEBUG):
        status, _ = raw_post(
            slack,
            {"Content-Type": FORM, "Content-Length": str(len(body))} | headers,
            body.encode(),
        )
        slack.settle()
    assert status == 401
    assert_nothing_went_out(fake_slack, url, calls_before)
    assert_quiet_logs(caplog, url, "new Acme")


def test_a_signature_made_with_another_secret_or_301_s_ago_is_refused(
    slack: SlackDriver, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    body, url = forged_command(fake_slack)
    calls_before = len(fake_slack.calls)
    with caplog.at_level(logging.DEBUG):
        for headers in (
            sign("not-the-secret", body),
            sign(SIGNING_SECRET, body, int(time.time()) - 301),
        ):
            assert (
                slack.send(SlackRequest(body, {"Content-Type": FORM} | headers)).status_code == 401
            )
        slack.settle()
    assert_nothing_went_out(fake_slack, url, calls_before)
    assert_quiet_logs(caplog, url, "new Acme")


MALFORMED = {
    "not utf-8": (b'\xff\xfe{"type": "event_callback"}', "application/json"),
    "broken json": (b'{"type": "event_callback", "event": ', "application/json"),
    "json array": (b'[{"type": "event_callback"}]', "application/json"),
    "json string": (b'"event_callback"', "application/json"),
    "json null": (b"null", "application/json"),
    "deep json": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "broken payload": (b"payload={broken", FORM),
    "payload array": (b"payload=%5B1%2C2%5D", FORM),
    "form without payload": (b"payloads=1&token=legacy", FORM),
    "event not an object": (
        json.dumps({"type": "event_callback", "team_id": "T0001", "event": "app_home_opened"}),
        "application/json",
    ),
    "user not an object": (
        b"payload="
        + urllib.parse.quote(json.dumps({"type": "block_actions", "user": "U0ALICE"})).encode(),
        FORM,
    ),
    "authorizations not objects": (
        json.dumps({"type": "event_callback", "event": {}, "authorizations": ["x"]}),
        "application/json",
    ),
    "view not an object": (
        b"payload="
        + urllib.parse.quote(json.dumps({"type": "view_submission", "view": "V1"})).encode(),
        FORM,
    ),
}


@pytest.mark.parametrize("signature", ["signed", "unsigned"])
@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_body_gets_a_4xx_not_a_traceback(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    case: str,
    signature: str,
) -> None:
    body, content_type = MALFORMED[case]
    body = body.encode() if isinstance(body, str) else body
    headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
    if signature == "signed":
        headers |= hmac_headers(body, str(int(time.time())))
    calls_before = len(fake_slack.calls)
    with caplog.at_level(logging.DEBUG):
        status, _ = raw_post(slack, headers, body)
        slack.settle()
    assert 400 <= status < 500
    if signature == "unsigned":
        assert status == 401
    assert fake_slack.calls[calls_before:] == [] and fake_slack.hooks == []
    assert_quiet_logs(caplog)


def test_an_oversized_body_is_refused_before_it_is_read(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    """Only the headers go out: a server that tried to read the body would wait for it."""
    headers = {"Content-Type": FORM, "Content-Length": str(MAX_BODY_BYTES + 1)}
    headers |= hmac_headers(b"", str(int(time.time())))
    with caplog.at_level(logging.DEBUG):
        status, _ = raw_post(slack, headers, timeout=3.0)
    assert status == 413
    assert_quiet_logs(caplog)


@pytest.mark.parametrize(
    ("length", "status"),
    [(None, 411), ("ten", 400), ("-5", 400), ("1e3", 400), ("9" * 40, 413)],
    ids=["missing", "a word", "negative", "float", "huge"],
)
def test_a_missing_or_invalid_content_length_is_refused(
    slack: SlackDriver, caplog: pytest.LogCaptureFixture, length: str | None, status: int
) -> None:
    headers = {"Content-Type": FORM} | hmac_headers(b"", str(int(time.time())))
    if length is not None:
        headers["Content-Length"] = length
    with caplog.at_level(logging.DEBUG):
        assert raw_post(slack, headers, timeout=3.0)[0] == status
    assert_quiet_logs(caplog)


def test_a_refusal_is_one_log_line_with_its_reason_and_no_body(
    slack: SlackDriver, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    body, url = forged_command(fake_slack)
    with caplog.at_level(logging.INFO, logger="rapport.http"):
        slack.send(SlackRequest(body, {"Content-Type": FORM} | hmac_headers(body.encode(), "x")))
    [line] = [r.getMessage() for r in caplog.records if r.name == "rapport.http"]
    assert line.startswith("POST /slack/events 401 ") and "refused=" in line
    assert url not in caplog.text


def test_a_signed_request_still_works_at_the_door(slack: SlackDriver) -> None:
    assert "/crm" in slack.command("/crm", "help").ack_json()["text"]
    body = json.dumps({"token": "legacy", "challenge": "c1", "type": "url_verification"})
    headers = {"Content-Type": "application/json; charset=utf-8"}
    assert slack.post(SlackRequest(body, headers)).json() == {"challenge": "c1"}


def broken_directory(deps: Deps, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workspace guard, in Bolt's middleware, raises (a bug, not Slack being away)."""

    def look_up(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(deps.directory, "look_up", look_up)


def test_an_error_before_the_ack_of_a_signed_request_is_still_answered(
    slack: SlackDriver, fake_slack: FakeSlack, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken_directory(deps, monkeypatch)
    result = slack.command("/crm", "new Acme")
    [hook] = fake_slack.wait_for_hook(result.response_url)
    assert "Something went wrong" in hook.body["text"]


def test_the_error_handler_answers_no_request_bolt_has_not_verified(
    settings: Settings, deps: Deps, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """Behind the door too: dispatched straight into Bolt, a malformed timestamp makes
    slack_sdk raise inside Bolt's verification, and the body's response_url is anyone's."""
    app = create_app(settings, deps)
    body, url = forged_command(fake_slack)
    calls_before = len(fake_slack.calls)
    send = dispatch_to(app)
    with caplog.at_level(logging.DEBUG):
        response = send(
            SlackRequest(body, {"Content-Type": FORM} | hmac_headers(body.encode(), "x"))
        )
    assert response.status_code == 401
    assert_nothing_went_out(fake_slack, url, calls_before)
    assert_quiet_logs(caplog, url)


def test_socket_mode_requests_are_not_signed_and_still_answered(
    settings: Settings, deps: Deps, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(settings, deps, socket_mode=True)
    url = fake_slack.response_url("socket", channel="C0SALES01", user="U0ALICE")
    form = command_form("/crm", "new Acme", response_url=url, trigger_id="1.2.3", user_id="U0ALICE")
    broken_directory(deps, monkeypatch)
    response = app.dispatch(BoltRequest(body=dict(form), mode="socket_mode"))
    assert response.status == 500  # what Bolt answers over the socket after an error before ack
    [hook] = fake_slack.hooks_to(url)
    assert "Something went wrong" in hook.body["text"]
