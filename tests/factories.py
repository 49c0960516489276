"""Small hand-made domain objects for tests: a three-place network, a two-vehicle fleet, a two-route plan."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from data.visit_requests import NewRequest, create_request
from scheduler.domain import (
    CentreKind,
    CentreStatus,
    Fleet,
    Network,
    Place,
    ServiceCentre,
    Station,
    Terrain,
    Vehicle,
    VehicleKind,
)
from scheduler.plan import Leg, Plan, Route, Stop, compute_kpis
from scheduler.requests import VisitRequest

BAKU = ZoneInfo("Asia/Baku")
WEEK_START = date(2025, 3, 3)
"""A Monday; ``make_plan`` serves Monday and Tuesday of that week."""


def make_place(place_id: str, name_az: str, name_en: str, lat: float, lon: float, **overrides: object) -> Place:
    values: dict[str, object] = {
        "id": place_id,
        "name_az": name_az,
        "name_en": name_en,
        "name_ru": f"{name_en} (ru)",
        "unit_type": "rayon",
        "centre_az": name_az,
        "centre_en": name_en,
        "lat": lat,
        "lon": lon,
        "population": 100_000,
        "population_as_of": "2024-01-01",
        "economic_region": "Test",
        "exclave": False,
        "terrain": Terrain.LOWLAND,
        "source": "tests",
    }
    values.update(overrides)
    return Place(**values)  # type: ignore[arg-type]


def make_network() -> Network:
    """Three places (one an exclave), one station, one open centre."""
    places = (
        make_place("AZ-BA", "Bakı", "Baku", 40.37767, 49.89201, unit_type="city", population=2_344_888),
        make_place("AZ-SMX", "Samux", "Samukh", 40.76490, 46.40870, population=None, terrain=Terrain.MOUNTAIN),
        make_place("AZ-NV", "Naxçıvan", "Nakhchivan", 39.20889, 45.41222, exclave=True),
    )
    stations = (Station("ST-554109", "Astara", 38.4560, 48.8750, "AZ-BA", coords_estimated=False),)
    centres = (
        ServiceCentre(
            id="ASAN-1",
            kind=CentreKind.ASAN,
            name="Baku ASAN 1",
            place_id="AZ-BA",
            lat=40.38,
            lon=49.87,
            status=CentreStatus.OPEN,
            opened="2013",
            services=("passport", "notary"),
            source="tests",
        ),
    )
    return Network(places=places, centres=centres, stations=stations, rail_lines=(), roads=(), services=())


def make_fleet(network: Network) -> Fleet:
    """The two vehicles ``make_plan`` uses."""
    return Fleet(vehicles=_vehicles(network))


def _vehicles(network: Network) -> tuple[Vehicle, Vehicle]:
    depot = network.places[0].id
    station = network.stations[0].id if network.stations else None
    bus = Vehicle(
        id="TEST-BUS-1",
        kind=VehicleKind.BUS,
        name="Test bus",
        depot_place_id=depot,
        depot_station_id=None,
        capacity_citizens_per_day=300,
        service_start_min=9 * 60,
        service_end_min=18 * 60,
        services=("passport", "notary"),
    )
    train = Vehicle(
        id="TEST-TRAIN-1",
        kind=VehicleKind.TRAIN,
        name="Test train",
        depot_place_id=depot,
        depot_station_id=station,
        capacity_citizens_per_day=500,
        service_start_min=10 * 60,
        service_end_min=17 * 60,
        services=("passport",),
    )
    return bus, train


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BAKU)


def _leg(vehicle_id: str, a: Place, b: Place, depart: datetime, minutes: int, metres: int) -> Leg:
    return Leg(
        vehicle_id=vehicle_id,
        from_site_id=a.id,
        to_site_id=b.id,
        depart=depart,
        arrive=depart + timedelta(minutes=minutes),
        distance_m=metres,
        duration_min=minutes,
        path=((a.lat, a.lon), ((a.lat + b.lat) / 2, (a.lon + b.lon) / 2 + 0.125), (b.lat, b.lon)),
    )


def _stop(
    vehicle_id: str,
    place: Place,
    day: date,
    start: datetime,
    hours: int,
    citizens: int,
    *,
    locked: bool = False,
) -> Stop:
    return Stop(
        vehicle_id=vehicle_id,
        date=day,
        place_id=place.id,
        site_id=place.id,
        lat=place.lat,
        lon=place.lon,
        arrive=start,
        depart=start + timedelta(hours=hours),
        expected_citizens=citizens,
        locked=locked,
    )


def make_plan(network: Network, *, week_start: date = WEEK_START) -> Plan:
    """Two vehicles over Monday and Tuesday: a bus with three stops (one locked) and a train with one stop.

    Uses the first three places of ``network`` (the first is the depot) and its first station if any, so it
    works on the hand-made network and on the bundled one. Times are aware Asia/Baku datetimes.
    """
    bus, train = _vehicles(network)
    depot, p1, p2 = network.places[0], network.places[1], network.places[2]
    monday, tuesday = week_start, week_start + timedelta(days=1)

    bus_stops = (
        _stop(bus.id, p1, monday, _at(monday, 10), 3, 120),
        _stop(bus.id, p2, monday, _at(monday, 15, 30), 2, 80, locked=True),
        _stop(bus.id, p1, tuesday, _at(tuesday, 9, 15), 4, 150),
    )
    bus_legs = (
        _leg(bus.id, depot, p1, _at(monday, 6), 240, 330_000),
        _leg(bus.id, p1, p2, _at(monday, 13), 150, 180_500),
        _leg(bus.id, p2, p1, _at(tuesday, 7), 125, 180_400),
        _leg(bus.id, p1, depot, _at(tuesday, 13, 15), 245, 330_250),
    )

    site = network.stations[0] if network.stations else None
    train_site_id = site.id if site else depot.id
    train_lat, train_lon = (site.lat, site.lon) if site else (depot.lat, depot.lon)
    train_stop = Stop(
        vehicle_id=train.id,
        date=tuesday,
        place_id=site.place_id if site and site.place_id else depot.id,
        site_id=train_site_id,
        lat=train_lat,
        lon=train_lon,
        arrive=_at(tuesday, 10),
        depart=_at(tuesday, 16, 45),
        expected_citizens=210,
        locked=True,
    )
    routes = (
        Route(vehicle_id=bus.id, stops=bus_stops, legs=bus_legs),
        Route(vehicle_id=train.id, stops=(train_stop,), legs=()),
    )
    return Plan(
        week_start=week_start,
        service_dates=(monday, tuesday),
        vehicles=(bus, train),
        routes=routes,
        kpis=compute_kpis(routes, demand_citizens=1000, solve_seconds=1.234),
    )


def store_request(session: Session, request: VisitRequest, *, note: str = "") -> None:
    """Store ``request`` under its own id as the planner's console files one (no office principal)."""
    create_request(
        session,
        request=NewRequest(
            place_id=request.place_id,
            window_start=request.window_start,
            window_end=request.window_end,
            expected_citizens=request.expected_citizens,
            services=request.services,
            priority=request.priority.value,
            note=note,
        ),
        office_id=None,
        office=request.office,
        request_id=request.id,
    )
