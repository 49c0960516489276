"""Turn an optimizer's ``Solution`` into a ``Plan`` with times, legs, overnights and road or rail geometry."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

from scheduler.calendar import BAKU, local_datetime
from scheduler.domain import VehicleKind
from scheduler.plan import Leg, Overnight, Plan, Route, Stop, compute_kpis
from scheduler.ports import UNREACHABLE, LatLon, Site, TravelModel
from scheduler.problem import HOME, Problem, Solution, Visit


def build_plan(problem: Problem, solution: Solution, travel: TravelModel) -> Plan:
    """Stops start when the solver says; a vehicle drives on right after a stop and leaves its depot (at the
    start of the week or after a night at home) just in time for the next stop."""
    sites = {kind: {s.id: s for s in travel.sites(kind)} for kind in VehicleKind}
    routes = []
    for vehicle_id, visits in solution.routes:
        vehicle = problem.vehicle(vehicle_id)
        items: list[Stop | None] = []  # None: a night at the depot
        for visit in visits:
            items.append(None if visit.candidate_id == HOME else _stop(problem, vehicle_id, visit, sites[vehicle.kind]))
        items = _merge_back_to_back(items)
        stops = tuple(item for item in items if item is not None)
        legs = legs_for(problem, vehicle_id, items, travel) if stops else ()
        routes.append(Route(vehicle_id, stops, legs, overnights_for(problem, vehicle_id, legs)))
    return Plan(
        week_start=problem.week_start,
        service_dates=problem.service_dates,
        vehicles=problem.vehicles,
        routes=tuple(routes),
        kpis=compute_kpis(tuple(routes), demand_citizens=problem.demand_citizens, solve_seconds=solution.solve_seconds),
    )


def _stop(problem: Problem, vehicle_id: str, visit: Visit, kind_sites: dict[str, Site]) -> Stop:
    vehicle = problem.vehicle(vehicle_id)
    candidate = problem.candidate(visit.candidate_id)
    site_id = candidate.site_id(vehicle.kind)
    assert site_id is not None, f"{vehicle_id} cannot stop at {candidate.id}"
    site = kind_sites[site_id]
    arrive = local_datetime(problem.week_start, visit.start_min)
    return Stop(
        vehicle_id=vehicle_id,
        date=arrive.date(),
        place_id=candidate.place_id,
        site_id=site_id,
        lat=site.lat,
        lon=site.lon,
        arrive=arrive,
        depart=arrive + timedelta(minutes=problem.service_min(vehicle, candidate.expected_citizens)),
        expected_citizens=candidate.serving(vehicle_id).citizens,
        saved_citizen_min=candidate.serving(vehicle_id).saved_citizen_min,
        locked=candidate.locked,
        request_ids=candidate.request_ids,
    )


def _merge_back_to_back(items: list[Stop | None]) -> list[Stop | None]:
    """Visits at the same site one after the other on one day are one stop for the crew and the public (a wait
    between them is time the vehicle stays): a plan names a stop by vehicle, date and place."""
    merged: list[Stop | None] = []
    for item in items:
        last = merged[-1] if merged else None
        if item is not None and last is not None and (last.site_id, last.date) == (item.site_id, item.date):
            merged[-1] = replace(
                last,
                depart=item.depart,
                expected_citizens=last.expected_citizens + item.expected_citizens,
                saved_citizen_min=last.saved_citizen_min + item.saved_citizen_min,
                locked=last.locked or item.locked,
                request_ids=last.request_ids + item.request_ids,
            )
        else:
            merged.append(item)
    return merged


def legs_for(problem: Problem, vehicle_id: str, items: list[Stop | None], travel: TravelModel) -> tuple[Leg, ...]:
    """Depot → stops (→ depot for a night → stops) → depot; ``None`` in ``items`` is a night at the depot.

    A hand edit may ask for a drive that does not exist: that leg takes no time and goes straight, and the
    validator reports it as ``unreachable``.
    """
    kind = problem.vehicle(vehicle_id).kind
    depot = problem.depot_site(vehicle_id)
    legs: list[Leg] = []
    origin, leave = depot, None  # leave None: at the depot, leaving just in time
    for n, item in enumerate([*items, None]):
        target = item.site_id if item is not None else depot
        if item is None and target == origin and (n < len(items) or leave is None):
            leave = None  # a night at home when already there: leave just in time the next morning
            continue
        minutes, metres, path = _drive(problem, travel, kind, origin, target)
        if leave is None:
            assert item is not None
            leave = item.arrive - timedelta(minutes=minutes)
        legs.append(Leg(vehicle_id, origin, target, leave, leave + timedelta(minutes=minutes), metres, minutes, path))
        origin, leave = (item.site_id, item.depart) if item is not None else (depot, None)
    return tuple(legs)


def _drive(
    problem: Problem, travel: TravelModel, kind: VehicleKind, origin: str, target: str
) -> tuple[int, int, tuple[LatLon, ...]]:
    matrix = problem.matrix(kind)
    if origin in matrix.site_ids and target in matrix.site_ids:
        minutes = problem.travel_min(kind, origin, target)
        if minutes != UNREACHABLE:
            return minutes, problem.travel_m(kind, origin, target), travel.path(kind, origin, target)
    coords = {s.id: (s.lat, s.lon) for s in travel.sites(kind)}
    return 0, 0, tuple(coords[s] for s in (origin, target) if s in coords)


def overnights_for(problem: Problem, vehicle_id: str, legs: tuple[Leg, ...]) -> tuple[Overnight, ...]:
    """Where the vehicle is at midnight after each service date but the last: where its last leg before it ends."""
    depot = problem.depot_site(vehicle_id)
    out = []
    for evening, _ in problem.nights():
        midnight = datetime.combine(evening + timedelta(days=1), time(), tzinfo=BAKU)
        before = [leg for leg in legs if leg.depart < midnight]
        site = before[-1].to_site_id if before else depot
        out.append(Overnight(vehicle_id, evening, site, site == depot))
    return tuple(out)
