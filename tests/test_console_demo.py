"""rapport console --demo: the sample team's store, seeded through models/ alone."""

import ast
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, SQLModel, col, select

import bot.console.demo
from bot import db
from bot.console.demo import CHANNEL_ACCOUNTS, DEMO_CHANNELS, DEMO_TEAM_ID, DEMO_USERS, seed_demo
from bot.standin import payloads
from bot.standin.records import user_record
from models import channels, summaries
from models.accounts import Account
from models.contacts import Contact
from models.deals import Deal
from models.followups import Followup
from models.interactions import Interaction
from models.reps import Rep
from models.stages import DEFAULT_PIPELINE, StageOutcome

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return db.make_session_factory(engine)


def seeded(factory: sessionmaker[Session], now: datetime = NOW, seed: int = 7) -> Session:
    seed_demo(db=factory, now=now, seed=seed)
    return factory()


def count(session: Session, model: type[SQLModel]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_demo_seed_fills_a_fresh_store_with_the_sample_team(
    factory: sessionmaker[Session],
) -> None:
    # (How long it takes is bench/console.py's business: a timed test on a shared machine
    # measures the neighbours.)
    seed_demo(db=factory, now=NOW)
    with factory() as session:
        assert count(session, Account) == 30
        assert count(session, Interaction) >= 200
        assert count(session, Contact) >= 60
        assert {d.stage for d in session.exec(select(Deal))} == {
            s.name for s in DEFAULT_PIPELINE.stages
        }


def test_demo_reps_have_their_zone_email_and_one_admin(factory: sessionmaker[Session]) -> None:
    with seeded(factory) as session:
        reps = {rep.slack_user_id: rep for rep in session.exec(select(Rep))}
    assert set(reps) == {user.id for user in DEMO_USERS}
    for user in DEMO_USERS:
        rep = reps[user.id]
        assert (rep.name, rep.tz, rep.email, rep.is_admin) == (
            user.real_name,
            user.tz,
            user.email,
            user.is_admin,
        )
        ZoneInfo(rep.tz)  # a real IANA zone
    assert len({user.tz for user in DEMO_USERS}) == len(DEMO_USERS)
    assert [user.is_admin for user in DEMO_USERS].count(True) == 1
    assert DEMO_USERS[0].is_admin  # the console acts as the admin unless told otherwise


def test_demo_users_and_channels_fit_the_stand_in_workspace() -> None:
    assert DEMO_TEAM_ID == payloads.TEAM_ID
    for user in DEMO_USERS:
        profile = {k: v for k, v in dataclasses.asdict(user).items() if k != "id"}
        record = user_record(user.id, team_id=DEMO_TEAM_ID, **profile)
        assert record["tz"] == user.tz and record["profile"]["email"] == user.email
    assert all(cid.startswith("C") and cid.isupper() for cid, _ in DEMO_CHANNELS)
    assert "sales" in dict(DEMO_CHANNELS).values()
    assert set(CHANNEL_ACCOUNTS) < set(dict(DEMO_CHANNELS))


def test_demo_deals_reach_every_stage_and_lost_ones_say_why(
    factory: sessionmaker[Session],
) -> None:
    with seeded(factory) as session:
        deals = list(session.exec(select(Deal)))
    for stage in DEFAULT_PIPELINE.stages:
        assert any(deal.stage == stage.name for deal in deals), stage.name
    for deal in deals:
        outcome = DEFAULT_PIPELINE.find(deal.stage)
        assert outcome is not None and deal.currency in {"USD", "EUR"} and deal.amount_minor
        assert (deal.closed_at is not None) == outcome.is_closed
        assert bool(deal.lost_reason) == (outcome.outcome == StageOutcome.LOST)
        assert deal.created_at <= deal.stage_changed_at < NOW


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 11, 24, 3, 30, tzinfo=UTC),  # Tokyo's afternoon, New York's night
        datetime(2026, 11, 28, 23, 55, tzinfo=UTC),  # a Saturday, five to midnight in London
        datetime(2027, 3, 28, 0, 30, tzinfo=UTC),  # Europe's clocks go forward tonight
    ],
)
def test_every_demo_rep_has_followups_due_later_today_and_overdue_and_stale_accounts(
    factory: sessionmaker[Session], now: datetime
) -> None:
    with seeded(factory, now) as session:
        for rep in session.exec(select(Rep)):
            home = summaries.home_summary(
                session=session, team_id=DEMO_TEAM_ID, rep_id=rep.id or 0, now=now, tz=rep.tz,
                stale_days=30,
            )  # fmt: skip
            assert home.today_total >= 1 and home.overdue_total >= 1, rep.slack_user_id
            assert home.stale_total >= 1 and home.stages, rep.slack_user_id
            today = now.astimezone(ZoneInfo(rep.tz)).date()
            for row in home.overdue:
                days = (today - row.due_at.astimezone(ZoneInfo(rep.tz)).date()).days
                assert 1 <= days <= 5, (rep.slack_user_id, row.due_at)
            for row in home.today:
                local = row.due_at.astimezone(ZoneInfo(rep.tz))
                assert local.date() == today and row.due_at > now


