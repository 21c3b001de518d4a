"""Reps keep their Slack locale (users.info `locale`, e.g. "de-DE"): numeric dates they type are
read day first or month first as they write them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows learn their locale on the next background refresh; until then "" reads as
    # Slack's default, en-US.
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locale", sa.String(length=16), nullable=False, server_default="")
        )
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.alter_column("locale", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_column("locale")
