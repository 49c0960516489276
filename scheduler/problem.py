"""The weekly problem: candidate visits, the fleet, travel matrices and the rules, fixed before the solve.

Background demand is cut into half-day candidate visits ("slots"), so the solver can send one vehicle for several
days, or several vehicles. A visit request becomes its own candidate (day-sized parts, served all or none) on the
days of its window, for the vehicles offering all its services, weighted by priority. A locked stop becomes a
mandatory candidate for its vehicle and day. Times are minutes after local midnight of the Monday that starts the
week ("minute of week").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Protocol

from scheduler.demand import Demand, centre_open_on
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
    max_train_leg_min: int = 3 * 60
    """The train runs at most this long between two stops, or between a stop and a night at its depot: a run after
    an 18:00 close arrives by 21:00, leaving the crew twelve hours before the next service day."""
    citizen_hour_value_m: int = 2000
    """An hour of a citizen's travel spared is worth this many metres of driving in the objective."""
    max_trip_min: int = 4 * 60
    """A one-way trip to a fixed centre counts at most this long (also where none is reachable, as in Naxçıvan)."""
    near_centre_min: int = 30
    """A vehicle is sent nowhere that has an open centre within this many minutes for every service it carries,
    unless a request asks for it there."""
    repeat_decay: float = 0.7
    """Each further vehicle-day of service in one place in a week is worth this share of the one before."""
    slot_citizens: int = 25
    """Demand is cut into visits of this size: a quarter of a bus's day, so a bus may serve up to four places."""
    min_slot_citizens: int = 10
    """A visit expecting fewer citizens is not offered."""
    max_slots_per_place: int = 12
    """At most this many visits of background demand per place and week (three bus-days)."""
    min_stop_min: int = 2 * 60
    """A bus stop lasts at least this long, however few citizens are expected."""
    train_min_stop_share: float = 0.5
    """A train stop lasts at least this share of its service day; the train stops only at stations."""
    daily_drive_limit_min: int = 9 * 60
    """Driving per calendar day (the AETR 9-hour daily limit, to which Azerbaijan is a party)."""
    max_nights_away: int = 4
    """Nights a vehicle may sleep away from its depot in one week."""
    lodging_m: int = 30_000
    """A night away (crew lodging, guarding the vehicle) costs as much as this many metres of driving."""
    replan_change_m: int = 10_000
    """A re-optimised week replaces the plan it starts from only if it gains this many metres (5 citizen-hours)
    per stop it adds or removes: a stop is announced to an office and its citizens, and is not moved for a trifle."""
    train_catchment_km: float = 25.0
    """The train at a station serves the places whose centre lies within this distance (and nearer no other
    station); they reach it by rural road."""
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
class Serving:
    """What one vehicle achieves by serving a candidate visit: the citizens of the need for the services it carries,
    the minutes of travel (there and back to the nearest centre) they are spared, and that in the objective's
    metres (citizen-hours × weight × repeat decay × ``Rules.citizen_hour_value_m``)."""

    citizens: int
    saved_citizen_min: int
    value_m: int


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
    servings: tuple[Serving, ...] = ()
    """Per vehicle of ``vehicle_ids`` (same order), what it achieves here; empty: ``expected_citizens`` spared no
    travel (a test's hand-made candidate)."""

    def site_id(self, kind: VehicleKind) -> str | None:
        return self.bus_site_id if kind is VehicleKind.BUS else self.train_site_id

    def serving(self, vehicle_id: str) -> Serving:
        if not self.servings:
            return Serving(self.expected_citizens, 0, 0)
        return self.servings[self.vehicle_ids.index(vehicle_id)]

    @property
    def best_value_m(self) -> int:
        """The most any vehicle gets from this visit (what leaving it out loses, at most)."""
        return max((s.value_m for s in self.servings), default=0)


