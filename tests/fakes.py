"""A tiny made-up country for fast core and solver tests: straight-line travel, no files, no database.

Six mainland places on a line 40 km apart (P0 has the only ASAN centre), a rail line through three of them, and
one exclave place that no road reaches from the mainland.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

import numpy as np

from scheduler.calendar import service_dates
from scheduler.demand import estimate_demand
from scheduler.domain import (
    CentreKind,
    CentreStatus,
    Fleet,
    Network,
    Place,
    RailLine,
    RoadEdge,
    Service,
    ServiceCentre,
    Station,
    Vehicle,
    VehicleKind,
)
from scheduler.ports import UNREACHABLE, LatLon, Site, TravelMatrix
from scheduler.problem import CandidateVisit, Problem, Rules, build_problem
from scheduler.requests import VisitRequest
from tests.factories import make_place

KM_PER_DEGREE = 111.0


def _place(pid: str, lon: float, population: int, *, exclave: bool = False) -> Place:
    return make_place(
        pid,
        f"{pid} az",
        f"{pid} en",
        40.0,
        lon,
        name_ru=f"{pid} ru",
        centre_az=pid,
        centre_en=pid,
        population=population,
        economic_region="Exclave" if exclave else "Test",
        exclave=exclave,
    )


def tiny_network() -> Network:
    mainland = [_place(f"P{i}", 46.0 + 0.36 * i, 60_000 + 10_000 * i) for i in range(6)]
    places = (*mainland, _place("X0", 44.0, 80_000, exclave=True))
    stations = tuple(Station(f"ST-{i}", f"Station {i}", 40.0, 46.0 + 0.36 * i, f"P{i}", False) for i in (0, 2, 4))
    return Network(
        places=places,
        centres=(
            ServiceCentre(
                "ASAN-P0",
                CentreKind.ASAN,
                "ASAN P0",
                "P0",
                40.0,
                46.0,
                CentreStatus.OPEN,
                "2020",
                ("id_card",),
                "t",
            ),
        ),
        stations=stations,
        rail_lines=(RailLine("L1", "Line", ("ST-0", "ST-2", "ST-4"), (0.0, 80.0, 160.0), (True, True)),),
        roads=tuple(RoadEdge(f"P{i}", f"P{i + 1}", "M1", 40.0, "test") for i in range(5)),
        services=(Service("id_card", "ŞV", "ID card", "Удостоверение"),),
    )


def tiny_fleet() -> Fleet:
    def vehicle(vid: str, kind: VehicleKind, depot: str, station: str | None, capacity: int) -> Vehicle:
        return Vehicle(vid, kind, vid, depot, station, capacity, 9 * 60, 18 * 60, ("id_card",))

    return Fleet(
        (
            vehicle("BUS-01", VehicleKind.BUS, "P0", None, 100),
            vehicle("BUS-02", VehicleKind.BUS, "X0", None, 100),
            vehicle("TRAIN-01", VehicleKind.TRAIN, "P0", "ST-0", 150),
        )
    )


class LineTravel:
    """TravelModel over ``tiny_network``: straight lines at 60 km/h by road and 50 km/h by rail."""

    def __init__(self, network: Network) -> None:
        self.network = network

    def sites(self, kind: VehicleKind) -> tuple[Site, ...]:
        if kind is VehicleKind.BUS:
            return tuple(Site(p.id, kind, p.id, p.name_az, p.lat, p.lon) for p in self.network.places)
        return tuple(Site(s.id, kind, s.place_id or "", s.name, s.lat, s.lon) for s in self.network.stations)

    def _coords(self, kind: VehicleKind, site_id: str) -> tuple[LatLon, bool]:
        site = next(s for s in self.sites(kind) if s.id == site_id)
        exclave = self.network.place(site.place_id).exclave
        return (site.lat, site.lon), exclave

    def matrix(self, kind: VehicleKind, site_ids: Sequence[str]) -> TravelMatrix:
        n = len(site_ids)
        dist = np.zeros((n, n), dtype=np.int64)
        dur = np.zeros((n, n), dtype=np.int64)
        speed = 60.0 if kind is VehicleKind.BUS else 50.0
        for i, a in enumerate(site_ids):
            (alat, alon), ax = self._coords(kind, a)
            for j, b in enumerate(site_ids):
                (blat, blon), bx = self._coords(kind, b)
                if ax != bx:
                    dist[i, j] = dur[i, j] = UNREACHABLE
                    continue
                km = math.hypot(alat - blat, alon - blon) * KM_PER_DEGREE
                dist[i, j] = round(km * 1000)
                dur[i, j] = math.ceil(km / speed * 60)
        return TravelMatrix(kind, tuple(site_ids), dist, dur)

    def path(self, kind: VehicleKind, origin: str, destination: str) -> tuple[LatLon, ...]:
        return (self._coords(kind, origin)[0], self._coords(kind, destination)[0])


def tiny_week_network(populations: Mapping[str, int | None]) -> Network:
    """``tiny_network`` cut down to the depots (P0 with ST-0, and X0) and the places named in ``populations``, each
    with that population (None: nobody there needs a mobile visit). Stations and the rail line keep only the kept
    places' stations, so a week can be built on any subset of the tiny country."""
    full = tiny_network()
    keep = {"P0", "X0", *populations}
    places = tuple(
        replace(p, population=populations[p.id]) if p.id in populations else p for p in full.places if p.id in keep
    )
    stations = tuple(s for s in full.stations if s.place_id in keep)
    line = full.rail_lines[0]
    on_line = [(sid, km) for sid, km in zip(line.station_ids, line.km, strict=True) if sid in {s.id for s in stations}]
    rail = replace(
        line,
        station_ids=tuple(sid for sid, _ in on_line),
        km=tuple(km for _, km in on_line),
        operational=(True,) * max(0, len(on_line) - 1),
    )
    return replace(
        full,
        places=places,
        stations=stations,
        rail_lines=(rail,),
        roads=tuple(r for r in full.roads if r.a in keep and r.b in keep),
    )


class BridgedLineTravel(LineTravel):
    """``LineTravel`` with a (fictional) road between the mainland and the exclave: the matrix then reaches X0, so a
    test can show that the validator's exclave rule stands on its own and not on an unreachable matrix entry."""

    def _coords(self, kind: VehicleKind, site_id: str) -> tuple[LatLon, bool]:
        coords, _ = super()._coords(kind, site_id)
        return coords, False


MONDAY = date(2026, 11, 23)
"""The tiny country's planning week (no holidays)."""


def make_problem(rules: Rules | None = None, requests: Sequence[VisitRequest] = ()) -> Problem:
    """The tiny country's week of ``MONDAY`` (no holidays), with its demand and ``requests``."""
    network = tiny_network()
    travel = LineTravel(network)
    return build_problem(
        network=network,
        fleet=tiny_fleet(),
        travel=travel,
        demand=estimate_demand(network, travel, service_dates(MONDAY, set())),
        week_start=MONDAY,
        service_dates=service_dates(MONDAY, set()),
        rules=rules,
        requests=requests,
    )


def background(problem: Problem, place_id: str, *, train: bool = False) -> list[CandidateVisit]:
    """The background visits (no request, no lock) of a place: the bus's, or the train's at its station."""
    return [
        c
        for c in problem.candidates
        if c.place_id == place_id and not c.request_ids and not c.locked and (c.train_site_id is not None) == train
    ]
