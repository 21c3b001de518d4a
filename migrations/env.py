"""Alembic environment: runs against the engine Rapport hands it (see bot.db.upgrade)."""

from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.db import make_engine

config = context.config
target_metadata = SQLModel.metadata

engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` CLI use: fall back to the same setting the app reads
    from bot.config import Settings

    engine = make_engine(Settings().database_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
