"""`rapport`: serve the bot, sweep, upgrade the database, print the Slack app manifest."""

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click
from slack_sdk.errors import SlackApiError

from bot import db
from bot.clitools import database, fail, settings_or_exit
from bot.config import MissingSetting, Settings
from bot.logs import configure_logging

logger = logging.getLogger("rapport")


_fail = fail
_settings = settings_or_exit
_database = database


@click.group()
def main() -> None:
    """Rapport: a CRM that lives in Slack."""


@main.command()
@click.option(
    "--http", "mode", flag_value="http", help="HTTP mode, even when SLACK_APP_TOKEN is set."
)
@click.option("--socket", "mode", flag_value="socket", help="Socket Mode (needs SLACK_APP_TOKEN).")
@click.option("--port", type=click.IntRange(1, 65535), help="HTTP port (default: PORT, or 3000).")
@click.option(
    "--workers",
    type=click.IntRange(1),
    help="gunicorn workers in HTTP mode (default: WEB_CONCURRENCY, or CPUs up to 4).",
)
@click.option(
    "--no-sweep",
    "no_sweep",
    is_flag=True,
    help="Start no sweeper: for replicas where `rapport sweep` runs separately.",
)
def serve(mode: str | None, port: int | None, workers: int | None, no_sweep: bool) -> None:
    """Run the bot: Socket Mode when SLACK_APP_TOKEN is set, HTTP otherwise."""
    configure_logging()
    settings = _settings()
    http = uses_http(mode, settings)
    try:
        settings.require_tokens(http=http)
    except MissingSetting as error:
        _fail(str(error))
    _check_slack(settings)
    with _database(settings):
        engine = db.make_engine(settings.database_url, timeouts=db.MAINTENANCE_TIMEOUTS)
        db.upgrade(engine)
        engine.dispose()  # the workers open their own pools
    if not http:
        from bot.socket import serve_socket

        serve_socket(settings, sweep=not no_sweep)
        return
    from bot.server import serve_http, workers_for

    port, workers = port or settings.port, workers_for(settings, workers)
    if no_sweep:
        logger.info("Rapport listening on :%s/slack/events (%d workers)", port, workers)
        serve_http(settings, port=port, workers=workers)
        return
    from bot.supervisor import Supervisor

    # The web server is this same command with --no-sweep, exactly what an operator runs on a
    # replica whose sweeper runs elsewhere; it checks the token and the schema again (cheap).
    web = _rapport("serve", "--http", "--no-sweep", "--port", str(port), "--workers", str(workers))
    sys.exit(Supervisor(web, _rapport("sweep")).run())


