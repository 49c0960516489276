"""Settlements: places gain the unit they lie in; stops gain the minutes of travel to a fixed centre their citizens
are spared (the plan's headline KPI).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 00:00:00+00:00

Written by hand to match ``data.models``; a test checks that autogenerate finds no difference.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("places") as batch:
        batch.add_column(sa.Column("unit_id", sa.String(64), nullable=True))
    with op.batch_alter_table("stops") as batch:
        batch.add_column(sa.Column("saved_citizen_min", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("stops") as batch:
        batch.drop_column("saved_citizen_min")
    with op.batch_alter_table("places") as batch:
        batch.drop_column("unit_id")