@dataclass(frozen=True, slots=True)
class SharedNeed:
    """The need of a station's catchment, on which the train's visits there and the buses' visits to the
    catchment's places both draw: together they serve at most ``citizens`` (else a citizen counts twice)."""

    station_id: str
    place_ids: tuple[str, ...]
    candidate_ids: tuple[str, ...]
    """The station's pool visits and the catchment places' background bus visits."""
    citizens: int


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
    shared: tuple[SharedNeed, ...] = ()
    """Catchments whose need the train and the buses share."""

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
        """Minutes a vehicle stays for ``citizens``: its capacity fills its whole daily service window, and a stop
        lasts at least ``Rules.min_stop_min`` (a bus) or ``Rules.train_min_stop_share`` of the day (the train)."""
        window = vehicle.service_end_min - vehicle.service_start_min
        natural = math.ceil(citizens * window / vehicle.capacity_citizens_per_day)
        if vehicle.kind is VehicleKind.TRAIN:
            least = math.ceil(window * self.rules.train_min_stop_share)
        else:
            least = self.rules.min_stop_min
        return max(least, natural)  # more than the window: the vehicle cannot serve it in a day

    def max_leg_min(self, kind: VehicleKind) -> int:
        """The longest single drive (bus) or run (train) between two stops."""
        return self.rules.max_bus_leg_min if kind is VehicleKind.BUS else self.rules.max_train_leg_min

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
        """The week's need, requests included (a request is part of its place's need, or more where it asks for
        more): the ceiling of what a plan can serve."""
        need = {d.place_id: d.weekly_citizens for d in self.demand}
        requested: dict[str, int] = {}
        for r in self.requests:
            requested[r.place_id] = requested.get(r.place_id, 0) + r.expected_citizens
        return sum(max(need.get(p, 0), requested.get(p, 0)) for p in need.keys() | requested.keys())

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
    """Candidate visits from demand, requests and locks, each with the vehicles that may serve it and what each
    achieves there (``Serving``); see ``docs/model.md``."""
    rules = rules or Rules()
    bus_sites = travel.sites(VehicleKind.BUS)
    train_sites = travel.sites(VehicleKind.TRAIN)
    bus_matrix = travel.matrix(VehicleKind.BUS, tuple(s.id for s in bus_sites))
    train_matrix = travel.matrix(VehicleKind.TRAIN, tuple(s.id for s in train_sites))
    depot_sites = tuple(
        (v.depot_station_id or "") if v.kind is VehicleKind.TRAIN else v.depot_place_id for v in fleet.vehicles
    )
    bus_site_ids = {s.id for s in bus_sites}
    trips = _trip_table(network, bus_matrix, demand, service_dates[0], rules)

    def sites_of(place_id: str) -> tuple[str | None, str | None]:
        bus = place_id if place_id in bus_site_ids else None
        return bus, _station_for_place(place_id, train_sites, network, rules.train_catchment_km)

    def reaches(vehicle: Vehicle, depot: str, site: str | None) -> bool:
        if site is None:
            return False
        matrix = train_matrix if vehicle.kind is VehicleKind.TRAIN else bus_matrix
        if depot not in matrix.site_ids or site not in matrix.site_ids:
            return False
        return int(matrix.duration_min[matrix.index(depot), matrix.index(site)]) != UNREACHABLE

    def capable(bus_site: str | None, train_site: str | None, services: tuple[str, ...] = ()) -> list[Vehicle]:
        return [
            v
            for v, depot in zip(fleet.vehicles, depot_sites, strict=True)
            if v.offers(services) and reaches(v, depot, bus_site if v.kind is VehicleKind.BUS else train_site)
        ]

    def serving(place_id: str, vehicle: Vehicle, citizens: int, weight: float, services: tuple[str, ...]) -> Serving:
        saved = round(citizens * _round_trip_min(trips.get(place_id, {}), services or vehicle.services, rules))
        return Serving(citizens, saved, round(saved / 60 * weight * rules.citizen_hour_value_m))

    candidates: list[CandidateVisit] = []
    linked: list[tuple[str, ...]] = []
    taken: dict[str, int] = {}  # citizens of a place's need that locks and requests already stand for
    for n, lock in enumerate(locks):
        bus_site, train_site = sites_of(lock.place_id)
        vehicle = next((v for v in fleet.vehicles if v.id == lock.vehicle_id), None)
        worth = (
            Serving(lock.citizens, 0, 0) if vehicle is None else serving(lock.place_id, vehicle, lock.citizens, 1.0, ())
        )
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
                servings=(worth,),  # a vehicle no longer in the fleet: the validator names it
            )
        )
        taken[lock.place_id] = taken.get(lock.place_id, 0) + lock.citizens
    kept_by_lock = {rid for lock in locks for rid in lock.request_ids}
    for request in requests:
        if request.id in kept_by_lock:
            continue
        taken[request.place_id] = taken.get(request.place_id, 0) + request.expected_citizens
        dates = tuple(d for d in service_dates if request.covers(d))
        bus_site, train_site = sites_of(request.place_id)
        allowed = capable(bus_site, train_site, request.services)
        if not dates or not allowed:
            continue  # explained as unserved after the solve
        day_size = max(v.capacity_citizens_per_day for v in allowed)
        weight = rules.weight_of(request.priority)
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
                    tuple(v.id for v in allowed),
                    dates=dates,
                    weight=weight,
                    request_ids=(request.id,),
                    servings=tuple(serving(request.place_id, v, citizens, weight, request.services) for v in allowed),
                )
            )
        if len(parts) > 1:
            linked.append(tuple(parts))
    buses = [v for v in fleet.vehicles if v.kind is VehicleKind.BUS]
    for d in demand:
        bus_site = d.place_id if d.place_id in bus_site_ids else None
        left = max(0, d.weekly_citizens - taken.get(d.place_id, 0))
        weight = _weight(d, rules)
        share = left / d.weekly_citizens if d.weekly_citizens else 0.0
        allowed = [
            v
            for v in capable(bus_site, None)
            if v.kind is VehicleKind.BUS and _worth_a_visit(trips.get(d.place_id, {}), v.services, rules)
        ]
        candidates += _slots(
            d.place_id,
            left,
            {v.id: d.need_for(v.services) * share for v in allowed},
            {
                v.id: _round_trip_min(trips.get(d.place_id, {}), v.services, rules, dict(d.service_need))
                for v in allowed
            },
            weight,
            due=_due(d, rules),
            day_citizens=max((v.capacity_citizens_per_day for v in buses), default=100),
            bus_site=bus_site,
            train_site=None,
            rules=rules,
        )
    station_visits, pools = _station_slots(network, fleet, demand, taken, trips, train_sites, capable, rules)
    candidates += station_visits
    shared = tuple(p for p in (_with_bus_visits(pool, candidates) for pool in pools) if p is not None)
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
        shared=shared,
    )


