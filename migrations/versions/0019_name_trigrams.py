"""A trigram index over live accounts' normalized names, so a fuzzy lookup scores a few hundred
names instead of every name of the workspace (models.name_index).

PostgreSQL: the pg_trgm extension and a partial GIN index on accounts.normalized_name. Where the
extension can't be created (a managed server that doesn't offer it, a role that may not), the
migration goes on without the index and lookups scan every name as before.

SQLite: a contentless FTS5 table with the trigram tokenizer, kept by triggers on accounts
(created, renamed, merged or deleted), filled here from the live accounts, and an fts5vocab
table over it. A later migration that rebuilds accounts in batch mode (copy, drop, rename) drops
these triggers and must create them again.

Revision ID: 0019_name_trigrams
Revises: 0018_followups_by_account
Create Date: 2026-12-02 16:30:00.000000
"""

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy import exc, text

revision: str = "0019_name_trigrams"
down_revision: str | None = "0018_followups_by_account"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)

# The indexed text is the name with a space on each side, so its first and last letters make
# trigrams of their own (" ac", "me "); the rowid is the account's id * 1024 plus the name's
# length, so candidates can be ranked on length without reading accounts.
_ROW = "{row}.id * 1024 + min(length({row}.normalized_name), 1023)"
_TEXT = "' ' || {row}.normalized_name || ' '"


def _add(row: str) -> str:
    return (
        f"INSERT INTO account_name_trigrams (rowid, name) "
        f"SELECT {_ROW.format(row=row)}, {_TEXT.format(row=row)} WHERE {row}.status = 'active';"
    )


def _remove(row: str) -> str:  # a contentless table forgets a row given exactly what it indexed
    return (
        f"INSERT INTO account_name_trigrams (account_name_trigrams, rowid, name) "
        f"SELECT 'delete', {_ROW.format(row=row)}, {_TEXT.format(row=row)} "
        f"WHERE {row}.status = 'active';"
    )


SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE account_name_trigrams USING fts5("
    "name, content='', tokenize='trigram', detail='none')",
    "CREATE VIRTUAL TABLE account_name_trigrams_vocab USING fts5vocab(account_name_trigrams, row)",
    f"CREATE TRIGGER account_name_trigrams_insert AFTER INSERT ON accounts BEGIN {_add('new')} END",
    "CREATE TRIGGER account_name_trigrams_delete AFTER DELETE ON accounts "
    f"BEGIN {_remove('old')} END",
    "CREATE TRIGGER account_name_trigrams_update AFTER UPDATE OF normalized_name, status, id "
    f"ON accounts BEGIN {_remove('old')} {_add('new')} END",
    "INSERT INTO account_name_trigrams (rowid, name) "
    f"SELECT {_ROW.format(row='accounts')}, {_TEXT.format(row='accounts')} "
    "FROM accounts WHERE status = 'active'",
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS account_name_trigrams_update",
    "DROP TRIGGER IF EXISTS account_name_trigrams_delete",
    "DROP TRIGGER IF EXISTS account_name_trigrams_insert",
    "DROP TABLE IF EXISTS account_name_trigrams_vocab",
    "DROP TABLE IF EXISTS account_name_trigrams",
]
POSTGRESQL_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_accounts_name_trigrams ON accounts "
    "USING gin (normalized_name gin_trgm_ops) WHERE status = 'active'"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        try:
            with bind.begin_nested():  # a refusal leaves the rest of the upgrade's transaction
                bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except exc.DBAPIError as error:
            log.warning("no pg_trgm (%s): account names are matched without an index", error.orig)
            return
        bind.execute(text(POSTGRESQL_INDEX))
        return
    try:
        with bind.begin_nested():
            for statement in SQLITE_UPGRADE:
                bind.execute(text(statement))
    except exc.OperationalError as error:  # an SQLite built without FTS5 or its trigram tokenizer
        log.warning("no FTS5 trigram table (%s): names are matched without an index", error.orig)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.execute(text("DROP INDEX IF EXISTS ix_accounts_name_trigrams"))
        return  # the extension stays: something else may use it
    for statement in SQLITE_DOWNGRADE:
        bind.execute(text(statement))
