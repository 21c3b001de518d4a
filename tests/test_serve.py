"""`rapport serve --http` for real: gunicorn, migrations on start, health, a signed command, and
one sweeper beside the workers, restarted when it dies."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from bot.standin.driver import FORM, SlackDriver, SlackRequest, signed, text_of
from bot.standin.http import HttpTransport
from bot.standin.webapi import FakeSlack
from tests.conftest import SIGNING_SECRET

SCHEDULER_STARTED = re.compile(r"scheduler started \(pid (\d+)\)")
SWEEP_FINISHED = re.compile(r"sweep finished \(pid (\d+)\)")
WORKER_BOOTED = re.compile(r"Booting worker with pid: (\d+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    base: str
    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)

    def pids(self, pattern: re.Pattern) -> list[int]:
        return [int(m[1]) for line in list(self.lines) if (m := pattern.search(line))]

    def wait_until(self, what: str, condition: Callable[[], bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"{what} within {timeout} s; output:\n" + "".join(self.lines))
            time.sleep(0.1)


@contextmanager
def serving(
    fake_slack: FakeSlack,
    database_url: str,
    cwd: object,
    *args: str,
    verb: str = "serve",
    **env: str,
) -> Iterator[Served]:
    port = free_port()
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "RAPPORT_", "WEB_CONCURRENCY"))
    } | {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", verb, *args],
        env=environ,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}", process)
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: served.lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        if verb == "serve":
            served.wait_until(
                "rapport serve became healthy", lambda: healthy(served), timeout=90
            )  # a loaded 2-core CI box: gunicorn, 2 workers, migrations
        yield served
    finally:
        process.terminate()
        process.wait(timeout=30)
        reader.join(timeout=5)
        print("".join(served.lines))


def healthy(served: Served) -> bool:
    assert served.process.poll() is None, "".join(served.lines)
    try:
        return httpx.get(f"{served.base}/healthz", trust_env=False).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def served(fake_slack: FakeSlack, database_url: str, engine, tmp_path) -> Iterator[str]:
    with serving(fake_slack, database_url, tmp_path) as server:
        yield server.base


def test_rapport_serve_answers_slack_over_http(served: str, fake_slack: FakeSlack) -> None:
    driver = SlackDriver(HttpTransport(served), SIGNING_SECRET, fake_slack)
    assert "/crm new" in text_of(driver.command("/crm", "help").ack_json())
    assert "Created *Acme*" in text_of(driver.command("/crm", "new Acme").reply(timeout=10))
    good = signed(SlackRequest("x=1", {"Content-Type": FORM}), SIGNING_SECRET)
    forged = SlackRequest(good.body, good.headers | {"X-Slack-Signature": "v0=bad"})
    assert driver.send(forged).status_code == 401


def test_two_gunicorn_workers_share_one_sweeper_process(
    fake_slack: FakeSlack, database_url: str, engine, tmp_path
) -> None:
    env = {"WEB_CONCURRENCY": "2", "RAPPORT_SWEEP_SECONDS": "1"}
    with serving(fake_slack, database_url, tmp_path, "--http", **env) as server:
        server.wait_until("two workers booted", lambda: len(server.pids(WORKER_BOOTED)) == 2)
        server.wait_until("three sweeps", lambda: len(server.pids(SWEEP_FINISHED)) >= 3)
        assert "/crm new" in help_over_http(server, fake_slack)
        [sweeper] = server.pids(SCHEDULER_STARTED)
        assert set(server.pids(SWEEP_FINISHED)) == {sweeper}
        assert sweeper not in server.pids(WORKER_BOOTED) and sweeper != server.process.pid


def test_serve_restarts_a_sweeper_that_dies_and_stops_it_with_the_server(
    fake_slack: FakeSlack, database_url: str, engine, tmp_path
) -> None:
    env = {"WEB_CONCURRENCY": "1", "RAPPORT_SWEEP_SECONDS": "1"}
    with serving(fake_slack, database_url, tmp_path, "--http", **env) as server:
        server.wait_until("a scheduler started", lambda: len(server.pids(SCHEDULER_STARTED)) == 1)
        [first] = server.pids(SCHEDULER_STARTED)
        os.kill(first, signal.SIGKILL)
        server.wait_until("a second sweeper", lambda: len(server.pids(SCHEDULER_STARTED)) == 2)
        second = server.pids(SCHEDULER_STARTED)[1]
        server.wait_until("it sweeps", lambda: second in server.pids(SWEEP_FINISHED))
        assert second != first and "exited with -9; restarting it" in "".join(server.lines)
    assert server.process.returncode == 0
    assert not alive(second), "the sweeper outlived the server"


def test_serve_no_sweep_leaves_sweeping_to_a_separate_rapport_sweep(
    fake_slack: FakeSlack, database_url: str, engine, tmp_path
) -> None:
    env = {"RAPPORT_SWEEP_SECONDS": "1", "WEB_CONCURRENCY": "1"}
    with serving(fake_slack, database_url, tmp_path, "--http", "--no-sweep", **env) as server:
        assert "/crm new" in help_over_http(server, fake_slack)
        # A barrier rather than a sleep: a sweeper of serve's own starts with it, well before
        # a second process has started, swept and swept again.
        with serving(fake_slack, database_url, tmp_path, verb="sweep", **env) as sweeper:
            sweeper.wait_until("two sweeps", lambda: len(sweeper.pids(SWEEP_FINISHED)) >= 2)
    assert "scheduler started" not in "".join(server.lines)
    assert len(sweeper.pids(SCHEDULER_STARTED)) == 1


def help_over_http(server: Served, fake_slack: FakeSlack) -> str:
    driver = SlackDriver(HttpTransport(server.base), SIGNING_SECRET, fake_slack)
    return text_of(driver.command("/crm", "help").ack_json())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
