"""The follow-ups made with an interaction, by an index: an undo lists them, and deleting an
interaction (undo, erasure, merge) has the database check followups.interaction_id's foreign
key, which without it read every follow-up once per deleted row (bench/plans.py's note on the
/log-call INSERT's plan).

Revision ID: 0022_followups_by_interaction
Revises: 0021_name_trigrams_by_length
Create Date: 2026-12-03 10:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_followups_by_interaction"
down_revision: str | None = "0021_name_trigrams_by_length"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = sa.text("interaction_id IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_followups_interaction",
        "followups",
        ["interaction_id"],
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_followups_interaction", table_name="followups")
