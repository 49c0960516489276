"""Read the bundled Azerbaijan reference data (``data/azerbaijan/*.csv``) into the domain types.

Every problem in a file is reported as one :class:`DataError` naming the file, the row (spreadsheet numbering: the
header is row 1, the first data row is row 2) and the column, e.g.
``units.csv row 5, column 'lat': 'abc' is not a number``. What each file holds and where its facts come from is
described in ``data/azerbaijan/SOURCES.md``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

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
    Terrain,
    Vehicle,
    VehicleKind,
)

__all__ = ["DEFAULT_DIRECTORY", "DataError", "load_fleet", "load_network"]

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "azerbaijan"
"""The folder of CSV files shipped with the package."""

UNIT_TYPES = frozenset({"city", "rayon", "city_ar", "rayon_ar"})

_T = TypeVar("_T")


class DataError(ValueError):
    """A bundled data file is missing or holds a row that breaks a rule; the message names file, row and column."""


@dataclass(frozen=True, slots=True)
class _Row:
    """One CSV data row with its file name and spreadsheet row number, for error messages."""

    file: str
    number: int
    values: dict[str, str]

    def error(self, column: str, problem: str) -> DataError:
        return DataError(f"{self.file} row {self.number}, column {column!r}: {problem}")

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.values[column].strip()
        if required and not value:
            raise self.error(column, "is empty")
        return value

    def real(self, column: str, *, low: float | None = None, high: float | None = None) -> float:
        raw = self.text(column)
        try:
            value = float(raw)
        except ValueError:
            raise self.error(column, f"{raw!r} is not a number") from None
        if not math.isfinite(value):
            raise self.error(column, f"{raw!r} is not a finite number")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.error(column, f"{raw} is outside [{low}, {high}]")
        return value

    def integer(self, column: str, *, low: int = 0) -> int:
        value = self.optional_integer(column, low=low)
        if value is None:
            raise self.error(column, "is empty")
        return value

    def optional_integer(self, column: str, *, low: int = 0) -> int | None:
        raw = self.text(column, required=False)
        if not raw:
            return None
        try:
            value = int(raw)
        except ValueError:
            raise self.error(column, f"{raw!r} is not a whole number") from None
        if value < low:
            raise self.error(column, f"{value} is below {low}")
        return value

    def boolean(self, column: str) -> bool:
        raw = self.text(column).lower()
        if raw not in ("true", "false"):
            raise self.error(column, f"{raw!r} is not 'true' or 'false'")
        return raw == "true"

    def choice(self, column: str, parse: Callable[[str], _T], allowed: Sequence[str]) -> _T:
        raw = self.text(column)
        if raw not in allowed:
            raise self.error(column, f"{raw!r} is not one of {', '.join(allowed)}")
        return parse(raw)

    def clock_min(self, column: str) -> int:
        raw = self.text(column)
        hours, sep, minutes = raw.partition(":")
        if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
            raise self.error(column, f"{raw!r} is not a time HH:MM")
        value = int(hours) * 60 + int(minutes)
        if int(minutes) >= 60 or value > 24 * 60:
            raise self.error(column, f"{raw!r} is not a time of day")
        return value

    def codes(self, column: str) -> tuple[str, ...]:
        codes = tuple(code.strip() for code in self.text(column).split(";"))
        if any(not code for code in codes):
            raise self.error(column, "has an empty code between ';'")
        return codes


def _rows(directory: Path, file: str, columns: Sequence[str]) -> Iterator[_Row]:
    path = directory / file
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [column for column in columns if column not in header]
            if missing:
                raise DataError(f"{file} row 1, column {missing[0]!r}: missing from the header")
            for number, values in enumerate(reader, start=2):
                if None in values or any(values[column] is None for column in columns):
                    raise DataError(
                        f"{file} row {number}, column {columns[-1]!r}: the row has "
                        f"{'too many' if None in values else 'too few'} fields"
                    )
                yield _Row(file, number, values)
    except FileNotFoundError:
        raise DataError(f"{file}: file not found in {directory}") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{file}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise DataError(f"{file}: not a readable CSV file ({exc})") from None


def _unique(row: _Row, column: str, seen: set[str]) -> str:
    value = row.text(column)
    if value in seen:
        raise row.error(column, f"duplicate id {value!r}")
    seen.add(value)
    return value


def _known(row: _Row, column: str, value: str, known: Container[str], what: str) -> str:
    if value not in known:
        raise row.error(column, f"unknown {what} {value!r}")
    return value


def _services(directory: Path) -> tuple[Service, ...]:
    seen: set[str] = set()
    return tuple(
        Service(
            code=_unique(row, "code", seen),
            name_az=row.text("name_az"),
            name_en=row.text("name_en"),
            name_ru=row.text("name_ru"),
        )
        for row in _rows(directory, "services.csv", ("code", "name_az", "name_en", "name_ru", "provider", "source"))
    )


def _places(directory: Path) -> tuple[Place, ...]:
    columns = (
        "id", "name_az", "name_en", "name_ru", "unit_type", "centre_az", "centre_en", "lat", "lon", "population",
        "population_as_of", "economic_region", "exclave", "terrain", "source",
    )  # fmt: skip
    seen: set[str] = set()
    places = []
    for row in _rows(directory, "units.csv", columns):
        places.append(
            Place(
                id=_unique(row, "id", seen),
                name_az=row.text("name_az"),
                name_en=row.text("name_en"),
                name_ru=row.text("name_ru", required=False),
                unit_type=row.choice("unit_type", str, sorted(UNIT_TYPES)),
                centre_az=row.text("centre_az"),
                centre_en=row.text("centre_en"),
                lat=row.real("lat", low=-90, high=90),
                lon=row.real("lon", low=-180, high=180),
                population=row.optional_integer("population"),
                population_as_of=row.text("population_as_of", required=False),
                economic_region=row.text("economic_region"),
                exclave=row.boolean("exclave"),
                terrain=row.choice("terrain", Terrain, [t.value for t in Terrain]),
                source=row.text("source"),
            )
        )
    return tuple(places)


SETTLEMENTS_FILE = "settlements.csv"
UNIT_ASSIGNMENTS = ("admin1", "nearest")
"""How a settlement's unit was chosen: by its GeoNames admin1 code, or as the nearest unit centre."""


