"""Pydantic response models: the API's public shapes, converted from domain objects at the edge."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class Health(BaseModel):
    status: str
    database: str


class LimitReached(BaseModel):
    """A 429: a per-principal limit is reached; ``Retry-After`` says when to try again."""

    detail: str
    limit: str | None = Field(
        None, description="The limit's setting, e.g. `max_queued_solves_per_principal`; absent for an address."
    )
    allowed: int | None = Field(None, description="What the limit allows.")


class Live(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    database: str
    """``ok`` or ``unavailable``."""
    schema_: str = Field(alias="schema", serialization_alias="schema")
    """``ok``, ``behind`` (a migration is missing: run ``sefer db upgrade``) or ``unknown``."""
    queue: str | None = None
    """``local`` (solves run in this process's runner) or ``postgresql`` (the queue in the database)."""
    solver_workers: int | None = None
    """With the PostgreSQL queue: ``sefer worker`` processes with a recent heartbeat. Informational: a server with
    none still accepts jobs, which wait ``queued`` until a worker starts."""
    detail: str | None = None

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class PlacePublic(BaseModel):
    id: str
    name_az: str
    name_en: str
    name_ru: str
    lat: float
    lon: float
    population: int | None
    economic_region: str
    exclave: bool
    unit_id: str | None = None
    """For a settlement (town or village), the first-level unit it lies in; null for a unit."""


class PublicStop(BaseModel):
    """A stop as citizens see it: where and when, never the internal expected-citizens figure."""

    vehicle_id: str
    vehicle_kind: str
    date: dt.date
    arrive: dt.datetime
    """Aware, Asia/Baku local time."""
    depart: dt.datetime
    place_id: str
    place_name_az: str
    place_name_en: str
    place_name_ru: str
    lat: float
    lon: float
