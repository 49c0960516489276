"""Ports the core owns: what it needs from the outside world, as Protocols adapters implement.

The core never imports an adapter; ``routing`` implements these with road and rail graphs and OR-Tools.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from scheduler.domain import VehicleKind

UNREACHABLE = -1
"""Matrix entry for a pair of sites with no path for that vehicle kind (e.g. mainland to Naxçıvan by road)."""

LatLon = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Site:
    """Where a vehicle of one kind can stop: a place centre for buses, a station for the train.

    ``id`` is the place id for road sites and the station id for rail sites; ``place_id`` names whose citizens a
    stop there serves.
    """

    id: str
    kind: VehicleKind
    place_id: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class TravelMatrix:
    """Integer travel figures between the sites of one vehicle kind, in the order of ``site_ids``."""

    kind: VehicleKind
    site_ids: tuple[str, ...]
    distance_m: npt.NDArray[np.int64]
    duration_min: npt.NDArray[np.int64]

    def index(self, site_id: str) -> int:
        return self.site_ids.index(site_id)


class TravelModel(Protocol):
    """Travel on the road graph (buses) and the rail graph (the train)."""

    def sites(self, kind: VehicleKind) -> tuple[Site, ...]:
        """Every site a vehicle of this kind may stop at."""
        ...

    def matrix(self, kind: VehicleKind, site_ids: Sequence[str]) -> TravelMatrix:
        """Shortest-path distance and duration between every ordered pair; ``UNREACHABLE`` where no path exists."""
        ...

    def path(self, kind: VehicleKind, origin: str, destination: str) -> tuple[LatLon, ...]:
        """The polyline of the shortest path (road or rail), origin and destination included."""
        ...


ProgressCallback = Callable[[float, float | None], None]
"""Called during a solve with (fraction of the time budget used, best objective so far or None)."""
