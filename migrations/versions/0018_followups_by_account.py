"""An account's next open follow-up by its own index: with 200,000 open follow-ups in the store
/who-owns walked ix_followups_due (status, due_at) through all of them (580-660 ms a card).

Revision ID: 0018_followups_by_account
Revises: 0017_import_files
Create Date: 2026-12-02 16:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_followups_by_account"
down_revision: str | None = "0017_import_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_followups_account_open",
        "followups",
        ["team_id", "account_id", "status", "due_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_followups_account_open", table_name="followups")
