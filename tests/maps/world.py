"""The plan map's test world: two places in Şəki-Zaqatala (one named with markup), a bus and the train, a week of
stops, legs and nights, with hostile strings where user-typed text can reach a page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from scheduler.domain import (
    CentreKind,
    CentreStatus,
    Network,
    Place,
    Service,
    ServiceCentre,
    Station,
    Terrain,
    Vehicle,
    VehicleKind,
)
from scheduler.plan import Leg, Overnight, Plan, Route, Stop, compute_kpis
from scheduler.requests import Unserved
from tests.factories import make_place

BAKU = ZoneInfo("Asia/Baku")
EVIL = "<script>alert(1)</script>"
WEEK = date(2025, 3, 3)


def _place(place_id: str, name_az: str, name_en: str, lat: float, lon: float) -> Place:
    return make_place(
        place_id,
        name_az,
        name_en,
        lat,
        lon,
        name_ru=name_en,
        population=40_000,
        economic_region="Şəki-Zaqatala",
        terrain=Terrain.MOUNTAIN,
    )


def maps_network() -> Network:
    return Network(
        places=(
            _place("AZ-QAB", "Qəbələ", "Gabala", 40.98, 47.85),
            _place("AZ-SAK", f"Şəki {EVIL}", "Shaki ${alert(2)} `tick`", 41.19, 47.17),
        ),
        centres=(
            ServiceCentre(
                id="ASAN-QAB",
                kind=CentreKind.ASAN,
                name="Qəbələ ASAN xidmət",
                place_id="AZ-QAB",
                lat=40.981,
                lon=47.846,
                status=CentreStatus.OPEN,
                opened="2015",
                services=("passport",),
                source="test",
            ),
        ),
        stations=(Station("ST-SAK", "Şəki vağzalı", 41.10, 47.10, "AZ-SAK", coords_estimated=True),),
        rail_lines=(),
        roads=(),
        services=(Service("passport", "Pasport", "Passport", "Паспорт"),),
    )


def make_vehicle(vehicle_id: str, kind: VehicleKind, depot: str, station: str | None = None) -> Vehicle:
    return Vehicle(
        id=vehicle_id,
        kind=kind,
        name=f"Mobil {vehicle_id}",
        depot_place_id=depot,
        depot_station_id=station,
        capacity_citizens_per_day=200,
        service_start_min=540,
        service_end_min=1080,
        services=("passport",),
    )


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 3 + day, hour, minute, tzinfo=BAKU)


def make_stop(vehicle_id: str, day: int, place_id: str, site_id: str, lat: float, lon: float) -> Stop:
    return Stop(
        vehicle_id=vehicle_id,
        date=date(2025, 3, 3 + day),
        place_id=place_id,
        site_id=site_id,
        lat=lat,
        lon=lon,
        arrive=at(day, 9),
        depart=at(day, 15, 30),
        expected_citizens=120 + day,
    )


def make_leg(vehicle_id: str, a: str, b: str, day: int, path: tuple[tuple[float, float], ...]) -> Leg:
    return Leg(vehicle_id, a, b, at(day, 7), at(day, 8, 30), distance_m=90_000, duration_min=90, path=path)


BUS_LEGS = (
    make_leg("BUS-01", "AZ-QAB", "AZ-QAB", 0, ((40.98, 47.85), (40.98, 47.85))),
    make_leg("BUS-01", "AZ-QAB", "AZ-SAK", 1, ((40.98, 47.85), (41.05, 47.60), (41.19, 47.17))),
    make_leg("BUS-01", "AZ-SAK", "AZ-QAB", 1, ((41.19, 47.17), (41.10, 47.50), (40.98, 47.85))),
)
TRAIN_LEGS = (make_leg("TRN-01", "ST-SAK", "ST-SAK", 2, ((41.10, 47.10), (41.10, 47.10))),)


EVIL_REQUEST = "REQ-<b>1</b>`${alert(3)}`"
NIGHT_AWAY = Overnight("BUS-01", date(2025, 3, 4), "AZ-SAK", at_depot=False)
NIGHT_HOME = Overnight("BUS-01", date(2025, 3, 3), "AZ-QAB", at_depot=True)


def maps_plan(with_stops: bool = True, unserved: tuple[Unserved, ...] = ()) -> Plan:
    bus = make_vehicle("BUS-01", VehicleKind.BUS, "AZ-QAB")
    train = make_vehicle("TRN-01", VehicleKind.TRAIN, "AZ-SAK", station="ST-SAK")
    if with_stops:
        sak = replace(
            make_stop("BUS-01", 1, "AZ-SAK", "AZ-SAK", 41.19, 47.17), request_ids=(EVIL_REQUEST,), locked=True
        )
        routes = (
            Route(
                "BUS-01",
                stops=(make_stop("BUS-01", 0, "AZ-QAB", "AZ-QAB", 40.98, 47.85), sak),
                legs=BUS_LEGS,
                overnights=(NIGHT_HOME, NIGHT_AWAY),
            ),
            Route("TRN-01", stops=(make_stop("TRN-01", 2, "AZ-SAK", "ST-SAK", 41.10, 47.10),), legs=TRAIN_LEGS),
        )
    else:
        routes = (Route("BUS-01", (), ()), Route("TRN-01", (), ()))
    return Plan(
        week_start=WEEK,
        service_dates=tuple(date(2025, 3, 3 + d) for d in range(5)),
        vehicles=(bus, train),
        routes=routes,
        kpis=compute_kpis(routes, demand_citizens=500, solve_seconds=0.0),
        unserved=unserved,
    )
