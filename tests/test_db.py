"""The store: URLs people paste, SQLite's pragmas, the health check."""

import pytest
from sqlalchemy import Engine, text

from bot import db
from bot.cli import uses_http
from bot.config import Settings


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///rapport.db", "sqlite"),
    ],
)
def test_database_urls_use_psycopg3_for_postgres(url: str, driver: str) -> None:
    assert db.normalize_url(url).drivername == driver


def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(tmp_path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path}/x.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == db.SQLITE_BUSY_TIMEOUT_MS


def test_ping_tells_a_live_database_from_a_dead_one(engine: Engine, tmp_path) -> None:
    assert db.ping(engine) is True
    assert db.ping(db.make_engine(f"sqlite:///{tmp_path}/no/such/dir.db")) is False


@pytest.mark.parametrize(
    ("flag", "app_token", "http"),
    [
        (None, None, True),
        (None, "xapp-1", False),
        ("http", "xapp-1", True),
        ("socket", None, False),
    ],
)
def test_serve_picks_socket_mode_exactly_when_an_app_token_is_set(flag, app_token, http) -> None:
    settings = Settings(_env_file=None, SLACK_APP_TOKEN=app_token)
    assert uses_http(flag, settings) is http


def test_settings_read_exactly_the_documented_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("DATABASE_URL", "SLACK_API_URL", "RAPPORT_STUCK_DAYS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("RAPPORT_ADMINS", "U1, U2 U3")
    monkeypatch.setenv("RAPPORT_STALE_DAYS", "7")
    monkeypatch.setenv("PORT", "8080")
    settings = Settings(_env_file=None)
    assert settings.admins == {"U1", "U2", "U3"}
    assert (settings.stale_days, settings.stuck_days, settings.port) == (7, 21, 8080)
    assert settings.database_url == "sqlite:///rapport.db"
    assert settings.slack_api_url == "https://slack.com/api/"