def _rapport(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


@main.command()
def sweep() -> None:
    """Sweep for due nudges every RAPPORT_SWEEP_SECONDS, until stopped (SIGTERM or Ctrl-C)."""
    settings = _sweeper_settings()
    from bot.runtime import SWEEPER_POOL_SIZE, build_runtime
    from bot.scheduler import run_sweeper

    runtime = build_runtime(settings, pool_size=SWEEPER_POOL_SIZE, handles_requests=False)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        run_sweeper(settings, runtime.deps, runtime.client, until=stop)
    finally:
        runtime.close()


def _sweeper_settings() -> Settings:
    """The settings of a process that sweeps (and so calls Slack): logging on, the bot token
    there and accepted, or one sentence and a non-zero exit."""
    configure_logging()
    settings = _settings()
    try:
        settings.require_bot_token()
    except MissingSetting as error:
        _fail(str(error))
    _check_slack(settings)
    return settings


def uses_http(mode: str | None, settings: Settings) -> bool:
    """--http / --socket decide; otherwise Socket Mode exactly when SLACK_APP_TOKEN is set."""
    return mode == "http" or (mode is None and not settings.slack_app_token)


def _check_slack(settings: Settings) -> None:
    """One clear sentence when Slack refuses the token or can't be reached, not a traceback."""
    from bot.app import make_client

    try:
        make_client(settings).auth_test()
    except SlackApiError as error:
        _fail(
            f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error')}): check the token on "
            "your app's OAuth & Permissions page (see README.md)."
        )
    except OSError as error:
        _fail(f"Can't reach Slack at {settings.slack_api_url} ({error}).", code=1)


@main.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest version."""
    configure_logging()
    settings = _settings()
    with _database(settings):
        db.upgrade(db.make_engine(settings.database_url, timeouts=db.MAINTENANCE_TIMEOUTS))
    click.echo(
        f"Database is up to date ({db.normalize_url(settings.database_url).render_as_string()})."
    )


@main.group("nudges", invoke_without_command=True)
@click.option("--dry-run", is_flag=True, help="Print what a sweep would send, sending nothing.")
@click.option(
    "--at", "at", metavar="ISO-TIME", help="With --dry-run: as of this moment (default: now)."
)
@click.pass_context
def nudges_group(context: click.Context, dry_run: bool, at: str | None) -> None:
    """Follow-up DMs: what is due (--dry-run), one sweep now (send), counts (status)."""
    if context.invoked_subcommand is not None:
        return
    if not dry_run:
        click.echo(context.get_help())
        return
    moment = _moment(at)
    with _nudges_runtime() as (runtime, team_id):
        from handlers.nudges import describe_due

        lines = describe_due(runtime.deps, team_id, moment)
    click.echo("\n".join(lines))


def _moment(at: str | None) -> datetime:
    from datetime import UTC

    if at is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        _fail(f"--at {at!r} is not an ISO time, e.g. 2026-11-24T09:00 or 2026-11-24T09:00-05:00.")
        raise
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextmanager
def _nudges_runtime() -> Iterator[tuple[Any, str]]:
    settings = _sweeper_settings()
    from bot.runtime import SWEEPER_POOL_SIZE, build_runtime

    with _database(settings):
        runtime = build_runtime(settings, pool_size=SWEEPER_POOL_SIZE, handles_requests=False)
        try:
            yield runtime, str(runtime.client.auth_test()["team_id"])
        finally:
            runtime.close()


@nudges_group.command("send")
def nudges_send() -> None:
    """Run one sweep of due nudges now (inside each rep's working hours)."""
    from handlers.nudges import Pacer, sweep_nudges

    with _nudges_runtime() as (runtime, _):
        settings = runtime.settings
        result = sweep_nudges(
            deps=runtime.deps,
            client=runtime.client,
            now=runtime.deps.now(),
            batch=settings.nudge_batch,
            pacer=Pacer(per_minute=settings.nudges_per_minute),
        )
    click.echo(
        f"Sent {result.sent} nudges ({result.found} found already sent, {result.held} held "
        f"back for working hours or a retry, {result.stopped} reps Slack won't DM)."
    )


@nudges_group.command("status")
def nudges_status() -> None:
    """Counts: due, claimed, sent today (UTC), failed, reps Slack won't DM."""
    from models import nudges

    with _nudges_runtime() as (runtime, team_id):
        now = runtime.deps.now()
        with runtime.deps.db() as session:
            counts = nudges.status(session=session, team_id=team_id, now=now)
    click.echo(
        f"due {counts.due} · claimed {counts.claimed} · sent today {counts.sent_today} · "
        f"failed {counts.failed} · reps inactive {counts.reps_stopped}"
    )


@main.command()
@click.option("--url", help="Your Request URL, e.g. https://rapport.example.com/slack/events")
@click.option("--socket", is_flag=True, help="A Socket Mode app: no request URLs.")
def manifest(url: str | None, socket: bool) -> None:
    """Print manifest.yml for "Create app from manifest"."""
    from bot.manifest import render_manifest

    if not url and not socket:
        _fail("give --url https://your-host/slack/events (HTTP mode) or --socket (Socket Mode).")
    if url and not url.startswith(("https://", "http://")):
        _fail("--url must be an http(s) URL ending in /slack/events.")
    click.echo(render_manifest(url=url, socket_mode=socket), nl=False)


from bot.cli_audit import audit  # noqa: E402
from bot.cli_console import console_command  # noqa: E402
from bot.cli_duplicates import duplicates  # noqa: E402
from bot.erasing import erase_contact_command  # noqa: E402
from bot.exporting import export_command  # noqa: E402
from bot.importing import import_command  # noqa: E402

main.add_command(import_command)
main.add_command(console_command)
main.add_command(export_command)
main.add_command(erase_contact_command)
main.add_command(audit)
main.add_command(duplicates)

if __name__ == "__main__":
    main()
