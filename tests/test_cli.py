"""`rapport` as an admin runs it: clear sentences, not tracebacks."""

import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import create_engine, inspect

from bot.standin.webapi import FakeSlack


def rapport(
    *args: str, env: dict[str, str] | None = None, cwd: str | None = None
) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "RAPPORT_", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=base | (env or {}),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_serve_without_tokens_says_what_is_missing_in_one_sentence(
    env: dict, variable: str, tmp_path
) -> None:
    result = rapport("serve", env=env, cwd=str(tmp_path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert (
        len(lines) == 1
        and variable in lines[0]
        and "manifest.yml" in lines[0]
        and "README" in lines[0]
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("verb", [("serve",), ("sweep",), ("db", "upgrade")])
@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RAPPORT_STALE_DAYS", "0"),
        ("RAPPORT_SWEEP_SECONDS", "every minute"),
        ("SLACK_API_URL", "slack.com"),
        ("DATABASE_URL", "oracle://scott:tiger@db/crm"),
    ],
)
def test_a_bad_setting_stops_every_verb_with_one_sentence_and_no_traceback(
    verb: tuple[str, ...], variable: str, value: str, tmp_path
) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", variable: value}
    result = rapport(*verb, env=env, cwd=str(tmp_path))
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"rapport: {variable} must be ") and "README.md" in line
    assert "Traceback" not in result.stderr and "tiger" not in result.stderr


def test_a_database_that_cant_be_reached_is_one_sentence(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/no/such/dir/rapport.db"
    result = rapport("db", "upgrade", env={"DATABASE_URL": url}, cwd=str(tmp_path))
    assert result.returncode == 1 and "Can't reach the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_socket_mode_needs_an_app_token(tmp_path) -> None:
    result = rapport("serve", "--socket", env={"SLACK_BOT_TOKEN": "xoxb-1"}, cwd=str(tmp_path))
    assert result.returncode == 2 and "SLACK_APP_TOKEN" in result.stderr


def test_serve_with_a_token_slack_refuses_says_so(fake_slack: FakeSlack, tmp_path) -> None:
    fake_slack.fail("auth.test", error="invalid_auth")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-revoked",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": fake_slack.api_url,
    }
    result = rapport("serve", env=env, cwd=str(tmp_path))
    assert (
        result.returncode == 2
        and "invalid_auth" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    for _ in range(2):
        result = rapport("db", "upgrade", env={"DATABASE_URL": url})
        assert result.returncode == 0, result.stderr
    assert "accounts" in inspect(create_engine(url)).get_table_names()


def test_manifest_command_fills_in_the_url() -> None:
    result = rapport("manifest", "--url", "https://crm.example.org/slack/events")
    assert (
        result.returncode == 0 and result.stdout.count("https://crm.example.org/slack/events") == 9
    )
    assert rapport("manifest").returncode == 2


def test_sweep_without_a_bot_token_says_what_is_missing(tmp_path) -> None:
    result = rapport("sweep", cwd=str(tmp_path))
    assert result.returncode == 2 and "SLACK_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr


def test_rapport_sweep_alone_sweeps_until_terminated(
    fake_slack: FakeSlack, database_url: str, engine, tmp_path
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "RAPPORT_", "DATABASE_URL"))
    } | {
        "SLACK_BOT_TOKEN": "xoxb-test-token",  # no signing secret: the sweeper answers no request
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": database_url,
        "RAPPORT_SWEEP_SECONDS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sweep"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    watchdog, lines = threading.Timer(30, process.kill), []  # a hung sweeper ends the loop
    watchdog.start()
    try:
        for line in process.stderr:
            lines.append(line)
            if "sweep finished" in line:
                break
    finally:
        watchdog.cancel()
        process.terminate()
        output = "".join(lines) + process.communicate(timeout=30)[1]
    assert process.returncode == 0, output
    assert "scheduler started" in output and "0 failed" in output
    assert "scheduler stopped" in output and "Traceback" not in output
