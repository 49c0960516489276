"""Principals (hashed tokens), visit requests, maintenance days, jobs; plans gain version, publication (the
visit history), unserved reasons and overnights; stops gain their requests.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:00:00+00:00

Written by hand to match ``data.models``; a test checks that autogenerate finds no difference.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("unserved", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("due_missed", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("overnights", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("stops") as batch:
        batch.add_column(sa.Column("request_ids", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "principals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("places", sa.JSON(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_principals")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_principals_token_sha256")),
    )
    op.create_table(
        "visit_requests",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("office", sa.String(), nullable=True),
        sa.Column("place_id", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("expected_citizens", sa.Integer(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("settlement", sa.String(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["office_id"], ["principals.id"], name=op.f("fk_visit_requests_office_id_principals")),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], name=op.f("fk_visit_requests_place_id_places")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_requests")),
    )
    op.create_index("ix_visit_requests_window", "visit_requests", ["window_start", "window_end"])
    op.create_index("ix_visit_requests_office_key", "visit_requests", ["office_id", "idempotency_key"], unique=True)
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("best_objective", sa.Float(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_jobs_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_table(
        "maintenance_days",
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicles.id"], name=op.f("fk_maintenance_days_vehicle_id_vehicles")),
        sa.PrimaryKeyConstraint("vehicle_id", "date", name=op.f("pk_maintenance_days")),
    )


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("maintenance_days")
    op.drop_index("ix_visit_requests_office_key", table_name="visit_requests")
    op.drop_index("ix_visit_requests_window", table_name="visit_requests")
    op.drop_table("visit_requests")
    op.drop_table("principals")
    with op.batch_alter_table("stops") as batch:
        batch.drop_column("request_ids")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("overnights")
        batch.drop_column("due_missed")
        batch.drop_column("unserved")
        batch.drop_column("published_at")
        batch.drop_column("version")
