"""The fleet and its maintenance days. A booked day is read by the next solve, which gives the vehicle no stop
that day; plans already stored are not changed, but checking or publishing one reports the clash."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from api.errors import InvalidInput, NotFound
from api.services.limits import MAX_MAINTENANCE_AHEAD_DAYS
from data import fleet as store
from scheduler.domain import Vehicle


class UnknownVehicle(NotFound):
    """No vehicle with that id."""


def _known(session: Session, vehicle_id: str) -> None:
    if not store.vehicle_exists(session, vehicle_id=vehicle_id):
        raise UnknownVehicle(f"vehicle {vehicle_id} not found; GET /fleet lists them")


def fleet_with_maintenance(session: Session) -> list[tuple[Vehicle, tuple[dt.date, ...]]]:
    """Every stored vehicle, ordered by id, with its booked maintenance days."""
    days = store.maintenance_days(session)
    return [(v, days.get(v.id, ())) for v in store.list_vehicles(session)]


def maintenance_of(session: Session, *, vehicle_id: str) -> tuple[dt.date, ...]:
    """The vehicle's booked maintenance days, earliest first."""
    _known(session, vehicle_id)
    return store.vehicle_maintenance(session, vehicle_id=vehicle_id)


def book_maintenance(session: Session, *, vehicle_id: str, day: dt.date, today: dt.date) -> bool:
    """Book a maintenance day (today or up to ``MAX_MAINTENANCE_AHEAD_DAYS`` ahead); True when it is new, False
    when it was booked already. Commits."""
    _known(session, vehicle_id)
    if day < today:
        raise InvalidInput("date", f"date: {day} is in the past (today is {today} in Baku)", day)
    if (day - today).days > MAX_MAINTENANCE_AHEAD_DAYS:
        raise InvalidInput("date", f"date: {day} is more than {MAX_MAINTENANCE_AHEAD_DAYS} days ahead", day)
    booked = store.book_maintenance(session, vehicle_id=vehicle_id, day=day)
    session.commit()
    return booked


def cancel_maintenance(session: Session, *, vehicle_id: str, day: dt.date) -> None:
    """Cancel a booked maintenance day; a day that is not booked is not found. Commits."""
    _known(session, vehicle_id)
    if not store.cancel_maintenance(session, vehicle_id=vehicle_id, day=day):
        raise NotFound(f"{vehicle_id} has no maintenance booked on {day}")
    session.commit()
