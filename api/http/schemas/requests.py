"""Pydantic shapes of visit requests and services: ``VisitRequestCreate`` / ``VisitRequestUpdate`` in,
``VisitRequestPublic`` out. Rules that need the database, the calendar or the caller (place known, window not in
the past, services known, office's own places) are checked by the use case (``api.services.requests``) and
answered 422 naming the field, like the structural rules here; the limits come from ``api.services.limits``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.services.limits import MAX_CITIZENS, MAX_NOTE_CHARS, MAX_SERVICES, MAX_WINDOW_DAYS
from api.services.requests import RequestStatus as RequestStatus

RequestPriority = Literal["normal", "urgent"]


ServiceCode = Annotated[str, Field(min_length=1, max_length=64, examples=["passport"])]
Latitude = Annotated[float, Field(ge=-90, le=90, description="WGS 84 latitude of the point to serve.")]
Longitude = Annotated[float, Field(ge=-180, le=180, description="WGS 84 longitude of the point to serve.")]

_CREATE_EXAMPLE: dict[str, Any] = {
    "place_id": "AZ-QAB",
    "window_start": "2026-11-23",
    "window_end": "2026-11-27",
    "expected_citizens": 80,
    "services": ["passport", "id_card"],
    "priority": "urgent",
    "note": "Villagers of Vəndam after the school term",
}

CREATE_EXAMPLES: dict[str, dict[str, Any]] = {
    "place": {"summary": "By place id", "value": _CREATE_EXAMPLE},
    "point": {
        "summary": "By a point (the nearest place centre within 60 km)",
        "value": {
            "lat": 40.98,
            "lon": 47.85,
            "window_start": "2026-11-23",
            "window_end": "2026-11-25",
            "expected_citizens": 40,
            "services": ["id_card"],
        },
    },
    "settlement": {
        "summary": "By a settlement name (az, en or ru; resolved offline)",
        "value": {
            "settlement": "Lahıc",
            "window_start": "2026-11-24",
            "window_end": "2026-11-24",
            "expected_citizens": 25,
            "services": [],
            "priority": "normal",
        },
    },
}

UPDATE_EXAMPLES: dict[str, dict[str, Any]] = {
    "citizens": {"summary": "More citizens", "value": {"expected_citizens": 120, "note": "Two villages now"}},
    "move": {"summary": "Another place", "value": {"settlement": "Bum"}},
}


class VisitRequestCreate(BaseModel):
    """A regional office asks for a mobile unit: where (exactly one of ``place_id``, ``lat`` + ``lon`` or
    ``settlement``), when, for how many citizens and which services."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CREATE_EXAMPLE]})

    place_id: str | None = Field(default=None, min_length=1, max_length=64, description="A place id from /places.")
    lat: Latitude | None = None
    lon: Longitude | None = None
    settlement: str | None = Field(
        default=None, min_length=1, max_length=200, description="A town or village name in az, en or ru."
    )
    window_start: dt.date = Field(description="First day a visit may take place; today or later (Asia/Baku).")
    window_end: dt.date = Field(
        description=f"Last day; not before window_start, at most {MAX_WINDOW_DAYS} days counting both ends."
    )
    expected_citizens: int = Field(ge=1, le=MAX_CITIZENS)
    services: list[ServiceCode] = Field(
        default_factory=list, max_length=MAX_SERVICES, description="Service codes from /services; empty: any."
    )
    priority: RequestPriority = "normal"
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)


class VisitRequestUpdate(BaseModel):
    """A change to a ``submitted`` request: fields omitted (or null) stay as they are. Giving any of
    ``place_id``, ``lat``/``lon`` or ``settlement`` replaces the location, and then exactly one form is needed."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"expected_citizens": 120, "note": "Two villages now"}]}
    )

    place_id: str | None = Field(default=None, min_length=1, max_length=64)
    lat: Latitude | None = None
    lon: Longitude | None = None
    settlement: str | None = Field(default=None, min_length=1, max_length=200)
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    expected_citizens: int | None = Field(default=None, ge=1, le=MAX_CITIZENS)
    services: list[ServiceCode] | None = Field(default=None, max_length=MAX_SERVICES)
    priority: RequestPriority | None = None
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)


class OutcomeVisit(BaseModel):
    """One stop serving the request (a large request may be served over several days)."""

    vehicle_id: str
    date: dt.date
    place_id: str
    site_id: str
    arrive: dt.datetime
    depart: dt.datetime


class RequestOutcome(BaseModel):
    """What the last published plan did with the request: scheduled (vehicle, date, times) or declined
    (a reason code of ``scheduler.requests.Reason`` and a sentence)."""

    plan_id: int
    vehicle_id: str | None = None
    date: dt.date | None = None
    arrive: dt.datetime | None = None
    depart: dt.datetime | None = None
    visits: list[OutcomeVisit] = Field(default_factory=list)
    reason: str | None = None
    message: str | None = None
    decided_at: dt.datetime | None = Field(default=None, description="When the publication decided it (UTC).")


_PUBLIC_EXAMPLE: dict[str, Any] = {
    "id": "REQ-1a2b3c4d",
    "status": "scheduled",
    "office": "Gabala office",
    "place_id": "AZ-QAB",
    "place_name_az": "Qəbələ",
    "place_name_en": "Gabala",
    "place_name_ru": "Габала",
    "lat": None,
    "lon": None,
    "settlement": None,
    "window_start": "2026-11-23",
    "window_end": "2026-11-27",
    "expected_citizens": 80,
    "services": ["passport", "id_card"],
    "priority": "urgent",
    "note": "Villagers of Vəndam after the school term",
    "created_at": "2026-11-16T08:30:00Z",
    "outcome": {
        "plan_id": 7,
        "vehicle_id": "BUS-01",
        "date": "2026-11-24",
        "arrive": "2026-11-24T09:00:00+04:00",
        "depart": "2026-11-24T16:12:00+04:00",
        "visits": [
            {
                "vehicle_id": "BUS-01",
                "date": "2026-11-24",
                "place_id": "AZ-QAB",
                "site_id": "AZ-QAB",
                "arrive": "2026-11-24T09:00:00+04:00",
                "depart": "2026-11-24T16:12:00+04:00",
            }
        ],
        "reason": None,
        "message": None,
    },
}


class VisitRequestPublic(BaseModel):
    """A request as its office and the planners see it."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PUBLIC_EXAMPLE]})

    id: str
    status: RequestStatus
    office: str | None = Field(description="Name of the principal that filed it.")
    place_id: str
    place_name_az: str
    place_name_en: str
    place_name_ru: str
    lat: float | None = Field(description="The point given, when the request was filed by a point.")
    lon: float | None
    settlement: str | None = Field(description="The name given, when the request was filed by a settlement.")
    window_start: dt.date
    window_end: dt.date
    expected_citizens: int
    services: list[str]
    priority: RequestPriority
    note: str
    created_at: dt.datetime
    outcome: RequestOutcome | None = Field(description="Filled when a published plan schedules or declines it.")


class ServicePublic(BaseModel):
    """A service code that requests and vehicles name, with its names."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"code": "passport", "name_az": "Ümumvətəndaş pasportu", "name_en": "Passport", "name_ru": "Паспорт"}
            ]
        }
    )

    code: str
    name_az: str
    name_en: str
    name_ru: str


class ErrorPublic(BaseModel):
    """An error that is not a validation error: ``detail`` says what went wrong."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"detail": "request REQ-1a2b3c4d not found"}]})

    detail: str
