"""`rapport console [--demo] [--script FILE]`: the real app in a terminal, no Slack needed."""

import getpass
import logging
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click
from rich.console import Console as Terminal

from bot.clitools import fail, settings_or_exit
from bot.config import Settings
from bot.logs import configure_logging

if TYPE_CHECKING:
    from bot.console.render import Screen
    from bot.console.session import Person, Slack

YOU = "U0YOU"
SALES = {"C0SALES01": "sales"}
VERBS = ["dm", "@rapport", "shortcut log", "log message", "home", "as", "in", "click", "pick",
         "time", "help", "quit"]  # fmt: skip


@click.command("console")
@click.option("--demo", is_flag=True, help="A fresh store with a sample team, accounts and deals.")
@click.option(
    "--script", type=click.File("r"), help="Run the lines of FILE and print the transcript."
)
def console_command(demo: bool, script: TextIO | None) -> None:
    """Rapport in a terminal: type what you would do in Slack; the real app answers."""
    from bot.console.session import open_slack

    configure_logging(logging.WARNING)  # the app's info lines would drown the conversation
    settings = settings_or_exit()
    with tempfile.TemporaryDirectory(prefix="rapport-demo-") as scratch:
        if demo:
            settings = _demo_settings(settings, Path(scratch))
        people, channels = _cast(demo)
        lines = _script_lines(script) if script is not None else None
        with open_slack(settings, people, channels) as slack:
            if lines and lines[0].startswith("time "):  # the demo is seeded at the script's time
                from bot.console.verbs import parse_moment

                slack.clock.at = parse_moment(lines[0][5:], default_tz=people[0].tz)
            if demo:
                _seed(slack)
            slack.mark()
            if lines is None and not sys.stdin.isatty():  # piped in: a script after all
                lines = _script_lines(sys.stdin)
            if lines is not None:
                _run_script(slack, lines)
            else:
                _interact(slack)


def _script_lines(script: TextIO) -> list[str]:
    """The lines a script runs: not blank, not comments (`#` at the start). A transcript (what
    --script printed) replays itself: its `> ` lines are the script, the rest what came back."""
    lines = [line.rstrip("\n") for line in script]
    if any(line.startswith("> ") for line in lines):
        lines = [line[2:] for line in lines if line.startswith("> ")]
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _demo_settings(settings: Settings, scratch: Path) -> Settings:
    """A fresh store: a scratch SQLite file, or DATABASE_URL when it is set and empty."""
    import os

    if "DATABASE_URL" not in os.environ:
        return settings.model_copy(update={"database_url": f"sqlite:///{scratch}/demo.db"})
    return settings


def _cast(demo: bool) -> tuple[list["Person"], dict[str, str]]:
    from bot.console.session import Person

    if demo:
        from bot.console.demo import DEMO_CHANNELS, DEMO_USERS

        people = [Person(u.id, u.real_name, u.tz, u.is_admin, u.email) for u in DEMO_USERS]
        return people, dict(DEMO_CHANNELS)
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "you"
    return [Person(YOU, login.title(), _local_zone(), is_admin=True)], dict(SALES)


def _local_zone() -> str:
    """TZ, else the machine's zone (/etc/timezone), else UTC: the console user's Slack zone."""
    import os

    zone = os.environ.get("TZ", "").lstrip(":")
    if not zone and Path("/etc/timezone").is_file():
        zone = Path("/etc/timezone").read_text().strip()
    return zone or "UTC"


def _seed(slack: "Slack") -> None:
    from bot.console.demo import seed_demo

    with slack.runtime.deps.db() as session:
        from sqlmodel import func, select

        from models.accounts import Account

        if session.exec(select(func.count()).select_from(Account)).one():
            fail("--demo needs an empty store, and DATABASE_URL holds accounts already.")
    seed_demo(db=slack.runtime.deps.db, now=slack.clock.now())


def _printer(terminal: Terminal, styled: bool) -> Callable[["Screen | str"], None]:
    def show(what: "Screen | str") -> None:
        if isinstance(what, str):
            terminal.print(what, markup=False, highlight=False, soft_wrap=True)
        elif styled:
            for line in what.lines:
                terminal.print(line, soft_wrap=True)
        else:
            terminal.print(what.plain(), markup=False, highlight=False, soft_wrap=True)

    return show


def _run_script(slack: "Slack", lines: Iterable[str]) -> None:
    """Each line echoed after `> `, then what Slack showed: the transcript."""
    from bot.console.verbs import Console

    terminal = Terminal(force_terminal=False, no_color=True, width=100)
    console = Console(slack, _printer(terminal, styled=False))
    for line in lines:
        terminal.print(f"> {line}", markup=False, highlight=False, soft_wrap=True)
        if line.strip() in ("quit", "exit"):
            break
        console.run(line)


def _interact(slack: "Slack") -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import WordCompleter
    from prompt_toolkit.history import FileHistory

    from bot.console.verbs import Console
    from handlers.ids import Command

    terminal = Terminal()
    styled = terminal.is_terminal
    console = Console(slack, _printer(terminal, styled))
    terminal.print(
        "[bold]Rapport console[/bold]: type what you would do in Slack (`/log-call Acme: ...`, "
        "`@rapport who owns acme?`, `home`, `click 1`); `help` lists it all, `quit` leaves."
    )
    words = [str(command) for command in Command] + VERBS
    history = Path.home() / ".rapport_console_history"
    prompt: PromptSession[str] = PromptSession(
        history=FileHistory(str(history)), completer=WordCompleter(words, sentence=True)
    )
    while True:
        where = f"#{slack.channel_name(slack.channel)}"
        try:
            line = prompt.prompt(f"{slack.name_of(slack.user).split()[0]} in {where}> ")
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip() in ("quit", "exit"):
            break
        console.run(line)
    sys.stdout.flush()