def _weight(d: Demand, rules: Rules) -> float:
    """Equity: a place's citizens weigh more for every week since its last visit, up to a cap."""
    weeks = rules.equity_cap_weeks if d.weeks_since_visit is None else d.weeks_since_visit
    return 1.0 + rules.equity_per_week * min(weeks, rules.equity_cap_weeks)


def _due(d: Demand, rules: Rules) -> bool:
    weeks = rules.equity_cap_weeks if d.weeks_since_visit is None else d.weeks_since_visit
    return rules.min_visit_every_weeks is not None and weeks >= rules.min_visit_every_weeks - 1


Trips = dict[str, int | None]
"""Per service code, one-way road minutes from a place to the nearest open centre offering it (None: none)."""


def _trip_table(
    network: Network, bus_matrix: TravelMatrix, demand: Sequence[Demand], day: date, rules: Rules
) -> dict[str, Trips]:
    """Trips for every bus site: from the demand where it has them, else measured on the bus matrix."""
    table: dict[str, Trips] = {d.place_id: dict(d.trip_min) for d in demand if d.trip_min}
    codes = {s.code for s in network.services} | {c for centre in network.centres for c in centre.services}
    open_centres = [c for c in network.centres if centre_open_on(c, day) and c.place_id in bus_matrix.site_ids]
    for site in bus_matrix.site_ids:
        if site in table:
            continue
        row = bus_matrix.index(site)
        trips: Trips = dict.fromkeys(codes)
        for centre in open_centres:
            minutes = int(bus_matrix.duration_min[row, bus_matrix.index(centre.place_id)])
            if minutes == UNREACHABLE:
                continue
            for code in centre.services:
                known = trips.get(code)
                trips[code] = minutes if known is None else min(known, minutes)
        table[site] = trips
    return table