def test_demo_times_are_aware_utc_before_now_and_within_90_days(
    factory: sessionmaker[Session],
) -> None:
    with seeded(factory) as session:
        touched = [i.occurred_at for i in session.exec(select(Interaction))]
        followups = list(session.exec(select(Followup)))
    assert all(at.tzinfo is not None and at.utcoffset() == timedelta(0) for at in touched)
    assert all(NOW - timedelta(days=92) < at < NOW for at in touched)
    assert all(f.created_at < NOW and f.due_at.utcoffset() == timedelta(0) for f in followups)


def test_demo_contacts_write_from_their_company_domain(factory: sessionmaker[Session]) -> None:
    with seeded(factory) as session:
        rows = session.exec(select(Contact, Account).join(Account))
        for contact, account in rows:
            assert account.domain and str(contact.email).endswith("@" + account.domain)


def test_demo_deal_channels_are_linked_to_their_accounts(factory: sessionmaker[Session]) -> None:
    with seeded(factory) as session:
        for channel_id, _ in DEMO_CHANNELS:
            linked = channels.get_linked_account(
                session=session, team_id=DEMO_TEAM_ID, channel_id=channel_id
            )
            assert (linked.name if linked else None) == CHANNEL_ACCOUNTS.get(channel_id)


def test_every_demo_row_is_in_the_demo_workspace(factory: sessionmaker[Session]) -> None:
    with seeded(factory) as session:
        for table in SQLModel.metadata.sorted_tables:
            if "team_id" in table.c:
                others = (
                    select(func.count())
                    .select_from(table)
                    .where(col(table.c.team_id) != DEMO_TEAM_ID)
                )
                assert session.exec(others).one() == 0, table.name


def test_demo_seed_is_the_same_for_the_same_seed_and_now(
    factory: sessionmaker[Session], engine: Engine
) -> None:
    def picture() -> list[tuple[object, ...]]:
        with factory() as session:
            rows = session.exec(
                select(Account.name, Interaction.kind, Interaction.summary, Interaction.occurred_at)
                .join(Account)
                .order_by(Account.name, col(Interaction.occurred_at), Interaction.summary)
            )
            return [tuple(row) for row in rows]

    seed_demo(db=factory, now=NOW)
    first = picture()
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())
    seed_demo(db=factory, now=NOW)
    assert picture() == first


def test_demo_seeding_writes_through_models_only() -> None:
    tree = ast.parse(Path(bot.console.demo.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = frozenset(alias.name for alias in node.names)
            assert module.split(".")[0] in {"models", "dataclasses", "datetime", "random"} or (
                (module, names)
                in {
                    ("zoneinfo", frozenset({"ZoneInfo"})),
                    ("sqlalchemy.orm", frozenset({"sessionmaker"})),
                    ("sqlmodel", frozenset({"Session"})),
                    ("bot.standin.payloads", frozenset({"TEAM_ID"})),
                }
            ), module
        assert not isinstance(node, ast.Import), "import what you use from models/"
        if isinstance(node, ast.Attribute):
            assert node.attr not in {"execute", "exec", "exec_driver_sql", "scalars", "scalar"}
