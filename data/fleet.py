"""The fleet as stored and its maintenance days (a vehicle in maintenance serves nobody that day).

Keyword-only functions taking a ``Session``; writing ones flush but never commit.
"""

from __future__ import annotations

import datetime as dt
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.models import MaintenanceRow, VehicleRow
from scheduler.domain import Vehicle, VehicleKind


def _vehicle_from_row(row: VehicleRow) -> Vehicle:
    return Vehicle(
        id=row.id,
        kind=VehicleKind(row.kind),
        name=row.name,
        depot_place_id=row.depot_place_id,
        depot_station_id=row.depot_station_id,
        capacity_citizens_per_day=row.capacity_citizens_per_day,
        service_start_min=row.service_start_min,
        service_end_min=row.service_end_min,
        services=tuple(str(code) for code in row.services),
    )


def list_vehicles(session: Session) -> list[Vehicle]:
    """Every stored vehicle, ordered by id."""
    return [_vehicle_from_row(row) for row in session.scalars(select(VehicleRow).order_by(VehicleRow.id))]


def vehicle_exists(session: Session, *, vehicle_id: str) -> bool:
    return session.get(VehicleRow, vehicle_id) is not None


def vehicle_maintenance(session: Session, *, vehicle_id: str) -> tuple[dt.date, ...]:
    """The vehicle's booked maintenance days, earliest first."""
    return tuple(
        session.scalars(
            select(MaintenanceRow.date).where(MaintenanceRow.vehicle_id == vehicle_id).order_by(MaintenanceRow.date)
        )
    )


def maintenance_days(session: Session) -> dict[str, tuple[date, ...]]:
    days: dict[str, list[date]] = {}
    for row in session.scalars(select(MaintenanceRow).order_by(MaintenanceRow.date)):
        days.setdefault(row.vehicle_id, []).append(row.date)
    return {vehicle: tuple(ds) for vehicle, ds in days.items()}


def book_maintenance(session: Session, *, vehicle_id: str, day: dt.date) -> bool:
    """Book a maintenance day; True when it is new, False when it was booked already (also by a concurrent
    caller: the duplicate insert is rolled back to a savepoint)."""
    if session.get(MaintenanceRow, (vehicle_id, day)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(MaintenanceRow(vehicle_id=vehicle_id, date=day))
    except IntegrityError:
        return False
    return True


def cancel_maintenance(session: Session, *, vehicle_id: str, day: dt.date) -> bool:
    """Remove a booked maintenance day; False when it was not booked."""
    row = session.get(MaintenanceRow, (vehicle_id, day))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