def _settlements(directory: Path, units: Sequence[Place]) -> tuple[Place, ...]:
    """Towns and villages inside the units (``settlements.csv``, optional in a custom data folder); region,
    exclave and terrain are their unit's. A settlement id may repeat neither another settlement's nor a unit's."""
    if not (directory / SETTLEMENTS_FILE).is_file():
        return ()
    columns = (
        "id", "name_az", "name_en", "name_ru", "unit_id", "lat", "lon", "population", "unit_assigned_by",
        "geonameid", "source",
    )  # fmt: skip
    by_id = {u.id: u for u in units}
    seen = set(by_id)
    places = []
    for row in _rows(directory, SETTLEMENTS_FILE, columns):
        unit = by_id[_known(row, "unit_id", row.text("unit_id"), by_id, "unit")]
        row.choice("unit_assigned_by", str, UNIT_ASSIGNMENTS)
        row.integer("geonameid", low=1)
        name_az = row.text("name_az")
        places.append(
            Place(
                id=_unique(row, "id", seen),
                name_az=name_az,
                name_en=row.text("name_en"),
                name_ru=row.text("name_ru"),
                unit_type="settlement",
                centre_az=name_az,
                centre_en=row.text("name_en"),
                lat=row.real("lat", low=-90, high=90),
                lon=row.real("lon", low=-180, high=180),
                population=row.optional_integer("population"),
                population_as_of="GeoNames (unreliable)",
                economic_region=unit.economic_region,
                exclave=unit.exclave,
                terrain=unit.terrain,
                source=row.text("source"),
                unit_id=unit.id,
            )
        )
    return tuple(places)


def _centres(directory: Path, places: set[str], services: set[str]) -> tuple[ServiceCentre, ...]:
    columns = ("id", "kind", "name", "place_id", "lat", "lon", "status", "opened", "services", "source")
    seen: set[str] = set()
    centres = []
    for row in _rows(directory, "centres.csv", columns):
        codes = row.codes("services")
        for code in codes:
            _known(row, "services", code, services, "service code")
        centres.append(
            ServiceCentre(
                id=_unique(row, "id", seen),
                kind=row.choice("kind", CentreKind, [k.value for k in CentreKind]),
                name=row.text("name"),
                place_id=_known(row, "place_id", row.text("place_id"), places, "place id"),
                lat=row.real("lat", low=-90, high=90),
                lon=row.real("lon", low=-180, high=180),
                status=row.choice("status", CentreStatus, [s.value for s in CentreStatus]),
                opened=row.text("opened"),
                services=codes,
                source=row.text("source"),
            )
        )
    return tuple(centres)


def _stations(directory: Path, places: set[str]) -> tuple[Station, ...]:
    columns = ("id", "name", "esr", "lat", "lon", "coords_estimated", "place_id", "country", "source")
    seen: set[str] = set()
    stations = []
    for row in _rows(directory, "rail_stations.csv", columns):
        place_id = row.text("place_id", required=False)
        row.choice("country", str, ("AZ", "AM"))
        stations.append(
            Station(
                id=_unique(row, "id", seen),
                name=row.text("name"),
                lat=row.real("lat", low=-90, high=90),
                lon=row.real("lon", low=-180, high=180),
                place_id=_known(row, "place_id", place_id, places, "place id") if place_id else None,
                coords_estimated=row.boolean("coords_estimated"),
            )
        )
    return tuple(stations)


