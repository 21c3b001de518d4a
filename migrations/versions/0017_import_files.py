"""Import: the errors files `rapport import` wrote (for erasure to rewrite), and accounts by domain.

Revision ID: 0017_import_files
Revises: 0016_aliases
Create Date: 2026-12-02 15:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_import_files"
down_revision: str | None = "0016_aliases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "path", name="uq_import_files_team_path"),
    )
    op.create_index("ix_accounts_team_domain", "accounts", ["team_id", "domain"])


def downgrade() -> None:
    op.drop_index("ix_accounts_team_domain", table_name="accounts")
    op.drop_table("import_files")
