"""Token lifecycle: an expiry and the last use of each principal's token, and the previous token a rotation keeps
valid for an overlap.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 00:00:00+00:00

Written by hand to match ``data.models``; a test checks that autogenerate finds no difference. Existing tokens get
no expiry (they keep working until revoked or rotated), so upgrading locks nobody out.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("principals") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("previous_token_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("previous_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_principals_previous_token_sha256"), ["previous_token_sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("principals") as batch:
        batch.drop_index(batch.f("ix_principals_previous_token_sha256"))
        batch.drop_column("previous_expires_at")
        batch.drop_column("previous_token_sha256")
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
