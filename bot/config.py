"""Settings: the environment variables of PRODUCT.md, read once and passed down.

Every variable says what it accepts (`description`); a value it doesn't accept stops the process
with one sentence naming the variable and that (`BadSetting`, from `load_settings`), never a
traceback.
"""

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot import db
from models import money

SETUP_HINT = 'create the Slack app from manifest.yml and see "Create the Slack app" in README.md'
CONFIG_HINT = 'see "Configuration" in README.md'
USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
# A channel id (C…, G… for an old private channel), or a name as Slack allows it, with or
# without its #.
CHANNEL = re.compile(r"^(?:[CG][A-Z0-9]{2,}|#?[a-z0-9][a-z0-9._-]{0,79})$")
DATABASES = ("sqlite", "postgresql", "postgres")


class MissingSetting(Exception):
    """A required variable is unset; the message is the one sentence the admin reads."""


class BadSetting(MissingSetting):
    """A variable is set to something it doesn't accept; one sentence per such variable."""


DAYS = "a whole number of days from 1 to 3650"
# Values never echoed back: a database URL may carry a password.
SECRETS = frozenset(["DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"])


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    database_url: str = Field(
        default="sqlite:///rapport.db",
        alias="DATABASE_URL",
        description="a sqlite:/// or postgresql:// URL, e.g. postgresql://user@host/db",
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/",
        alias="SLACK_API_URL",
        description="an http(s) URL, e.g. https://slack.com/api/",
    )
    port: int = Field(
        default=3000, alias="PORT", ge=1, le=65535, description="a port number from 1 to 65535"
    )
    sweep_seconds: int = Field(
        default=60,
        alias="RAPPORT_SWEEP_SECONDS",
        ge=1,
        le=3600,
        description="a whole number of seconds from 1 to 3600",
    )
    # How long a sweeper holds the nudges it claimed before another may take them over (after
    # looking in the rep's DM for one already sent): longer than a batch takes to send.
    nudge_lease_seconds: int = Field(
        default=300,
        alias="RAPPORT_NUDGE_LEASE_SECONDS",
        ge=2,
        le=3600,
        description="a whole number of seconds from 2 to 3600",
    )
    nudge_batch: int = Field(
        default=200,
        alias="RAPPORT_NUDGE_BATCH",
        ge=1,
        le=5000,
        description="a whole number from 1 to 5000",
    )
    nudges_per_minute: int = Field(
        default=300,
        alias="RAPPORT_NUDGES_PER_MINUTE",
        ge=1,
        le=6000,
        description="a whole number from 1 to 6000",
    )
    # Connections each process keeps for its threads (plus db.MAX_OVERFLOW): README, "Running
    # several replicas", has the arithmetic against PostgreSQL's max_connections.
    db_pool_size: int = Field(
        default=5,
        alias="RAPPORT_DB_POOL_SIZE",
        ge=1,
        le=100,
        description="a whole number of connections from 1 to 100",
    )
    # How long a request-serving process (HTTP worker, Socket Mode) waits on the database: a
    # statement, a connect. bot/db.py explains the defaults (Slack's 3 s window); raise them only
    # knowing that a slower answer than 3 s reaches nobody. The sweeper and the CLI wait longer.
    db_statement_timeout: float = Field(
        default=db.STATEMENT_TIMEOUT_SECONDS,
        alias="RAPPORT_DB_STATEMENT_TIMEOUT",
        gt=0,
        le=60,
        description="a number of seconds above 0 and at most 60, e.g. 1.5",
    )
    db_connect_timeout: float = Field(
        default=db.CONNECT_TIMEOUT_SECONDS,
        alias="RAPPORT_DB_CONNECT_TIMEOUT",
        gt=0,
        le=60,
        description="a number of seconds above 0 and at most 60, e.g. 1.0",
    )
    web_concurrency: int | None = Field(
        default=None,
        alias="WEB_CONCURRENCY",
        ge=1,
        le=64,
        description="a whole number of workers from 1 to 64",
    )
    admins: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(),
        alias="RAPPORT_ADMINS",
        description="Slack user ids separated by commas, e.g. U012AB3CD,U045EF6GH",
    )
    deals_channel: str | None = Field(
        default=None,
        alias="RAPPORT_DEALS_CHANNEL",
        description="a channel id such as C012AB3CD, or a channel name such as #deals",
    )
    stale_days: int = Field(
        default=14,
        alias="RAPPORT_STALE_DAYS",
        ge=1,
        le=3650,
        description=DAYS,
    )
    stuck_days: int = Field(
        default=21,
        alias="RAPPORT_STUCK_DAYS",
        ge=1,
        le=3650,
        description=DAYS,
    )
    currency: str = Field(
        default="USD",
        alias="RAPPORT_CURRENCY",
        description="an ISO 4217 currency code, e.g. USD or EUR",
    )

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if not money.is_currency(value.strip()):
            raise ValueError("not an ISO 4217 code")
        return value.strip().upper()

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            value = frozenset(part.strip() for part in value.replace(",", " ").split() if part)
        if isinstance(value, frozenset | set | list | tuple) and not all(
            isinstance(user, str) and USER_ID.match(user) for user in value
        ):
            raise ValueError("not Slack user ids")
        return value

    @field_validator("deals_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not CHANNEL.match(value.strip()):
            raise ValueError("not a channel")
        return value.strip() if value else None

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("not an http(s) URL")
        return value.strip().rstrip("/") + "/"  # slack_sdk appends the method name as is

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            backend = make_url(value.strip()).get_backend_name()
        except (ArgumentError, ValueError) as error:
            raise ValueError("not a database URL") from error
        if backend not in DATABASES:
            raise ValueError(f"{backend} is not supported")
        return value.strip()

    def db_timeouts(self) -> db.Timeouts:
        """The database deadlines of a process that answers Slack."""
        return db.Timeouts(connect=self.db_connect_timeout, statement=self.db_statement_timeout)

    def require_tokens(self, *, http: bool) -> None:
        """Fail fast, in one sentence, when the tokens the chosen mode needs are missing."""
        self.require_bot_token()
        if http and not self.slack_signing_secret:
            raise MissingSetting(
                f"SLACK_SIGNING_SECRET is not set (HTTP mode needs it): {SETUP_HINT}."
            )
        if not http and not (self.slack_app_token or "").startswith("xapp-"):
            raise MissingSetting(
                f"SLACK_APP_TOKEN (xapp-) is not set (Socket Mode needs it): {SETUP_HINT}."
            )

    def require_bot_token(self) -> None:
        """What every process that calls Slack needs, the sweeper included."""
        if not self.slack_bot_token:
            raise MissingSetting(f"SLACK_BOT_TOKEN is not set: {SETUP_HINT}.")
        if not self.slack_bot_token.startswith("xoxb-"):
            raise MissingSetting(
                f"SLACK_BOT_TOKEN must be a bot token starting with xoxb-: {SETUP_HINT}."
            )


def load_settings(**values: Any) -> Settings:
    """The settings from the environment (and .env), or BadSetting with one sentence for each
    variable whose value isn't accepted."""
    try:
        return Settings(**values)
    except ValidationError as error:
        raise BadSetting("\n".join(_sentence(problem) for problem in error.errors())) from None


def _sentence(problem: Any) -> str:
    name = str(problem["loc"][0]) if problem.get("loc") else ""
    field = Settings.model_fields.get(name) or next(
        (f for f in Settings.model_fields.values() if f.alias == name), None
    )
    variable = (field.alias if field else None) or name.upper()
    accepts = field.description if field and field.description else "a valid value"
    value = problem.get("input")
    secret = variable in SECRETS
    shown = f" (it is {value!r})" if isinstance(value, str | int | float) and not secret else ""
    return f"{variable} must be {accepts}{shown}: {CONFIG_HINT}."
