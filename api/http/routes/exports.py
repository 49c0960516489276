"""Plan exports for planners and crews: CSV of every stop, a printable itinerary and an iCalendar per vehicle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.errors import NotFound
from api.http.auth import PlannerDep
from api.http.deps import NetworkDep, SessionDep
from api.http.schemas.requests import ErrorPublic
from api.services.plans import stored_plan
from api.services.requests import requests_by_id
from maps.exports import RequestSummary, plan_csv, vehicle_ics, vehicle_itinerary_html
from scheduler.plan import Plan

router = APIRouter(prefix="/plans", tags=["exports"])


class CSVResponse(Response):
    media_type = "text/csv"


class CalendarResponse(Response):
    media_type = "text/calendar"


_ERROR_JSON = {"application/json": {"schema": ErrorPublic.model_json_schema()}}
"""Errors are JSON whatever the success type (a ``model`` here would be documented as the route's CSV/HTML)."""
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token", "content": _ERROR_JSON},
    403: {"description": "Only planners and admins", "content": _ERROR_JSON},
    404: {"description": "No plan with that id, or the vehicle is not in it", "content": _ERROR_JSON},
}

PlanIdPath = Annotated[
    int,
    Path(ge=1, le=2_147_483_647, description="A stored plan's id.", openapi_examples={"plan": {"value": 1}}),
]
"""Bounded by the 32-bit id column: a larger number is a 422, not a database error."""
VehicleIdPath = Annotated[
    str, Path(max_length=64, description="A vehicle of the plan.", openapi_examples={"bus": {"value": "BUS-01"}})
]

_CSV_EXAMPLE = (
    "vehicle_id,vehicle_name,vehicle_kind,date,arrive,depart,place_id,place_name_az,place_name_en,place_name_ru,"
    "site_id,site_name,expected_citizens,request_ids,locked\r\n"
    "BUS-01,Mobil ASAN xidmət avtobusu 1,bus,2026-11-23,2026-11-23T09:00:00+04:00,2026-11-23T18:00:00+04:00,"
    "AZ-OGU,Oğuz,Oguz,Огуз,AZ-OGU,Oğuz,100,REQ-1a2b3c4d,false\r\n"
)
_ICS_EXAMPLE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Sefer//ASAN mobile service plans//EN\r\n...\r\n"
    "BEGIN:VEVENT\r\nUID:BUS-01-20261123-AZ-OGU-0@sefer\r\nDTSTART:20261123T050000Z\r\n...\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def _plan_or_404(session: Session, plan_id: int) -> Plan:
    return stored_plan(session, plan_id=plan_id)[0]


def _vehicle_or_404(plan: Plan, plan_id: int, vehicle_id: str) -> None:
    if all(v.id != vehicle_id for v in plan.vehicles):
        raise NotFound(f"vehicle {vehicle_id} is not in plan {plan_id}")


@router.get(
    "/{plan_id}/export.csv",
    response_class=CSVResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}, "example": _CSV_EXAMPLE}}}, **_ERRORS},
)
def export_plan_csv(plan_id: PlanIdPath, session: SessionDep, network: NetworkDep, _: PlannerDep) -> CSVResponse:
    """One row per stop in route order: vehicle, date, arrive and depart (Asia/Baku), place id and names (az,
    en, ru), site, expected citizens, request ids (``;``-separated) and whether the stop is locked."""
    plan = _plan_or_404(session, plan_id)
    return CSVResponse(
        plan_csv(plan, network),
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}.csv"'},
    )


@router.get(
    "/{plan_id}/vehicles/{vehicle_id}/itinerary",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {"schema": {"type": "string"}, "example": "<!DOCTYPE html>..."}}},
        **_ERRORS,
    },
)
def export_itinerary(
    plan_id: PlanIdPath, vehicle_id: VehicleIdPath, session: SessionDep, network: NetworkDep, _: PlannerDep
) -> HTMLResponse:
    """A printable page of the vehicle's week (``@media print`` styles, no scripts, no outside resources): the
    ordered stops with times and expected citizens, the services on board, the served requests, the nights and
    a small route sketch."""
    plan = _plan_or_404(session, plan_id)
    _vehicle_or_404(plan, plan_id, vehicle_id)
    route = next((r for r in plan.routes if r.vehicle_id == vehicle_id), None)
    served = {rid for stop in (route.stops if route else ()) for rid in stop.request_ids}
    summaries = {
        r.id: RequestSummary(r.id, r.office, r.expected_citizens, r.services, r.note)
        for r in requests_by_id(session, sorted(served))
    }
    html = vehicle_itinerary_html(plan, network, vehicle_id, requests=summaries, plan_label=f"Plan {plan_id} ·")
    return HTMLResponse(html)


@router.get(
    "/{plan_id}/vehicles/{vehicle_id}.ics",
    response_class=CalendarResponse,
    responses={
        200: {"content": {"text/calendar": {"schema": {"type": "string"}, "example": _ICS_EXAMPLE}}},
        **_ERRORS,
    },
)
def export_calendar(
    plan_id: PlanIdPath, vehicle_id: VehicleIdPath, session: SessionDep, network: NetworkDep, _: PlannerDep
) -> CalendarResponse:
    """The vehicle's stops as iCalendar (RFC 5545) for the crew: one event per stop in UTC, with stable UIDs
    (vehicle, date, site), so re-importing a changed plan updates the events instead of duplicating them."""
    plan = _plan_or_404(session, plan_id)
    _vehicle_or_404(plan, plan_id, vehicle_id)
    return CalendarResponse(
        vehicle_ics(plan, network, vehicle_id, stamp=datetime.now(UTC)),
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}-{vehicle_id}.ics"'},
    )
