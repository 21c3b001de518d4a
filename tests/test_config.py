"""Settings: every variable accepts what README says, and anything else is one sentence naming
the variable and what it accepts."""

import pytest

from bot.config import BadSetting, Settings, load_settings


def problem(**env: str) -> str:
    with pytest.raises(BadSetting) as raised:
        load_settings(_env_file=None, **env)
    return str(raised.value)


@pytest.mark.parametrize(
    ("variable", "value", "accepts"),
    [
        ("RAPPORT_STALE_DAYS", "0", "whole number of days from 1 to 3650"),
        ("RAPPORT_STALE_DAYS", "two weeks", "whole number of days"),
        ("RAPPORT_STUCK_DAYS", "-3", "whole number of days"),
        ("RAPPORT_STUCK_DAYS", "99999", "from 1 to 3650"),
        ("PORT", "70000", "port number from 1 to 65535"),
        ("PORT", "", "port number"),
        ("RAPPORT_SWEEP_SECONDS", "0", "seconds from 1 to 3600"),
        ("RAPPORT_DB_POOL_SIZE", "0", "connections from 1 to 100"),
        ("RAPPORT_DB_STATEMENT_TIMEOUT", "0", "seconds above 0"),
        ("RAPPORT_DB_CONNECT_TIMEOUT", "soon", "seconds above 0"),
        ("WEB_CONCURRENCY", "0", "workers from 1 to 64"),
        ("SLACK_API_URL", "slack.com/api", "http(s) URL"),
        ("SLACK_API_URL", "ftp://slack.com/api/", "http(s) URL"),
        ("DATABASE_URL", "mysql://root@db/crm", "sqlite:/// or postgresql:// URL"),
        ("DATABASE_URL", "rapport.db", "sqlite:/// or postgresql:// URL"),
        ("RAPPORT_ADMINS", "alice, U0BOB", "Slack user ids"),
        ("RAPPORT_DEALS_CHANNEL", "Won Deals!", "channel id"),
    ],
)
def test_a_bad_value_is_one_sentence_naming_the_variable_and_what_it_accepts(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, accepts: str
) -> None:
    monkeypatch.setenv(variable, value)
    [sentence] = problem().splitlines()
    assert sentence.startswith(f"{variable} must be ") and accepts in sentence
    assert 'see "Configuration" in README.md' in sentence


def test_each_bad_variable_gets_its_own_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_STALE_DAYS", "0")
    monkeypatch.setenv("PORT", "0")
    lines = problem().splitlines()
    assert sorted(line.split()[0] for line in lines) == ["PORT", "RAPPORT_STALE_DAYS"]


def test_a_database_url_is_never_echoed_it_may_hold_a_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root:hunter2@db/crm")
    assert "hunter2" not in problem() and "DATABASE_URL must be" in problem()


def test_good_values_are_read_and_tidied(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in {
        "RAPPORT_STALE_DAYS": "30",
        "PORT": "8080",
        "SLACK_API_URL": "https://slack-gov.com/api",
        "DATABASE_URL": "postgres://rapport@db.internal/crm",
        "RAPPORT_ADMINS": "U0ALICE, W0BOB",
        "RAPPORT_DEALS_CHANNEL": "#won-deals",
        "RAPPORT_DB_STATEMENT_TIMEOUT": "2.5",
    }.items():
        monkeypatch.setenv(variable, value)
    settings = load_settings(_env_file=None)
    assert (settings.stale_days, settings.port, settings.db_statement_timeout) == (30, 8080, 2.5)
    assert settings.slack_api_url == "https://slack-gov.com/api/"  # slack_sdk appends methods
    assert settings.admins == frozenset({"U0ALICE", "W0BOB"})
    assert settings.deals_channel == "#won-deals"


def test_the_defaults_are_all_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in [field.alias for field in Settings.model_fields.values() if field.alias]:
        monkeypatch.delenv(variable, raising=False)
    settings = load_settings(_env_file=None)
    assert (settings.stale_days, settings.stuck_days, settings.port) == (14, 21, 3000)
