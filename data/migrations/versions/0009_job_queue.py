"""The job queue: procrastinate's schema (PostgreSQL only) and, on each job, the id of its task in that queue, so
a cancel reaches the worker that runs it whatever process receives it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 00:00:00+00:00

Written by hand to match ``data.models``; a test checks that autogenerate finds no difference.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from data.queue_schema import create_queue_schema, drop_queue_schema

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("queue_job_id", sa.BigInteger(), nullable=True))
    create_queue_schema(op.get_bind())


def downgrade() -> None:
    drop_queue_schema(op.get_bind())
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("queue_job_id")
