"""Turn an optimizer's ``Solution`` into a ``Plan`` with times, legs and road or rail geometry."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from scheduler.calendar import local_datetime
from scheduler.domain import VehicleKind
from scheduler.plan import Leg, Plan, Route, Stop, compute_kpis
from scheduler.ports import Site, TravelModel
from scheduler.problem import Problem, Solution


def build_plan(problem: Problem, solution: Solution, travel: TravelModel) -> Plan:
    """Stops start when the solver says; each vehicle leaves its depot just in time for its first stop."""
    sites = {kind: {s.id: s for s in travel.sites(kind)} for kind in VehicleKind}
    routes = []
    for vehicle_id, visits in solution.routes:
        vehicle = problem.vehicle(vehicle_id)
        kind_sites = sites[vehicle.kind]
        stops = []
        for visit in visits:
            candidate = problem.candidate(visit.candidate_id)
            site_id = candidate.site_id(vehicle.kind)
            assert site_id is not None, f"{vehicle_id} cannot stop at {candidate.id}"
            site: Site = kind_sites[site_id]
            arrive = local_datetime(problem.week_start, visit.start_min)
            stops.append(
                Stop(
                    vehicle_id=vehicle_id,
                    date=arrive.date(),
                    place_id=candidate.place_id,
                    site_id=site_id,
                    lat=site.lat,
                    lon=site.lon,
                    arrive=arrive,
                    depart=arrive + timedelta(minutes=problem.service_min(vehicle, candidate.expected_citizens)),
                    expected_citizens=candidate.expected_citizens,
                )
            )
        stops = _merge_back_to_back(stops)
        routes.append(Route(vehicle_id, tuple(stops), _legs(problem, vehicle_id, stops, travel)))
    return Plan(
        week_start=problem.week_start,
        service_dates=problem.service_dates,
        vehicles=problem.vehicles,
        routes=tuple(routes),
        kpis=compute_kpis(tuple(routes), demand_citizens=problem.demand_citizens, solve_seconds=solution.solve_seconds),
    )


def _merge_back_to_back(stops: list[Stop]) -> list[Stop]:
    """Visits at the same site one right after the other are one stop for the crew and the public."""
    merged: list[Stop] = []
    for stop in stops:
        last = merged[-1] if merged else None
        if last is not None and last.site_id == stop.site_id and last.depart == stop.arrive:
            merged[-1] = replace(
                last, depart=stop.depart, expected_citizens=last.expected_citizens + stop.expected_citizens
            )
        else:
            merged.append(stop)
    return merged


def _legs(problem: Problem, vehicle_id: str, stops: list[Stop], travel: TravelModel) -> tuple[Leg, ...]:
    if not stops:
        return ()
    kind = problem.vehicle(vehicle_id).kind
    depot = problem.depot_site(vehicle_id)
    legs = []
    origin, leave = depot, None
    for stop in [*stops, None]:
        target = stop.site_id if stop is not None else depot
        minutes = problem.travel_min(kind, origin, target)
        if leave is None:
            assert stop is not None
            leave = stop.arrive - timedelta(minutes=minutes)
        legs.append(
            Leg(
                vehicle_id=vehicle_id,
                from_site_id=origin,
                to_site_id=target,
                depart=leave,
                arrive=leave + timedelta(minutes=minutes),
                distance_m=problem.travel_m(kind, origin, target),
                duration_min=minutes,
                path=travel.path(kind, origin, target),
            )
        )
        if stop is not None:
            origin, leave = stop.site_id, stop.depart
    return tuple(legs)
