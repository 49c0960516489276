"""Solomon VRPTW instances with the DIMACS 2021 / PyVRP convention: every arc truncated to one decimal.

Arc distances are ``floor(10 · euclid) / 10`` and are also travel times. Everything is kept as integer tenths,
so the engine, the evaluator and the comparison solvers all see the same numbers; the value reported is the
total distance in the instance's own units (tenths / 10), comparable with ``bks.csv``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np

from routing.benchmarks import BKS, Evaluation, read_bks
from routing.model import EngineProblem, EngineVehicle, IntMatrix, Profile, VisitGroup

__all__ = ["BKS", "Evaluation", "SolomonInstance", "evaluate", "read_bks", "read_solomon", "tenths", "to_engine"]

SCALE = 10
"""Integer units per instance unit: distances, times and service are tenths."""


@dataclass(frozen=True, slots=True)
class SolomonInstance:
    """A Solomon instance as read; node 0 is the depot, nodes 1.. are the customers, in file order."""

    name: str
    vehicles: int
    capacity: int
    coords: tuple[tuple[float, float], ...]
    demand: tuple[int, ...]
    ready: tuple[int, ...]
    due: tuple[int, ...]
    service: tuple[int, ...]

    @property
    def n_customers(self) -> int:
        return len(self.coords) - 1


def read_solomon(path: Path | str) -> SolomonInstance:
    """Parse Solomon's text format: name line, ``VEHICLE`` block, ``CUSTOMER`` block whose first row is the depot."""
    path = Path(path)
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ValueError(f"{path}: empty file")
    name = lines[0]
    upper = [line.upper() for line in lines]
    try:
        vehicle_at = upper.index("VEHICLE")
        customer_at = upper.index("CUSTOMER")
        vehicles, capacity = (_int(token, path, "vehicle block") for token in lines[vehicle_at + 2].split()[:2])
    except (ValueError, IndexError):
        raise ValueError(f"{path}: expected a VEHICLE block with NUMBER CAPACITY and a CUSTOMER block") from None
    rows: list[list[str]] = []
    for line in lines[customer_at + 1 :]:
        tokens = line.split()
        if tokens and tokens[0].lstrip("-").replace(".", "", 1).isdigit():
            if len(tokens) < 7:
                raise ValueError(f"{path}: customer row {line!r} needs 7 fields")
            rows.append(tokens)
    ids = [_int(row[0], path, "CUST NO.") for row in rows]
    if not rows or ids != list(range(len(rows))):
        raise ValueError(f"{path}: customer numbers must run 0, 1, 2, ... with the depot as 0")
    return SolomonInstance(
        name=name,
        vehicles=vehicles,
        capacity=capacity,
        coords=tuple((float(row[1]), float(row[2])) for row in rows),
        demand=tuple(_int(row[3], path, "DEMAND") for row in rows),
        ready=tuple(_int(row[4], path, "READY TIME") for row in rows),
        due=tuple(_int(row[5], path, "DUE DATE") for row in rows),
        service=tuple(_int(row[6], path, "SERVICE TIME") for row in rows),
    )


def tenths(inst: SolomonInstance) -> IntMatrix:
    """Arc distances (= travel times) in integer tenths: ``floor(10 · euclid)``, exact for integer coordinates."""
    n = len(inst.coords)
    matrix = np.zeros((n, n), dtype=np.int64)
    for i in range(n):
        for j in range(n):
            if i != j:
                matrix[i, j] = _arc_tenths(inst, i, j)
    return matrix


def _arc_tenths(inst: SolomonInstance, i: int, j: int) -> int:
    (xi, yi), (xj, yj) = inst.coords[i], inst.coords[j]
    if all(v.is_integer() for v in (xi, yi, xj, yj)):  # floor(sqrt(100 · d²)) without any rounding error
        return math.isqrt((int(xi) - int(xj)) ** 2 * 100 + (int(yi) - int(yj)) ** 2 * 100)
    return math.floor(SCALE * math.hypot(xi - xj, yi - yj))


def to_engine(inst: SolomonInstance) -> EngineProblem:
    """The engine's view: identical vehicles from depot 0, one mandatory group per customer, tenths throughout."""
    matrix = tenths(inst)
    depot_ready, depot_due = inst.ready[0] * SCALE, inst.due[0] * SCALE
    vehicle = EngineVehicle(start=0, end=0, capacity=inst.capacity, earliest_start=depot_ready, latest_end=depot_due)
    customers = range(1, len(inst.coords))
    windows = ((), *(((inst.ready[i] * SCALE, inst.due[i] * SCALE),) for i in customers))
    return EngineProblem(
        n_nodes=len(inst.coords),
        profiles=(Profile(cost=matrix, travel=matrix, service=tuple(s * SCALE for s in inst.service)),),
        vehicles=(vehicle,) * inst.vehicles,
        groups=tuple(VisitGroup((i,), None) for i in customers),
        demand=inst.demand,
        windows=windows,
        horizon=depot_due,
    )


def evaluate(inst: SolomonInstance, routes: Sequence[Sequence[int]]) -> Evaluation:
    """Check routes (customer numbers, depot left out) against the instance alone; value in instance units.

    Recomputes trunc-1 distances itself: each customer exactly once, at most ``inst.vehicles`` non-empty
    routes, load within capacity, service starting by each due date, and every vehicle back by the depot's due.
    """
    errors: list[str] = []
    n = len(inst.coords)
    used = [list(route) for route in routes if len(route) > 0]  # ints of any kind (numpy too)
    if len(used) > inst.vehicles:
        errors.append(f"{len(used)} routes but only {inst.vehicles} vehicles")
    seen: dict[int, int] = {}
    total = 0
    for r, route in enumerate(used):
        bad = [c for c in route if not (isinstance(c, Integral) and 1 <= c < n)]
        if bad:
            errors.append(f"route {r}: {bad} are not customer numbers 1..{n - 1}")
            continue
        route = [int(c) for c in route]
        for customer in route:
            if customer in seen:
                errors.append(f"customer {customer} visited twice (routes {seen[customer]} and {r})")
            seen[customer] = r
        load = sum(inst.demand[c] for c in route)
        if load > inst.capacity:
            errors.append(f"route {r}: load {load} exceeds capacity {inst.capacity}")
        departure = inst.ready[0] * SCALE
        previous = 0
        for customer in route:
            travel = _arc_tenths(inst, previous, customer)
            total += travel
            start = max(inst.ready[customer] * SCALE, departure + travel)
            if start > inst.due[customer] * SCALE:
                errors.append(
                    f"route {r}: customer {customer} served at {start / SCALE:g}, after its due {inst.due[customer]}"
                )
            departure = start + inst.service[customer] * SCALE
            previous = customer
        back = _arc_tenths(inst, previous, 0)
        total += back
        if departure + back > inst.due[0] * SCALE:
            errors.append(
                f"route {r}: back at the depot at {(departure + back) / SCALE:g}, after its due {inst.due[0]}"
            )
    missing = [c for c in range(1, n) if c not in seen]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        errors.append(f"{len(missing)} customer(s) not visited: {shown}")
    return Evaluation(feasible=not errors, value=total / SCALE, errors=tuple(errors))


def _int(token: str, path: Path, field: str) -> int:
    value = float(token)
    if not value.is_integer():
        raise ValueError(f"{path}: {field} must be a whole number, got {token!r}")
    return int(value)
