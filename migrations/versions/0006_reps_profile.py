"""Reps keep the rest of their Slack profile (guest, bot, deactivated, home workspace) and when
users.info last said so: the door answers from the store, not from Slack.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows so far were only ever written for full members of their own workspace.
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_guest", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("is_bot", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("home_team_id", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE reps SET home_team_id = team_id")
    with op.batch_alter_table("reps", schema=None) as batch_op:
        for column in ("is_guest", "is_bot", "deleted", "home_team_id"):
            batch_op.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("reps", schema=None) as batch_op:
        for column in ("checked_at", "home_team_id", "deleted", "is_bot", "is_guest"):
            batch_op.drop_column(column)
