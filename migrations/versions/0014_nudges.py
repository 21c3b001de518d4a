"""Nudges: each follow-up's next attempt, its lease (claimed_by, claimed_until), whether it may
have reached Slack unrecorded, the DM it went out as, who set it; each rep's DM channel and
whether Slack refuses to DM them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 04:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "status = 'open' AND nudged_at IS NULL"
COLUMNS = ("created_by_id", "nudge_error", "nudge_ts", "nudge_channel", "unsure_since",
           "claimed_until", "claimed_by", "next_attempt_at")  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64)))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("unsure_since", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("nudge_channel", sa.String(length=32)))
        batch_op.add_column(sa.Column("nudge_ts", sa.String(length=32)))
        batch_op.add_column(sa.Column("nudge_error", sa.String(length=64)))
        batch_op.add_column(sa.Column("created_by_id", sa.Integer()))
        batch_op.create_foreign_key(
            "fk_followups_created_by_id_reps", "reps", ["created_by_id"], ["id"]
        )
    op.execute("UPDATE followups SET next_attempt_at = due_at, created_by_id = rep_id")
    # Follow-ups overdue by more than a day before Rapport could nudge are not DMed one by one
    # on the first sweep (a flood of stale reminders): they count as nudged, and the morning
    # digest lists them as overdue, as it does every overdue follow-up after its first nudge.
    bind = op.get_bind()
    cutoff = datetime.now(UTC) - timedelta(days=1)
    if bind.dialect.name == "sqlite":  # stored as naive UTC text, as models.base.UTCDateTime does
        cutoff = cutoff.replace(tzinfo=None)
    older = sa.text(f"UPDATE followups SET nudged_at = due_at WHERE {WAITING} AND due_at < :cutoff")
    bind.execute(
        older.bindparams(sa.bindparam("cutoff", type_=sa.DateTime(timezone=True))),
        {"cutoff": cutoff},
    )
    op.create_index(
        "ix_followups_nudge_due",
        "followups",
        ["team_id", "next_attempt_at"],
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dm_channel", sa.String(length=32)))
        batch_op.add_column(sa.Column("nudges_stopped", sa.String(length=64)))
        batch_op.add_column(sa.Column("nudges_stopped_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.drop_column("nudges_stopped_at")
        batch_op.drop_column("nudges_stopped")
        batch_op.drop_column("dm_channel")
    op.drop_index("ix_followups_nudge_due", table_name="followups")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_constraint("fk_followups_created_by_id_reps", type_="foreignkey")
        for column in COLUMNS:
            batch_op.drop_column(column)
