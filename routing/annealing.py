"""What the three array searches (``vrptw_ls``, ``week_ls``, ``benchmarks/pvrp_ls``) share: the knobs of SISR ruin
and recreate (Christiaens & Vanden Berghe 2020) under simulated annealing, the cooling in time, and the seed of
each compiled batch of steps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Annealing:
    mean_removed: int = 10
    """Visits a ruin removes on average (SISR's c̄)."""
    max_string: int = 10
    """Longest string removed from one route (SISR's L_max)."""
    blink: float = 0.01
    """Probability that the recreate skips a position it would have checked."""
    first_temperature: float = 1.0
    last_temperature: float = 0.01
    """Temperatures at the start and the end, in mean arc costs of the starting solution; the temperature falls
    geometrically with the time used."""
    batch: int = 100
    """Steps per compiled call: the time limit is checked between calls."""

    def temperature(self, mean_arc: float, elapsed: float, limit: float) -> float:
        first, last = self.first_temperature * mean_arc, self.last_temperature * mean_arc
        if first <= 0 or limit <= 0:
            return 0.0
        return float(first * (last / first) ** (elapsed / limit))


def mean_arc(total_cost: float, visits: npt.NDArray[np.int64]) -> float:
    """The mean arc cost of routes with ``visits`` visits each: a used route has one arc more than visits."""
    arcs = int(np.count_nonzero(visits)) + int(visits.sum())
    return total_cost / max(1, arcs)


def batch_seed(seed: int, batch: int) -> int:
    """The random seed of one compiled batch: every batch and every worker's chain draws its own stream."""
    return (seed * 1_000_003 + batch) % 2**31
