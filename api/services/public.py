"""What citizens may see: the upcoming stops of the one published plan (never a draft), named with the planners'
corrections to the places."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy.orm import Session

from data.fleet import list_vehicles
from data.places import list_places
from data.plans import public_plan_id, public_plan_version, upcoming_stops
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


@dataclass(frozen=True, slots=True)
class PublicStamp:
    """What the public answers depend on in the database: which plan is public, at which version (publishing
    raises it). One small read, so a client's cached copy can be confirmed without loading a stop."""

    plan_id: int | None
    version: int | None


def public_stamp(session: Session) -> PublicStamp:
    """The public plan's id and version; both None while nothing is published."""
    found = public_plan_version(session)
    return PublicStamp(None, None) if found is None else PublicStamp(*found)


def upcoming_public_stops(session: Session, *, network: Network, today: date) -> PublicStops:
    """The published plan's stops on ``today`` or later, by date, arrival and vehicle."""
    return stops_of_public_plan(session, network=network, today=today, plan_id=public_plan_id(session))


def stops_of_public_plan(session: Session, *, network: Network, today: date, plan_id: int | None) -> PublicStops:
    """Plan ``plan_id``'s stops on ``today`` or later (the plan a ``PublicStamp`` named, so an answer and its
    ETag describe the same plan even when a publication lands between the two reads)."""
    if plan_id is None:
        return PublicStops(None, network)
    stops = upcoming_stops(session, plan_id=plan_id, from_date=today)
    if not stops:
        return PublicStops(plan_id, network)
    corrected = replace(network, places=tuple(list_places(session)))
    kinds = {vehicle.id: vehicle.kind.value for vehicle in list_vehicles(session)}
    return PublicStops(plan_id, corrected, stops, kinds)
