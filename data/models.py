"""SQLAlchemy models: the database shape of the reference data and of stored plans.

ORM classes stay inside ``data/``; the aggregate modules (``data.plans``, ``data.visit_requests``, ...)
convert them to and from the domain types. Every timestamp column is :class:`UTCDateTime`: aware UTC in Python
on every backend (SQLite included), never naive.
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC; naive values are refused rather than guessed.

    PostgreSQL keeps the zone itself (``timestamptz``); SQLite has no zone, so the value is stored as naive
    UTC and marked UTC again when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: store aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PlaceRow(Base):
    __tablename__ = "places"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_az: Mapped[str] = mapped_column(String())
    name_en: Mapped[str] = mapped_column(String())
    name_ru: Mapped[str] = mapped_column(String())
    unit_type: Mapped[str] = mapped_column(String())
    centre_az: Mapped[str] = mapped_column(String())
    centre_en: Mapped[str] = mapped_column(String())
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer)
    population_as_of: Mapped[str] = mapped_column(String())
    economic_region: Mapped[str] = mapped_column(String())
    exclave: Mapped[bool] = mapped_column(Boolean)
    terrain: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String())
    unit_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The unit a settlement lies in; None for a unit."""


class CentreRow(Base):
    __tablename__ = "centres"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String())
    place_id: Mapped[str] = mapped_column(ForeignKey("places.id"))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String())
    opened: Mapped[str] = mapped_column(String())
    services: Mapped[list[Any]] = mapped_column(JSON)
    """Service codes, as a JSON list of strings."""
    source: Mapped[str] = mapped_column(String())


class StationRow(Base):
    __tablename__ = "stations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String())
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    place_id: Mapped[str | None] = mapped_column(ForeignKey("places.id"))
    coords_estimated: Mapped[bool] = mapped_column(Boolean)


class VehicleRow(Base):
    __tablename__ = "vehicles"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String())
    depot_place_id: Mapped[str] = mapped_column(ForeignKey("places.id"))
    depot_station_id: Mapped[str | None] = mapped_column(String(64))
    capacity_citizens_per_day: Mapped[int] = mapped_column(Integer)
    service_start_min: Mapped[int] = mapped_column(Integer)
    service_end_min: Mapped[int] = mapped_column(Integer)
    services: Mapped[list[Any]] = mapped_column(JSON)
    """Service codes, as a JSON list of strings."""


