"""Pipeline stages: one vocabulary per workspace, read by every summary."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, event, inspect
from sqlmodel import Session, col, func, select

from bot import db
from bot.standin.driver import TEAM_ID
from models.audit import AuditEntry
from models.base import DomainError, id_of
from models.reps import Rep
from models.stages import (
    DEFAULT_PIPELINE,
    InvalidPipeline,
    Pipeline,
    PipelineStage,
    Stage,
    StageOutcome,
    get_pipeline,
    set_pipeline,
)
from models.summaries import home_summary, owner_card
from tests.databases import temporary_database
from tests.factories import make_account, make_deal, make_rep

OTHER_TEAM = "T0OTHER"
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
WON, LOST = StageOutcome.WON, StageOutcome.LOST
RENAMED = (
    Stage("Lead", probability=10),
    Stage("Demo", probability=40),
    Stage("Closed Won", WON, 100),
    Stage("Closed Lost", LOST, 0),
)
# Another team's idea of order: a pilot before the demo, no Lead at all.
REORDERED = (
    Stage("Discovery"),
    Stage("Pilot"),
    Stage("Demo"),
    Stage("Signed", WON),
    Stage("Dropped", LOST),
)


@pytest.fixture
def ada(session: Session) -> Rep:
    return make_rep(session, "U0ADMIN", now=NOW - timedelta(days=30), is_admin=True)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on `engine` inside the block."""
    seen: list[str] = []

    def capture(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def names(stages: tuple[Stage, ...]) -> list[str]:
    return [stage.name for stage in stages]


def test_the_default_pipeline_is_the_products_lead_to_won_or_lost() -> None:
    pipeline = DEFAULT_PIPELINE
    assert names(pipeline.stages) == [
        "Lead",
        "Qualified",
        "Demo",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]
    assert names(pipeline.open_stages) == names(pipeline.stages)[:5]
    assert (pipeline.first.name, pipeline.won.name, pipeline.lost.name) == ("Lead", "Won", "Lost")
    assert pipeline.closed_names == ("Won", "Lost")
    probabilities = [stage.probability for stage in pipeline.stages]
    assert probabilities == [10, 25, 40, 60, 80, 100, 0]


def test_a_pipeline_finds_stages_whatever_their_case_and_spacing() -> None:
    pipeline = Pipeline(RENAMED)
    assert pipeline.find("closed  WON") == Stage("Closed Won", WON, 100)
    assert pipeline.find(" demo ") == Stage("Demo", probability=40)
    assert pipeline.find("Won") is None
    assert pipeline.is_closed("closed lost") and pipeline.is_closed("Closed Won")
    assert not pipeline.is_closed("Demo")
    assert not pipeline.is_closed("Won")  # not a stage of this pipeline: open


def test_stages_the_pipeline_lacks_sort_last_by_name() -> None:
    pipeline = Pipeline(REORDERED)
    stages = ["Lead", "Demo", "On hold", "Discovery", "Signed", "Pilot"]
    assert sorted(stages, key=pipeline.order_key) == [
        "Discovery",
        "Pilot",
        "Demo",
        "Signed",
        "Lead",
        "On hold",
    ]


def test_next_after_moves_through_open_stages_only() -> None:
    pipeline = DEFAULT_PIPELINE
    assert pipeline.next_after("lead") == Stage("Qualified", probability=25)
    assert pipeline.next_after("Negotiation") is None  # closing is `won` or `lost`, not `next`
    assert pipeline.next_after("Won") is None
    assert pipeline.next_after("On hold") is None
    mixed = Pipeline((Stage("A"), Stage("Parked", LOST), Stage("B"), Stage("Won", WON)))
    assert mixed.next_after("A") == Stage("B")
    assert mixed.first == Stage("A")


@pytest.mark.parametrize(
    ("stages", "says"),
    [
        ((Stage("Won", WON), Stage("Lost", LOST)), "an open stage besides"),
        ((Stage("Lead"), Stage("Lost", LOST)), "a won stage and a lost stage"),
        ((Stage("Lead"), Stage("Won", WON)), "a won stage and a lost stage"),
        ((Stage("Lead"), Stage(" LEAD"), Stage("W", WON), Stage("L", LOST)), "appears twice"),
        ((Stage(" "), Stage("W", WON), Stage("L", LOST)), "needs a name"),
        ((Stage("x" * 65), Stage("W", WON), Stage("L", LOST)), "at most 64 characters"),
        ((Stage("Lead", probability=101), Stage("W", WON), Stage("L", LOST)), "0% to 100%"),
        ((Stage("Lead", probability=-1), Stage("W", WON), Stage("L", LOST)), "0% to 100%"),
        ((), "an open stage besides"),
        (tuple(Stage(f"S{n}") for n in range(29)) + RENAMED[2:], "at most 30 stages"),
    ],
)
def test_an_unusable_pipeline_is_refused_in_one_sentence(
    stages: tuple[Stage, ...], says: str
) -> None:
    with pytest.raises(InvalidPipeline, match=says) as error:
        Pipeline(stages)
    assert isinstance(error.value, DomainError) and str(error.value).endswith(".")


def test_a_workspace_without_its_own_stages_reads_the_default_and_stores_nothing(
    engine: Engine, session: Session
) -> None:
    with statements(engine) as seen:
        assert get_pipeline(session=session, team_id=TEAM_ID) is DEFAULT_PIPELINE
    assert len(seen) == 1 and seen[0].lstrip().upper().startswith("SELECT")
    assert not session.new and not session.dirty
    count = session.exec(select(func.count()).select_from(PipelineStage)).one()
    assert count == 0


def test_set_pipeline_stores_the_workspaces_own_stages_for_that_workspace_only(
    session: Session, ada: Rep
) -> None:
    stored = set_pipeline(session=session, team_id=TEAM_ID, stages=RENAMED, actor=ada, now=NOW)
    assert stored == Pipeline(RENAMED)
    assert get_pipeline(session=session, team_id=TEAM_ID) == Pipeline(RENAMED)
    assert get_pipeline(session=session, team_id=OTHER_TEAM) is DEFAULT_PIPELINE
    rows = session.exec(select(PipelineStage).order_by(col(PipelineStage.position))).all()
    assert [(r.team_id, r.position, r.name, r.normalized_name, r.outcome) for r in rows] == [
        (TEAM_ID, 0, "Lead", "lead", "open"),
        (TEAM_ID, 1, "Demo", "demo", "open"),
        (TEAM_ID, 2, "Closed Won", "closed won", "won"),
        (TEAM_ID, 3, "Closed Lost", "closed lost", "lost"),
    ]
    assert all(r.created_at == r.updated_at == NOW for r in rows)


def test_set_pipeline_tidies_names_and_keeps_created_at_of_stages_it_keeps(
    session: Session, ada: Rep
) -> None:
    set_pipeline(session=session, team_id=TEAM_ID, stages=RENAMED, actor=ada, now=NOW)
    later = NOW + timedelta(days=1)
    again = (Stage("  Qualified "), *RENAMED[1:])
    stored = set_pipeline(session=session, team_id=TEAM_ID, stages=again, actor=ada, now=later)
    assert names(stored.stages) == ["Qualified", "Demo", "Closed Won", "Closed Lost"]
    rows = session.exec(select(PipelineStage).order_by(col(PipelineStage.position))).all()
    assert [(r.name, r.created_at, r.updated_at) for r in rows] == [
        ("Qualified", later, later),
        ("Demo", NOW, later),
        ("Closed Won", NOW, later),
        ("Closed Lost", NOW, later),
    ]


def test_set_pipeline_is_audited_with_before_and_after_and_unchanged_writes_nothing(
    session: Session, ada: Rep
) -> None:
    set_pipeline(session=session, team_id=TEAM_ID, stages=RENAMED, actor=ada, now=NOW)
    set_pipeline(session=session, team_id=TEAM_ID, stages=RENAMED, actor=ada, now=NOW)
    (entry,) = session.exec(select(AuditEntry).where(AuditEntry.entity == "pipeline")).all()
    assert (entry.actor, entry.action, entry.at) == ("U0ADMIN", "pipeline.set", NOW)
    assert entry.before is not None and entry.after is not None
    assert entry.before["default"] is True
    assert [s["name"] for s in entry.before["stages"]] == names(DEFAULT_PIPELINE.stages)
    assert entry.after["default"] is False
    assert entry.after["stages"][2] == {"name": "Closed Won", "outcome": "won", "probability": 100}


def test_set_pipeline_refuses_an_unusable_pipeline_and_keeps_the_old_one(
    session: Session, ada: Rep
) -> None:
    set_pipeline(session=session, team_id=TEAM_ID, stages=RENAMED, actor=ada, now=NOW)
    with pytest.raises(InvalidPipeline):
        set_pipeline(session=session, team_id=TEAM_ID, stages=RENAMED[:2], actor=ada, now=NOW)
    assert get_pipeline(session=session, team_id=TEAM_ID) == Pipeline(RENAMED)


def test_set_pipeline_leaves_the_commit_to_the_caller(engine: Engine) -> None:
    factory = db.make_session_factory(engine)
    with factory() as session:
        ada = make_rep(session, "U0ADMIN", now=NOW, is_admin=True)
        set_pipeline(session=session, team_id=TEAM_ID, stages=RENAMED, actor=ada, now=NOW)
        session.rollback()
    with factory() as session:
        assert get_pipeline(session=session, team_id=TEAM_ID) is DEFAULT_PIPELINE


def test_a_renamed_won_and_lost_are_not_open_on_the_owner_card_or_app_home(
    session: Session, ada: Rep
) -> None:
    set_pipeline(session=session, team_id=TEAM_ID, stages=RENAMED, actor=ada, now=NOW)
    acme = make_account(session, "Acme", owner=ada, now=NOW)
    make_deal(session, acme, ada, "Demo", 500, now=NOW)
    make_deal(session, acme, ada, "Closed Won", 90_000, now=NOW)
    make_deal(session, acme, ada, "Closed Lost", 70_000, now=NOW)
    make_deal(session, acme, ada, "closed won", 1_000, now=NOW)  # imported in another case
    card = owner_card(session=session, team_id=TEAM_ID, account_id=id_of(acme))
    assert (card.open_deals, card.open_stages) == (1, ["Demo"])
    assert [(t.amount_minor, t.count) for t in card.open_totals] == [(500, 1)]
    home = home_summary(
        session=session, team_id=TEAM_ID, rep_id=id_of(ada), now=NOW, tz="UTC", stale_days=14
    )
    assert [group.stage for group in home.stages] == ["Demo"]


def test_a_deal_in_a_stage_the_pipeline_lacks_is_open_and_shown_last(
    session: Session, ada: Rep
) -> None:
    set_pipeline(session=session, team_id=TEAM_ID, stages=RENAMED, actor=ada, now=NOW)
    acme = make_account(session, "Acme", owner=ada, now=NOW)
    make_deal(session, acme, ada, "Won", 300, now=NOW)  # the old name: this pipeline lacks it
    make_deal(session, acme, ada, "Demo", 200, now=NOW)
    make_deal(session, acme, ada, "Lead", 100, now=NOW)
    card = owner_card(session=session, team_id=TEAM_ID, account_id=id_of(acme))
    assert (card.open_deals, card.open_stages) == (3, ["Lead", "Demo", "Won"])
    home = home_summary(
        session=session, team_id=TEAM_ID, rep_id=id_of(ada), now=NOW, tz="UTC", stale_days=14
    )
    assert [(g.stage, g.totals[0].amount_minor) for g in home.stages] == [
        ("Lead", 100),
        ("Demo", 200),
        ("Won", 300),
    ]


def test_a_custom_stage_order_is_the_order_shown(session: Session, ada: Rep) -> None:
    set_pipeline(session=session, team_id=TEAM_ID, stages=REORDERED, actor=ada, now=NOW)
    acme = make_account(session, "Acme", owner=ada, now=NOW)
    for stage in ["Demo", "Pilot", "Discovery", "Signed", "Dropped"]:
        make_deal(session, acme, ada, stage, 100, now=NOW)
    card = owner_card(session=session, team_id=TEAM_ID, account_id=id_of(acme))
    assert card.open_stages == ["Discovery", "Pilot", "Demo"] and card.open_deals == 3
    home = home_summary(
        session=session, team_id=TEAM_ID, rep_id=id_of(ada), now=NOW, tz="UTC", stale_days=14
    )
    assert [group.stage for group in home.stages] == ["Discovery", "Pilot", "Demo"]


def test_another_workspaces_pipeline_changes_nothing_here(session: Session, ada: Rep) -> None:
    stranger = make_rep(session, "U0STRANGER", now=NOW, team_id=OTHER_TEAM)
    set_pipeline(session=session, team_id=OTHER_TEAM, stages=REORDERED, actor=stranger, now=NOW)
    acme = make_account(session, "Acme", owner=ada, now=NOW)
    for stage in ["Demo", "Lead", "Won", "Lost", "Signed"]:
        make_deal(session, acme, ada, stage, 100, now=NOW)
    card = owner_card(session=session, team_id=TEAM_ID, account_id=id_of(acme))
    assert card.open_stages == ["Lead", "Demo", "Signed"]


def test_each_summary_reads_the_pipeline_in_one_query(
    engine: Engine, session: Session, ada: Rep
) -> None:
    set_pipeline(session=session, team_id=TEAM_ID, stages=RENAMED, actor=ada, now=NOW)
    acme = make_account(session, "Acme", owner=ada, now=NOW)
    make_deal(session, acme, ada, "Demo", 100, now=NOW)
    with statements(engine) as seen:
        owner_card(session=session, team_id=TEAM_ID, account_id=id_of(acme))
        home_summary(
            session=session, team_id=TEAM_ID, rep_id=id_of(ada), now=NOW, tz="UTC", stale_days=14
        )
    assert sum("pipeline_stages" in sql for sql in seen) == 2


def test_the_pipeline_stages_table_is_scoped_by_team_and_migrates_down_and_up(
    engine: Engine, database_url: str
) -> None:
    columns = {c["name"]: c for c in inspect(engine).get_columns("pipeline_stages")}
    assert columns["team_id"]["nullable"] is False
    if engine.dialect.name == "postgresql":
        assert columns["created_at"]["type"].timezone and columns["updated_at"]["type"].timezone
    with temporary_database(database_url, prefix="rapport_stages") as url:
        scratch = db.make_engine(url)
        try:
            db.upgrade(scratch)
            command.downgrade(db.alembic_config(scratch), "0003")
            assert "pipeline_stages" not in inspect(scratch).get_table_names()
            db.upgrade(scratch)
            assert "pipeline_stages" in inspect(scratch).get_table_names()
        finally:
            scratch.dispose()
