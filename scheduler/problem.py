"""The weekly problem: candidate visits, the fleet, travel matrices and the rules, fixed before the solve.

Background demand is cut into half-day candidate visits ("slots"), so the solver can send one vehicle for several
days, or several vehicles. A visit request becomes its own candidate (day-sized parts, served all or none) on the
days of its window, for the vehicles offering all its services, weighted by priority. A locked stop becomes a
mandatory candidate for its vehicle and day. Times are minutes after local midnight of the Monday that starts the
week ("minute of week").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Protocol

from scheduler.demand import Demand
from scheduler.domain import Fleet, Network, Vehicle, VehicleKind
from scheduler.ports import UNREACHABLE, ProgressCallback, Site, TravelMatrix, TravelModel
from scheduler.requests import Priority, VisitRequest

MINUTES_PER_DAY = 1440


@dataclass(frozen=True, slots=True)
class Rules:
    """Hard rules of a vehicle's week and the value of a citizen against driving."""

    earliest_departure_min: int = 5 * 60
    """No vehicle leaves before 05:00 on the first service day."""
    latest_return_min: int = 23 * 60
    """Every vehicle is back at its depot by 23:00 on the last service day."""
    max_bus_leg_min: int = 4 * 60
    """A bus drives at most this long between two consecutive stops (before or after service hours)."""
    citizen_value_m: int = 5000
    """One expected citizen is worth this many metres of driving in the objective."""
    slot_citizens: int = 50
    """Demand is cut into visits of this size: two make a bus's full day, one a half day."""
    min_slot_citizens: int = 10
    daily_drive_limit_min: int = 9 * 60
    """Driving per calendar day (the AETR 9-hour daily limit, to which Azerbaijan is a party)."""
    max_nights_away: int = 4
    """Nights a vehicle may sleep away from its depot in one week."""
    lodging_m: int = 30_000
    """A night away (crew lodging, guarding the vehicle) costs as much as this many metres of driving."""
    train_catchment_km: float = 25.0
    """The train at a station serves the places whose centre lies within this distance."""
    request_weight: tuple[tuple[Priority, float], ...] = ((Priority.NORMAL, 3.0), (Priority.URGENT, 6.0))
    """A requested citizen weighs this many times a background citizen."""
    equity_per_week: float = 0.05
    """A place's citizens weigh 5 % more per week since its last visit ..."""
    equity_cap_weeks: int = 8
    """... up to this many weeks (also the weight of a place with no visit in the history)."""
    min_visit_every_weeks: int | None = None
    """When set, a place not visited for this many weeks minus one is due this week: its first slot weighs
    ``due_weight`` times more, and the plan reports every due place it leaves out."""
    due_weight: float = 5.0

    def weight_of(self, priority: Priority) -> float:
        return dict(self.request_weight)[priority]


@dataclass(frozen=True, slots=True)
class Lock:
    """A planner's lock: ``vehicle_id`` serves ``place_id`` on ``date`` (``citizens`` from the locked stop)."""

    vehicle_id: str
    date: date
    place_id: str
    citizens: int
    request_ids: tuple[str, ...] = ()
    """Requests the locked stop serves: they stay served by it."""


@dataclass(frozen=True, slots=True)
class CandidateVisit:
    """One optional day (or part of a day) of service in a place, worth ``expected_citizens``."""

    id: str
    place_id: str
    slot: int
    expected_citizens: int
    bus_site_id: str | None
    train_site_id: str | None
    vehicle_ids: tuple[str, ...]
    dates: tuple[date, ...] = ()
    """Service dates the visit may fall on; empty means any service date of the week."""
    weight: float = 1.0
    """Value of one of its citizens against a background citizen (requests, equity, due places)."""
    request_ids: tuple[str, ...] = ()
    """The requests this visit serves (one for a request's part; those of a locked stop)."""
    locked: bool = False
    """A locked stop: it must be served, by its only vehicle, on its only date."""

    def site_id(self, kind: VehicleKind) -> str | None:
        return self.bus_site_id if kind is VehicleKind.BUS else self.train_site_id


