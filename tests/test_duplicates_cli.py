"""`rapport duplicates`: likely duplicate accounts, best first, with why."""

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlmodel import Session

from bot.cli import main
from bot.standin.driver import TEAM_ID
from tests.factories import make_account, make_rep
from tests.test_export import cli_env  # noqa: F401 (a fixture)

NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)


@pytest.mark.usefixtures("cli_env")
def test_pairs_best_first_with_why_and_owner(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        alice = make_rep(session, "U0ALICE", now=NOW)
        alice.email = "alice@rapport.test"
        for name, domain in [
            ("Globex", "globex.com"), ("Globex Holdings", "globex.com"),
            ("Kessler Bakery", None), ("Kesler Bakery", None), ("Hooli", None),
        ]:  # fmt: skip
            make_account(session, name, owner=alice, now=NOW).domain = domain
    result = CliRunner().invoke(main, ["duplicates", "--team", TEAM_ID])
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()
    assert rows[0] == (
        "Globex (alice@rapport.test)\tGlobex Holdings (alice@rapport.test)\tsame domain"
    )
    assert any("Kesler Bakery (alice@rapport.test)" in row and "alike" in row for row in rows)
    assert "Hooli" not in result.output


@pytest.mark.usefixtures("cli_env")
def test_none_found_says_so(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        alice = make_rep(session, "U0ALICE", now=NOW)
        make_account(session, "Initech", owner=alice, now=NOW)
        make_account(session, "Umbrella", owner=alice, now=NOW)
    result = CliRunner().invoke(main, ["duplicates"])
    assert result.exit_code == 0, result.output
    assert "No accounts look like duplicates." in result.output
