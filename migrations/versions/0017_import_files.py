"""Import errors files: where `rapport import` wrote rows it refused, for erasure to rewrite.

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


def downgrade() -> None:
    op.drop_table("import_files")
