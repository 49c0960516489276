"""Places and centres as stored, with the fields planners own: a centre's ``status`` and ``opened`` date, and a
corrected place ``population`` (``data.reference_sync`` leaves those edits alone).

Keyword-only functions taking a ``Session``; writing ones flush but never commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import CentreRow, PlaceRow
from scheduler.domain import CentreKind, CentreStatus, Network, Place, ServiceCentre, Terrain

PLANNER_POPULATION_PREFIX = "planner "
"""``population_as_of`` of a place whose population a planner corrected (``planner YYYY-MM-DD``)."""


CENTRE_FIELDS_OF_PLANNERS = ("status", "opened")
"""A stored centre's fields that belong to planners (``PATCH /centres/{id}``): the bundled data sets them only
when it inserts the centre."""


def _place_from_row(row: PlaceRow) -> Place:
    return Place(
        id=row.id,
        name_az=row.name_az,
        name_en=row.name_en,
        name_ru=row.name_ru,
        unit_type=row.unit_type,
        centre_az=row.centre_az,
        centre_en=row.centre_en,
        lat=row.lat,
        lon=row.lon,
        population=row.population,
        population_as_of=row.population_as_of,
        economic_region=row.economic_region,
        exclave=row.exclave,
        terrain=Terrain(row.terrain),
        source=row.source,
        unit_id=row.unit_id,
    )


def list_places(session: Session) -> list[Place]:
    """Every stored place, ordered by id."""
    return [_place_from_row(row) for row in session.scalars(select(PlaceRow).order_by(PlaceRow.id))]


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
