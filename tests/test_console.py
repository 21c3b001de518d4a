"""rapport console: transcripts that replay the same on both databases, every kind of listener
the Slack app registers reached from it, and its verbs' bad input told in one sentence.

A transcript in tests/console/ is what `rapport console --demo --script FILE` printed for it;
its `> ` lines are the script. RAPPORT_RECORD=1 rewrites them after a deliberate change."""

import difflib
import functools
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

import handlers
from bot.cli import main
from bot.config import load_settings
from bot.console.demo import DEMO_CHANNELS, DEMO_USERS, seed_demo
from bot.console.session import Person, open_slack
from bot.console.verbs import Console, ConsoleError, parse_moment
from handlers.ids import Command, Event, Shortcut
from tests.databases import temporary_database

TRANSCRIPTS = sorted((Path(__file__).parent / "console").glob("*.txt"))


@contextmanager
def fresh_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """--demo on an empty store: a scratch SQLite file, or a new database on the PostgreSQL
    server the suite runs against."""
    url = os.environ.get("DATABASE_URL", "")
    with temporary_database(url if url.startswith("postgres") else None) as fresh:
        monkeypatch.setenv("DATABASE_URL", fresh)
        yield


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda path: path.stem)
def test_a_transcript_replays_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    with fresh_store(monkeypatch):
        result = CliRunner().invoke(main, ["console", "--demo", "--script", str(path)])
    assert result.exit_code == 0, result.output
    if os.environ.get("RAPPORT_RECORD"):
        path.write_text(result.output, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    diff = "\n".join(
        difflib.unified_diff(
            expected.splitlines(), result.output.splitlines(), "recorded", "now", lineterm=""
        )
    )
    assert result.output == expected, f"the console's answers changed:\n{diff}"


def test_the_tour_does_what_the_issue_asks_a_newcomer_to_try() -> None:
    tour = (Path(__file__).parent / "console" / "tour.txt").read_text(encoding="utf-8")
    assert "✅ Logged a call on Acme Corp" in tour
    assert "Acme Corp is owned by @Dana Scully" in tour
    assert "📒 History of Acme Corp · 11-" in tour  # the Older page
    assert "✅ Moved EMEA rollout from Negotiation to Won." in tour  # the card's select
    assert "🔔 Follow-up due" in tour and "✅ Done by you" in tour  # a nudge after time +1d


Hits = dict[tuple[str, str], int]


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> Hits:
    """Each listener the modules register, as (kind, constraint), and how often it ran: every
    one is counted as it is registered, whether Bolt gets it or a router does."""
    hits: Hits = {}
    add = handlers.Routes.add

    def counting(routes, method, constraint, listener):
        what = (method.rsplit("_", 1)[-1], str(getattr(constraint, "pattern", constraint)))
        hits[what] = 0

        @functools.wraps(listener)
        def counted(*args, **kwargs):
            hits[what] += 1
            return listener(*args, **kwargs)

        add(routes, method, constraint, counted)

    monkeypatch.setattr(handlers.Routes, "add", counting)
    return hits


REACHES = """\
time 2026-12-01 08:00 America/New_York
/crm help
/log-call Acme: talked pricing
/who-owns acme
/history acme
/deal Acme
pick 6
/followup
/log-call
globex
.
-
Notes from the console
.
.
shortcut log
cancel
log message Customer wants SSO by March
cancel
@rapport who owns acme?
dm called acme: they signed the NDA
home
"""


def test_every_kind_of_listener_the_app_registers_is_reached_from_the_console(
    monkeypatch: pytest.MonkeyPatch, spied: Hits
) -> None:
    hits = spied
    with fresh_store(monkeypatch):
        settings = load_settings()
        people = [Person(u.id, u.real_name, u.tz, u.is_admin, u.email) for u in DEMO_USERS]
        with open_slack(settings, people, dict(DEMO_CHANNELS)) as slack:
            slack.clock.at = parse_moment("2026-12-01 08:00", default_tz="America/New_York")
            seed_demo(db=slack.runtime.deps.db, now=slack.clock.now())
            slack.mark()
            console = Console(slack, lambda shown: None)
            for line in REACHES.splitlines():
                console.run(line)
    registered = set(hits)
    by_kind = {kind: {c for k, c in registered if k == kind} for kind, _ in registered}
    assert by_kind["command"] == {str(command) for command in Command}
    assert by_kind["shortcut"] == {str(shortcut) for shortcut in Shortcut}
    assert by_kind["event"] <= {str(event) for event in Event}
    missed = sorted(
        w for w in registered if w[0] in ("command", "shortcut", "event") and not hits[w]
    )
    assert not missed, f"never reached from the console: {missed}"
    for kind in ("action", "view", "options"):  # buttons and selects, modals, external selects
        assert any(hits[w] for w in registered if w[0] == kind), f"no {kind} listener reached"


@pytest.mark.parametrize(
    ("line", "sentence"),
    [
        ("/nope", "/nope isn't one of Rapport's commands"),
        ("frobnicate", "“frobnicate” isn't something you can do here; type help."),
        ("click 1", "There are no buttons on the screen."),
        ("pick 2", "There are no options on the screen."),
        ("as @nobody", "There is nobody called @nobody here"),
        ("in #Not A Channel", "Channel names are lower case"),
        ("time soon", "time takes +3d, +2h, +30m"),
        ("time 2026-12-01 09:00 Mars/Olympus", "Mars/Olympus isn't a time zone"),
        ("shortcut teleport", "The global shortcut is “shortcut log”"),
        ("log message", "Say the message to log"),
    ],
)
def test_a_line_the_console_cant_do_gets_one_sentence(
    monkeypatch: pytest.MonkeyPatch, line: str, sentence: str
) -> None:
    shown: list[str] = []
    with fresh_store(monkeypatch):
        people = [Person("U0YOU", "Pat Doe", "Europe/Paris", is_admin=True)]
        with open_slack(load_settings(), people, {"C0SALES01": "sales"}) as slack:
            Console(slack, lambda what: shown.append(str(what))).run(line)
    assert len(shown) == 1 and shown[0].startswith("! ") and sentence in shown[0], shown


def test_moments_are_read_in_the_zone_given_or_the_readers() -> None:
    assert parse_moment("2026-12-01 09:05 America/New_York", default_tz="UTC").hour == 14
    assert parse_moment("2026-12-01", default_tz="Asia/Tokyo").hour == 0  # 09:00 Tokyo
    with pytest.raises(ConsoleError):
        parse_moment("next week", default_tz="UTC")


def test_the_console_needs_no_slack_token_and_says_what_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    with fresh_store(monkeypatch):
        result = CliRunner().invoke(
            main, ["console", "--demo", "--script", "-"], input="help\n/crm help\n"
        )
    assert result.exit_code == 0, result.output
    assert "> help" in result.output and "/log-call Acme: talked renewal" in result.output
    assert "Rapport's commands" in result.output or "/crm" in result.output
    assert io  # (the script came from stdin: `--script -`)
