"""Reference sync: the bundled places, stations, centres and vehicles upserted into their tables.

Run at every start-up and before every solve. Idempotent; rows absent from the data are kept (stored plans may
refer to them), and the fields planners own (``data.places``) are left alone. Flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import CentreRow, PlaceRow, StationRow, VehicleRow
from data.places import CENTRE_FIELDS_OF_PLANNERS, PLANNER_POPULATION_PREFIX
from scheduler.domain import Fleet, Network, Place, ServiceCentre, Station, Vehicle

RowT = TypeVar("RowT", PlaceRow, StationRow, CentreRow, VehicleRow)


def _place_values(place: Place) -> dict[str, Any]:
    return {
        "name_az": place.name_az,
        "name_en": place.name_en,
        "name_ru": place.name_ru,
        "unit_type": place.unit_type,
        "centre_az": place.centre_az,
        "centre_en": place.centre_en,
        "lat": place.lat,
        "lon": place.lon,
        "population": place.population,
        "population_as_of": place.population_as_of,
        "economic_region": place.economic_region,
        "exclave": place.exclave,
        "terrain": place.terrain.value,
        "source": place.source,
        "unit_id": place.unit_id,
    }


def _centre_values(centre: ServiceCentre) -> dict[str, Any]:
    return {
        "kind": centre.kind.value,
        "name": centre.name,
        "place_id": centre.place_id,
        "lat": centre.lat,
        "lon": centre.lon,
        "status": centre.status.value,
        "opened": centre.opened,
        "services": list(centre.services),
        "source": centre.source,
    }


def _station_values(station: Station) -> dict[str, Any]:
    return {
        "name": station.name,
        "lat": station.lat,
        "lon": station.lon,
        "place_id": station.place_id,
        "coords_estimated": station.coords_estimated,
    }


def _vehicle_values(vehicle: Vehicle) -> dict[str, Any]:
    return {
        "kind": vehicle.kind.value,
        "name": vehicle.name,
        "depot_place_id": vehicle.depot_place_id,
        "depot_station_id": vehicle.depot_station_id,
        "capacity_citizens_per_day": vehicle.capacity_citizens_per_day,
        "service_start_min": vehicle.service_start_min,
        "service_end_min": vehicle.service_end_min,
        "services": list(vehicle.services),
    }


def _upsert(
    session: Session,
    model: type[RowT],
    values_by_id: dict[str, dict[str, Any]],
    keep: Callable[[RowT], Collection[str]] = lambda row: (),
) -> None:
    """Insert the missing rows and update the changed ones (one SELECT); rows not named are left alone, and so
    are the fields ``keep(row)`` names on an existing row."""
    if not values_by_id:
        return
    existing = {row.id: row for row in session.scalars(select(model).where(model.id.in_(values_by_id)))}
    for row_id, values in values_by_id.items():
        row = existing.get(row_id)
        if row is None:
            session.add(model(id=row_id, **values))
            continue
        kept = keep(row)
        for key, value in values.items():
            if key not in kept and getattr(row, key) != value:
                setattr(row, key, value)


def _planner_place_fields(row: PlaceRow) -> tuple[str, ...]:
    return ("population", "population_as_of") if row.population_as_of.startswith(PLANNER_POPULATION_PREFIX) else ()


def _planner_centre_fields(row: CentreRow) -> tuple[str, ...]:
    return CENTRE_FIELDS_OF_PLANNERS


def sync_reference(session: Session, *, network: Network, fleet: Fleet) -> None:
    """Upsert places, stations, centres and vehicles so the tables say what ``network`` and ``fleet`` say.

    Idempotent: a second run changes nothing. Rows absent from the data are kept, since stored plans may refer
    to them. A planner's edits stay: a stored centre's status and opening date, and a population a planner
    corrected (``data.places``). Flushes in dependency order (places first) so foreign keys hold; does not
    commit.
    """
    _upsert(session, PlaceRow, {p.id: _place_values(p) for p in network.places}, keep=_planner_place_fields)
    session.flush()
    _upsert(session, StationRow, {s.id: _station_values(s) for s in network.stations})
    _upsert(session, CentreRow, {c.id: _centre_values(c) for c in network.centres}, keep=_planner_centre_fields)
    _upsert(session, VehicleRow, {v.id: _vehicle_values(v) for v in fleet.vehicles})
    session.flush()


def upsert_vehicles(session: Session, vehicles: Iterable[Vehicle]) -> None:
    """Store ``vehicles`` as they are (a stored plan is rebuilt from its vehicles' rows)."""
    _upsert(session, VehicleRow, {v.id: _vehicle_values(v) for v in vehicles})
