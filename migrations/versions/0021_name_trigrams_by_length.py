"""PostgreSQL: partial trigram indexes of the shorter account names, one per band of name
lengths, so a short typed name rechecks only names of about its length.

pg_trgm's GIN index can only bound a name's similarity by the share of the key's trigrams it
holds, not knowing its length: at the 0.25 threshold a 7-letter key needs 2 of its 8 trigrams
(" ar" and "on " are in thousands of names), so one lookup rechecked 9,000-17,000 rows of
100,000 on the heap (20-30 ms; bench/resolve.py). Names far longer or shorter than the key can't
score as near it (models.name_index.LENGTH_SPREAD), so a key of up to 10 letters reads only the
bands in reach, names of up to 24 letters; longer keys keep reading 0019's index of every name.
A name of up to 24 letters is in one band: a write updates one more index than before.

Every trigram index keeps a small pending list (gin_pending_list_limit, 128 kB against the 4 MB
default): a search reads its whole pending list, and a band of a few thousand names would keep
all of them there until autovacuum came by (freshly bulk-loaded, lookups took 45 ms).

The planner estimates `%` (pg_trgm's matchingsel) by running similarity() over the column's
histogram: ~100 calls per band in a lookup, 2.7 ms of planning for 9 bands. A histogram under 10
values is not consulted, so normalized_name keeps 5 (its n_distinct still says the names are
unique; the btree lookups by name don't need more).

SQLite: nothing (its FTS5 trigram table ranks names by length already).

Revision ID: 0021_name_trigrams_by_length
Revises: 0020_deals_by_account
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0021_name_trigrams_by_length"
down_revision: str | None = "0020_deals_by_account"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (shortest, longest) normalized name length of each band. These are models.name_index.PG_BANDS
# as of this revision (tests/test_name_index.py checks they agree).
BANDS: list[tuple[int, int]] = [
    (1, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 17), (18, 20), (21, 24),
]  # fmt: skip
PENDING_KB = 128
STATS = 5  # histogram values kept for accounts.normalized_name (the default is 100)


def band_index(shortest: int, longest: int) -> str:
    return f"ix_accounts_name_trigrams_{shortest}_{longest}"


def _has_trigram_index() -> bool:  # 0019 went on without one where pg_trgm was refused
    found = op.get_bind().execute(text("SELECT to_regclass('ix_accounts_name_trigrams')"))
    return found.scalar_one() is not None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not _has_trigram_index():
        return
    for shortest, longest in BANDS:
        bind.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {band_index(shortest, longest)} ON accounts "
                f"USING gin (normalized_name gin_trgm_ops) "
                f"WITH (gin_pending_list_limit = {PENDING_KB}) WHERE status = 'active' "
                f"AND length(normalized_name) BETWEEN {shortest} AND {longest}"
            )
        )
    bind.execute(
        text(f"ALTER INDEX ix_accounts_name_trigrams SET (gin_pending_list_limit = {PENDING_KB})")
    )
    bind.execute(text(f"ALTER TABLE accounts ALTER COLUMN normalized_name SET STATISTICS {STATS}"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not _has_trigram_index():
        return
    bind.execute(text("ALTER TABLE accounts ALTER COLUMN normalized_name SET STATISTICS -1"))
    bind.execute(text("ALTER INDEX ix_accounts_name_trigrams RESET (gin_pending_list_limit)"))
    for shortest, longest in BANDS:
        bind.execute(text(f"DROP INDEX IF EXISTS {band_index(shortest, longest)}"))
