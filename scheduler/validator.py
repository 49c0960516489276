"""An independent check of a plan against every hard rule, knowing nothing of how the plan was made.

It reads only the plan, the problem's travel matrices and rules, and the network; a planner's hand edit is
checked the same way as a solver's output.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from scheduler.calendar import local_datetime
from scheduler.domain import Network, Vehicle, VehicleKind
from scheduler.plan import Plan, Route, Stop
from scheduler.ports import UNREACHABLE
from scheduler.problem import Problem, km_between


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    vehicle_id: str | None
    message: str


def validate(plan: Plan, *, problem: Problem, network: Network) -> tuple[Violation, ...]:
    """Every rule broken by ``plan``; empty when the plan can be run as written."""
    found: list[Violation] = []
    vehicles = {v.id: v for v in problem.vehicles}
    for route in plan.routes:
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is None:
            found.append(Violation("unknown_vehicle", route.vehicle_id, f"no vehicle {route.vehicle_id}"))
            continue
        for stop in route.stops:
            found.extend(_check_stop(stop, vehicle, problem, network))
        found.extend(_check_sequence(route, vehicle, problem))
        found.extend(_check_home_legs(route, vehicle, problem))
        found.extend(_check_days(route, vehicle, problem))
    found.extend(_check_demand(plan, problem))
    found.extend(_check_locks(plan, problem))
    return tuple(found)


def _check_stop(stop: Stop, vehicle: Vehicle, problem: Problem, network: Network) -> list[Violation]:
    out: list[Violation] = []

    def fail(code: str, message: str) -> None:
        out.append(Violation(code, vehicle.id, f"{vehicle.id} at {stop.place_id} on {stop.date}: {message}"))

    if not network.has_place(stop.place_id):
        fail("unknown_place", "no such place")
        return out
    if stop.date not in problem.service_dates:
        fail("not_a_service_day", "not a service day (weekend, holiday or outside the week)")
    if stop.date in vehicle.maintenance_dates:
        fail("maintenance_day", "the vehicle is in maintenance that day")
    requests_by_id = {r.id: r for r in problem.requests}
    stations_of = {rid: c.train_site_id for c in problem.candidates for rid in c.request_ids if c.train_site_id}
    for rid in stop.request_ids:
        request = requests_by_id.get(rid)
        if request is None:
            fail("unknown_request", f"no request {rid}")
            continue
        if not vehicle.offers(request.services):
            fail("services", f"request {rid} needs {', '.join(request.services)}; the vehicle does not offer all")
        if not request.covers(stop.date):
            fail("request_window", f"request {rid} asks for {request.window_start}..{request.window_end}")
        at_its_station = vehicle.kind is VehicleKind.TRAIN and stations_of.get(rid) == stop.site_id
        if request.place_id != stop.place_id and not at_its_station:
            # The train serves a request at the station whose catchment holds its place; back-to-back visits at
            # one station are one stop, named after the first place served there.
            fail("request_place", f"request {rid} is for {request.place_id}")
    day = local_datetime(stop.date, 0)
    opens = day + timedelta(minutes=vehicle.service_start_min)
    closes = day + timedelta(minutes=vehicle.service_end_min)
    if stop.arrive < opens or stop.depart > closes or stop.depart <= stop.arrive:
        fail("outside_service_hours", f"{stop.arrive:%H:%M}-{stop.depart:%H:%M} is outside the service hours")
    served_min = (stop.depart - stop.arrive).total_seconds() / 60
    window_min = vehicle.service_end_min - vehicle.service_start_min
    if stop.expected_citizens > vehicle.capacity_citizens_per_day * served_min / window_min + 1:
        fail("capacity", f"{stop.expected_citizens} citizens do not fit in {served_min:.0f} minutes")
    if vehicle.kind is VehicleKind.TRAIN:
        station = next((s for s in network.stations if s.id == stop.site_id), None)
        if station is None:
            fail("train_off_rail", f"the train can only stop at a station, not at {stop.site_id}")
        else:
            place = network.place(stop.place_id)
            km = km_between((station.lat, station.lon), (place.lat, place.lon))
            if km > problem.rules.train_catchment_km:
                fail("train_catchment", f"{station.id} is {km:.0f} km from {place.id}, outside the catchment")
    else:
        if stop.site_id != stop.place_id:
            fail("bus_site", f"a bus stops at the place centre, not at {stop.site_id}")
        if network.place(vehicle.depot_place_id).exclave != network.place(stop.place_id).exclave:
            fail("exclave", "no road links Naxçıvan with the mainland inside Azerbaijan")
    return out


def _check_sequence(route: Route, vehicle: Vehicle, problem: Problem) -> list[Violation]:
    """Order, travel time between consecutive stops, depot departure and return, vehicle-day capacity.

    Two consecutive stops with a night at the depot between them are not one drive: the drives home and out are
    checked by ``_check_home_legs``, so only their timing is checked here."""
    out: list[Violation] = []
    stops = route.stops
    if not stops:
        return out
    direct = {(leg.from_site_id, leg.to_site_id) for leg in route.legs}
    depot = problem.depot_site(vehicle.id)
    earliest, latest = problem.week_bounds()
    week = problem.week_start
    legs: list[tuple[str, Stop | None, Stop | None]] = [(depot, None, stops[0])]
    legs += [(a.site_id, a, b) for a, b in pairwise(stops)]
    legs.append((stops[-1].site_id, stops[-1], None))
    for origin, before, after in legs:
        target = after.site_id if after is not None else depot
        minutes = _travel(problem, vehicle.kind, origin, target)
        label = f"{vehicle.id} {origin}->{target}"
        if minutes is None:
            out.append(Violation("unreachable", vehicle.id, f"{label}: no path for a {vehicle.kind.value}"))
            continue
        # the train's first run out and last run home bound only by the week's hours (a crew's weekend follows)
        limited = vehicle.kind is VehicleKind.BUS or (before is not None and after is not None)
        via_depot = before is not None and after is not None and origin != target and (origin, target) not in direct
        if limited and not via_depot and minutes > problem.max_leg_min(vehicle.kind):
            out.append(Violation("leg_too_long", vehicle.id, f"{label}: {minutes} min of travel in one leg"))
        leave = before.depart if before is not None else None
        if after is not None and leave is not None and leave + timedelta(minutes=minutes) > after.arrive:
            out.append(Violation("travel_time", vehicle.id, f"{label}: arrives after the stop starts"))
        if (
            before is None
            and after is not None
            and after.arrive - timedelta(minutes=minutes) < local_datetime(week, earliest)
        ):
            out.append(Violation("depot_departure", vehicle.id, f"{label}: would leave the depot too early"))
        if after is None and leave is not None and leave + timedelta(minutes=minutes) > local_datetime(week, latest):
            out.append(Violation("depot_return", vehicle.id, f"{label}: back at the depot too late"))
    per_day: dict[object, int] = defaultdict(int)
    least = problem.service_min(vehicle, 0)
    for stop in stops:
        per_day[stop.date] += stop.expected_citizens
        if stop.depart - stop.arrive < timedelta(minutes=least):
            message = f"{vehicle.id} at {stop.site_id} on {stop.date}: a stop lasts at least {least} min"
            out.append(Violation("stop_too_short", vehicle.id, message))
    for day, citizens in per_day.items():
        if citizens > vehicle.capacity_citizens_per_day:
            out.append(Violation("capacity", vehicle.id, f"{vehicle.id} on {day}: {citizens} citizens in one day"))
    return out


def _check_home_legs(route: Route, vehicle: Vehicle, problem: Problem) -> list[Violation]:
    """The drives home for a night and out again the next morning, which no pair of consecutive stops shows."""
    out: list[Violation] = []
    depot = problem.depot_site(vehicle.id)
    between_stops = {(a.site_id, b.site_id) for a, b in pairwise(route.stops)}
    for n, leg in enumerate(route.legs):
        inner = 0 < n < len(route.legs) - 1
        pair = (leg.from_site_id, leg.to_site_id)
        if not inner or depot not in pair or pair[0] == pair[1] or pair in between_stops:
            continue
        minutes = _travel(problem, vehicle.kind, leg.from_site_id, leg.to_site_id)
        label = f"{vehicle.id} {leg.from_site_id}->{leg.to_site_id} (a night at the depot)"
        if minutes is None:
            out.append(Violation("unreachable", vehicle.id, f"{label}: no path for a {vehicle.kind.value}"))
        elif minutes > problem.max_leg_min(vehicle.kind):
            out.append(Violation("leg_too_long", vehicle.id, f"{label}: {minutes} min of travel in one leg"))
    return out


def _check_days(route: Route, vehicle: Vehicle, problem: Problem) -> list[Violation]:
    """Driving per calendar day, and nights away from the depot (recounted from the legs, not the overnights)."""
    out: list[Violation] = []
    driving: dict[date, int] = defaultdict(int)
    for leg in route.legs:
        driving[leg.depart.date()] += leg.duration_min
    if vehicle.kind is VehicleKind.BUS:
        for day, minutes in sorted(driving.items()):
            if minutes > problem.rules.daily_drive_limit_min:
                out.append(Violation("daily_drive", vehicle.id, f"{vehicle.id} drives {minutes} min on {day}"))
    depot = problem.depot_site(vehicle.id)
    away = 0
    for evening, _ in problem.nights():
        midnight = local_datetime(evening + timedelta(days=1), 0)
        before = [leg for leg in route.legs if leg.depart < midnight]
        if before and before[-1].to_site_id != depot:
            away += 1
    if away > problem.rules.max_nights_away:
        out.append(
            Violation(
                "nights_away",
                vehicle.id,
                f"{vehicle.id} sleeps away {away} nights (at most {problem.rules.max_nights_away})",
            )
        )
    return out


def _check_locks(plan: Plan, problem: Problem) -> list[Violation]:
    """Every locked stop is in the plan: same vehicle, same date, same place."""
    kept = {(s.vehicle_id, s.date, s.place_id) for s in plan.stops}
    return [
        Violation("lock", c.vehicle_ids[0], f"locked {c.vehicle_ids[0]} at {c.place_id} on {c.dates[0]} is missing")
        for c in problem.candidates
        if c.locked and (c.vehicle_ids[0], c.dates[0], c.place_id) not in kept
    ]


def _travel(problem: Problem, kind: VehicleKind, origin: str, target: str) -> int | None:
    matrix = problem.matrix(kind)
    if origin not in matrix.site_ids or target not in matrix.site_ids:
        return None
    minutes = int(matrix.duration_min[matrix.index(origin), matrix.index(target)])
    return None if minutes == UNREACHABLE else minutes


def _check_demand(plan: Plan, problem: Problem) -> list[Violation]:
    """No place is promised more citizens than its need for the week; no station more than the need of its
    catchment the problem offered the train, with the requests and locked stops it may serve there; and the train
    at a station and the buses at its catchment's places not more, together, than those places' need.

    Locked stops and requests are part of their place's need (the problem cuts only what is left after them into
    visits), so they raise the ceiling only where together they exceed it, never on top of it."""
    background: dict[str, int] = defaultdict(int)
    for d in problem.demand:
        background[d.place_id] += d.weekly_citizens
    claimed: dict[str, int] = defaultdict(int)
    catchment: dict[str, int] = defaultdict(int)  # per station: its pool, and the requests and locks it may serve
    for c in problem.candidates:
        if c.locked:
            claimed[c.place_id] += max(0, c.expected_citizens)
        if c.train_site_id is not None and (c.bus_site_id is None or c.locked or c.request_ids):
            catchment[c.train_site_id] += max(0, c.expected_citizens)
    for r in problem.requests:
        claimed[r.place_id] += r.expected_citizens
    ceiling: dict[str, int] = defaultdict(int)
    for place in background.keys() | claimed.keys():
        ceiling[place] = max(background[place], claimed[place])
    served: dict[str, int] = defaultdict(int)
    at_stations: dict[str, int] = defaultdict(int)
    vehicles = {v.id: v for v in problem.vehicles}
    for stop in plan.stops:
        vehicle = vehicles.get(stop.vehicle_id)
        if vehicle is not None and vehicle.kind is VehicleKind.TRAIN:  # a stop may merge pool and request visits
            at_stations[stop.site_id] += stop.expected_citizens
        else:
            served[stop.place_id] += stop.expected_citizens
    out = [
        Violation("demand", None, f"{place}: {citizens} citizens planned, demand is {ceiling.get(place, 0)}")
        for place, citizens in sorted(served.items())
        if citizens > ceiling.get(place, 0)
    ]
    out += [
        Violation("demand", None, f"{site}: {citizens} citizens planned, its catchment's need is {catchment[site]}")
        for site, citizens in sorted(at_stations.items())
        if citizens > catchment.get(site, 0)
    ]
    for pool in problem.shared:  # the train at a station and the buses in its catchment draw on one need
        members = set(pool.place_ids)
        elsewhere = sum(
            c.expected_citizens
            for c in problem.candidates
            if c.train_site_id == pool.station_id and (c.locked or c.request_ids) and c.place_id not in members
        )
        limit = sum(ceiling.get(m, 0) for m in members) + elsewhere
        planned = sum(served.get(m, 0) for m in members) + at_stations.get(pool.station_id, 0)
        if planned > limit:
            out.append(
                Violation(
                    "demand",
                    None,
                    f"{pool.station_id} and its catchment's places: {planned} citizens planned by the train and "
                    f"the buses together, their need is {limit}",
                )
            )
    return out
