"""Team Orienteering Problem instances (Chao, Golden & Wasil 1996): m paths from the first point to the last.

The engine sees integer arc costs ``ceil(euclid · 10 000)`` and a budget ``floor(tmax · 10 000)``: costs are
rounded up and the budget down, so every path the engine accepts also fits ``tmax`` in double precision. The
evaluator works in double precision, as the literature does; the value is the total score collected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from numbers import Integral
from pathlib import Path

import numpy as np

from routing.benchmarks import Evaluation
from routing.model import EngineProblem, EngineVehicle, IntMatrix, Profile, VisitGroup

SCALE = 10_000
"""Integer arc-cost units per instance unit of length."""

TOLERANCE = 1e-6
"""Slack on ``tmax`` when checking a path length in double precision."""


@dataclass(frozen=True, slots=True)
class TopInstance:
    """A TOP instance as read: ``n`` points, the first the start and the last the end of every path."""

    name: str
    n: int
    m: int
    tmax: float
    points: tuple[tuple[float, float], ...]
    scores: tuple[int, ...]

    @property
    def customers(self) -> range:
        """The point indices that may be visited: 1 .. n-2."""
        return range(1, self.n - 1)

    def distance(self, i: int, j: int) -> float:
        """Euclidean distance between points ``i`` and ``j``, in double precision."""
        (xi, yi), (xj, yj) = self.points[i], self.points[j]
        return math.hypot(xi - xj, yi - yj)


def read_top(path: Path | str) -> TopInstance:
    """Parse ``n N``, ``m M``, ``tmax T`` and N lines ``x y score``; the name is the file name without ``.txt``."""
    path = Path(path)
    lines = [line.split() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    header: dict[str, str] = {}
    for tokens in lines[:3]:
        if len(tokens) != 2:
            raise ValueError(f"{path}: expected the header lines 'n N', 'm M' and 'tmax T'")
        header[tokens[0].lower()] = tokens[1]
    try:
        n, m, tmax = int(header["n"]), int(header["m"]), float(header["tmax"])
    except (KeyError, ValueError):
        raise ValueError(f"{path}: expected the header lines 'n N', 'm M' and 'tmax T'") from None
    rows = lines[3:]
    if n < 2 or len(rows) != n or any(len(row) != 3 for row in rows):
        raise ValueError(f"{path}: expected {n} point lines 'x y score' (at least 2), found {len(rows)}")
    scores: list[int] = []
    for row in rows:
        score = float(row[2])
        if not score.is_integer() or score < 0:
            raise ValueError(f"{path}: scores must be whole numbers ≥ 0, got {row[2]!r}")
        scores.append(int(score))
    name = path.name.removesuffix(".txt")
    points = tuple((float(row[0]), float(row[1])) for row in rows)
    return TopInstance(name=name, n=n, m=m, tmax=tmax, points=points, scores=tuple(scores))


def cost_matrix(inst: TopInstance) -> IntMatrix:
    """Arc costs ``ceil(euclid · SCALE)``: an upper bound of each arc, so integer-feasible paths fit in floats."""
    matrix = np.zeros((inst.n, inst.n), dtype=np.int64)
    for i in range(inst.n):
        for j in range(inst.n):
            if i != j:
                matrix[i, j] = math.ceil(inst.distance(i, j) * SCALE)
    return matrix


def budget(inst: TopInstance) -> int:
    """The path budget in cost units, ``floor(tmax · SCALE)`` (a hair of slack absorbs the decimal-to-float error)."""
    return math.floor(inst.tmax * SCALE + 1e-6)


def to_engine(inst: TopInstance) -> EngineProblem:
    """The engine's view: m vehicles from node 0 to node n-1, each customer optional with a dominating prize.

    A prize is ``score × M`` with ``M = m · budget + 1``, more than all the arc costs a solution can have, so the
    engine never gives up one point of score to save distance; among equal scores it prefers shorter paths.
    """
    matrix = cost_matrix(inst)
    limit = budget(inst)
    weight = inst.m * limit + 1
    vehicle = EngineVehicle(start=0, end=inst.n - 1, max_cost=limit)
    return EngineProblem(
        n_nodes=inst.n,
        profiles=(Profile(cost=matrix, travel=matrix, service=(0,) * inst.n),),
        vehicles=(vehicle,) * inst.m,
        groups=tuple(VisitGroup((i,), inst.scores[i] * weight) for i in inst.customers),
        horizon=max(limit, 1),
    )


def evaluate(inst: TopInstance, routes: Sequence[Sequence[int]]) -> Evaluation:
    """Check paths (customer point indices, start and end left out) in double precision; value = total score."""
    errors: list[str] = []
    used = [list(route) for route in routes if len(route) > 0]
    if len(used) > inst.m:
        errors.append(f"{len(used)} paths but only {inst.m} vehicles")
    seen: dict[int, int] = {}
    score = 0
    for r, route in enumerate(used):
        bad = [c for c in route if not (isinstance(c, Integral) and 1 <= c <= inst.n - 2)]
        if bad:
            errors.append(f"path {r}: {bad} are not customer points 1..{inst.n - 2}")
            continue
        stops = [0, *(int(c) for c in route), inst.n - 1]
        length = sum(inst.distance(a, b) for a, b in pairwise(stops))
        if length > inst.tmax + TOLERANCE:
            errors.append(f"path {r}: length {length:.6f} exceeds tmax {inst.tmax:g}")
        for customer in stops[1:-1]:
            if customer in seen:
                errors.append(f"customer {customer} visited twice (paths {seen[customer]} and {r})")
            else:
                score += inst.scores[customer]
            seen[customer] = r
    return Evaluation(feasible=not errors, value=float(score), errors=tuple(errors))