def _capped(trip: int | None, rules: Rules) -> int:
    return rules.max_trip_min if trip is None else min(trip, rules.max_trip_min)


def _round_trip_min(
    trips: Trips, services: Sequence[str], rules: Rules, need: Mapping[str, int] | None = None
) -> float:
    """Minutes there and back to a centre that a citizen needing one of ``services`` is spared: their mean
    weighted by the place's ``need`` per service when known (so a rare far service does not lift a common near
    one), else the plain mean."""
    weights = {code: float(need.get(code, 0)) if need else 1.0 for code in services}
    total = sum(weights.values())
    if total <= 0:
        weights, total = dict.fromkeys(services, 1.0), float(len(services))
    if not total:
        return 0.0
    return sum(2 * _capped(trips.get(code), rules) * w for code, w in weights.items()) / total


def _worth_a_visit(trips: Trips, services: Sequence[str], rules: Rules) -> bool:
    """Not where every service the vehicle carries has an open centre within ``Rules.near_centre_min``."""
    return any(_capped(trips.get(code), rules) > rules.near_centre_min for code in services)


def _slots(
    place_id: str,
    citizens_left: int,
    need_by_vehicle: dict[str, float],
    round_trip_by_vehicle: dict[str, float],
    weight: float,
    *,
    due: bool,
    day_citizens: int,
    bus_site: str | None,
    train_site: str | None,
    rules: Rules,
    slot_size: int | None = None,
    prefix: str | None = None,
) -> list[CandidateVisit]:
    """A place's background need cut into visits; slot k goes to a vehicle only while the need for the services
    it carries lasts, and is worth ``repeat_decay`` less for every vehicle-day's worth of slots before it."""
    size = slot_size or rules.slot_citizens
    out = []
    for k in range(min(math.ceil(citizens_left / size), rules.max_slots_per_place)):
        citizens = min(size, citizens_left - k * size)
        if citizens < rules.min_slot_citizens:
            break
        decay = rules.repeat_decay ** (k * size // day_citizens)
        slot_weight = weight * (rules.due_weight if due and k == 0 else 1.0)
        vehicle_ids: list[str] = []
        servings: list[Serving] = []
        for vid, need in need_by_vehicle.items():
            served = math.floor(min(citizens, need - k * size))
            if served < rules.min_slot_citizens:
                continue
            saved = round(served * round_trip_by_vehicle[vid])
            vehicle_ids.append(vid)
            servings.append(
                Serving(served, saved, round(saved / 60 * slot_weight * decay * rules.citizen_hour_value_m))
            )
        if not vehicle_ids:
            break
        out.append(
            CandidateVisit(
                f"{prefix or place_id}#{k + 1}",
                place_id,
                k + 1,
                citizens,
                bus_site,
                train_site,
                tuple(vehicle_ids),
                weight=slot_weight,
                servings=tuple(servings),
            )
        )
    return out


def _station_slots(
    network: Network,
    fleet: Fleet,
    demand: Sequence[Demand],
    taken: dict[str, int],
    trips: dict[str, Trips],
    train_sites: Sequence[Site],
    capable: Callable[[str | None, str | None], list[Vehicle]],
    rules: Rules,
) -> tuple[list[CandidateVisit], list[SharedNeed]]:
    """The train's visits: per station, the need of the places in its catchment (those nearest it, within
    ``Rules.train_catchment_km``), cut into half-days; a citizen is spared the trip to a centre less the rural ride
    to the station. Each station's catchment is also a ``SharedNeed`` (its bus visits are added by the caller)."""
    by_station: dict[str, list[tuple[Demand, float]]] = {}
    for d in demand:
        station = _station_for_place(d.place_id, train_sites, network, rules.train_catchment_km)
        if station is not None:
            site = next(s for s in train_sites if s.id == station)
            place = network.place(d.place_id)
            km = km_between((site.lat, site.lon), (place.lat, place.lon))
            by_station.setdefault(station, []).append((d, km * RURAL_DETOUR / RURAL_SPEED_KMH * 60))
    out: list[CandidateVisit] = []
    shared: list[SharedNeed] = []
    for site in train_sites:
        members = by_station.get(site.id, [])
        trains = [v for v in capable(None, site.id) if v.kind is VehicleKind.TRAIN]
        if not members or not trains:
            continue
        need = {v.id: 0.0 for v in trains}
        saved = {v.id: 0.0 for v in trains}
        weighted = 0.0
        for d, access_min in members:
            place_trips = trips.get(d.place_id, {})
            left = max(0, d.weekly_citizens - taken.get(d.place_id, 0))
            share = left / d.weekly_citizens if d.weekly_citizens else 0.0
            weighted += _weight(d, rules) * left
            for v in trains:
                for code, citizens in d.service_need:
                    if code not in v.services:
                        continue
                    spared = max(0.0, 2 * (_capped(place_trips.get(code), rules) - access_min))
                    if spared > 2 * rules.near_centre_min:
                        need[v.id] += citizens * share
                        saved[v.id] += citizens * share * spared
        total = max(need.values())
        if total < rules.min_slot_citizens:
            continue
        half_day = min(v.capacity_citizens_per_day for v in trains) // 2
        pool = _slots(
            site.place_id,
            math.floor(total),
            need,
            {vid: saved[vid] / need[vid] if need[vid] else 0.0 for vid in need},
            weighted / sum(max(0, d.weekly_citizens - taken.get(d.place_id, 0)) for d, _ in members)
            if weighted
            else 1.0,
            due=False,
            day_citizens=2 * half_day,
            bus_site=None,
            train_site=site.id,
            rules=rules,
            slot_size=half_day,
            prefix=site.id,
        )
        out += pool
        left = sum(max(0, d.weekly_citizens - taken.get(d.place_id, 0)) for d, _ in members)
        places = tuple(d.place_id for d, _ in members)
        shared.append(SharedNeed(site.id, places, tuple(c.id for c in pool), left))
    return out, shared


def _with_bus_visits(pool: SharedNeed, candidates: Sequence[CandidateVisit]) -> SharedNeed | None:
    """The pool with the background bus visits of its places (requests and locks are outside it: the need
    cut into these visits is what is left after them); None when no bus visit draws on it or all of its visits
    together cannot exceed it."""
    members = set(pool.place_ids)
    buses = [
        c
        for c in candidates
        if c.place_id in members and c.train_site_id is None and not c.locked and not c.request_ids
    ]
    ids = set(pool.candidate_ids)
    most = sum(max_citizens(c) for c in buses) + sum(max_citizens(c) for c in candidates if c.id in ids)
    if not buses or most <= pool.citizens:
        return None
    return SharedNeed(pool.station_id, pool.place_ids, pool.candidate_ids + tuple(c.id for c in buses), pool.citizens)


def max_citizens(candidate: CandidateVisit) -> int:
    """The most citizens any vehicle serves at a visit (what it may take from a shared need)."""
    return max((s.citizens for s in candidate.servings), default=candidate.expected_citizens)


RURAL_SPEED_KMH = 40.0
RURAL_DETOUR = 1.4
"""A citizen's ride from a village to the train's station: geodesic km × detour at this speed (as the travel
model's rural roads)."""
