"""What every `rapport` verb shares: one sentence instead of a traceback, the settings, the
database, and for the admin verbs (import, export, duplicates, audit, erase-contact) the
workspace they act on and the name they act under in the audit log."""

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, union
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from bot import db
from bot.config import MissingSetting, Settings, load_settings
from bot.logs import configure_logging
from handlers.deps import Deps
from models.accounts import Account
from models.reps import Rep

TEAM_HELP = "The workspace (a team id, T…) when the store holds more than one."


def fail(sentence: str, code: int = 2) -> None:
    click.echo(f"rapport: {sentence}", err=True)
    sys.exit(code)


def settings_or_exit() -> Settings:
    """The settings, or exit 2 with one sentence per variable that is set to something wrong."""
    try:
        return load_settings()
    except MissingSetting as error:
        for sentence in str(error).splitlines():
            click.echo(f"rapport: {sentence}", err=True)
        sys.exit(2)


@contextmanager
def database(settings: Settings) -> Iterator[None]:
    """One sentence, not a traceback, when the database can't be reached."""
    try:
        yield
    except OperationalError as error:
        where = db.normalize_url(settings.database_url).render_as_string(hide_password=True)
        reason = str(error.orig or error).strip().splitlines()[0]
        fail(f"Can't reach the database at {where} ({reason}): check DATABASE_URL.", code=1)


@dataclass(frozen=True)
class Workspace:
    """An admin verb's context: the workspace, who acts (`cli:<login>`), the store, and Slack
    when a bot token is set (owners by email need it; export and audit don't)."""

    settings: Settings
    engine: Engine
    deps: Deps
    team_id: str
    actor: str
    client: WebClient | None


def cli_actor() -> str:
    """The audit log's name for whoever runs the CLI: `cli:<login>`, not a made-up Slack id."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return f"cli:{login}"[:32]


@contextmanager
def workspace(team: str | None, *, needs_slack: bool = False) -> Iterator[Workspace]:
    """The workspace an admin verb acts on: `--team`, else the one the bot token belongs to
    (auth.test), else the only one in the store; one sentence when none of those decides."""
    from bot.app import make_client
    from bot.runtime import build_deps

    configure_logging()
    settings = settings_or_exit()
    client = make_client(settings) if settings.slack_bot_token else None
    if needs_slack:
        try:
            settings.require_bot_token()
        except MissingSetting as error:
            fail(str(error))
    engine = db.make_engine(settings.database_url, pool_size=1, timeouts=db.MAINTENANCE_TIMEOUTS)
    try:
        with database(settings):
            deps = build_deps(settings, engine)
            team_id = team or _default_team(client, engine, settings)
            yield Workspace(settings, engine, deps, team_id, cli_actor(), client)
    finally:
        engine.dispose()


def _default_team(client: WebClient | None, engine: Engine, settings: Settings) -> str:
    if client is not None:
        try:
            return str(client.auth_test()["team_id"])
        except SlackApiError as error:
            fail(f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error')}): check it, or "
                 "give --team.")  # fmt: skip
        except OSError as error:
            fail(f"Can't reach Slack at {settings.slack_api_url} ({error}): give --team.", code=1)
    teams = _teams_in_store(engine)
    if len(teams) == 1:
        return teams[0]
    if not teams:
        fail("The store holds no workspace yet: give --team T… or set SLACK_BOT_TOKEN.")
    fail(f"The store holds {len(teams)} workspaces ({', '.join(teams)}): give --team.")
    raise AssertionError  # fail exits


def _teams_in_store(engine: Engine) -> list[str]:
    from sqlmodel import Session

    statement = union(select(Rep.team_id), select(Account.team_id))
    with Session(engine) as session:
        return sorted(str(team) for team in session.exec(statement).scalars())  # type: ignore[call-overload]
