"""Initial schema: reference data (places, centres, stations, vehicles) and stored plans (plans, stops, legs).

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00+00:00

Written by hand to match ``data.models``; a test checks that autogenerate finds no difference.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name_az", sa.String(), nullable=False),
        sa.Column("name_en", sa.String(), nullable=False),
        sa.Column("name_ru", sa.String(), nullable=False),
        sa.Column("unit_type", sa.String(), nullable=False),
        sa.Column("centre_az", sa.String(), nullable=False),
        sa.Column("centre_en", sa.String(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("population_as_of", sa.String(), nullable=False),
        sa.Column("economic_region", sa.String(), nullable=False),
        sa.Column("exclave", sa.Boolean(), nullable=False),
        sa.Column("terrain", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_places"),
    )
    op.create_table(
        "centres",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("place_id", sa.String(length=64), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("opened", sa.String(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], name="fk_centres_place_id_places"),
        sa.PrimaryKeyConstraint("id", name="pk_centres"),
    )
    op.create_table(
        "stations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("place_id", sa.String(length=64), nullable=True),
        sa.Column("coords_estimated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], name="fk_stations_place_id_places"),
        sa.PrimaryKeyConstraint("id", name="pk_stations"),
    )
    op.create_table(
        "vehicles",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("depot_place_id", sa.String(length=64), nullable=False),
        sa.Column("depot_station_id", sa.String(length=64), nullable=True),
        sa.Column("capacity_citizens_per_day", sa.Integer(), nullable=False),
        sa.Column("service_start_min", sa.Integer(), nullable=False),
        sa.Column("service_end_min", sa.Integer(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["depot_place_id"], ["places.id"], name="fk_vehicles_depot_place_id_places"),
        sa.PrimaryKeyConstraint("id", name="pk_vehicles"),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service_dates", sa.JSON(), nullable=False),
        sa.Column("vehicle_ids", sa.JSON(), nullable=False),
        sa.Column("route_vehicle_ids", sa.JSON(), nullable=False),
        sa.Column("kpis", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
    )
    op.create_table(
        "stops",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("place_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("arrive", sa.DateTime(timezone=True), nullable=False),
        sa.Column("depart", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_citizens", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], name="fk_stops_place_id_places"),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name="fk_stops_plan_id_plans", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicles.id"], name="fk_stops_vehicle_id_vehicles"),
        sa.PrimaryKeyConstraint("id", name="pk_stops"),
    )
    op.create_index("ix_stops_date", "stops", ["date"], unique=False)
    op.create_index("ix_stops_plan_vehicle_seq", "stops", ["plan_id", "vehicle_id", "seq"], unique=True)
    op.create_table(
        "legs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("from_site_id", sa.String(length=64), nullable=False),
        sa.Column("to_site_id", sa.String(length=64), nullable=False),
        sa.Column("depart", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrive", sa.DateTime(timezone=True), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("path", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name="fk_legs_plan_id_plans", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["vehicle_id"], ["vehicles.id"], name="fk_legs_vehicle_id_vehicles"),
        sa.PrimaryKeyConstraint("id", name="pk_legs"),
    )
    op.create_index("ix_legs_plan_vehicle_seq", "legs", ["plan_id", "vehicle_id", "seq"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_legs_plan_vehicle_seq", table_name="legs")
    op.drop_table("legs")
    op.drop_index("ix_stops_plan_vehicle_seq", table_name="stops")
    op.drop_index("ix_stops_date", table_name="stops")
    op.drop_table("stops")
    op.drop_table("plans")
    op.drop_table("vehicles")
    op.drop_table("stations")
    op.drop_table("centres")
    op.drop_table("places")
