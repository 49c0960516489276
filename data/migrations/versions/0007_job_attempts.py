"""Job attempts: a fencing token on every job (raised each time the job starts) and the job a plan was stored
for, unique, so a retried or stale attempt never stores a second plan for the same job.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 00:00:00+00:00

Written by hand to match ``data.models``; a test checks that autogenerate finds no difference.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("job_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint(batch.f("uq_plans_job_id"), ["job_id"])


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.drop_constraint(batch.f("uq_plans_job_id"), type_="unique")
        batch.drop_column("job_id")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("attempt")
