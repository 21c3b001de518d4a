"""Erasure: after erase-contact, the person's name and email are nowhere in the store."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import JSON, Engine, String, Text
from sqlalchemy import select as select_columns
from sqlmodel import Session, SQLModel, select

from bot.cli import main
from bot.standin.driver import TEAM_ID
from models import contacts, erasure, pending
from models.audit import AuditEntry
from models.base import DomainError, NotFound
from models.contacts import Contact
from models.deals import DealStageChange
from models.followups import create_followup
from models.interactions import Interaction, InteractionKind, log_interaction
from tests.conftest import OTHER_TEAM
from tests.factories import make_account, make_deal, make_rep

NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
NAME, EMAIL = "Peter Gibbons", "peter.gibbons@initech.com"


def populate(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    initech = make_account(session, "Initech", owner=alice, now=NOW)
    contacts.save_contact(
        session=session, account=initech, name=NAME, email=EMAIL, title="Engineer",
        actor="U0ALICE", now=NOW,
    )  # fmt: skip
    contacts.save_contact(
        session=session,
        account=initech,
        name=NAME,
        email=EMAIL.upper(),
        title="Architect",
        actor="U0ALICE",
        now=NOW,
    )  # fmt: skip: an edit, so the audit's before and after hold them
    contacts.save_contact(
        session=session, account=initech, name="Milton Waddams", email="milton@initech.com",
        title="Stapler", actor="U0ALICE", now=NOW,
    )  # fmt: skip
    peter = contacts.get_by_email(session=session, team_id=TEAM_ID, email=EMAIL)
    assert peter is not None
    for summary in (
        f"Called PETER gibbons about TPS reports; mail {EMAIL.upper()} the cover sheet",
        "Lunch with Milton and peter  Gibbons",
    ):
        log_interaction(
            session=session, account=initech, rep=alice, kind=InteractionKind.CALL,
            summary=summary, occurred_at=NOW, now=NOW, source="slash", source_key=None,
            contact_id=peter.id,
        )  # fmt: skip
    create_followup(
        session=session, rep=alice, account=initech, due_at=NOW + timedelta(days=1),
        note=f"Send {NAME} the memo", now=NOW,
    )  # fmt: skip
    deal = make_deal(session, initech, alice, "Lost", 100, now=NOW)
    deal.lost_reason = f"{NAME} left for a construction job"
    session.add(
        DealStageChange(
            team_id=TEAM_ID, deal_id=deal.id, account_id=initech.id, from_stage="Demo",
            to_stage="Lost", changed_at=NOW, note=f"{NAME} left",
        )
    )  # fmt: skip
    pending.create_pending(
        session=session, team_id=TEAM_ID, slack_user_id="U0ALICE", kind="crm.contact",
        payload={"name": NAME, "email": EMAIL, "expect": {"name": NAME}}, now=NOW,
    )  # fmt: skip
    other = make_rep(session, "U0OTHER", now=NOW, team_id=OTHER_TEAM)
    elsewhere = make_account(session, "Initech", owner=other, now=NOW)
    contacts.save_contact(
        session=session, account=elsewhere, name=NAME, email=EMAIL, title=None,
        actor="U0OTHER", now=NOW,
    )  # fmt: skip


def mentions(engine: Engine, *needles: str, team_id: str | None = None) -> list[str]:
    """Every table.column (of every text or JSON column in the metadata) holding a needle."""
    found = []
    with Session(engine) as session:
        for table in SQLModel.metadata.sorted_tables:
            columns = [
                c for c in table.columns if isinstance(c.type, String | Text | JSON)
                or isinstance(getattr(c.type, "impl", None), String | Text | JSON)
            ]  # fmt: skip
            statement = select_columns(*columns)
            if team_id is not None:
                statement = statement.where(table.c.team_id == team_id)
            for row in session.execute(statement):
                for column, value in zip(columns, row, strict=True):
                    shown = json.dumps(value, ensure_ascii=False) if value is not None else ""
                    if isinstance(value, str):
                        shown = value
                    shown = " ".join(shown.split()).casefold()
                    for needle in needles:
                        if needle.casefold() in shown:
                            found.append(f"{table.name}.{column.name}")
    return sorted(set(found))


@pytest.fixture
def populated(engine: Engine) -> Engine:
    with Session(engine) as session, session.begin():
        populate(session)
    return engine


def erase(engine: Engine, email: str = EMAIL) -> erasure.Erased:
    with Session(engine) as session, session.begin():
        return erasure.erase_contact(
            session=session, team_id=TEAM_ID, email=email, actor="cli:admin", now=NOW
        )


def test_after_erasure_the_name_and_email_are_nowhere_in_the_workspace(
    populated: Engine,
) -> None:
    before = mentions(populated, NAME, EMAIL, team_id=TEAM_ID)
    assert {"audit_log.before", "audit_log.after", "interactions.summary"} <= set(before)
    assert {"followups.note", "deals.lost_reason", "deal_stage_changes.note"} <= set(before)
    assert "pending_actions.payload" in before
    erased = erase(populated, "  Peter.Gibbons@INITECH.com ")
    assert mentions(populated, NAME, EMAIL, team_id=TEAM_ID) == []
    assert (erased.contacts, erased.unlinked) == (1, 2)
    assert erased.scrubbed["interactions"] == 2 and erased.scrubbed["audit_log"] >= 3
    with Session(populated) as session:
        summaries = session.exec(select(Interaction.summary).order_by(Interaction.id)).all()
        links = session.exec(select(Interaction.contact_id)).all()
        left = session.exec(select(Contact.name).where(Contact.team_id == TEAM_ID)).all()
        [entry] = session.exec(
            select(AuditEntry).where(AuditEntry.action == "contact.erased")
        ).all()
    assert list(summaries)[:2] == [
        "Called [erased] about TPS reports; mail [erased] the cover sheet",
        "Lunch with Milton and [erased]",
    ]
    assert list(links) == [None, None]
    assert list(left) == ["Milton Waddams"]  # nobody else is touched
    assert (entry.actor, entry.entity, entry.before) == ("cli:admin", "contact", None)
    assert entry.after["scrubbed"]["interactions"] == 2


def test_erasure_stays_in_its_workspace(populated: Engine) -> None:
    erase(populated)
    assert mentions(populated, NAME, EMAIL, team_id=OTHER_TEAM) == [
        "audit_log.after",
        "contacts.email",
        "contacts.name",
    ]


def test_an_email_nobody_has_is_one_sentence_and_writes_nothing(populated: Engine) -> None:
    with Session(populated) as session:
        count = len(session.exec(select(AuditEntry)).all())
    with pytest.raises(NotFound, match=r"No contact has the email nobody@initech\.com; nothing"):
        erase(populated, "nobody@initech.com")
    with pytest.raises(DomainError, match="isn't an email address"):
        erase(populated, "peter at initech")
    with Session(populated) as session:
        assert len(session.exec(select(AuditEntry)).all()) == count


def test_a_second_erasure_finds_nobody(populated: Engine) -> None:
    erase(populated)
    with pytest.raises(NotFound):
        erase(populated)


def test_the_file_scrubber_hook_gets_the_needles(populated: Engine) -> None:
    seen = []

    def scrub(session: Session, team_id: str, needles: list[str]) -> int:
        seen.append((team_id, sorted(needles)))
        return 1

    with Session(populated) as session, session.begin():
        erased = erasure.erase_contact(
            session=session, team_id=TEAM_ID, email=EMAIL, actor="U0ADMIN", now=NOW,
            scrub_files=scrub,
        )  # fmt: skip
    assert seen == [(TEAM_ID, sorted([EMAIL, NAME]))] and erased.files == 1


def test_names_outside_ascii_are_erased_too(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        alice = make_rep(session, "U0ALICE", now=NOW)
        acme = make_account(session, "Acme", owner=alice, now=NOW)
        contacts.save_contact(
            session=session, account=acme, name="Zoë Ångström", email="zoe@acme.com",
            title=None, actor="U0ALICE", now=NOW,
        )  # fmt: skip
        log_interaction(
            session=session, account=acme, rep=alice, kind=InteractionKind.NOTE,
            summary="met ZOË ÅNGSTRÖM", occurred_at=NOW, now=NOW, source="slash",
            source_key=None,
        )  # fmt: skip
    erase(engine, "zoe@acme.com")
    assert mentions(engine, "Zoë Ångström", "zoe@acme.com") == []


@pytest.fixture
def cli_env(monkeypatch, database_url: str, fake_slack) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)


def test_rapport_erase_contact_asks_first_and_no_keeps_everything(
    populated: Engine, cli_env: None
) -> None:
    result = CliRunner().invoke(main, ["erase-contact", EMAIL], input="n\n")
    assert result.exit_code == 1 and "Erase Peter Gibbons" in result.output
    assert "contacts.email" in mentions(populated, EMAIL, team_id=TEAM_ID)
    done = CliRunner().invoke(main, ["erase-contact", EMAIL], input="y\n")
    assert done.exit_code == 0, done.output
    assert "Erased 1 contact(s)" in done.output
    assert mentions(populated, NAME, EMAIL, team_id=TEAM_ID) == []


def test_rapport_erase_contact_yes_and_bad_input(populated: Engine, cli_env: None) -> None:
    bad = CliRunner().invoke(main, ["erase-contact", "not-an-email", "--yes"])
    assert bad.exit_code == 2 and "isn't an email address" in bad.output
    nobody = CliRunner().invoke(main, ["erase-contact", "nobody@initech.com", "--yes"])
    assert nobody.exit_code == 1 and "nothing was erased" in nobody.output
    done = CliRunner().invoke(main, ["erase-contact", EMAIL, "--yes", "--team", TEAM_ID])
    assert done.exit_code == 0, done.output
    assert mentions(populated, NAME, EMAIL, team_id=TEAM_ID) == []