@dataclass(frozen=True, slots=True)
class Problem:
    week_start: date
    service_dates: tuple[date, ...]
    vehicles: tuple[Vehicle, ...]
    depot_site_ids: tuple[str, ...]
    """Per vehicle (same order): its depot's site for its kind (place id for a bus, station id for the train)."""
    candidates: tuple[CandidateVisit, ...]
    bus_matrix: TravelMatrix
    train_matrix: TravelMatrix
    demand: tuple[Demand, ...]
    rules: Rules
    requests: tuple[VisitRequest, ...] = ()
    linked: tuple[tuple[str, ...], ...] = ()
    """Candidate ids served all or none (the parts of one request larger than a vehicle-day)."""

    def matrix(self, kind: VehicleKind) -> TravelMatrix:
        return self.bus_matrix if kind is VehicleKind.BUS else self.train_matrix

    def travel_min(self, kind: VehicleKind, origin: str, destination: str) -> int:
        m = self.matrix(kind)
        return int(m.duration_min[m.index(origin), m.index(destination)])

    def travel_m(self, kind: VehicleKind, origin: str, destination: str) -> int:
        m = self.matrix(kind)
        return int(m.distance_m[m.index(origin), m.index(destination)])

    def day_start_min(self, day: date) -> int:
        return (day - self.week_start).days * MINUTES_PER_DAY

    def service_min(self, vehicle: Vehicle, citizens: int) -> int:
        """Minutes a vehicle needs for ``citizens``: its capacity fills its whole daily service window."""
        window = vehicle.service_end_min - vehicle.service_start_min
        return math.ceil(citizens * window / vehicle.capacity_citizens_per_day)

    def start_windows(
        self, vehicle: Vehicle, duration_min: int, dates: Sequence[date] = ()
    ) -> tuple[tuple[int, int], ...]:
        """Intervals (minute of week) in which a service of ``duration_min`` may start: a service day among
        ``dates`` (all when empty) that is not one of the vehicle's maintenance days."""
        windows = []
        for day in self.service_dates:
            if (dates and day not in dates) or day in vehicle.maintenance_dates:
                continue
            base = self.day_start_min(day)
            latest = vehicle.service_end_min - duration_min
            if latest >= vehicle.service_start_min:
                windows.append((base + vehicle.service_start_min, base + latest))
        return tuple(windows)

    def week_bounds(self) -> tuple[int, int]:
        """Earliest departure and latest return of any vehicle, in minutes of week."""
        first, last = self.service_dates[0], self.service_dates[-1]
        return (
            self.day_start_min(first) + self.rules.earliest_departure_min,
            self.day_start_min(last) + self.rules.latest_return_min,
        )

    @property
    def demand_citizens(self) -> int:
        """Background demand plus requested citizens: the ceiling of what a plan can serve."""
        return sum(d.weekly_citizens for d in self.demand) + sum(r.expected_citizens for r in self.requests)

    def nights(self) -> tuple[tuple[date, date], ...]:
        """Consecutive service dates: a vehicle sleeps somewhere between them."""
        return tuple(pairwise(self.service_dates))

    def vehicle(self, vehicle_id: str) -> Vehicle:
        for v in self.vehicles:
            if v.id == vehicle_id:
                return v
        raise KeyError(vehicle_id)

    def depot_site(self, vehicle_id: str) -> str:
        return self.depot_site_ids[[v.id for v in self.vehicles].index(vehicle_id)]

    def candidate(self, candidate_id: str) -> CandidateVisit:
        for c in self.candidates:
            if c.id == candidate_id:
                return c
        raise KeyError(candidate_id)


HOME = "@depot"
"""The ``candidate_id`` of a night at the vehicle's own depot (no service, no lodging)."""


@dataclass(frozen=True, slots=True)
class Visit:
    """A candidate visit served by a vehicle, service starting at ``start_min`` (minute of week); or, with
    ``candidate_id == HOME``, the vehicle back at its depot for the night, arriving by ``start_min``."""

    candidate_id: str
    start_min: int


@dataclass(frozen=True, slots=True)
class Solution:
    """What an optimizer returns: per vehicle, its visits in order."""

    routes: tuple[tuple[str, tuple[Visit, ...]], ...]
    objective: int
    solve_seconds: float


class NoSolution(RuntimeError):
    """The optimizer found no feasible plan within its budget."""


class Optimizer(Protocol):
    def solve(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        progress: ProgressCallback | None = None,
        hint: Solution | None = None,
    ) -> Solution:
        """The best week found; ``hint`` (a previous solution) is where the search starts, for stability."""
        ...


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, mean Earth radius): catchments are tens of km, where it is exact enough."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _station_for_place(place_id: str, train_sites: Sequence[Site], network: Network, catchment_km: float) -> str | None:
    """The station nearest to the place centre, if it lies within the train's catchment."""
    place = network.place(place_id)
    near = [(km_between((s.lat, s.lon), (place.lat, place.lon)), s.id) for s in train_sites]
    near = [(km, sid) for km, sid in near if km <= catchment_km]
    return min(near)[1] if near else None


