"""Domain value objects: the words of the design notes, immutable and free of any framework.

Every id is a stable string (ISO 3166-2 code for a place, ``ST-<ESR code>`` for a station); solver indices are built
inside the problem, never stored here. Units are in the names (``_km``, ``_min``, ``_m``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class VehicleKind(StrEnum):
    BUS = "bus"
    TRAIN = "train"


class CentreKind(StrEnum):
    ASAN = "asan"
    DOST = "dost"


class CentreStatus(StrEnum):
    OPEN = "open"
    UNDER_CONSTRUCTION = "under_construction"
    PLANNED = "planned"


class Terrain(StrEnum):
    LOWLAND = "lowland"
    MOUNTAIN = "mountain"


@dataclass(frozen=True, slots=True)
class Service:
    """A service a citizen can ask for (passport, notary, ...); ``code`` is what requests and vehicles name."""

    code: str
    name_az: str
    name_en: str
    name_ru: str


@dataclass(frozen=True, slots=True)
class Place:
    """Where citizens live and a bus can stop: a first-level administrative unit (city, rayon) located at its
    administrative centre town, or a settlement (town, village) inside one, with ``unit_id`` naming that unit."""

    id: str
    name_az: str
    name_en: str
    name_ru: str
    unit_type: str
    centre_az: str
    centre_en: str
    lat: float
    lon: float
    population: int | None
    population_as_of: str
    economic_region: str
    exclave: bool
    terrain: Terrain
    source: str
    unit_id: str | None = None
    """The first-level unit a settlement lies in; None: the place is a unit itself."""

    @property
    def unit(self) -> str:
        """The id of the first-level unit the place belongs to (its own id for a unit)."""
        return self.unit_id or self.id

    @property
    def is_settlement(self) -> bool:
        return self.unit_id is not None


@dataclass(frozen=True, slots=True)
class ServiceCentre:
    """A fixed ASAN xidmət or DOST centre; only ``OPEN`` centres reduce the need for a mobile visit."""

    id: str
    kind: CentreKind
    name: str
    place_id: str
    lat: float
    lon: float
    status: CentreStatus
    opened: str
    services: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Station:
    """A railway station; ``coords_estimated`` is true when placed along the line by km, not from a gazetteer."""

    id: str
    name: str
    lat: float
    lon: float
    place_id: str | None
    coords_estimated: bool


@dataclass(frozen=True, slots=True)
class RailLine:
    """An ordered line of stations with tariff-km chainage; closed segments carry no trains."""

    id: str
    name: str
    station_ids: tuple[str, ...]
    km: tuple[float, ...]
    operational: tuple[bool, ...]
    """One flag per segment (``len(station_ids) - 1``): can a train run between station i and i+1 today."""


@dataclass(frozen=True, slots=True)
class RoadEdge:
    """An undirected road link between two place centres."""

    a: str
    b: str
    road: str
    distance_km: float
    km_source: str


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A mobile service unit. A bus sleeps anywhere but ends the week at its depot; the train runs on rails only."""

    id: str
    kind: VehicleKind
    name: str
    depot_place_id: str
    depot_station_id: str | None
    capacity_citizens_per_day: int
    service_start_min: int
    """Minutes after local midnight at which service may start (e.g. 540 = 09:00)."""
    service_end_min: int
    services: tuple[str, ...]
    maintenance_dates: tuple[date, ...] = ()
    """Days the vehicle is in the workshop: it serves nobody."""

    def offers(self, services: tuple[str, ...]) -> bool:
        return set(services) <= set(self.services)


@dataclass(frozen=True, slots=True)
class Network:
    """Everything the bundled reference data says about the country: places, centres, rail, roads, services."""

    places: tuple[Place, ...]
    centres: tuple[ServiceCentre, ...]
    stations: tuple[Station, ...]
    rail_lines: tuple[RailLine, ...]
    roads: tuple[RoadEdge, ...]
    services: tuple[Service, ...]
    _places_by_id: Mapping[str, Place] = field(init=False, repr=False, compare=False)
    _stations_by_id: Mapping[str, Station] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_places_by_id", {p.id: p for p in self.places})
        object.__setattr__(self, "_stations_by_id", {s.id: s for s in self.stations})

    def place(self, place_id: str) -> Place:
        return self._places_by_id[place_id]

    def station(self, station_id: str) -> Station:
        return self._stations_by_id[station_id]

    def has_place(self, place_id: str) -> bool:
        return place_id in self._places_by_id


@dataclass(frozen=True, slots=True)
class Fleet:
    vehicles: tuple[Vehicle, ...]

    def vehicle(self, vehicle_id: str) -> Vehicle:
        for vehicle in self.vehicles:
            if vehicle.id == vehicle_id:
                return vehicle
        raise KeyError(vehicle_id)
