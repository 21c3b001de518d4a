"""Account aliases: a merged account's name still finds the account it was merged into.

Revision ID: 0016_aliases
Revises: 0015
Create Date: 2026-12-02 09:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_aliases"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("normalized_name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "normalized_name", name="uq_account_aliases_team_name"),
    )
    op.create_index(
        op.f("ix_account_aliases_account_id"), "account_aliases", ["account_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_account_aliases_account_id"), table_name="account_aliases")
    op.drop_table("account_aliases")