def _rail_lines(directory: Path, stations: set[str]) -> tuple[RailLine, ...]:
    columns = ("line_id", "line_name", "seq", "from_station_id", "to_station_id", "km", "operational", "source")
    grouped: dict[str, list[tuple[int, _Row]]] = {}
    for row in _rows(directory, "rail_lines.csv", columns):
        seq = row.integer("seq", low=1)
        grouped.setdefault(row.text("line_id"), []).append((seq, row))
    lines = []
    for line_id, numbered in grouped.items():
        numbered.sort(key=lambda item: item[0])
        first = numbered[0][1]
        station_ids = [_known(first, "from_station_id", first.text("from_station_id"), stations, "station id")]
        km = [0.0]
        operational = []
        for expected, (seq, row) in enumerate(numbered, start=1):
            if seq != expected:
                raise row.error("seq", f"line {line_id} expects seq {expected} here, found {seq}")
            start = _known(row, "from_station_id", row.text("from_station_id"), stations, "station id")
            if start != station_ids[-1]:
                raise row.error("from_station_id", f"{start!r} does not continue the line from {station_ids[-1]!r}")
            end = _known(row, "to_station_id", row.text("to_station_id"), stations, "station id")
            if end == start:
                raise row.error("to_station_id", "a segment must join two different stations")
            station_ids.append(end)
            km.append(km[-1] + row.real("km", low=0.001))
            operational.append(row.boolean("operational"))
        lines.append(
            RailLine(
                id=line_id,
                name=first.text("line_name"),
                station_ids=tuple(station_ids),
                km=tuple(km),
                operational=tuple(operational),
            )
        )
    return tuple(lines)


def _roads(directory: Path, places: set[str]) -> tuple[RoadEdge, ...]:
    columns = ("a", "b", "road", "distance_km", "km_source", "source")
    roads = []
    for row in _rows(directory, "roads.csv", columns):
        a = _known(row, "a", row.text("a"), places, "place id")
        b = _known(row, "b", row.text("b"), places, "place id")
        if a == b:
            raise row.error("b", "a road must join two different places")
        row.text("source")
        roads.append(
            RoadEdge(
                a=a,
                b=b,
                road=row.text("road"),
                distance_km=row.real("distance_km", low=0.001),
                km_source=row.text("km_source"),
            )
        )
    return tuple(roads)


def load_network(directory: Path | None = None) -> Network:
    """Places, service centres, services, stations, rail lines and roads from ``directory`` (default: bundled)."""
    folder = DEFAULT_DIRECTORY if directory is None else Path(directory)
    if not folder.is_dir():
        raise DataError(f"data directory not found: {folder}")
    services = _services(folder)
    service_codes = {s.code for s in services}
    units = _places(folder)
    places = units + _settlements(folder, units)
    place_ids = {p.id for p in places}
    centres = _centres(folder, place_ids, service_codes)
    stations = _stations(folder, place_ids)
    rail_lines = _rail_lines(folder, {s.id for s in stations})
    roads = _roads(folder, place_ids)
    return Network(
        places=places,
        centres=centres,
        stations=stations,
        rail_lines=rail_lines,
        roads=roads,
        services=services,
    )


def load_fleet(directory: Path | None = None) -> Fleet:
    """The vehicles of ``fleet.csv``, checked against the places, stations and services of the same folder."""
    folder = DEFAULT_DIRECTORY if directory is None else Path(directory)
    network = load_network(folder)
    place_ids = {p.id for p in network.places}
    station_ids = {s.id for s in network.stations}
    service_codes = {s.code for s in network.services}
    columns = (
        "id", "kind", "name", "depot_place_id", "depot_station_id", "capacity_citizens_per_day", "service_start",
        "service_end", "services", "note", "source",
    )  # fmt: skip
    seen: set[str] = set()
    vehicles = []
    for row in _rows(folder, "fleet.csv", columns):
        kind = row.choice("kind", VehicleKind, [k.value for k in VehicleKind])
        station = row.text("depot_station_id", required=kind is VehicleKind.TRAIN)
        if station:
            _known(row, "depot_station_id", station, station_ids, "station id")
        codes = row.codes("services")
        for code in codes:
            _known(row, "services", code, service_codes, "service code")
        start, end = row.clock_min("service_start"), row.clock_min("service_end")
        if end <= start:
            raise row.error("service_end", f"must be after service_start ({row.text('service_start')})")
        capacity = row.integer("capacity_citizens_per_day", low=1)
        vehicles.append(
            Vehicle(
                id=_unique(row, "id", seen),
                kind=kind,
                name=row.text("name"),
                depot_place_id=_known(row, "depot_place_id", row.text("depot_place_id"), place_ids, "place id"),
                depot_station_id=station or None,
                capacity_citizens_per_day=capacity,
                service_start_min=start,
                service_end_min=end,
                services=codes,
            )
        )
    return Fleet(vehicles=tuple(vehicles))
