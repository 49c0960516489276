"""First demand model: how many citizens would come to a mobile stop in a place this week.

Need grows with population and with the access deficit: the road time to the nearest open fixed ASAN centre.

Calibration (see README, "Demand model"): ASAN centres took about 61 million applications from a population of
about 10 million over ten years, i.e. about 0.6 applications per inhabitant and year, or 1.15 % of the population
a week. Where the nearest open centre is ``full_deficit_min`` or more away, half of that need
(``mobile_uptake``) waits for a mobile unit; nearer, the share falls linearly to zero at a centre in town.
With the bundled data this gives about twice the weekly capacity of the fleet, so the optimizer must choose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scheduler.domain import CentreKind, CentreStatus, Network, VehicleKind
from scheduler.ports import UNREACHABLE, TravelModel


@dataclass(frozen=True, slots=True)
class DemandParams:
    applications_per_person_week: float = 0.6 / 52
    mobile_uptake: float = 0.5
    full_deficit_min: int = 120


@dataclass(frozen=True, slots=True)
class Demand:
    """Expected citizens a week at a mobile stop in ``place_id``, and why."""

    place_id: str
    weekly_citizens: int
    access_min: int | None
    """Road minutes to the nearest open ASAN centre; None when no open centre is reachable by road."""
    deficit: float


def estimate_demand(network: Network, travel: TravelModel, params: DemandParams | None = None) -> tuple[Demand, ...]:
    """Demand for every place with a known population, largest first."""
    params = params or DemandParams()
    place_ids = tuple(p.id for p in network.places)
    matrix = travel.matrix(VehicleKind.BUS, place_ids)
    centre_columns = sorted(
        {
            matrix.index(c.place_id)
            for c in network.centres
            if c.kind is CentreKind.ASAN and c.status is CentreStatus.OPEN
        }
    )
    demands = []
    for row, place in enumerate(network.places):
        if not place.population:
            continue
        times = [int(matrix.duration_min[row, col]) for col in centre_columns]
        reachable = [t for t in times if t != UNREACHABLE]
        access = min(reachable) if reachable else None
        deficit = 1.0 if access is None else min(1.0, access / params.full_deficit_min)
        weekly = place.population * params.applications_per_person_week * params.mobile_uptake * deficit
        demands.append(Demand(place.id, math.floor(weekly), access, round(deficit, 3)))
    return tuple(sorted((d for d in demands if d.weekly_citizens > 0), key=lambda d: -d.weekly_citizens))
