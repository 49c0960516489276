"""The weekly problem: candidate visits, the fleet, travel matrices and the rules, fixed before the solve.

A place whose weekly demand exceeds one vehicle-day is split into several candidate visits ("slots") of at most
one day's capacity each, so the solver can send one vehicle for several days, or several vehicles.
Times are minutes after local midnight of the Monday that starts the week ("minute of week").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from scheduler.demand import Demand
from scheduler.domain import Fleet, Network, Vehicle, VehicleKind
from scheduler.ports import UNREACHABLE, ProgressCallback, Site, TravelMatrix, TravelModel

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

    def start_windows(self, vehicle: Vehicle, duration_min: int) -> tuple[tuple[int, int], ...]:
        """Intervals (minute of week) in which a service of ``duration_min`` may start on a service day."""
        windows = []
        for day in self.service_dates:
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
        return sum(d.weekly_citizens for d in self.demand)

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


@dataclass(frozen=True, slots=True)
class Visit:
    """A candidate visit served by a vehicle, service starting at ``start_min`` (minute of week)."""

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
    ) -> Solution: ...


def _station_for_place(place_id: str, train_sites: Sequence[Site], network: Network) -> str | None:
    """The station nearest to the place centre among those serving the place."""
    place = network.place(place_id)
    serving = [s for s in train_sites if s.place_id == place_id]
    if not serving:
        return None
    return min(serving, key=lambda s: (s.lat - place.lat) ** 2 + (s.lon - place.lon) ** 2).id


def build_problem(
    *,
    network: Network,
    fleet: Fleet,
    travel: TravelModel,
    demand: tuple[Demand, ...],
    week_start: date,
    service_dates: tuple[date, ...],
    rules: Rules | None = None,
) -> Problem:
    """Split demand into candidate visits and decide which vehicle may serve each (reachability, rails only)."""
    rules = rules or Rules()
    bus_sites = travel.sites(VehicleKind.BUS)
    train_sites = travel.sites(VehicleKind.TRAIN)
    bus_matrix = travel.matrix(VehicleKind.BUS, tuple(s.id for s in bus_sites))
    train_matrix = travel.matrix(VehicleKind.TRAIN, tuple(s.id for s in train_sites))
    depot_sites = tuple(
        (v.depot_station_id or "") if v.kind is VehicleKind.TRAIN else v.depot_place_id for v in fleet.vehicles
    )
    bus_site_ids = {s.id for s in bus_sites}
    slot_size = rules.slot_citizens
    max_slots = len(service_dates) * max(v.capacity_citizens_per_day for v in fleet.vehicles) // slot_size

    def reaches(vehicle: Vehicle, depot: str, site: str | None) -> bool:
        if site is None:
            return False
        matrix = train_matrix if vehicle.kind is VehicleKind.TRAIN else bus_matrix
        if depot not in matrix.site_ids:
            return False
        return int(matrix.duration_min[matrix.index(depot), matrix.index(site)]) != UNREACHABLE

    candidates = []
    for d in demand:
        bus_site = d.place_id if d.place_id in bus_site_ids else None
        train_site = _station_for_place(d.place_id, train_sites, network)
        allowed = tuple(
            v.id
            for v, depot in zip(fleet.vehicles, depot_sites, strict=True)
            if reaches(v, depot, bus_site if v.kind is VehicleKind.BUS else train_site)
        )
        if not allowed:
            continue
        slots = min(math.ceil(d.weekly_citizens / slot_size), max_slots)
        for k in range(slots):
            citizens = min(slot_size, d.weekly_citizens - k * slot_size)
            if citizens < rules.min_slot_citizens:
                break
            candidates.append(
                CandidateVisit(f"{d.place_id}#{k + 1}", d.place_id, k + 1, citizens, bus_site, train_site, allowed)
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
    )
