"""An account's deals by an index that covers the owner card's sums (team, account, stage,
currency, amount): the card's per-stage totals read that account's deals, not every deal of the
workspace through ix_deals_team_open (2.3 ms at 20,000 deals, bench/ack.py).

Revision ID: 0020_deals_by_account
Revises: 0019_name_trigrams
Create Date: 2026-12-02 16:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_deals_by_account"
down_revision: str | None = "0019_name_trigrams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_deals_account_sums",
        "deals",
        ["team_id", "account_id", "stage", "currency", "amount_minor"],
    )
    op.drop_index("ix_deals_team_account", table_name="deals")


def downgrade() -> None:
    op.create_index("ix_deals_team_account", "deals", ["team_id", "account_id"])
    op.drop_index("ix_deals_account_sums", table_name="deals")
