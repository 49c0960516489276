"""Periodic VRP instances (Cordeau, Gendreau & Laporte 1997): each customer is served on the days of one of its
allowed visit-day combinations, by at most ``m`` routes a day, each within capacity and route duration.

The reader and the evaluator (double precision, as the literature does); the benchmark's solver is
``routing.benchmarks.pvrp_solver``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from numbers import Integral
from pathlib import Path

import numpy as np
import numpy.typing as npt

from routing.benchmarks import Evaluation

SCALE = 10_000
"""Integer units per instance unit in the engine: costs rounded, travel and service rounded up, duration down."""

TOLERANCE = 1e-6
"""Slack on the route duration limit when checking in double precision."""

Plan = list[tuple[int, list[int]]]
"""Routes as (day, customers): days 1..t as in the file, customers in visiting order, the depot left out."""

FloatMatrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PvrpInstance:
    """A PVRP instance as read; node 0 is the depot, nodes 1..n the customers, combinations as day tuples."""

    name: str
    m: int
    t: int
    max_duration: tuple[float, ...]
    """Per day; 0 means no limit."""
    capacity: tuple[int, ...]
    """Per day."""
    coords: tuple[tuple[float, float], ...]
    service: tuple[float, ...]
    demand: tuple[int, ...]
    frequency: tuple[int, ...]
    combinations: tuple[tuple[tuple[int, ...], ...], ...]
    """Per node, the allowed visit-day combinations, each the sorted days 1..t it visits."""

    @property
    def n_customers(self) -> int:
        return len(self.coords) - 1

    def distance(self, i: int, j: int) -> float:
        """Euclidean distance between nodes ``i`` and ``j``, in double precision."""
        (xi, yi), (xj, yj) = self.coords[i], self.coords[j]
        return math.hypot(xi - xj, yi - yj)


def read_pvrp(path: Path | str) -> PvrpInstance:
    """Parse Cordeau's format: ``type m n t``, t lines ``D Q``, n+1 lines ``i x y d q f a combinations...``."""
    path = Path(path)
    lines = [(no, line.split()) for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)]
    lines = [(no, tokens) for no, tokens in lines if tokens]
    if not lines:
        raise ValueError(f"{path}: empty file")
    no, head = lines[0]
    if len(head) < 4:
        raise ValueError(f"{path}:{no}: expected 'type m n t'")
    kind, m, n, t = (_whole(token, path, no, "type m n t") for token in head[:4])
    if kind != 1:
        raise ValueError(f"{path}:{no}: type {kind} is not a periodic VRP (type 1)")
    if m < 1 or n < 1 or not 1 <= t <= 60:
        raise ValueError(f"{path}:{no}: need m ≥ 1, n ≥ 1 and 1 ≤ t ≤ 60, got m={m} n={n} t={t}")
    if len(lines) < 1 + t + n + 1:
        raise ValueError(f"{path}: expected {t} 'D Q' lines and {n + 1} node lines, found {len(lines) - 1} lines")
    durations: list[float] = []
    capacities: list[int] = []
    for no, tokens in lines[1 : 1 + t]:
        if len(tokens) != 2:
            raise ValueError(f"{path}:{no}: expected 'D Q'")
        durations.append(_number(tokens[0], path, no, "D"))
        capacities.append(_whole(tokens[1], path, no, "Q"))
        if durations[-1] < 0 or capacities[-1] < 1:
            raise ValueError(f"{path}:{no}: need D ≥ 0 and Q ≥ 1")
    coords: list[tuple[float, float]] = []
    service: list[float] = []
    demand: list[int] = []
    frequency: list[int] = []
    combinations: list[tuple[tuple[int, ...], ...]] = []
    for i, (no, tokens) in enumerate(lines[1 + t : 1 + t + n + 1]):
        if len(tokens) < 7:
            raise ValueError(f"{path}:{no}: expected 'i x y d q f a combinations...'")
        if _whole(tokens[0], path, no, "i") != i:
            raise ValueError(f"{path}:{no}: node numbers must run 0, 1, 2, ... with the depot as 0")
        f, a = _whole(tokens[5], path, no, "f"), _whole(tokens[6], path, no, "a")
        if len(tokens) != 7 + a:
            raise ValueError(f"{path}:{no}: a={a} combinations announced, {len(tokens) - 7} given")
        if f < 0 or (i > 0 and f > 0 and a == 0):
            raise ValueError(f"{path}:{no}: customer {i} has frequency {f} and {a} combinations")
        masks = [_whole(token, path, no, "combination") for token in tokens[7:]]
        if any(not 1 <= mask < 2**t for mask in masks):
            raise ValueError(f"{path}:{no}: a combination is a {t}-bit mask between 1 and {2**t - 1}")
        x, y = _number(tokens[1], path, no, "x"), _number(tokens[2], path, no, "y")
        coords.append((x, y))
        service.append(_number(tokens[3], path, no, "d"))
        demand.append(_whole(tokens[4], path, no, "q"))
        frequency.append(f)
        days = {tuple(d for d in range(1, t + 1) if mask >> (t - d) & 1) for mask in masks}
        combinations.append(tuple(sorted(days)))
    return PvrpInstance(
        name=path.name,
        m=m,
        t=t,
        max_duration=tuple(durations),
        capacity=tuple(capacities),
        coords=tuple(coords),
        service=tuple(service),
        demand=tuple(demand),
        frequency=tuple(frequency),
        combinations=tuple(combinations),
    )


