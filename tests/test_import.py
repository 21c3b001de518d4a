"""rapport import through the CLI: HubSpot, Salesforce and spreadsheet files, owners found by
name, email or Slack id, dedupe against what is there, and a second import changing nothing."""

import csv
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.cli import main
from bot.standin.driver import TEAM_ID
from bot.standin.webapi import FakeSlack
from models.accounts import Account
from models.audit import AuditEntry
from models.contacts import Contact
from models.deals import Deal
from models.reps import Rep
from tests.factories import make_account, make_rep

SAMPLES = Path(__file__).parent / "data" / "imports"
NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)


@pytest.fixture
def cli_env(monkeypatch, database_url: str, fake_slack: FakeSlack) -> FakeSlack:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    for user_id, name, real_name, extra in (
        ("U0ALICE", "alice", "Alice Ng", {}),
        ("U0BOB", "bob", "Bob Berg", {}),
        ("U0GUEST", "gus", "Gus Guest", {"is_restricted": True}),
    ):
        fake_slack.add_user(
            user_id, name=name, real_name=real_name, email=f"{name}@rapport.test", **extra
        )
    return fake_slack


def rapport_import(*args: str) -> Result:
    return CliRunner().invoke(main, ["import", *args, "--team", TEAM_ID])


def sample(tmp_path: Path, name: str) -> Path:
    """A copy of a sample file, so the errors file lands in tmp_path."""
    return Path(shutil.copy(SAMPLES / name, tmp_path / name))


def counts(result: Result) -> dict[str, int]:
    """The summary table's figures, by column."""
    lines = [line for line in result.output.splitlines() if "│" in line or "┃" in line]
    heads = [cell.strip() for cell in lines[0].strip("┃ ").split("┃")]
    values = [cell.strip() for cell in lines[-1].strip("│ ").split("│")]
    return dict(zip(heads, map(int, values), strict=True))


def accounts_of(engine: Engine) -> dict[str, tuple[str | None, str | None]]:
    """{account name: (domain, owner's Slack id)} of the test workspace."""
    with Session(engine) as session:
        rows = session.exec(
            select(Account.name, Account.domain, Rep.slack_user_id)
            .outerjoin(Rep, Rep.id == Account.owner_id)  # type: ignore[arg-type]
            .where(Account.team_id == TEAM_ID)
        )
        return {name: (domain, owner) for name, domain, owner in rows}


