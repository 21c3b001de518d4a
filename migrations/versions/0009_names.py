"""Names: normalized account names recomputed for the legal forms now ignored (AG, S.p.A., Oy,
株式会社, ...), so "Fiat S.p.A." stored before still matches "fiat".

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.accounts import normalize_name

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

accounts = sa.table(
    "accounts",
    sa.column("id", sa.Integer),
    sa.column("team_id", sa.String),
    sa.column("name", sa.String),
    sa.column("normalized_name", sa.String),
    sa.column("status", sa.String),
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(accounts.c.id, accounts.c.team_id, accounts.c.name, accounts.c.normalized_name)
        .where(accounts.c.status == "active")
        .order_by(accounts.c.id)
    ).all()
    taken = {(team, key) for _, team, _, key in rows}
    for account_id, team, name, key in rows:
        new = normalize_name(name)
        # Two live accounts that now share a key ("Acme" and "Acme AG") keep the older key for
        # the newer one: the unique index allows one live account per key.
        if new == key or (team, new) in taken:
            continue
        connection.execute(
            sa.update(accounts).where(accounts.c.id == account_id).values(normalized_name=new)
        )
        taken.discard((team, key))
        taken.add((team, new))


def downgrade() -> None:
    pass  # the new keys stay: the older normalizer still finds those accounts by fuzzy match
