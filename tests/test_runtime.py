"""One function assembles the runtime for every process: gunicorn workers, Socket Mode, sweeper."""

import logging
import threading

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot import db, runtime, server, socket
from bot.config import Settings
from bot.runtime import build_runtime
from bot.standin.webapi import FakeSlack
from tests.conftest import Clock


def test_the_runtime_shares_one_client_one_clock_and_a_pool_sized_by_the_settings(
    settings: Settings, clock: Clock
) -> None:
    built = build_runtime(settings.model_copy(update={"db_pool_size": 3}), now=clock)
    try:
        pool = built.engine.pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (  # type: ignore[attr-defined]
            3,
            db.MAX_OVERFLOW,
            db.POOL_TIMEOUT_SECONDS,
        )
        assert built.app.client is built.client and built.client.base_url == settings.slack_api_url
        assert built.deps.now is clock and built.deps.admins == {"U0ROOT"}
        assert built.deps.db.kw["bind"] is built.engine
    finally:
        built.close()


def test_the_console_can_bring_its_own_web_client(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    own = WebClient(token="xoxb-console", base_url=fake_slack.api_url)
    built = build_runtime(settings, client=own)
    try:
        assert built.client is own and built.app.client is own
    finally:
        built.close()


def test_a_gunicorn_worker_builds_the_runtime_and_starts_no_scheduler(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls, before = spy_on_build_runtime(monkeypatch, server), set(threading.enumerate())
    with caplog.at_level(logging.INFO):
        wsgi = server.build_wsgi(settings)
    assert calls == [{}] and wsgi.engine is not None
    assert "scheduler started" not in caplog.text
    assert not [t for t in set(threading.enumerate()) - before if t.name == "APScheduler"]
    wsgi.engine.dispose()


def test_socket_mode_builds_the_same_runtime_and_sweeps_in_its_one_process(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings.model_copy(update={"slack_app_token": "xapp-test"})
    calls = spy_on_build_runtime(monkeypatch, socket)
    started: list[SocketModeHandler] = []
    monkeypatch.setattr(SocketModeHandler, "start", lambda handler: started.append(handler))
    with caplog.at_level(logging.INFO):
        socket.serve_socket(settings)  # returns at once: start() doesn't connect here
    assert calls == [{"socket_mode": True}]
    [handler] = started
    assert handler.client.app_token == "xapp-test" and not handler.client.is_connected()
    assert caplog.text.count("scheduler started") == 1


def spy_on_build_runtime(monkeypatch: pytest.MonkeyPatch, module: object) -> list[dict]:
    calls: list[dict] = []

    def spy(settings: Settings, **kwargs: object) -> runtime.Runtime:
        calls.append(kwargs)
        return build_runtime(settings, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "build_runtime", spy)
    return calls