def errors_of(path: Path) -> list[dict[str, str]]:
    errors = path.with_name(path.name.removesuffix(".csv") + ".errors.csv")
    with errors.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_hubspot_companies_import_with_owners_by_name_and_email_and_a_guest_unowned(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    path = sample(tmp_path, "hubspot-companies.csv")
    result = rapport_import(str(path))
    assert result.exit_code == 0, result.output
    assert counts(result) == {
        "Created": 4, "Updated": 0, "Unchanged": 0, "Possible duplicate": 0, "Error": 0,
    }  # fmt: skip
    assert "gus@rapport.test is a guest in Slack" in result.output
    assert "1 row(s) imported without an owner" in result.output
    assert accounts_of(engine) == {
        "Globex Corporation": ("globex.com", "U0ALICE"),  # by name, through users.list
        "Initech, LLC": ("initech.com", "U0BOB"),  # by email, users.lookupByEmail
        "Hooli": ("hooli.xyz", None),  # a guest can't own it: imported unowned
        "Vandelay Industries": ("vandelay.com", None),
    }
    with Session(engine) as session:
        bob = session.exec(select(Rep).where(Rep.slack_user_id == "U0BOB")).one()
        assert bob.email == "bob@rapport.test"
        actors = set(session.exec(select(AuditEntry.actor).where(AuditEntry.team_id == TEAM_ID)))
        assert all(actor.startswith("cli:") for actor in actors), actors
    lookups = [c for c in cli_env.calls if c.method == "users.lookupByEmail"]
    assert len(lookups) == 2  # bob and gus, once each

    again = rapport_import(str(path))
    assert again.exit_code == 0, again.output
    assert counts(again)["Unchanged"] == 4 and counts(again)["Created"] == 0


def test_hubspot_contacts_and_deals_land_on_their_accounts_with_stages_and_amounts(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    assert rapport_import(str(sample(tmp_path, "hubspot-companies.csv"))).exit_code == 0
    contacts = rapport_import(str(sample(tmp_path, "hubspot-contacts.csv")))
    assert contacts.exit_code == 0, contacts.output
    assert counts(contacts)["Created"] == 3
    deals_file = sample(tmp_path, "hubspot-deals.csv")
    deals = rapport_import(str(deals_file))
    assert deals.exit_code == 1, deals.output  # one stage the pipeline lacks
    assert counts(deals)["Created"] == 2 and counts(deals)["Error"] == 1
    [refused] = errors_of(deals_file)
    assert refused["Line"] == "4" and "Appointment Scheduled" in refused["Why"]
    assert "Lead, Qualified, Demo, Proposal, Negotiation, Won, Lost" in refused["Why"]
    assert refused["Deal Name"] == "Vandelay Latex"  # the row as it was, to fix and re-import
    with Session(engine) as session:
        peter = session.exec(select(Contact).where(Contact.email == "peter@initech.com")).one()
        assert (peter.name, peter.title) == ("Peter Gibbons", "Engineer")
        found = {
            d.name: (d.stage, d.amount_minor, d.currency, d.expected_close, d.owner_id)
            for d in session.exec(select(Deal).where(Deal.team_id == TEAM_ID))
        }
        alice = session.exec(select(Rep).where(Rep.slack_user_id == "U0ALICE")).one()
        bob = session.exec(select(Rep).where(Rep.slack_user_id == "U0BOB")).one()
    assert found == {
        "Globex Renewal": ("Proposal", 4_800_000, "USD", date(2026, 12, 31), alice.id),
        "Initech Pilot": ("Won", 1_250_000, "USD", date(2026, 2, 28), bob.id),
    }
    assert counts(rapport_import(str(deals_file)))["Unchanged"] == 2


def test_salesforce_reports_import_with_owners_by_name_and_currencies(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    assert rapport_import(str(sample(tmp_path, "salesforce-accounts.csv"))).exit_code == 0
    assert accounts_of(engine) == {
        "Acme Corporation": ("acme.com", "U0BOB"),
        "Umbrella Corp": ("umbrella.example", "U0ALICE"),
    }
    result = rapport_import(str(sample(tmp_path, "salesforce-opportunities.csv")))
    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        found = {
            d.name: (d.stage, d.amount_minor, d.currency, d.expected_close)
            for d in session.exec(select(Deal).where(Deal.team_id == TEAM_ID))
        }
    assert found == {
        "Acme Anvils 2027": ("Negotiation", 25_000_000, "EUR", date(2027, 1, 31)),
        "Umbrella Trial": ("Lost", 990_000, "USD", date(2026, 9, 30)),
    }


def test_an_excel_file_in_windows_1252_with_semicolons_and_european_amounts(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    result = rapport_import(str(sample(tmp_path, "excel-accounts.csv")))
    assert result.exit_code == 0, result.output
    assert accounts_of(engine) == {
        "Société Générale Café": ("cafe.example", "U0ALICE"),
        "Müller GmbH": ("mueller.example", "U0BOB"),
        'Zoë "Quoted" AG': (None, None),
    }
    deals = rapport_import(str(sample(tmp_path, "excel-deals.csv")), "--day-first")
    assert deals.exit_code == 0, deals.output
    with Session(engine) as session:
        deal = session.exec(select(Deal).where(Deal.team_id == TEAM_ID)).one()
    assert (deal.amount_minor, deal.currency, deal.expected_close) == (
        4_800_000, "EUR", date(2026, 12, 31),
    )  # fmt: skip


def test_acme_inc_in_a_file_joins_the_existing_acme_corp(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    with Session(engine) as session, session.begin():
        alice = make_rep(session, "U0ALICE", now=NOW)
        make_account(session, "Acme Corp", owner=alice, now=NOW)
    path = tmp_path / "accounts.csv"
    path.write_text('Account,Domain\n"ACME, Inc.",acme.com\n', encoding="utf-8")
    result = rapport_import(str(path))
    assert result.exit_code == 0, result.output
    assert counts(result)["Updated"] == 1
    assert accounts_of(engine) == {"Acme Corp": ("acme.com", "U0ALICE")}


def test_near_names_are_held_back_unless_merge_similar(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    with Session(engine) as session, session.begin():
        alice = make_rep(session, "U0ALICE", now=NOW)
        make_account(session, "Globex Holdings", owner=alice, now=NOW)
    path = tmp_path / "accounts.csv"
    path.write_text("Account,Domain\nGlobex Holdngs,globex.com\n", encoding="utf-8")
    held = rapport_import(str(path))
    assert held.exit_code == 1 and counts(held)["Possible duplicate"] == 1
    [why] = errors_of(path)
    assert "Looks like Globex Holdings" in why["Why"] and "--merge-similar" in why["Why"]
    assert accounts_of(engine) == {"Globex Holdings": (None, "U0ALICE")}
    merged = rapport_import(str(path), "--merge-similar")
    assert merged.exit_code == 0, merged.output
    assert accounts_of(engine) == {"Globex Holdings": ("globex.com", "U0ALICE")}
    assert not path.with_name("accounts.errors.csv").exists()  # the stale one is gone


def test_a_dry_run_says_what_would_happen_and_writes_nothing(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    result = rapport_import(str(sample(tmp_path, "hubspot-companies.csv")), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would import" in result.output and "nothing was written" in result.output
    assert counts(result)["Created"] == 4
    assert accounts_of(engine) == {}
