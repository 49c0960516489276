"""The planner's own data: maintenance days of the fleet, and the fields of centres and places a planner owns.

A planner owns a centre's ``status`` and ``opened`` date and may correct a place's ``population``;
``data.repository.sync_reference`` (run at every start-up and before every solve) leaves those edits alone.
Keyword-only functions taking a ``Session``; writing ones flush but never commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.models import CentreRow, MaintenanceRow, PlaceRow, VehicleRow
from data.repository import PLANNER_POPULATION_PREFIX
from scheduler.domain import CentreKind, CentreStatus, Network, ServiceCentre

# --- maintenance days ---


def vehicle_exists(session: Session, *, vehicle_id: str) -> bool:
    return session.get(VehicleRow, vehicle_id) is not None


def vehicle_maintenance(session: Session, *, vehicle_id: str) -> tuple[dt.date, ...]:
    """The vehicle's booked maintenance days, earliest first."""
    return tuple(
        session.scalars(
            select(MaintenanceRow.date).where(MaintenanceRow.vehicle_id == vehicle_id).order_by(MaintenanceRow.date)
        )
    )


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


# --- centres ---


def _centre_from_row(row: CentreRow) -> ServiceCentre:
    return ServiceCentre(
        id=row.id,
        kind=CentreKind(row.kind),
        name=row.name,
        place_id=row.place_id,
        lat=row.lat,
        lon=row.lon,
        status=CentreStatus(row.status),
        opened=row.opened,
        services=tuple(str(code) for code in row.services),
        source=row.source,
    )


def list_centres(session: Session) -> list[ServiceCentre]:
    """Every stored centre, ordered by id."""
    return [_centre_from_row(row) for row in session.scalars(select(CentreRow).order_by(CentreRow.id))]


def update_centre(
    session: Session, *, centre_id: str, status: CentreStatus | None = None, opened: dt.date | None = None
) -> ServiceCentre | None:
    """Set the centre's status and/or opening date (None: unchanged); None when there is no such centre."""
    row = session.get(CentreRow, centre_id)
    if row is None:
        return None
    if status is not None:
        row.status = status.value
    if opened is not None:
        row.opened = opened.isoformat()
    session.flush()
    return _centre_from_row(row)


# --- places ---


def set_place_population(session: Session, *, place_id: str, population: int, edited_on: dt.date) -> bool:
    """A planner's correction of the place's population; ``population_as_of`` records it (``planner
    YYYY-MM-DD``), which tells ``sync_reference`` to keep it. False when there is no such place."""
    row = session.get(PlaceRow, place_id)
    if row is None:
        return False
    row.population = population
    row.population_as_of = f"{PLANNER_POPULATION_PREFIX}{edited_on.isoformat()}"
    session.flush()
    return True


def with_planner_edits(session: Session, network: Network) -> Network:
    """``network`` with what planners own taken from the database: centres' status and opening date, and
    corrected populations. The demand model reads these, so an edit counts from the next solve."""
    centres = {c.id: c for c in list_centres(session)}
    places = {row.id: row for row in session.scalars(select(PlaceRow))}
    return dataclasses.replace(
        network,
        centres=tuple(
            dataclasses.replace(c, status=centres[c.id].status, opened=centres[c.id].opened) if c.id in centres else c
            for c in network.centres
        ),
        places=tuple(
            dataclasses.replace(p, population=places[p.id].population, population_as_of=places[p.id].population_as_of)
            if p.id in places and places[p.id].population_as_of.startswith(PLANNER_POPULATION_PREFIX)
            else p
            for p in network.places
        ),
    )
