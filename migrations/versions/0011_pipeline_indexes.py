"""Pipeline indexes: /crm pipeline reads deals through these, so its cost grows with the open
deals alone, and its lists with the stages (bench/pipeline.py prints the plans at 100,000 deals).

- ix_deals_team_open covers the one pass over a workspace's open deals (sums per stage and
  currency, stuck and overdue counts): an index-only scan of the open stages' ranges, already in
  GROUP BY order; its (team_id, stage) prefix also serves the loose scan for stage names.
- ix_deals_team_stage_moved and ix_deals_team_stage_close serve the stuck and overdue lists:
  a capped walk per stage instead of sorting every stuck deal.
- ix_deals_team_closed finds the last 30 days' won and lost deals.
- ix_accounts_team_deleted (partial: deleted accounts only) lists the accounts whose deals the
  report leaves out, without reading every account of the workspace.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_deals_team_open": [
        "team_id", "stage", "currency", "amount_minor", "stage_changed_at", "expected_close",
        "account_id",
    ],
    "ix_deals_team_stage_moved": ["team_id", "stage", "stage_changed_at"],
    "ix_deals_team_stage_close": ["team_id", "stage", "expected_close"],
    "ix_deals_team_closed": ["team_id", "closed_at"],
}  # fmt: skip


DELETED = sa.text("status != 'active'")


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "deals", columns)
    op.create_index(
        "ix_accounts_team_deleted",
        "accounts",
        ["team_id", "id"],
        sqlite_where=DELETED,
        postgresql_where=DELETED,
    )


def downgrade() -> None:
    op.drop_index("ix_accounts_team_deleted", table_name="accounts")
    for name in INDEXES:
        op.drop_index(name, table_name="deals")
