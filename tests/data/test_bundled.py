"""The bundled Azerbaijan data loads into the domain types and bad files fail with a clear DataError."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from data.bundled import DEFAULT_DIRECTORY, DataError, load_fleet, load_network
from scheduler.domain import CentreKind, CentreStatus, Fleet, Network, VehicleKind

# Azerbaijan including the Nakhchivan AR, with a small margin.
LAT_RANGE = (38.3, 41.95)
LON_RANGE = (44.7, 50.7)


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network()


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return load_fleet()


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "azerbaijan"
    shutil.copytree(DEFAULT_DIRECTORY, target)
    return target


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_77_units_with_unique_ids_inside_the_country(network: Network) -> None:
    """All 77 first-level units load, ids are unique ISO codes and every place (settlements too) lies inside
    Azerbaijan's box."""
    ids = [p.id for p in network.places if not p.is_settlement]
    assert len(ids) == 77
    assert len(set(ids)) == 77
    assert all(i.startswith("AZ-") for i in ids)
    for place in network.places:
        assert LAT_RANGE[0] <= place.lat <= LAT_RANGE[1], place.id
        assert LON_RANGE[0] <= place.lon <= LON_RANGE[1], place.id


def test_eight_exclave_units_are_the_nakhchivan_ar(network: Network) -> None:
    """Exactly the 8 Nakhchivan AR units are flagged as exclave (and the settlements inside them)."""
    exclave = {p.unit for p in network.places if p.exclave}
    assert exclave == {"AZ-NV", "AZ-BAB", "AZ-CUL", "AZ-KAN", "AZ-ORD", "AZ-SAD", "AZ-SAH", "AZ-SAR"}


def test_24_open_asan_centres(network: Network) -> None:
    """24 open ASAN centres: 7 in Baku, 2 in Ganja, 2 in Sumgait and 13 regional ones."""
    open_asan = [c for c in network.centres if c.kind is CentreKind.ASAN and c.status is CentreStatus.OPEN]
    assert len(open_asan) == 24
    by_place = {pid: sum(1 for c in open_asan if c.place_id == pid) for pid in ("AZ-BA", "AZ-GA", "AZ-SM")}
    assert by_place == {"AZ-BA": 7, "AZ-GA": 2, "AZ-SM": 2}


def test_centre_services_exist(network: Network) -> None:
    """Every service code named by a centre is a known service; DOST centres offer social services."""
    codes = {s.code for s in network.services}
    assert all(set(c.services) <= codes for c in network.centres)
    assert all("social" in c.services for c in network.centres if c.kind is CentreKind.DOST)


def test_fleet_is_ten_buses_and_one_train(fleet: Fleet, network: Network) -> None:
    """10 buses and 1 train whose depots are known places and whose service hours are 09:00-18:00."""
    kinds = [v.kind for v in fleet.vehicles]
    assert kinds.count(VehicleKind.BUS) == 10
    assert kinds.count(VehicleKind.TRAIN) == 1
    assert all(network.has_place(v.depot_place_id) for v in fleet.vehicles)
    assert all((v.service_start_min, v.service_end_min) == (540, 1080) for v in fleet.vehicles)
    train = fleet.vehicle("TRAIN-01")
    assert train.depot_station_id is not None
    assert network.station(train.depot_station_id).name == "Biləcəri"


def test_every_station_place_exists(network: Network) -> None:
    """Every station's place_id names a loaded place."""
    for station in network.stations:
        assert station.place_id is None or network.has_place(station.place_id), station.id


def test_rail_lines_have_consistent_chainage(network: Network) -> None:
    """Each rail line has one km per station, increasing from 0, and one operational flag per segment."""
    assert {line.id for line in network.rail_lines} == {f"L{i}" for i in range(1, 14)}
    for line in network.rail_lines:
        assert len(line.km) == len(line.station_ids)
        assert len(line.operational) == len(line.station_ids) - 1
        assert line.km[0] == 0.0
        assert all(b > a for a, b in zip(line.km, line.km[1:], strict=False))


def test_no_road_joins_the_exclave_to_the_mainland(network: Network) -> None:
    """No road edge has one end in the Nakhchivan AR and the other on the mainland."""
    for road in network.roads:
        assert network.place(road.a).exclave == network.place(road.b).exclave, (road.a, road.b)


def test_corrupted_value_names_file_row_and_column(tmp_path: Path) -> None:
    """A non-numeric latitude in a copied units.csv raises DataError naming the file, the row and the column."""
    folder = _copy(tmp_path)
    _replace_in(
        folder / "units.csv",
        "AZ-GA,Gəncə,Ganja,Гянджа,city,Gəncə,Ganja,40.68157",
        "AZ-GA,Gəncə,Ganja,Гянджа,city,Gəncə,Ganja,north",
    )
    lines = (folder / "units.csv").read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines, start=1) if line.startswith("AZ-GA,"))
    with pytest.raises(DataError) as caught:
        load_network(folder)
    assert str(caught.value).startswith(f"units.csv row {row}, column 'lat':")
    assert "'north' is not a number" in str(caught.value)


def test_unknown_reference_is_reported(tmp_path: Path) -> None:
    """A road to a place id that does not exist raises DataError on the roads.csv column 'b'."""
    folder = _copy(tmp_path)
    _replace_in(folder / "roads.csv", "AZ-BA,AZ-SM,", "AZ-BA,AZ-XX,")
    with pytest.raises(DataError, match=r"roads\.csv row 2, column 'b': unknown place id 'AZ-XX'"):
        load_network(folder)


def test_unknown_service_code_in_fleet_is_reported(tmp_path: Path) -> None:
    """A vehicle offering an unknown service code raises DataError on fleet.csv column 'services'."""
    folder = _copy(tmp_path)
    _replace_in(folder / "fleet.csv", "residence_registration;", "teleportation;")
    with pytest.raises(DataError, match=r"fleet\.csv row 2, column 'services': unknown service code"):
        load_fleet(folder)


def test_missing_file_raises_data_error(tmp_path: Path) -> None:
    """A folder without roads.csv raises DataError naming the file, not a bare FileNotFoundError."""
    folder = _copy(tmp_path)
    (folder / "roads.csv").unlink()
    with pytest.raises(DataError, match=r"roads\.csv: file not found"):
        load_network(folder)


def test_missing_directory_raises_data_error(tmp_path: Path) -> None:
    """A directory that does not exist raises DataError."""
    with pytest.raises(DataError, match="data directory not found"):
        load_network(tmp_path / "nowhere")
    with pytest.raises(DataError):
        load_fleet(tmp_path / "nowhere")
