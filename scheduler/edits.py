"""A planner's hand edit of a plan, as a pure function: move one stop to another vehicle and/or day, at the same
times of day, and redraw the routes it leaves and joins. Nothing is checked but the edit itself; the validator
judges the result, and the use case (``api.services.plans``) decides what to store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import pairwise
from typing import Literal

from scheduler.assemble import legs_for, overnights_for
from scheduler.calendar import BAKU
from scheduler.domain import VehicleKind
from scheduler.plan import Plan, Route, Stop, compute_kpis
from scheduler.ports import TravelModel
from scheduler.problem import Problem


class EditError(ValueError):
    """An edit that cannot be applied as asked; ``field`` names the bad input, or is None when the plan's state
    (a locked stop, a retired vehicle) refuses it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class StopEdit:
    """Which stop (vehicle, date, place) and what to do with it."""

    vehicle_id: str
    date: dt.date
    place_id: str
    action: Literal["lock", "unlock", "move"]
    to_vehicle_id: str | None = None
    to_date: dt.date | None = None


def is_stop(stop: Stop, key: tuple[str, date, str]) -> bool:
    """Whether ``stop`` is the one ``key`` (vehicle, date, place) names."""
    return (stop.vehicle_id, stop.date, stop.place_id) == key


def move_stop(plan: Plan, edit: StopEdit, *, problem: Problem, travel: TravelModel) -> Plan:
    """The plan with the stop moved to another vehicle and/or date, at the same times of day; the routes it
    leaves and joins get new legs and overnights. Nothing is checked here but the edit itself: the validator
    judges the result."""
    key = (edit.vehicle_id, edit.date, edit.place_id)
    stop = next(s for s in plan.stops if is_stop(s, key))
    if stop.locked:
        raise EditError(f"the stop of {stop.vehicle_id} on {stop.date} at {stop.place_id} is locked: unlock it first")
    vehicles = {v.id: v for v in plan.vehicles}
    to_vehicle = edit.to_vehicle_id or stop.vehicle_id
    if to_vehicle not in vehicles:
        raise EditError(f"to_vehicle_id: the plan has no vehicle {to_vehicle!r}", "to_vehicle_id")
    retired = sorted({stop.vehicle_id, to_vehicle} - {v.id for v in problem.vehicles})
    if retired:
        raise EditError(f"{retired[0]} is not in the fleet: its route cannot be redrawn; re-optimise instead")
    to_date = edit.to_date or stop.date
    if not plan.week_start <= to_date < plan.week_start + timedelta(days=7):
        raise EditError(f"to_date: {to_date} is outside the plan's week from {plan.week_start}", "to_date")
    there = (to_vehicle, to_date, stop.place_id)
    if there != key and any(is_stop(s, there) for s in plan.stops):
        field = "to_date" if to_date != stop.date else "to_vehicle_id"
        raise EditError(f"{field}: {to_vehicle} already stops at {stop.place_id} on {to_date}", field)
    shift = to_date - stop.date
    moved = replace(
        stop,
        vehicle_id=to_vehicle,
        date=to_date,
        arrive=(stop.arrive + shift).astimezone(BAKU),
        depart=(stop.depart + shift).astimezone(BAKU),
    )
    kind = vehicles[to_vehicle].kind
    if kind is not vehicles[stop.vehicle_id].kind:
        moved = _at_site_for(moved, kind, problem, travel)
    routes = {r.vehicle_id: r for r in plan.routes}
    for vehicle_id in (stop.vehicle_id, to_vehicle):
        if vehicle_id not in routes:
            routes[vehicle_id] = Route(vehicle_id, (), ())
    source = routes[stop.vehicle_id]
    remaining = list(source.stops)
    remaining.remove(stop)
    routes[stop.vehicle_id] = _rebuilt(problem, travel, source, remaining)
    target = routes[to_vehicle]
    routes[to_vehicle] = _rebuilt(problem, travel, target, [*target.stops, moved])
    order = [r.vehicle_id for r in plan.routes]
    order += [v for v in routes if v not in order]
    new_routes = tuple(routes[v] for v in order)
    kpis = compute_kpis(new_routes, demand_citizens=plan.kpis.demand_citizens, solve_seconds=plan.kpis.solve_seconds)
    return replace(plan, routes=new_routes, kpis=kpis)


def _at_site_for(stop: Stop, kind: VehicleKind, problem: Problem, travel: TravelModel) -> Stop:
    """A stop handed to a vehicle of the other kind stands where that kind serves the place (the bus at the
    centre, the train at the station within its catchment); with no such site it keeps its own and the validator
    says why."""
    site_id = next(
        (s for c in problem.candidates if c.place_id == stop.place_id and (s := c.site_id(kind)) is not None),
        stop.place_id if kind is VehicleKind.BUS else None,
    )
    site = next((s for s in travel.sites(kind) if s.id == site_id), None)
    if site is None:
        return stop
    return replace(stop, site_id=site.id, lat=site.lat, lon=site.lon)


def _rebuilt(problem: Problem, travel: TravelModel, old: Route, stops: list[Stop]) -> Route:
    """``old`` with ``stops`` (in time order): legs depot → stops → depot, home for the nights ``old`` spent at
    the depot (a vehicle that had no stops goes home every night)."""
    stops = sorted(stops, key=lambda s: s.arrive)
    if not stops:
        return Route(old.vehicle_id, (), (), overnights_for(problem, old.vehicle_id, ()))
    home_nights = {o.date for o in old.overnights if o.at_depot} if old.stops else set(problem.service_dates)
    items: list[Stop | None] = [stops[0]]
    for before, after in pairwise(stops):
        if any(before.date <= night < after.date for night in home_nights):
            items.append(None)
        items.append(after)
    legs = legs_for(problem, old.vehicle_id, items, travel)
    return Route(old.vehicle_id, tuple(stops), legs, overnights_for(problem, old.vehicle_id, legs))
