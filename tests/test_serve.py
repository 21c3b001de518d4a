"""`rapport serve --http` for real: gunicorn, migrations on start, health, a signed command."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from bot.standin.driver import FORM, SlackDriver, SlackRequest, signed, text_of
from bot.standin.http import HttpTransport
from bot.standin.webapi import FakeSlack
from tests.conftest import SIGNING_SECRET


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(fake_slack: FakeSlack, database_url: str, engine, tmp_path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAPPORT_"))} | {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                time.sleep(0.2)
        else:
            pytest.fail("rapport serve did not become healthy in 30 s")
        yield base
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
        print(output)


def test_rapport_serve_answers_slack_over_http(served: str, fake_slack: FakeSlack) -> None:
    driver = SlackDriver(HttpTransport(served), SIGNING_SECRET, fake_slack)
    assert "/crm new" in text_of(driver.command("/crm", "help").ack_json())
    assert "Created *Acme*" in text_of(driver.command("/crm", "new Acme").reply(timeout=10))
    good = signed(SlackRequest("x=1", {"Content-Type": FORM}), SIGNING_SECRET)
    forged = SlackRequest(good.body, good.headers | {"X-Slack-Signature": "v0=bad"})
    assert driver.send(forged).status_code == 401
