"""Scratch databases for tests and benchmarks: runs never see each other's rows."""

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from bot import db


@contextmanager
def temporary_database(
    url: str | None, *, prefix: str = "rapport_test", template: str | None = None
) -> Iterator[str]:
    """A fresh, empty database URL: a temp SQLite file, or a new database on a PostgreSQL server
    (the one `url` names; a copy of its database `template`, when given), dropped again at the
    end."""
    if not url or not url.startswith(("postgres", "postgresql")):
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder:
            yield f"sqlite:///{folder}/rapport.db"
        return
    server = db.normalize_url(url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        copied = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{copied}'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
