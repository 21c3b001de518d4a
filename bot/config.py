"""Settings: the environment variables of PRODUCT.md, read once and passed down."""

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot import db

SETUP_HINT = 'create the Slack app from manifest.yml and see "Create the Slack app" in README.md'


class MissingSetting(Exception):
    """A required variable is unset; the message is the one sentence the admin reads."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    database_url: str = Field(default="sqlite:///rapport.db", alias="DATABASE_URL")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    port: int = Field(default=3000, alias="PORT", ge=1, le=65535)
    sweep_seconds: int = Field(default=60, alias="RAPPORT_SWEEP_SECONDS", ge=1)
    # Connections each process keeps for its threads (plus db.MAX_OVERFLOW): README, "Running
    # several replicas", has the arithmetic against PostgreSQL's max_connections.
    db_pool_size: int = Field(default=5, alias="RAPPORT_DB_POOL_SIZE", ge=1)
    # How long a request-serving process (HTTP worker, Socket Mode) waits on the database: a
    # statement, a connect. bot/db.py explains the defaults (Slack's 3 s window); raise them only
    # knowing that a slower answer than 3 s reaches nobody. The sweeper and the CLI wait longer.
    db_statement_timeout: float = Field(
        default=db.STATEMENT_TIMEOUT_SECONDS, alias="RAPPORT_DB_STATEMENT_TIMEOUT", gt=0
    )
    db_connect_timeout: float = Field(
        default=db.CONNECT_TIMEOUT_SECONDS, alias="RAPPORT_DB_CONNECT_TIMEOUT", gt=0
    )
    web_concurrency: int | None = Field(default=None, alias="WEB_CONCURRENCY", ge=1)
    admins: Annotated[frozenset[str], NoDecode] = Field(default=frozenset(), alias="RAPPORT_ADMINS")
    deals_channel: str | None = Field(default=None, alias="RAPPORT_DEALS_CHANNEL")
    stale_days: int = Field(default=14, alias="RAPPORT_STALE_DAYS", ge=1)
    stuck_days: int = Field(default=21, alias="RAPPORT_STUCK_DAYS", ge=1, le=3650)

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.replace(",", " ").split() if part)
        return value

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
