"""The Alembic migrations build exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from models import name_index

CORE_TABLES = {
    "reps",
    "accounts",
    "contacts",
    "interactions",
    "followups",
    "deals",
    "deal_stage_changes",
    "account_channels",
    "audit_log",
}


def _modeled(name: str | None, type_: str, _parents: object) -> bool:
    """All but the account-name trigram indexes (0019, 0021), which SQLModel can't state: an FTS5
    table and its shadow tables on SQLite, pg_trgm GIN indexes that may be absent on PostgreSQL."""
    if type_ == "table":
        return not (name or "").startswith(name_index.SQLITE_TABLE)
    return not (type_ == "index" and (name or "").startswith(name_index.PG_INDEX))


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_name": _modeled}
        context = MigrationContext.configure(connection, opts=opts)
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_every_core_table_is_scoped_by_team(engine: Engine) -> None:
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) >= CORE_TABLES
    for table in CORE_TABLES:
        columns = {c["name"]: c for c in inspector.get_columns(table)}
        assert "team_id" in columns and columns["team_id"]["nullable"] is False, table


def test_timestamps_are_timezone_aware_columns(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no time zone type; models.base.UTCDateTime restores UTC on read")
    for table in CORE_TABLES:
        for column in inspect(engine).get_columns(table):
            if column["name"].endswith("_at") or column["name"] in ("owner_since",):
                assert getattr(column["type"], "timezone", False), f"{table}.{column['name']}"


def test_the_head_read_from_the_files_is_alembics_head(engine) -> None:
    from alembic.script import ScriptDirectory

    from bot import db

    assert (
        db.head_revision()
        == ScriptDirectory.from_config(db.alembic_config(engine)).get_current_head()
    )
    assert db.is_current(engine)
