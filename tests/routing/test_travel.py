"""GraphTravelModel: road and rail shortest paths over the bundled network and over tiny hand-made networks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from data.bundled import load_network
from routing.travel import GraphTravelModel, geodesic_km
from scheduler.domain import Network, Place, RailLine, RoadEdge, Station, Terrain, VehicleKind
from scheduler.ports import UNREACHABLE, TravelModel

BILECERI = "ST-546808"
GENCE = "ST-556208"


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network()


@pytest.fixture(scope="module")
def model(network: Network) -> GraphTravelModel:
    return GraphTravelModel(network)


def _place(pid: str, lat: float, lon: float, terrain: Terrain = Terrain.LOWLAND) -> Place:
    return Place(pid, pid, pid, "", "rayon", pid, pid, lat, lon, None, "", "test", False, terrain, "test")


def _tiny() -> Network:
    """A-B lowland 70 km, B-C mountain 45 km, D isolated; rail S1-S2 open, S2-S3 closed."""
    places = (
        _place("A", 40.0, 47.0),
        _place("B", 40.0, 48.0),
        _place("C", 40.5, 48.0, Terrain.MOUNTAIN),
        _place("D", 39.0, 45.0),
    )
    stations = (
        Station("S1", "one", 40.0, 47.0, "A", False),
        Station("S2", "two", 40.0, 48.0, "B", False),
        Station("S3", "three", 40.5, 48.0, "C", False),
        Station("S4", "junction", 40.0, 47.5, None, True),
    )
    lines = (RailLine("L1", "test", ("S1", "S4", "S2", "S3"), (0.0, 20.0, 50.0, 90.0), (True, True, False)),)
    roads = (RoadEdge("A", "B", "M1", 70.0, "test"), RoadEdge("B", "C", "regional", 45.0, "test"))
    return Network(places=places, centres=(), stations=stations, rail_lines=lines, roads=roads, services=())


def test_model_satisfies_the_port() -> None:
    """GraphTravelModel is usable where the core expects a TravelModel."""
    model: TravelModel = GraphTravelModel(_tiny())
    assert {s.id for s in model.sites(VehicleKind.BUS)} == {"A", "B", "C", "D"}


def test_tiny_road_durations_use_terrain_speeds() -> None:
    """70 km lowland at 70 km/h is 60 min; 45 km touching a mountain place at 45 km/h adds 60 min."""
    m = GraphTravelModel(_tiny()).matrix(VehicleKind.BUS, ["A", "B", "C", "D"])
    assert m.duration_min[0].tolist() == [0, 60, 120, UNREACHABLE]
    assert m.distance_m[0].tolist() == [0, 70_000, 115_000, UNREACHABLE]
    assert m.distance_m.dtype == np.int64
    assert m.duration_min.dtype == np.int64


def test_tiny_rail_skips_closed_segments_and_junctions() -> None:
    """Train sites are stations with a place on an open segment; a closed segment makes its far end unreachable."""
    model = GraphTravelModel(_tiny(), rail_speed_kmh=60.0)
    assert [s.id for s in model.sites(VehicleKind.TRAIN)] == ["S1", "S2"]
    m = model.matrix(VehicleKind.TRAIN, ["S1", "S2"])
    assert m.distance_m[0, 1] == 50_000
    assert m.duration_min[0, 1] == 50
    with pytest.raises(ValueError, match="S3"):
        model.matrix(VehicleKind.TRAIN, ["S1", "S3"])
    assert model.path(VehicleKind.TRAIN, "S1", "S2") == ((40.0, 47.0), (40.0, 47.5), (40.0, 48.0))


def test_unreachable_path_and_unknown_site_raise() -> None:
    """Asking for a path with no route, or for an unknown site, raises ValueError naming the ids."""
    model = GraphTravelModel(_tiny())
    with pytest.raises(ValueError, match="no bus path from 'A' to 'D'"):
        model.path(VehicleKind.BUS, "A", "D")
    with pytest.raises(ValueError, match="'Z'"):
        model.matrix(VehicleKind.BUS, ["A", "Z"])


def test_speeds_must_be_positive() -> None:
    """A zero speed is refused at construction."""
    with pytest.raises(ValueError, match="rail_speed_kmh"):
        GraphTravelModel(_tiny(), rail_speed_kmh=0.0)


def test_mainland_connected_and_cut_off_from_nakhchivan(model: GraphTravelModel, network: Network) -> None:
    """Every mainland place (settlements too) reaches every other by road, and no mainland place reaches a
    Nakhchivan AR place."""
    ids = [s.id for s in model.sites(VehicleKind.BUS)]
    matrix = model.matrix(VehicleKind.BUS, ids)
    exclave = np.array([network.place(i).exclave for i in ids])
    same_side = exclave[:, None] == exclave[None, :]
    assert (matrix.duration_min[same_side] >= 0).all()
    assert (matrix.duration_min[~same_side] == UNREACHABLE).all()
    assert (matrix.distance_m[~same_side] == UNREACHABLE).all()
    assert sum(1 for i in ids if network.place(i).exclave and not network.place(i).is_settlement) == 8


def test_a_village_joins_its_unit_centre_by_a_rural_road(model: GraphTravelModel, network: Network) -> None:
    """Horadiz reaches Füzuli's centre no slower than its own rural link (geodesic × 1.4 at 40 km/h) and no
    faster than the straight line at that speed."""
    village, centre = network.place("GN-148003"), network.place("AZ-FUZ")
    km = geodesic_km((village.lat, village.lon), (centre.lat, centre.lon))
    minutes = model.matrix(VehicleKind.BUS, [village.id, centre.id]).duration_min[0, 1]
    assert km / 40 * 60 <= minutes <= math.ceil(km * 1.4 / 40 * 60)


def test_matrix_diagonal_is_zero(model: GraphTravelModel) -> None:
    """Travel from a site to itself is 0 m and 0 min for both vehicle kinds."""
    for kind in VehicleKind:
        ids = [s.id for s in model.sites(kind)]
        matrix = model.matrix(kind, ids)
        assert (np.diag(matrix.distance_m) == 0).all()
        assert (np.diag(matrix.duration_min) == 0).all()


def test_baku_ganja_by_road(model: GraphTravelModel) -> None:
    """Baku to Ganja by road is 330-420 km and takes 4-8 hours, and the trip is symmetric."""
    matrix = model.matrix(VehicleKind.BUS, ["AZ-BA", "AZ-GA"])
    assert 330_000 <= matrix.distance_m[0, 1] <= 420_000
    assert 240 <= matrix.duration_min[0, 1] <= 480
    assert matrix.distance_m[0, 1] == matrix.distance_m[1, 0]


def test_road_distances_are_not_shorter_than_the_crow_flies(model: GraphTravelModel, network: Network) -> None:
    """No road distance between two mainland places is below the geodesic distance between their centres."""
    ids = [p.id for p in network.places if not p.exclave]
    matrix = model.matrix(VehicleKind.BUS, ids)
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            pa, pb = network.place(a), network.place(b)
            crow_m = geodesic_km((pa.lat, pa.lon), (pb.lat, pb.lon)) * 1000
            assert matrix.distance_m[i, j] >= crow_m - 1, (a, b)


def test_train_sites_are_stations_with_places(model: GraphTravelModel, network: Network) -> None:
    """Every train site is a station id with a place, and Nakhchivan stations cannot be reached from Biləcəri."""
    sites = model.sites(VehicleKind.TRAIN)
    station_ids = {s.id for s in network.stations}
    assert sites
    assert all(s.id in station_ids and s.kind is VehicleKind.TRAIN for s in sites)
    assert all(s.place_id == network.station(s.id).place_id for s in sites)
    ids = [s.id for s in sites]
    assert BILECERI in ids
    matrix = model.matrix(VehicleKind.TRAIN, ids)
    row = matrix.duration_min[ids.index(BILECERI)]
    for j, site in enumerate(sites):
        reached = row[j] != UNREACHABLE
        assert reached != network.place(site.place_id).exclave, site.id


def test_rail_bileceri_to_gence_matches_tariff(model: GraphTravelModel) -> None:
    """Biləcəri to Gəncə by rail is the 347 tariff km (within 5 km) at about 50 km/h."""
    matrix = model.matrix(VehicleKind.TRAIN, [BILECERI, GENCE])
    assert abs(matrix.distance_m[0, 1] - 347_000) <= 5_000
    assert matrix.duration_min[0, 1] == 417


def test_path_starts_and_ends_at_the_sites(model: GraphTravelModel, network: Network) -> None:
    """Road and rail paths begin at the origin's coordinates, end at the destination's and pass through nodes."""
    road = model.path(VehicleKind.BUS, "AZ-BA", "AZ-GA")
    baku, ganja = network.place("AZ-BA"), network.place("AZ-GA")
    assert road[0] == (baku.lat, baku.lon)
    assert road[-1] == (ganja.lat, ganja.lon)
    assert len(road) > 2
    rail = model.path(VehicleKind.TRAIN, BILECERI, GENCE)
    start, end = network.station(BILECERI), network.station(GENCE)
    assert rail[0] == (start.lat, start.lon)
    assert rail[-1] == (end.lat, end.lon)
    assert len(rail) > 10


def test_geodesic_km_baku_ganja() -> None:
    """The geodesic between Baku and Ganja centres is about 300 km (the reference's great-circle figure)."""
    assert 295 <= geodesic_km((40.37767, 49.89201), (40.68157, 46.36134)) <= 305
