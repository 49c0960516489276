"""Plan lifecycle: a published plan is superseded when another plan of its week is published; plans carry
warnings for the planner (e.g. a request cancelled after it was scheduled).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 00:00:00+00:00

Written by hand to match ``data.models``; a test checks that autogenerate finds no difference.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("warnings", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("warnings")
        batch.drop_column("superseded_at")
