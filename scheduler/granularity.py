"""What a place is in a plan: a whole first-level unit served at its centre town, or each settlement on its own.

The bundled network holds both: the 77 units with their full population, and the settlements (towns and villages
with a known population) inside them. At ``SETTLEMENT`` grain a unit's place keeps only the population its listed
settlements do not cover, still at the centre town, so every citizen is counted once. At ``UNIT`` grain the
settlements are left out and a unit is one place, as in the first versions of Səfər.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from scheduler.domain import Network, Place


class Granularity(StrEnum):
    UNIT = "unit"
    SETTLEMENT = "settlement"


DEFAULT_GRANULARITY = Granularity.SETTLEMENT


@dataclass(frozen=True, slots=True)
class UnitCoverage:
    """How much of a unit's population its listed settlements hold; the rest stays at the unit's centre town."""

    unit_id: str
    population: int | None
    settlements: int
    settlement_population: int

    @property
    def covered_share(self) -> float | None:
        if not self.population:
            return None
        return min(1.0, self.settlement_population / self.population)


def coverage(network: Network) -> tuple[UnitCoverage, ...]:
    """Per unit of ``network`` (as loaded, both grains), its settlements and the population they hold."""
    counts: dict[str, list[int]] = {}
    for place in network.places:
        if place.unit_id is not None:
            entry = counts.setdefault(place.unit_id, [0, 0])
            entry[0] += 1
            entry[1] += place.population or 0
    return tuple(
        UnitCoverage(p.id, p.population, *counts.get(p.id, [0, 0])) for p in network.places if p.unit_id is None
    )


def at_granularity(network: Network, granularity: Granularity | str) -> Network:
    """The network whose places are what a plan at ``granularity`` visits (see the module docstring)."""
    grain = Granularity(granularity)
    settlements = [p for p in network.places if p.unit_id is not None]
    if not settlements:
        return network
    if grain is Granularity.UNIT:
        places: tuple[Place, ...] = tuple(p for p in network.places if p.unit_id is None)
    else:
        held = {c.unit_id: c.settlement_population for c in coverage(network)}
        places = tuple(
            replace(p, population=max(0, p.population - held.get(p.id, 0)))
            if p.unit_id is None and p.population is not None
            else p
            for p in network.places
        )
    return replace(network, places=places)


def place_at(loaded: Network, grained: Network, place_id: str) -> str:
    """The place of ``grained`` that stands for ``place_id`` of ``loaded``: itself when ``grained`` has it, else (a
    settlement at unit grain) its unit; an id neither knows is returned as it is, for the validator to name."""
    if grained.has_place(place_id) or not loaded.has_place(place_id):
        return place_id
    unit = loaded.place(place_id).unit_id
    return unit if unit is not None and grained.has_place(unit) else place_id
