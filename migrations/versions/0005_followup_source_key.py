"""Follow-ups carry the key of the Slack request that made them; one follow-up per key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_key", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint("uq_followups_source_key", ["team_id", "source_key"])


def downgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_constraint("uq_followups_source_key", type_="unique")
        batch_op.drop_column("source_key")