def evaluate(inst: PvrpInstance, routes: Sequence[tuple[int, Sequence[int]]]) -> Evaluation:
    """Check (day, customers) routes against the instance alone; value = total Euclidean distance.

    Every customer with f > 0 is visited on exactly the days of one of its combinations; one with f = 0 (p11
    customer 131 lists combinations anyway) either not at all or on one of them. p01 customer 51 (f = 1, at the
    depot, demand = Q) must be served too: its own route costs nothing. At most ``m`` non-empty routes a day,
    load within Q, and travel plus service within D when D > 0.
    """
    errors: list[str] = []
    n = len(inst.coords)
    per_day: dict[int, int] = {}
    days_of: dict[int, list[int]] = {}
    total = 0.0
    for r, (day, route) in enumerate(routes):
        if len(route) == 0:
            continue
        if not (isinstance(day, Integral) and 1 <= day <= inst.t):
            errors.append(f"route {r}: day {day} is not a day 1..{inst.t}")
            continue
        day = int(day)
        bad = [c for c in route if not (isinstance(c, Integral) and 1 <= c < n)]
        if bad:
            errors.append(f"route {r}: {bad} are not customer numbers 1..{n - 1}")
            continue
        stops = [int(c) for c in route]
        per_day[day] = per_day.get(day, 0) + 1
        for customer in stops:
            days_of.setdefault(customer, []).append(day)
        load = sum(inst.demand[c] for c in stops)
        if load > inst.capacity[day - 1]:
            errors.append(f"route {r} (day {day}): load {load} exceeds capacity {inst.capacity[day - 1]}")
        path = [0, *stops, 0]
        length = sum(inst.distance(a, b) for a, b in pairwise(path))
        total += length
        limit = inst.max_duration[day - 1]
        duration = length + sum(inst.service[c] for c in stops)
        if limit > 0 and duration > limit + TOLERANCE:
            errors.append(f"route {r} (day {day}): duration {duration:.6f} exceeds {limit:g}")
    for day, count in sorted(per_day.items()):
        if count > inst.m:
            errors.append(f"day {day}: {count} routes but only {inst.m} vehicles")
    missing = []
    for customer in range(1, n):
        visits = sorted(days_of.get(customer, []))
        twice = sorted({d for d in visits if visits.count(d) > 1})
        if twice:
            errors.append(f"customer {customer} visited twice on day(s) {twice}")
        elif not visits and inst.frequency[customer] > 0:
            missing.append(customer)
        elif visits and tuple(visits) not in inst.combinations[customer]:
            allowed = ", ".join(str(list(c)) for c in inst.combinations[customer]) or "none"
            errors.append(f"customer {customer} visited on days {visits}, not one of its combinations ({allowed})")
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        errors.append(f"{len(missing)} customer(s) not visited: {shown}")
    return Evaluation(feasible=not errors, value=total, errors=tuple(errors))


def _whole(token: str, path: Path, line: int, field: str) -> int:
    value = _number(token, path, line, field)
    if not value.is_integer():
        raise ValueError(f"{path}:{line}: {field} must be a whole number, got {token!r}")
    return int(value)


def _number(token: str, path: Path, line: int, field: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise ValueError(f"{path}:{line}: {field} must be a number, got {token!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{path}:{line}: {field} must be finite, got {token!r}")
    return value
