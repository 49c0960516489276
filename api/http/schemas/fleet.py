"""Pydantic shapes of the planner's data: the fleet with its maintenance days (``VehiclePublic``,
``MaintenanceDayPublic``), the fixed centres (``CentrePublic`` out, ``CentreUpdate`` in) and a place's population
correction (``PlaceUpdate``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.services.limits import MAX_POPULATION

CentreStatusName = Literal["open", "under_construction", "planned"]

_VEHICLE_EXAMPLE: dict[str, Any] = {
    "id": "BUS-01",
    "kind": "bus",
    "name": "Mobil ASAN xidmət avtobusu 1",
    "depot_place_id": "AZ-QAB",
    "depot_station_id": None,
    "capacity_citizens_per_day": 100,
    "service_start": "09:00",
    "service_end": "18:00",
    "services": ["id_card", "passport", "civil_registry", "residence_registration", "utilities", "social"],
    "maintenance_dates": ["2026-11-25"],
}


class VehiclePublic(BaseModel):
    """A bus or the train, as stored (the bundled ``fleet.csv`` synced at start-up), with its booked maintenance
    days."""

    model_config = ConfigDict(json_schema_extra={"examples": [_VEHICLE_EXAMPLE]})

    id: str
    kind: str = Field(description="`bus` or `train`.")
    name: str
    depot_place_id: str
    depot_station_id: str | None = Field(description="The train's home station; null for a bus.")
    capacity_citizens_per_day: int
    service_start: str = Field(description="Start of the service day, HH:MM Asia/Baku.", examples=["09:00"])
    service_end: str = Field(description="End of the service day, HH:MM Asia/Baku.", examples=["18:00"])
    services: list[str] = Field(description="Service codes on board (GET /services).")
    maintenance_dates: list[dt.date] = Field(description="Booked maintenance days, earliest first.")


class MaintenanceDayPublic(BaseModel):
    """A day a vehicle is in maintenance: the next solve gives it no stop that day."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"vehicle_id": "BUS-01", "date": "2026-11-25"}]})

    vehicle_id: str
    date: dt.date


_CENTRE_EXAMPLE: dict[str, Any] = {
    "id": "ASAN-QAB-1",
    "kind": "asan",
    "name": "ASAN xidmət Qəbələ",
    "place_id": "AZ-QAB",
    "lat": 40.98139,
    "lon": 47.84583,
    "status": "open",
    "opened": "2016-08-10",
    "services": ["id_card", "passport", "civil_registry", "residence_registration", "notary", "driving_licence"],
}


class CentrePublic(BaseModel):
    """A fixed ASAN xidmət or DOST centre. ``status`` and ``opened`` belong to planners (PATCH); the rest comes
    from the bundled ``centres.csv``."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CENTRE_EXAMPLE]})

    id: str
    kind: str = Field(description="`asan` or `dost`.")
    name: str
    place_id: str
    lat: float
    lon: float
    status: CentreStatusName
    opened: str = Field(
        description="Opening date: YYYY-MM-DD, a year alone (from its 1 January), or `unknown` (counts as open "
        "when the status is `open`)."
    )
    services: list[str]


CENTRE_UPDATE_EXAMPLES: dict[str, dict[str, Any]] = {
    "opens": {
        "summary": "A centre under construction opens",
        "value": {"status": "open", "opened": "2026-12-01"},
    },
    "delayed": {"summary": "Back to planned", "value": {"status": "planned"}},
}


class CentreUpdate(BaseModel):
    """A planner's change to a centre: omitted fields stay as they are; at least one is needed."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "open", "opened": "2026-12-01"}]}
    )

    status: CentreStatusName | None = None
    opened: dt.date | None = Field(default=None, description="Opening date, YYYY-MM-DD.")

    @model_validator(mode="after")
    def _something(self) -> CentreUpdate:
        if self.status is None and self.opened is None:
            raise ValueError("give status, opened or both")
        return self


PLACE_UPDATE_EXAMPLES: dict[str, dict[str, Any]] = {
    "census": {"summary": "A corrected population", "value": {"population": 41_250}},
}


class PlaceUpdate(BaseModel):
    """A planner's correction of a place's population (the demand model scales need by it)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"population": 41_250}]})

    population: int = Field(ge=0, le=MAX_POPULATION)
