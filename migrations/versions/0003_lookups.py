"""Lookups: timeline indexes for stage changes and follow-ups; stage changes carry their account.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL's own name for an unnamed foreign key, so both databases agree on it.
STAGE_CHANGE_ACCOUNT_FK = "deal_stage_changes_account_id_fkey"


def upgrade() -> None:
    with op.batch_alter_table("deal_stage_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.Integer(), nullable=True))

    op.execute(
        "UPDATE deal_stage_changes SET account_id = "
        "(SELECT deals.account_id FROM deals WHERE deals.id = deal_stage_changes.deal_id)"
    )

    with op.batch_alter_table("deal_stage_changes", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(STAGE_CHANGE_ACCOUNT_FK, "accounts", ["account_id"], ["id"])
        batch_op.create_index(
            "ix_deal_stage_changes_timeline",
            ["team_id", "account_id", "changed_at", "id"],
            unique=False,
        )

    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index("ix_followups_team_account")
        batch_op.create_index(
            "ix_followups_timeline", ["team_id", "account_id", "created_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index("ix_followups_timeline")
        batch_op.create_index("ix_followups_team_account", ["team_id", "account_id"], unique=False)

    with op.batch_alter_table("deal_stage_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_stage_changes_timeline")
        batch_op.drop_constraint(STAGE_CHANGE_ACCOUNT_FK, type_="foreignkey")
        batch_op.drop_column("account_id")
