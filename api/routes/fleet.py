"""The fleet and its maintenance days: planners and admins only.

A booked maintenance day is read by the next solve (``api.planning.week_inputs``), which gives the vehicle no
stop that day; plans already stored are not changed, but checking or publishing one reports the clash.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response, status
from sqlalchemy.orm import Session

from api.auth import PlannerDep
from api.deps import SessionDep
from api.fleet_schemas import MaintenanceDayPublic, VehiclePublic
from api.request_schemas import ErrorPublic
from data.fleet_store import book_maintenance, cancel_maintenance, vehicle_exists, vehicle_maintenance
from data.repository import list_vehicles, maintenance_days
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


def _vehicle_or_404(session: Session, vehicle_id: str) -> None:
    if not vehicle_exists(session, vehicle_id=vehicle_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"vehicle {vehicle_id} not found; GET /fleet lists them")


@router.get("", responses=_AUTH)
def read_fleet(session: SessionDep, _: PlannerDep) -> list[VehiclePublic]:
    """Every stored vehicle, ordered by id, with its booked maintenance days."""
    days = maintenance_days(session)
    return [_public(v, days.get(v.id, ())) for v in list_vehicles(session)]


@router.get("/{vehicle_id}/maintenance", responses={**_AUTH, **_NOT_FOUND})
def read_maintenance(vehicle_id: VehicleIdPath, session: SessionDep, _: PlannerDep) -> list[MaintenanceDayPublic]:
    """The vehicle's booked maintenance days, earliest first."""
    _vehicle_or_404(session, vehicle_id)
    return [
        MaintenanceDayPublic(vehicle_id=vehicle_id, date=d) for d in vehicle_maintenance(session, vehicle_id=vehicle_id)
    ]


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
    vehicle_id: VehicleIdPath, date: DatePath, response: Response, session: SessionDep, _: PlannerDep
) -> MaintenanceDayPublic:
    """Book a maintenance day (201); booking it again changes nothing (200). The next solve leaves the vehicle
    without stops that day."""
    _vehicle_or_404(session, vehicle_id)
    if book_maintenance(session, vehicle_id=vehicle_id, day=date):
        session.commit()
    else:
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
    _vehicle_or_404(session, vehicle_id)
    if not cancel_maintenance(session, vehicle_id=vehicle_id, day=date):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{vehicle_id} has no maintenance booked on {date}")
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
