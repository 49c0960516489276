"""Per-principal limits: the principal who queued each job (none for the CLI's), so the solves one principal may
have queued or running are counted in the database, across API processes; and each principal's API requests in
the current minute, reads and writes apart (a fixed window, one row per principal and kind).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 00:00:00+00:00

Written by hand to match ``data.models``; a test checks that autogenerate finds no difference.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("principal_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_jobs_principal_id_principals"), "principals", ["principal_id"], ["id"])
        batch.create_index("ix_jobs_principal_id_status", ["principal_id", "status"], unique=False)
    op.create_table(
        "request_counts",
        sa.Column("principal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["principal_id"], ["principals.id"], name=op.f("fk_request_counts_principal_id_principals")
        ),
        sa.PrimaryKeyConstraint("principal_id", "kind", name=op.f("pk_request_counts")),
    )


def downgrade() -> None:
    op.drop_table("request_counts")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_principal_id_status")
        batch.drop_constraint(batch.f("fk_jobs_principal_id_principals"), type_="foreignkey")
        batch.drop_column("principal_id")