class PlanRow(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    week_start: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    service_dates: Mapped[list[Any]] = mapped_column(JSON)
    """ISO dates (``YYYY-MM-DD``) of the plan's service days, in order."""
    vehicle_ids: Mapped[list[Any]] = mapped_column(JSON)
    """The plan's vehicles in order; the vehicles themselves are rebuilt from ``vehicles``."""
    route_vehicle_ids: Mapped[list[Any]] = mapped_column(JSON)
    """The vehicle of each route, in route order (a route may have no stops)."""
    kpis: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Raised by every edit; an edit or publish naming an older version is refused (409)."""
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """Set when a planner publishes the plan; published plans make the visit history."""
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """Set when another plan of the same week is published after this one: the public no longer sees it."""
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    """What a planner must look at, e.g. a request cancelled after this plan scheduled it."""
    unserved: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """Unserved requests: ``{"request_id", "reason", "message", "displaced_by"}`` objects."""
    due_missed: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """Places due under the minimum visit frequency that the plan leaves out."""
    overnights: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """Where each vehicle sleeps: ``{"vehicle_id", "date", "site_id", "at_depot"}`` objects."""
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    """The background job that stored this plan (none for the CLI's): unique, so a job stores at most one plan.
    No foreign key: ``jobs.plan_id`` already points the other way, and a cycle would complicate every migration."""


class StopRow(Base):
    __tablename__ = "stops"
    __table_args__ = (
        Index("ix_stops_plan_vehicle_seq", "plan_id", "vehicle_id", "seq", unique=True),
        Index("ix_stops_date", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    vehicle_id: Mapped[str] = mapped_column(ForeignKey("vehicles.id"))
    seq: Mapped[int] = mapped_column(Integer)
    """Position of the stop in its vehicle's route, from 0."""
    date: Mapped[dt.date] = mapped_column(Date)
    place_id: Mapped[str] = mapped_column(ForeignKey("places.id"))
    site_id: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    arrive: Mapped[datetime] = mapped_column(UTCDateTime)
    depart: Mapped[datetime] = mapped_column(UTCDateTime)
    expected_citizens: Mapped[int] = mapped_column(Integer)
    locked: Mapped[bool] = mapped_column(Boolean)
    request_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """The visit requests the stop serves."""
    saved_citizen_min: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Minutes of travel to a fixed centre, there and back, the stop's citizens are spared."""


class LegRow(Base):
    __tablename__ = "legs"
    __table_args__ = (Index("ix_legs_plan_vehicle_seq", "plan_id", "vehicle_id", "seq", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    vehicle_id: Mapped[str] = mapped_column(ForeignKey("vehicles.id"))
    seq: Mapped[int] = mapped_column(Integer)
    """Position of the leg in its vehicle's route, from 0."""
    from_site_id: Mapped[str] = mapped_column(String(64))
    to_site_id: Mapped[str] = mapped_column(String(64))
    depart: Mapped[datetime] = mapped_column(UTCDateTime)
    arrive: Mapped[datetime] = mapped_column(UTCDateTime)
    distance_m: Mapped[int] = mapped_column(Integer)
    duration_min: Mapped[int] = mapped_column(Integer)
    path: Mapped[list[Any]] = mapped_column(JSON)
    """The polyline as a JSON list of ``[lat, lon]`` pairs."""


class VisitRequestRow(Base):
    __tablename__ = "visit_requests"
    __table_args__ = (
        Index("ix_visit_requests_window", "window_start", "window_end"),
        Index("ix_visit_requests_office_key", "office_id", "idempotency_key", unique=True),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    office: Mapped[str | None] = mapped_column(String(), nullable=True)
    place_id: Mapped[str] = mapped_column(ForeignKey("places.id"))
    window_start: Mapped[dt.date] = mapped_column(Date)
    window_end: Mapped[dt.date] = mapped_column(Date)
    expected_citizens: Mapped[int] = mapped_column(Integer)
    services: Mapped[list[Any]] = mapped_column(JSON)
    priority: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(), default="")
    status: Mapped[str] = mapped_column(String(16))
    """submitted, scheduled, declined, done or cancelled."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id"), nullable=True)
    """The principal that filed it (an office sees only its own); None for requests entered by a planner."""
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    settlement: Mapped[str | None] = mapped_column(String(), nullable=True)
    """How the office named the location, when not by place id; ``place_id`` is what it resolved to."""
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Once planned: ``{"plan_id", "vehicle_id", "date", "arrive", "depart"}`` or ``{"plan_id", "reason",
    "message"}``."""
    idempotency_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    body_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """With ``idempotency_key``: the same key and body return this request, another body is a conflict."""


class MaintenanceRow(Base):
    __tablename__ = "maintenance_days"

    vehicle_id: Mapped[str] = mapped_column(ForeignKey("vehicles.id"), primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)


class PrincipalRow(Base):
    """Who may call the API: a role, the places an office speaks for, and the SHA-256 of its bearer token."""

    __tablename__ = "principals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String())
    role: Mapped[str] = mapped_column(String(16))
    places: Mapped[list[Any]] = mapped_column(JSON)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """When the token stops working; None: never (a web user's principal, whose token is never shown)."""
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """The last call with the token, to the minute (written at most once a minute)."""
    previous_token_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    """The token before the last rotation, still accepted until ``previous_expires_at`` (the overlap)."""
    previous_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class UserRow(Base):
    """A person who signs in to the web pages: a login, an argon2id hash, and the principal they act as (its role
    and places; that principal's bearer token is random and never shown)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    """The name folded to lower case: what a person types at the sign-in form."""
    principal_id: Mapped[int] = mapped_column(ForeignKey("principals.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(String())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebSessionRow(Base):
    """A signed-in browser, known by the SHA-256 of its cookie, with the CSRF token its forms carry."""

    __tablename__ = "web_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginFailureRow(Base):
    """A failed sign-in, kept a while to throttle guessing per account and per address."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_login_at", "login", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobRow(Base):
    """A background solve: queued, running, succeeded (with its plan), failed or cancelled."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_principal_id_status", "principal_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    """``plan`` or ``reoptimize``."""
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    best_objective: Mapped[float | None] = mapped_column(Float, nullable=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    message: Mapped[str] = mapped_column(String(), default="")
    attempt: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """The fencing token: raised every time the job starts; only the current attempt may store the plan."""
    queue_job_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """The job's task in the PostgreSQL job queue (procrastinate), for cancelling it; None with the local runner."""
    principal_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id"), nullable=True)
    """Who queued it (their solves are counted against their limits); None for a job the CLI started."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RequestCountRow(Base):
    """How many API requests of one kind (``read`` or ``write``) a principal made in the current minute: one row
    per principal and kind, reset when a new minute begins (a fixed window)."""

    __tablename__ = "request_counts"

    principal_id: Mapped[int] = mapped_column(ForeignKey("principals.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    """The minute the count is for."""
    count: Mapped[int] = mapped_column(Integer)


class AuditRow(Base):
    """One change someone asked for, and how it ended: append-only (the database refuses updates and deletes)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    request_id: Mapped[str] = mapped_column(String(64))
    principal_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Who: the principal (a token's or a signed-in user's), None when the caller was not recognised."""
    principal: Mapped[str] = mapped_column(String(), default="")
    role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(200))
    """What: the method and the route, e.g. ``POST /plans/{plan_id}/publish``."""
    objects: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Which objects: the route's path parameters, e.g. ``{"plan_id": "3"}``."""
    status: Mapped[int] = mapped_column(Integer)
    """The outcome: the HTTP status answered."""
    address: Mapped[str] = mapped_column(String(64), default="")
