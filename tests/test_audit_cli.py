"""`rapport audit` as an admin runs it: who changed what, when, before and after, newest first."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlmodel import Session

from bot.cli import main
from bot.cli_audit import describe
from bot.standin.driver import TEAM_ID
from models import audit, audit_trail, contacts
from models.audit import AuditEntry
from models.matching import find_account
from tests.conftest import OTHER_TEAM
from tests.factories import make_account, make_rep
from tests.test_export import cli_env, populate  # noqa: F401 (cli_env: a fixture)

NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)


@pytest.fixture
def store(engine: Engine) -> Engine:
    with Session(engine) as session, session.begin():
        populate(session)
    return engine


def lines(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()


@pytest.mark.usefixtures("cli_env")
def test_the_workspace_trail_is_newest_first_and_names_the_changes(store: Engine) -> None:
    with Session(store) as session, session.begin():
        acme = find_account(session=session, team_id=TEAM_ID, name="Acme")
        contacts.save_contact(
            session=session, account=acme, name="Zoë Zed", email="zoe@acme.com",
            title="CEO", actor="cli:ops", now=NOW + timedelta(days=3),
        )  # fmt: skip
        other = make_rep(session, "U0STRANGER", now=NOW, team_id=OTHER_TEAM)
        make_account(session, "Elsewhere Inc", owner=other, now=NOW + timedelta(days=4))
    output = lines(CliRunner().invoke(main, ["audit", "--team", TEAM_ID]))
    assert "cli:ops" in output[0] and "title: CTO → CEO" in output[0]
    assert output[0].startswith("2026-11-27 14:30 UTC")
    assert not any("Elsewhere" in line for line in output)  # another workspace's
    times = [line[:16] for line in output]
    assert times == sorted(times, reverse=True)


@pytest.mark.usefixtures("cli_env")
def test_since_and_account_narrow_it_and_tz_shows_local_time(store: Engine) -> None:
    with Session(store) as session, session.begin():
        alice = make_rep(session, "U0ALICE", now=NOW)
        acme = find_account(session=session, team_id=TEAM_ID, name="Acme")
        other = find_account(session=session, team_id=TEAM_ID, name='The "Q" Company')
        for account, title in ((acme, "Chief"), (other, None)):
            audit.record(
                session=session, actor=alice, action="account.update", subject=account,
                before={"domain": None}, after={"domain": f"{title or 'q'}.example"},
                at=NOW + timedelta(days=10),
            )  # fmt: skip
    result = CliRunner().invoke(
        main, ["audit", "--since", "2026-12-01", "--account", "acme", "--tz", "Asia/Tokyo"]
    )
    output = lines(result)
    [line] = output
    assert line.startswith("2026-12-04 23:30 JST  U0ALICE  account.update  account ")
    assert line.endswith("domain: (none) → Chief.example")
    everything = lines(CliRunner().invoke(main, ["audit", "--account", "Acme"]))
    assert any("contact" in line for line in everything)  # its contacts' entries too
    assert not any("q.example" in line for line in everything)


@pytest.mark.usefixtures("cli_env")
def test_bad_options_are_one_sentence(store: Engine) -> None:
    for args, words in (
        (["--since", "last week"], "is not a date"),
        (["--tz", "Mars/Olympus"], "is not a time zone"),
        (["--account", "Nobody Such"], "No account"),
    ):
        result = CliRunner().invoke(main, ["audit", *args])
        assert result.exit_code == 2, args
        assert words in result.output and "Traceback" not in result.output
    empty = CliRunner().invoke(main, ["audit", "--since", "2030-01-01"])
    assert empty.exit_code == 0 and "No audit entries since 2030-01-01." in empty.output


def test_a_line_elides_long_values_and_keeps_one_line() -> None:
    entry = AuditEntry(
        team_id=TEAM_ID, actor="U0BOB", action="interaction.update", entity="interaction",
        entity_id=7, before={"summary": "short"}, after={"summary": "word\n" * 100}, at=NOW,
    )  # fmt: skip
    line = describe(entry, ZoneInfo("UTC"))
    assert "\n" not in line and line.endswith("…") and "summary: short → word word" in line
    assert audit_trail.changes(entry)[0].field == "summary"
