"""Corrections planners make to the reference data: a centre's status and opening date, a place's population.
They count from the next solve, and the bundled data no longer overwrites them (``data.reference_sync``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from api.errors import InvalidInput, NotFound
from api.services.limits import MAX_POPULATION
from data import places as store
from scheduler.domain import CentreStatus, Place, ServiceCentre


def places(session: Session) -> list[Place]:
    """Every stored place, ordered by id."""
    return store.list_places(session)


def centres(session: Session) -> list[ServiceCentre]:
    """Every stored centre, ordered by id."""
    return store.list_centres(session)


def correct_population(session: Session, *, place_id: str, population: int, today: dt.date) -> Place:
    """Set a place's population (0 to ``MAX_POPULATION``), kept as ``planner YYYY-MM-DD`` data. Commits."""
    if not 0 <= population <= MAX_POPULATION:
        raise InvalidInput("population", f"population must be 0 to {MAX_POPULATION:,}, not {population}", population)
    if not store.set_place_population(session, place_id=place_id, population=population, edited_on=today):
        raise NotFound(f"place {place_id} not found; GET /places lists them")
    session.commit()
    return next(p for p in store.list_places(session) if p.id == place_id)


def correct_centre(
    session: Session, *, centre_id: str, status: CentreStatus | None = None, opened: dt.date | None = None
) -> ServiceCentre:
    """Set a centre's status and/or opening date (None: unchanged). Commits."""
    centre = store.update_centre(session, centre_id=centre_id, status=status, opened=opened)
    if centre is None:
        raise NotFound(f"centre {centre_id} not found; GET /centres lists them")
    session.commit()
    return centre
