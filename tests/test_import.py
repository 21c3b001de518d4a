"""rapport import through the CLI: HubSpot, Salesforce and spreadsheet files, owners found by
name, email or Slack id, dedupe against what is there, and a second import changing nothing."""

import csv
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, col, select

from bot import importing
from bot.cli import main
from bot.exporting import export_workspace
from bot.standin.driver import TEAM_ID
from bot.standin.webapi import FakeSlack
from models.accounts import Account
from models.audit import AuditEntry
from models.contacts import Contact
from models.deals import Deal
from models.import_index import AccountIndex
from models.interactions import Interaction
from models.reps import Rep
from tests.factories import make_account, make_rep
from tests.test_export import populate

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


def empty_store(engine: Engine) -> None:
    tables = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as connection:
        for table in tables:
            connection.execute(text(f"DELETE FROM {table}"))


SHARED = ("accounts", "contacts", "deals", "interactions")


def test_export_import_into_an_empty_store_export_gives_the_same_files(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    cli_env.add_user("U0ALICE", name="alice", real_name="Alice Ng", email="alice@rapport.test")
    cli_env.add_user("U0BOB", name="bob", real_name="Bob Berg")
    with Session(engine) as session, session.begin():
        populate(session)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    export_workspace(engine, TEAM_ID, first)
    empty_store(engine)
    for name in SHARED:
        result = rapport_import(str(first / f"{name}.csv"), "--kind", name)
        assert result.exit_code == 0, (name, result.output)
        assert counts(result)["Created"] >= 1, (name, result.output)
    export_workspace(engine, TEAM_ID, second)
    for name in SHARED:
        assert (second / f"{name}.csv").read_text() == (first / f"{name}.csv").read_text(), name
    for name in SHARED:  # and once more changes nothing
        again = rapport_import(str(first / f"{name}.csv"), "--kind", name)
        assert counts(again)["Created"] == counts(again)["Updated"] == 0, (name, again.output)


def test_interactions_import_once_with_their_rep_and_contact(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    assert rapport_import(str(sample(tmp_path, "hubspot-companies.csv"))).exit_code == 0
    assert rapport_import(str(sample(tmp_path, "hubspot-contacts.csv"))).exit_code == 0
    path = tmp_path / "calls.csv"
    path.write_text(
        "Account,Date,Type,Notes,Rep,Contact Email\n"
        'Globex Corporation,11/20/2026 3:30 PM,Meeting,"Walked through the plan,\n'
        'two lines",alice@rapport.test,hank@globex.com\n'
        "Globex Corporation,2026-11-21,,Quick check-in,U0BOB,\n"
        "Globex Corporation,2026-11-22,,No rep,,\n"
        "Nowhere Inc,2026-11-22,call,Who?,U0BOB,\n",
        encoding="utf-8",
    )
    result = rapport_import(str(path))
    assert result.exit_code == 1, result.output
    assert counts(result)["Created"] == 2 and counts(result)["Error"] == 2
    whys = {row["Line"]: row["Why"] for row in errors_of(path)}
    assert "names no rep" in whys["5"]
    assert "There is no account called Nowhere Inc" in whys["6"]
    with Session(engine) as session:
        logged = session.exec(select(Interaction).order_by(col(Interaction.occurred_at))).all()
        hank = session.exec(select(Contact).where(Contact.email == "hank@globex.com")).one()
        globex = session.exec(select(Account).where(Account.name == "Globex Corporation")).one()
    assert [(i.kind, i.summary, i.contact_id) for i in logged] == [
        ("meeting", "Walked through the plan,\ntwo lines", hank.id),
        ("call", "Quick check-in", None),
    ]
    assert logged[0].occurred_at == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    assert globex.last_touched_at == datetime(2026, 11, 21, tzinfo=UTC)
    assert counts(rapport_import(str(path)))["Unchanged"] == 2


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (b"", "is empty: there is nothing to import"),
        (b"Account,Domain\n", "has its headers but no rows"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00binary", "isn't a CSV file (it holds binary data)"),
        (
            b"Name of pet,Favourite food\nRex,bones\n",
            "Can't tell what this file holds: its columns are “Name of pet”, “Favourite food”",
        ),
    ],
    ids=["empty", "headers only", "binary (an xlsx)", "unknown layout"],
)
def test_a_file_that_cant_be_imported_gets_one_sentence(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path, content: bytes, sentence: str
) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    result = rapport_import(str(path))
    assert result.exit_code == 2
    assert sentence in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_an_unknown_layout_for_a_given_kind_names_the_columns_needed_and_map_fixes_it(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    path = tmp_path / "clients.csv"
    path.write_text("Client,Web\nWayne Enterprises,wayne.example\n", encoding="utf-8")
    refused = rapport_import(str(path), "--kind", "accounts")
    assert refused.exit_code == 2
    assert "columns are “Client”, “Web”; a accounts file needs Account" in refused.output
    mapped = rapport_import(str(path), "--map", "Client=account", "--map", "Web=domain")
    assert mapped.exit_code == 0, mapped.output
    assert accounts_of(engine) == {"Wayne Enterprises": ("wayne.example", None)}
    bad = rapport_import(str(path), "--map", "Client=acount")
    assert bad.exit_code == 2 and "there is no field acount" in bad.output


def test_a_50_mb_file_that_is_no_table_gets_one_sentence(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    path = tmp_path / "dump.csv"
    with path.open("wb") as file:
        file.write(b"Account,Domain\n")
        file.write(b"x" * (50 * 1024 * 1024))
    result = rapport_import(str(path))
    assert result.exit_code == 2 and "line 2" in result.output, result.output
    assert accounts_of(engine) == {}


def test_bad_rows_go_to_the_errors_file_and_the_rest_imports(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    assert rapport_import(str(sample(tmp_path, "hubspot-companies.csv"))).exit_code == 0
    accounts = tmp_path / "more.csv"
    accounts.write_text(
        "\ufeffAccount\tOwner\n"  # a BOM, and tabs
        "Stark Industries\tU0GUEST\n"
        "Stark Industries\tU0ALICE\n"
        "Wayne Enterprises\tnobody@nowhere.test\n"
        "!!!\t\n",
        encoding="utf-8",
    )
    result = rapport_import(str(accounts))
    assert result.exit_code == 1, result.output
    assert counts(result)["Created"] == 2 and counts(result)["Error"] == 2
    assert "U0GUEST is a guest in Slack" in result.output
    assert "Nobody in Slack is nobody@nowhere.test" in result.output
    whys = {row["Line"]: row["Why"] for row in errors_of(accounts)}
    assert whys == {
        "3": "The same as line 2, which was imported.",
        "5": "An account name needs at least one letter or digit.",
    }
    deals = tmp_path / "deals.csv"
    deals.write_text(
        "Deal,Account,Stage,Amount,Currency\n"
        "Suits,Stark Industries,Demo,1000,Dollars\n"
        "Repulsors,Stark Industries,Demo,lots,\n"
        "Arc,Stark Industries,Demo,5000,eur\n",
        encoding="utf-8",
    )
    result = rapport_import(str(deals))
    assert counts(result)["Created"] == 1 and counts(result)["Error"] == 2
    whys = {row["Line"]: row["Why"] for row in errors_of(deals)}
    assert whys["2"] == "“Dollars” isn't a currency code; write it like USD or EUR."
    assert "“lots” isn't an amount" in whys["3"]


def test_a_crash_halfway_loses_nothing_and_a_rerun_finishes(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text(
        "Account\n" + "".join(f"Company {n:03d}\n" for n in range(25)), encoding="utf-8"
    )
    monkeypatch.setattr(importing, "BATCH_ROWS", 10)
    real, calls = importing._import, []

    def crash_on_third(*args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the machine lost power")
        return real(*args)

    monkeypatch.setattr(importing, "_import", crash_on_third)
    crashed = rapport_import(str(path))
    assert crashed.exit_code != 0
    assert len(accounts_of(engine)) == 20  # two batches committed
    monkeypatch.setattr(importing, "_import", real)
    rerun = rapport_import(str(path))
    assert counts(rerun)["Unchanged"] == 20 and counts(rerun)["Created"] == 5
    assert len(accounts_of(engine)) == 25


def test_erasing_a_contact_scrubs_the_errors_files_an_import_wrote(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    assert rapport_import(str(sample(tmp_path, "hubspot-companies.csv"))).exit_code == 0
    path = tmp_path / "people.csv"
    path.write_text(
        "Company,Name,Email\n"
        "Hooli,Gavin Belson,gavin@hooli.xyz\n"
        "Nowhere Corp,Gavin Belson,gavin@hooli.xyz\n",
        encoding="utf-8",
    )
    assert rapport_import(str(path)).exit_code == 1
    errors = path.with_name("people.errors.csv")
    assert "gavin@hooli.xyz" in errors.read_text()
    erased = CliRunner().invoke(
        main, ["erase-contact", "gavin@hooli.xyz", "--yes", "--team", TEAM_ID]
    )
    assert erased.exit_code == 0, erased.output
    assert "1 file(s) scrubbed" in erased.output
    left = errors.read_text()
    assert "gavin" not in left.casefold() and "[erased]" in left


def test_an_account_created_in_slack_while_a_batch_ran_is_updated_not_doubled(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as session, session.begin():
        alice = make_rep(session, "U0ALICE", now=NOW)
        make_account(session, "Pied Piper", owner=alice, now=NOW)
    real, seen = AccountIndex.prepare, []

    def blind_once(self, session, keys, domains):  # as if it were created just after the read
        seen.append(1)
        if len(seen) == 1:
            self.by_key, self.by_domain = {}, {}
            return None
        return real(self, session, keys, domains)

    monkeypatch.setattr(AccountIndex, "prepare", blind_once)
    path = tmp_path / "accounts.csv"
    path.write_text("Account,Domain\nPied Piper,piedpiper.com\nRaviga,raviga.com\n")
    result = rapport_import(str(path))
    assert result.exit_code == 0, result.output
    assert counts(result)["Updated"] == 1 and counts(result)["Created"] == 1
    assert accounts_of(engine) == {
        "Pied Piper": ("piedpiper.com", "U0ALICE"), "Raviga": ("raviga.com", None),
    }  # fmt: skip


def test_a_row_refused_as_a_repeat_claims_nothing_for_the_rows_after_it(
    engine: Engine, cli_env: FakeSlack, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text(
        "Account,Domain\nFoo Labs,foo.example\nBar Works,foo.example\nBar Works,\n",
        encoding="utf-8",
    )
    result = rapport_import(str(path))
    assert counts(result)["Created"] == 2 and counts(result)["Error"] == 1
    assert {row["Line"]: row["Why"] for row in errors_of(path)} == {
        "3": "The same as line 2, which was imported."
    }
    assert accounts_of(engine) == {
        "Foo Labs": ("foo.example", None), "Bar Works": (None, None),
    }  # fmt: skip
