"""rapport export: every table of a workspace as CSV, names not ids, byte for byte."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from sqlmodel import Session

from bot.cli import main
from bot.exporting import export_workspace
from bot.standin.driver import TEAM_ID
from models import audit, contacts
from models.accounts import AccountStatus
from models.followups import create_followup
from models.interactions import InteractionKind, log_interaction
from tests.conftest import OTHER_TEAM
from tests.factories import make_account, make_deal, make_rep

NOW = datetime(2026, 11, 24, 14, 30, 5, 123456, tzinfo=UTC)


def populate(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    alice.email = "alice@rapport.test"
    bob = make_rep(session, "U0BOB", now=NOW)
    acme = make_account(session, "Acme, Inc.", owner=alice, now=NOW)
    acme.domain = "acme.com"
    quoted = make_account(session, 'The "Q" Company', owner=bob, now=NOW + timedelta(hours=1))
    gone = make_account(session, "Gone Ltd", owner=bob, now=NOW)
    gone.status = AccountStatus.DELETED
    session.flush()
    for account, name, email, title in (
        (acme, "Zoë Zed", "zoe@acme.com", "CTO"),
        (acme, "Ann, Jr.", None, "Head of Sales, EMEA"),
        (gone, "Ghost", "ghost@gone.test", None),
    ):
        contacts.save_contact(
            session=session, account=account, name=name, email=email, title=title,
            actor="U0ALICE", now=NOW,
        )  # fmt: skip
    deal = make_deal(session, acme, alice, "Proposal", 4800000, now=NOW, name="Renewal 2027")
    deal.expected_close = date(2026, 12, 31)
    make_deal(session, quoted, bob, "Lost", 5000, now=NOW, name="Pilot", currency="JPY")
    make_deal(session, gone, bob, "Demo", None, now=NOW, name="Haunted")
    zoe = contacts.get_by_email(session=session, team_id=TEAM_ID, email="zoe@acme.com")
    for account, summary, contact_id in (
        (acme, 'Talked renewal, "soon"\nsecond line', zoe.id if zoe else None),
        (quoted, "Intro call", None),
        (gone, "Boo", None),
    ):
        log_interaction(
            session=session, account=account, rep=alice, kind=InteractionKind.CALL,
            summary=summary, occurred_at=NOW - timedelta(days=1), now=NOW, source="slash",
            source_key=None, contact_id=contact_id,
        )  # fmt: skip
    create_followup(
        session=session, rep=alice, account=acme, due_at=NOW + timedelta(days=2),
        note="Send the contract", now=NOW,
    )  # fmt: skip
    other = make_rep(session, "U0OTHER", now=NOW, team_id=OTHER_TEAM)
    elsewhere = make_account(session, "Elsewhere Secret", owner=other, now=NOW)
    log_interaction(
        session=session, account=elsewhere, rep=other, kind=InteractionKind.NOTE,
        summary="Other workspace secret", occurred_at=NOW, now=NOW, source="slash",
        source_key=None,
    )  # fmt: skip
    audit.record(
        session=session, actor="U0ALICE", action="account.update", subject=acme,
        before={"name": "Acme"}, after={"name": "Acme, Inc."}, at=NOW,
    )  # fmt: skip


EXPECTED = {
    "accounts.csv": (
        "Account,Domain,Owner Email,Owner Slack ID,Created At\n"
        '"Acme, Inc.",acme.com,alice@rapport.test,U0ALICE,2026-11-24T14:30:05Z\n'
        '"The ""Q"" Company",,,U0BOB,2026-11-24T15:30:05Z\n'
    ),
    "contacts.csv": (
        "Account,Name,Email,Title,Created At\n"
        '"Acme, Inc.","Ann, Jr.",,"Head of Sales, EMEA",2026-11-24T14:30:05Z\n'
        '"Acme, Inc.",Zoë Zed,zoe@acme.com,CTO,2026-11-24T14:30:05Z\n'
    ),
    "deals.csv": (
        "Deal,Account,Stage,Amount,Currency,Close Date,Owner Email,Owner Slack ID,Lost Reason,"
        "Created At\n"
        'Renewal 2027,"Acme, Inc.",Proposal,48000.00,USD,2026-12-31,alice@rapport.test,U0ALICE,'
        ",2026-11-24T14:30:05Z\n"
        'Pilot,"The ""Q"" Company",Lost,5000,JPY,,,U0BOB,,2026-11-24T14:30:05Z\n'
    ),
    "interactions.csv": (
        "Account,When,Kind,Summary,Rep Email,Rep Slack ID,Contact Email\n"
        '"Acme, Inc.",2026-11-23T14:30:05Z,call,"Talked renewal, ""soon""\nsecond line",'
        "alice@rapport.test,U0ALICE,zoe@acme.com\n"
        '"The ""Q"" Company",2026-11-23T14:30:05Z,call,Intro call,alice@rapport.test,U0ALICE,\n'
    ),
}
OTHERS = [
    "followups.csv",
    "deal_stage_changes.csv",
    "account_channels.csv",
    "pipeline_stages.csv",
    "reps.csv",
    "audit_log.csv",
]


@pytest.fixture
def populated(engine: Engine) -> Engine:
    with Session(engine) as session, session.begin():
        populate(session)
    return engine


def test_the_four_shared_files_are_exactly_rapports_layout(populated: Engine, tmp_path) -> None:
    counts = export_workspace(populated, TEAM_ID, tmp_path)
    for name, expected in EXPECTED.items():
        assert (tmp_path / name).read_bytes() == expected.encode("utf-8"), name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*EXPECTED, *OTHERS])
    assert counts["accounts"] == 2 and counts["reps"] == 2


def test_the_other_tables_use_names_not_ids(populated: Engine, tmp_path) -> None:
    export_workspace(populated, TEAM_ID, tmp_path)
    followups = (tmp_path / "followups.csv").read_text().splitlines()
    assert followups[1].startswith('"Acme, Inc.",2026-11-26T14:30:05Z,open,Send the contract,')
    stages = (tmp_path / "pipeline_stages.csv").read_text().splitlines()
    assert stages[0] == "Position,Stage,Outcome,Probability" and len(stages) > 3
    reps = (tmp_path / "reps.csv").read_text().splitlines()
    assert reps[1:] == [
        "u0alice,alice@rapport.test,U0ALICE,America/New_York,no,no,no,yes,no,2026-11-24T14:30:05Z",
        "u0bob,,U0BOB,America/New_York,no,no,no,yes,no,2026-11-24T14:30:05Z",
    ]
    log = (tmp_path / "audit_log.csv").read_text()
    assert 'account.update,account,"Acme, Inc.","Acme, Inc."' in log
    assert 'contact.create,contact,"Acme, Inc.",Zoë Zed' in log


def test_deleted_accounts_and_other_workspaces_are_left_out(populated: Engine, tmp_path) -> None:
    export_workspace(populated, TEAM_ID, tmp_path)
    for path in tmp_path.iterdir():
        if path.name == "audit_log.csv":
            continue  # history keeps the deleted account's creation
        text = path.read_text()
        assert "Gone" not in text and "Ghost" not in text and "Haunted" not in text, path.name
    for path in tmp_path.iterdir():
        text = path.read_text()
        assert "Elsewhere" not in text and "U0OTHER" not in text and "secret" not in text


def test_export_twice_gives_the_same_files(populated: Engine, tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    export_workspace(populated, TEAM_ID, tmp_path / "a")
    export_workspace(populated, TEAM_ID, tmp_path / "b")
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()


@pytest.fixture
def cli_env(monkeypatch, database_url: str, fake_slack) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)


def test_rapport_export_creates_the_folder_and_says_what_it_wrote(
    populated: Engine, cli_env: None, tmp_path: Path
) -> None:
    target = tmp_path / "new" / "export"
    result = CliRunner().invoke(main, ["export", str(target), "--team", TEAM_ID])
    assert result.exit_code == 0, result.output
    assert "accounts.csv" in result.output
    assert (target / "accounts.csv").read_text() == EXPECTED["accounts.csv"]


def test_rapport_export_refuses_a_folder_with_files_unless_forced(
    populated: Engine, cli_env: None, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["export", str(tmp_path)])
    assert result.exit_code == 2
    assert "already holds files" in result.output and "--force" in result.output
    assert not (tmp_path / "accounts.csv").exists()
    forced = CliRunner().invoke(main, ["export", str(tmp_path), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "accounts.csv").read_text() == EXPECTED["accounts.csv"]
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_rapport_export_as_a_process_needs_no_slack_token(
    populated: Engine, database_url: str, tmp_path: Path
) -> None:
    from tests.test_cli import rapport

    done = rapport("export", str(tmp_path / "out"), env={"DATABASE_URL": database_url})
    assert done.returncode == 2 and "2 workspaces" in done.stderr  # which one? one sentence
    done = rapport(
        "export", str(tmp_path / "out"), "--team", TEAM_ID, env={"DATABASE_URL": database_url}
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "deals.csv").read_text() == EXPECTED["deals.csv"]
