"""What citizens may see: the upcoming stops of the one published plan (never a draft), named with the planners'
corrections to the places."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy.orm import Session

from data.fleet import list_vehicles
from data.places import list_places
from data.plans import public_plan_id, upcoming_stops
from scheduler.domain import Network
from scheduler.plan import Stop


@dataclass(frozen=True, slots=True)
class PublicStops:
    plan_id: int | None
    """The published plan they come from; None while nothing is published."""
    network: Network
    """The network with the planners' corrections, to name the stops."""
    stops: list[Stop] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    """Vehicle id → ``bus`` or ``train``."""


def upcoming_public_stops(session: Session, *, network: Network, today: date) -> PublicStops:
    """The published plan's stops on ``today`` or later, by date, arrival and vehicle."""
    plan_id = public_plan_id(session)
    if plan_id is None:
        return PublicStops(None, network)
    stops = upcoming_stops(session, plan_id=plan_id, from_date=today)
    if not stops:
        return PublicStops(plan_id, network)
    corrected = replace(network, places=tuple(list_places(session)))
    kinds = {vehicle.id: vehicle.kind.value for vehicle in list_vehicles(session)}
    return PublicStops(plan_id, corrected, stops, kinds)
