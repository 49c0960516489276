"""The plan: what each vehicle does on each service day, and the figures a planner judges it by.

``plan_to_dict`` is the stable plan JSON documented in docs/api.md; later versions add keys, never remove them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from scheduler.domain import Network, Vehicle
from scheduler.naming import stop_label
from scheduler.ports import LatLon
from scheduler.requests import Unserved


@dataclass(frozen=True, slots=True)
class Stop:
    """A vehicle serving citizens at one site between ``arrive`` and ``depart`` (aware, Asia/Baku)."""

    vehicle_id: str
    date: date
    place_id: str
    site_id: str
    lat: float
    lon: float
    arrive: datetime
    depart: datetime
    expected_citizens: int
    locked: bool = False
    request_ids: tuple[str, ...] = ()
    """The visit requests this stop serves."""
    saved_citizen_min: int = 0
    """Minutes of travel to a fixed centre, there and back, that the stop's citizens are spared, added up."""


@dataclass(frozen=True, slots=True)
class Overnight:
    """Where a vehicle sleeps in the night after ``date``; away from its depot costs lodging."""

    vehicle_id: str
    date: date
    site_id: str
    at_depot: bool


@dataclass(frozen=True, slots=True)
class Leg:
    """A drive (or rail run) between two sites; ``path`` follows the road or the track."""

    vehicle_id: str
    from_site_id: str
    to_site_id: str
    depart: datetime
    arrive: datetime
    distance_m: int
    duration_min: int
    path: tuple[LatLon, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """One vehicle over the week: its stops in order and the legs between depot, stops and depot."""

    vehicle_id: str
    stops: tuple[Stop, ...]
    legs: tuple[Leg, ...]
    overnights: tuple[Overnight, ...] = ()

    @property
    def distance_m(self) -> int:
        return sum(leg.distance_m for leg in self.legs)


@dataclass(frozen=True, slots=True)
class KPIs:
    expected_citizens: int
    distance_km: float
    vehicle_days_used: int
    places_visited: int
    vehicles_used: int
    demand_citizens: int
    """The week's total expected demand at mobile stops, the ceiling ``expected_citizens`` is measured against."""
    solve_seconds: float
    citizen_hours_saved: float = 0.0
    """The headline: hours of travel to a fixed centre, there and back, that the week's stops spare citizens."""

    @property
    def demand_covered_pct(self) -> float:
        return 100.0 * self.expected_citizens / self.demand_citizens if self.demand_citizens else 0.0


@dataclass(frozen=True, slots=True)
class Plan:
    week_start: date
    service_dates: tuple[date, ...]
    vehicles: tuple[Vehicle, ...]
    routes: tuple[Route, ...]
    kpis: KPIs
    unserved: tuple[Unserved, ...] = ()
    """Visit requests the plan does not serve, each with its reason."""
    due_missed: tuple[str, ...] = ()
    """Places due under the minimum visit frequency that the plan leaves out."""

    @property
    def stops(self) -> tuple[Stop, ...]:
        return tuple(stop for route in self.routes for stop in route.stops)

    def route(self, vehicle_id: str) -> Route:
        for route in self.routes:
            if route.vehicle_id == vehicle_id:
                return route
        raise KeyError(vehicle_id)

    def summary(self) -> str:
        k = self.kpis
        return (
            f"week {self.week_start.isoformat()}: {k.citizen_hours_saved:,.0f} citizen-hours of travel saved, "
            f"{k.expected_citizens} expected citizens "
            f"({k.demand_covered_pct:.1f}% of {k.demand_citizens} demand), {len(self.stops)} stops at "
            f"{k.places_visited} places, {k.vehicles_used}/{len(self.vehicles)} vehicles, "
            f"{k.vehicle_days_used} vehicle-days, {k.distance_km:.0f} km, solved in {k.solve_seconds:.1f} s"
        )


def compute_kpis(routes: tuple[Route, ...], *, demand_citizens: int, solve_seconds: float) -> KPIs:
    """Derive the KPIs from the routes alone, so a stored or edited plan gets the same figures."""
    stops = [stop for route in routes for stop in route.stops]
    return KPIs(
        expected_citizens=sum(s.expected_citizens for s in stops),
        distance_km=round(sum(r.distance_m for r in routes) / 1000.0, 1),
        vehicle_days_used=len({(s.vehicle_id, s.date) for s in stops}),
        places_visited=len({s.place_id for s in stops}),
        vehicles_used=len({s.vehicle_id for s in stops}),
        demand_citizens=demand_citizens,
        solve_seconds=round(solve_seconds, 2),
        citizen_hours_saved=round(sum(s.saved_citizen_min for s in stops) / 60, 1),
    )


def plan_to_dict(plan: Plan, network: Network | None = None) -> dict[str, Any]:
    """The plan JSON (see docs/api.md, "Plan JSON"); with the ``network``, each stop also names its place, its unit
    and, for the train, its station."""
    stops = []
    for s in plan.stops:
        stop = {
            "vehicle_id": s.vehicle_id,
            "date": s.date.isoformat(),
            "place_id": s.place_id,
            "site_id": s.site_id,
            "lat": s.lat,
            "lon": s.lon,
            "arrive": s.arrive.isoformat(),
            "depart": s.depart.isoformat(),
            "expected_citizens": s.expected_citizens,
            "locked": s.locked,
            "request_ids": list(s.request_ids),
            "citizen_hours_saved": round(s.saved_citizen_min / 60, 1),
        }
        if network is not None:
            stop.update(stop_names(s, network))
        stops.append(stop)
    return {
        "week_start": plan.week_start.isoformat(),
        "service_dates": [d.isoformat() for d in plan.service_dates],
        "vehicles": [
            {
                "id": v.id,
                "kind": v.kind.value,
                "name": v.name,
                "depot_place_id": v.depot_place_id,
                "depot_station_id": v.depot_station_id,
                "capacity_citizens_per_day": v.capacity_citizens_per_day,
            }
            for v in plan.vehicles
        ],
        "stops": stops,
        "overnights": [
            {"vehicle_id": o.vehicle_id, "date": o.date.isoformat(), "site_id": o.site_id, "at_depot": o.at_depot}
            for route in plan.routes
            for o in route.overnights
        ],
        "unserved_requests": [
            {
                "request_id": u.request_id,
                "reason": u.reason.value,
                "message": u.message,
                "displaced_by": list(u.displaced_by),
            }
            for u in plan.unserved
        ],
        "due_missed": list(plan.due_missed),
        "legs": [
            {
                "vehicle_id": leg.vehicle_id,
                "from_site_id": leg.from_site_id,
                "to_site_id": leg.to_site_id,
                "depart": leg.depart.isoformat(),
                "arrive": leg.arrive.isoformat(),
                "distance_km": round(leg.distance_m / 1000.0, 1),
                "duration_min": leg.duration_min,
            }
            for route in plan.routes
            for leg in route.legs
        ],
        "kpis": {
            "expected_citizens": plan.kpis.expected_citizens,
            "distance_km": plan.kpis.distance_km,
            "vehicle_days_used": plan.kpis.vehicle_days_used,
            "places_visited": plan.kpis.places_visited,
            "vehicles_used": plan.kpis.vehicles_used,
            "demand_citizens": plan.kpis.demand_citizens,
            "demand_covered_pct": round(plan.kpis.demand_covered_pct, 1),
            "solve_seconds": plan.kpis.solve_seconds,
            "citizen_hours_saved": plan.kpis.citizen_hours_saved,
        },
    }


def stop_names(stop: Stop, network: Network) -> dict[str, str | None]:
    """How people name a stop (``scheduler.naming``, in Azerbaijani): the place, its unit, the train's station."""
    place = network.place(stop.place_id) if network.has_place(stop.place_id) else None
    unit = network.place(place.unit) if place is not None and network.has_place(place.unit) else None
    station = next((st for st in network.stations if st.id == stop.site_id), None)
    return {
        "unit_id": place.unit if place is not None else None,
        "unit_name": unit.name_az if unit is not None else None,
        "place_name": stop_label(network, stop.place_id, stop.site_id, "az"),
        "station_id": station.id if station is not None else None,
    }
