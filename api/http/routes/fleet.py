"""The fleet and its maintenance days: planners and admins only.

A booked maintenance day is read by the next solve, which gives the vehicle no stop that day; plans already
stored are not changed, but checking or publishing one reports the clash (``api.services.fleet``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from api.http.auth import PlannerDep
from api.http.deps import SessionDep, TodayDep
from api.http.schemas.fleet import MaintenanceDayPublic, VehiclePublic
from api.http.schemas.requests import ErrorPublic
from api.services import fleet
from scheduler.domain import Vehicle

router = APIRouter(prefix="/fleet", tags=["fleet"])

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "No valid bearer token"},
    403: {"model": ErrorPublic, "description": "Only planners and admins"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorPublic, "description": "No such vehicle"}}

VehicleIdPath = Annotated[
    str, Path(max_length=64, description="A vehicle id (GET /fleet).", openapi_examples={"bus": {"value": "BUS-01"}})
]
DatePath = Annotated[
    dt.date,
    Path(description="The maintenance day, YYYY-MM-DD.", openapi_examples={"day": {"value": "2026-11-25"}}),
]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _public(vehicle: Vehicle, days: tuple[dt.date, ...]) -> VehiclePublic:
    return VehiclePublic(
        id=vehicle.id,
        kind=vehicle.kind.value,
        name=vehicle.name,
        depot_place_id=vehicle.depot_place_id,
        depot_station_id=vehicle.depot_station_id,
        capacity_citizens_per_day=vehicle.capacity_citizens_per_day,
        service_start=_clock(vehicle.service_start_min),
        service_end=_clock(vehicle.service_end_min),
        services=list(vehicle.services),
        maintenance_dates=list(days),
    )


@router.get("", responses=_AUTH)
def read_fleet(session: SessionDep, _: PlannerDep) -> list[VehiclePublic]:
    """Every stored vehicle, ordered by id, with its booked maintenance days."""
    return [_public(v, days) for v, days in fleet.fleet_with_maintenance(session)]


@router.get("/{vehicle_id}/maintenance", responses={**_AUTH, **_NOT_FOUND})
def read_maintenance(vehicle_id: VehicleIdPath, session: SessionDep, _: PlannerDep) -> list[MaintenanceDayPublic]:
    """The vehicle's booked maintenance days, earliest first."""
    days = fleet.maintenance_of(session, vehicle_id=vehicle_id)
    return [MaintenanceDayPublic(vehicle_id=vehicle_id, date=d) for d in days]


@router.put(
    "/{vehicle_id}/maintenance/{date}",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": MaintenanceDayPublic, "description": "The day was booked already: nothing changed"},
        **_AUTH,
        **_NOT_FOUND,
    },
)
def book(
    vehicle_id: VehicleIdPath, date: DatePath, response: Response, session: SessionDep, today: TodayDep, _: PlannerDep
) -> MaintenanceDayPublic:
    """Book a maintenance day (201); booking it again changes nothing (200). The next solve leaves the vehicle
    without stops that day. A day in the past or more than a year ahead is refused (422)."""
    if not fleet.book_maintenance(session, vehicle_id=vehicle_id, day=date, today=today):
        response.status_code = status.HTTP_200_OK
    return MaintenanceDayPublic(vehicle_id=vehicle_id, date=date)


@router.delete(
    "/{vehicle_id}/maintenance/{date}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**_AUTH, 404: {"model": ErrorPublic, "description": "No such vehicle, or the day is not booked"}},
)
def cancel(vehicle_id: VehicleIdPath, date: DatePath, session: SessionDep, _: PlannerDep) -> Response:
    """Cancel a booked maintenance day (204); a day that is not booked answers 404."""
    fleet.cancel_maintenance(session, vehicle_id=vehicle_id, day=date)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