def build_problem(
    *,
    network: Network,
    fleet: Fleet,
    travel: TravelModel,
    demand: tuple[Demand, ...],
    week_start: date,
    service_dates: tuple[date, ...],
    rules: Rules | None = None,
    requests: Sequence[VisitRequest] = (),
    locks: Sequence[Lock] = (),
) -> Problem:
    """Candidate visits from demand, requests and locks, each with the vehicles that may serve it."""
    rules = rules or Rules()
    bus_sites = travel.sites(VehicleKind.BUS)
    train_sites = travel.sites(VehicleKind.TRAIN)
    bus_matrix = travel.matrix(VehicleKind.BUS, tuple(s.id for s in bus_sites))
    train_matrix = travel.matrix(VehicleKind.TRAIN, tuple(s.id for s in train_sites))
    depot_sites = tuple(
        (v.depot_station_id or "") if v.kind is VehicleKind.TRAIN else v.depot_place_id for v in fleet.vehicles
    )
    bus_site_ids = {s.id for s in bus_sites}

    def sites_of(place_id: str) -> tuple[str | None, str | None]:
        bus = place_id if place_id in bus_site_ids else None
        return bus, _station_for_place(place_id, train_sites, network, rules.train_catchment_km)

    def reaches(vehicle: Vehicle, depot: str, site: str | None) -> bool:
        if site is None:
            return False
        matrix = train_matrix if vehicle.kind is VehicleKind.TRAIN else bus_matrix
        if depot not in matrix.site_ids:
            return False
        return int(matrix.duration_min[matrix.index(depot), matrix.index(site)]) != UNREACHABLE

    def capable(place_id: str, services: tuple[str, ...] = ()) -> tuple[str, ...]:
        bus_site, train_site = sites_of(place_id)
        return tuple(
            v.id
            for v, depot in zip(fleet.vehicles, depot_sites, strict=True)
            if v.offers(services) and reaches(v, depot, bus_site if v.kind is VehicleKind.BUS else train_site)
        )

    candidates: list[CandidateVisit] = []
    linked: list[tuple[str, ...]] = []
    locked_citizens: dict[str, int] = {}
    for n, lock in enumerate(locks):
        bus_site, train_site = sites_of(lock.place_id)
        candidates.append(
            CandidateVisit(
                f"{lock.place_id}@lock{n + 1}",
                lock.place_id,
                0,
                lock.citizens,
                bus_site,
                train_site,
                (lock.vehicle_id,),
                dates=(lock.date,),
                request_ids=lock.request_ids,
                locked=True,
            )
        )
        locked_citizens[lock.place_id] = locked_citizens.get(lock.place_id, 0) + lock.citizens
    kept_by_lock = {rid for lock in locks for rid in lock.request_ids}
    for request in requests:
        if request.id in kept_by_lock:
            continue
        dates = tuple(d for d in service_dates if request.covers(d))
        allowed = capable(request.place_id, request.services)
        if not dates or not allowed:
            continue  # explained as unserved after the solve
        bus_site, train_site = sites_of(request.place_id)
        day_size = max(fleet.vehicle(v).capacity_citizens_per_day for v in allowed)
        parts = []
        for k in range(math.ceil(request.expected_citizens / day_size)):
            citizens = min(day_size, request.expected_citizens - k * day_size)
            parts.append(f"{request.place_id}@{request.id}#{k + 1}")
            candidates.append(
                CandidateVisit(
                    parts[-1],
                    request.place_id,
                    k + 1,
                    citizens,
                    bus_site,
                    train_site,
                    allowed,
                    dates=dates,
                    weight=rules.weight_of(request.priority),
                    request_ids=(request.id,),
                )
            )
        if len(parts) > 1:
            linked.append(tuple(parts))
    slot_size = rules.slot_citizens
    max_slots = len(service_dates) * max(v.capacity_citizens_per_day for v in fleet.vehicles) // slot_size
    for d in demand:
        allowed = capable(d.place_id)
        if not allowed:
            continue
        bus_site, train_site = sites_of(d.place_id)
        weeks = rules.equity_cap_weeks if d.weeks_since_visit is None else d.weeks_since_visit
        weight = 1.0 + rules.equity_per_week * min(weeks, rules.equity_cap_weeks)
        due = rules.min_visit_every_weeks is not None and weeks >= rules.min_visit_every_weeks - 1
        citizens_left = d.weekly_citizens - locked_citizens.get(d.place_id, 0)
        for k in range(min(math.ceil(max(0, citizens_left) / slot_size), max_slots)):
            citizens = min(slot_size, citizens_left - k * slot_size)
            if citizens < rules.min_slot_citizens:
                break
            candidates.append(
                CandidateVisit(
                    f"{d.place_id}#{k + 1}",
                    d.place_id,
                    k + 1,
                    citizens,
                    bus_site,
                    train_site,
                    allowed,
                    weight=weight * (rules.due_weight if due and k == 0 else 1.0),
                )
            )
    return Problem(
        week_start=week_start,
        service_dates=service_dates,
        vehicles=fleet.vehicles,
        depot_site_ids=depot_sites,
        candidates=tuple(candidates),
        bus_matrix=bus_matrix,
        train_matrix=train_matrix,
        demand=demand,
        rules=rules,
        requests=tuple(requests),
        linked=tuple(linked),
    )
