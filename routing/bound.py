"""A proven upper bound on a week's value (``scheduler.objective.plan_value``): a linear relaxation solved by GLOP.

Every feasible week maps to a point of this LP whose LP objective is at least the week's value, so the LP optimum
bounds every plan from above. Per vehicle, service date and candidate it may serve that day, a share in [0, 1] of
the candidate: each candidate served at most once (a locked one exactly once), each vehicle-day's service minutes
within its window. Driving and lodging are charged by a unit flow per vehicle through its days: on each day it
serves, the flow passes the site it serves first, and pays the metres between those sites (shortest over legal
legs, so never more than the real drive) plus ``Rules.lodging_m`` for a night away, or the trip via the depot when
that is cheaper. A site served later in a day costs no metres here, but at least one drive into it (minutes) inside
the window, from a site near enough. ``docs/model.md`` ("The bound and the reference") has the derivation.

The bound reported is not GLOP's objective but a Lagrangian bound from GLOP's duals: every variable is boxed, so
any multipliers give a valid upper bound, and the proof does not rest on the solver's tolerances.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import linear_solver_pb2, pywraplp

from scheduler.domain import Vehicle, VehicleKind
from scheduler.objective import prize
from scheduler.ports import UNREACHABLE
from scheduler.problem import Problem

FloatMatrix = npt.NDArray[np.float64]
INF = math.inf


class BoundError(RuntimeError):
    """GLOP did not solve the relaxation (it should not happen: the LP is bounded and all-zero is feasible)."""


@dataclass(frozen=True, slots=True)
class Bound:
    value: int
    """No feasible week is worth more (metres): the Lagrangian bound from GLOP's duals, rounded up."""
    lp_value: float
    """GLOP's optimum of the relaxation (the certificate above agrees with it up to the solver's tolerance)."""
    variables: int
    constraints: int
    seconds: float


@dataclass(slots=True)
class _Lp:
    """A maximisation LP as sparse rows, handed to GLOP as one proto (the Python-object API is ten times slower)."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    gain: list[float] = field(default_factory=list)
    rows: list[tuple[float, float, list[int], list[float]]] = field(default_factory=list)

    def var(self, upper: float = 1.0, gain: float = 0.0) -> int:
        self.lower.append(0.0)
        self.upper.append(upper)
        self.gain.append(gain)
        return len(self.gain) - 1

    def row(self, lower: float, upper: float, terms: Sequence[tuple[int, float]]) -> None:
        merged: dict[int, float] = {}
        for var, coefficient in terms:
            merged[var] = merged.get(var, 0.0) + coefficient
        self.rows.append((lower, upper, list(merged), list(merged.values())))

    def solve(self) -> tuple[float, float]:
        """GLOP's optimum and the Lagrangian bound from its duals."""
        model = linear_solver_pb2.MPModelProto(maximize=True)
        for lo, up, gain in zip(self.lower, self.upper, self.gain, strict=True):
            model.variable.add(lower_bound=lo, upper_bound=up, objective_coefficient=gain)
        for lo, up, indices, coefficients in self.rows:
            model.constraint.add(lower_bound=lo, upper_bound=up, var_index=indices, coefficient=coefficients)
        request = linear_solver_pb2.MPModelRequest(
            model=model, solver_type=linear_solver_pb2.MPModelRequest.GLOP_LINEAR_PROGRAMMING
        )
        response = linear_solver_pb2.MPSolutionResponse()
        pywraplp.Solver.SolveWithProto(request, response)
        if response.status != linear_solver_pb2.MPSOLVER_OPTIMAL:
            raise BoundError(f"GLOP ended with status {response.status}: {response.status_str}")
        duals = np.asarray(response.dual_value, dtype=np.float64)
        certificate = min(self.lagrangian(duals), self.lagrangian(-duals))
        return float(response.objective_value), certificate

    def lagrangian(self, multipliers: npt.NDArray[np.float64]) -> float:
        """max over the variables' boxes of gain·x − y·(Ax) + max over each row's range of y·(Ax): for any y
        (signed as the row's finite sides allow) at least the LP optimum, hence at least any plan's value."""
        reduced = np.asarray(self.gain, dtype=np.float64).copy()
        total = 0.0
        for (lo, up, indices, coefficients), y in zip(self.rows, multipliers, strict=True):
            if (y > 0 and up == INF) or (y < 0 and lo == -INF):
                y = 0.0  # a side the row does not bound takes no multiplier
            if y == 0.0:
                continue
            total += y * (up if y > 0 else lo)
            reduced[indices] -= y * np.asarray(coefficients)
        upper = np.asarray(self.upper, dtype=np.float64)
        lower = np.asarray(self.lower, dtype=np.float64)
        return total + float(np.sum(np.maximum(reduced * upper, reduced * lower)))


def legal_closure(problem: Problem, kind: VehicleKind) -> tuple[FloatMatrix, FloatMatrix]:
    """Shortest metres and shortest minutes between sites over legs a vehicle of ``kind`` may drive (reachable;
    for a bus at most ``Rules.max_bus_leg_min``): any legal walk between two sites is at least this long. Inf: none."""
    matrix = problem.matrix(kind)
    legal = (matrix.duration_min != UNREACHABLE) & (matrix.distance_m != UNREACHABLE)
    if kind is VehicleKind.BUS:
        legal &= matrix.duration_min <= problem.rules.max_bus_leg_min
    out = []
    for values in (matrix.distance_m, matrix.duration_min):
        closure = np.where(legal, values.astype(np.float64), INF)
        np.fill_diagonal(closure, 0.0)
        for k in range(len(closure)):
            closure = np.minimum(closure, closure[:, k : k + 1] + closure[k : k + 1, :])
        out.append(closure)
    return out[0], out[1]


def upper_bound(problem: Problem) -> Bound:
    """At least the value of any feasible week (metres), with the LP behind it."""
    started = time.monotonic()
    lp = _Lp()
    # Candidates alike in everything the LP sees (sites, vehicles, dates, size, weight) share their variables.
    classes: dict[tuple[object, ...], list[int]] = {}
    for c, candidate in enumerate(problem.candidates):
        key = (
            candidate.bus_site_id,
            candidate.train_site_id,
            candidate.vehicle_ids,
            candidate.dates,
            candidate.expected_citizens,
            candidate.weight,
            candidate.servings,
            candidate.id if candidate.locked else None,
        )
        classes.setdefault(key, []).append(c)
    shares: dict[int, list[int]] = {}  # class (its first candidate) -> its variables
    closures = {kind: legal_closure(problem, kind) for kind in VehicleKind}
    for vehicle in problem.vehicles:
        _vehicle(problem, lp, vehicle, closures[vehicle.kind], list(classes.values()), shares)
    for members in classes.values():
        first = problem.candidates[members[0]]
        if first.locked and members[0] not in shares:
            raise BoundError(f"locked {first.id} cannot be served at all")
        lp.row(len(members) if first.locked else 0.0, len(members), [(x, 1.0) for x in shares.get(members[0], [])])
    lp_value, certificate = lp.solve()
    value = math.ceil(certificate + 1e-9 * abs(certificate) + 1.0)  # + float rounding of the sum above
    return Bound(value, lp_value, len(lp.gain), len(lp.rows), round(time.monotonic() - started, 2))


def _vehicle(
    problem: Problem,
    lp: _Lp,
    vehicle: Vehicle,
    closure: tuple[FloatMatrix, FloatMatrix],
    classes: list[list[int]],
    shares: dict[int, list[int]],
) -> None:
    """One vehicle's shares of candidates per day, its day windows, and its flow through the week."""
    distance, minutes_between = closure
    matrix = problem.matrix(vehicle.kind)
    depot = matrix.index(problem.depot_site(vehicle.id))
    window = vehicle.service_end_min - vehicle.service_start_min
    lodging = float(problem.rules.lodging_m)
    days = len(problem.service_dates)
    # at[i][site]: (share variable, service minutes, class size) of what the vehicle may serve there on day i
    at: list[dict[int, list[tuple[int, int, int]]]] = [{} for _ in range(days)]
    for members in classes:
        candidate = problem.candidates[members[0]]
        site_id = candidate.site_id(vehicle.kind)
        if vehicle.id not in candidate.vehicle_ids or site_id is None or site_id not in matrix.site_ids:
            continue
        s = matrix.index(site_id)
        service = problem.service_min(vehicle, candidate.expected_citizens)
        if service > window or not (distance[depot, s] < INF and distance[s, depot] < INF):
            continue
        for i, day in enumerate(problem.service_dates):
            if (candidate.dates and day not in candidate.dates) or day in vehicle.maintenance_dates:
                continue
            x = lp.var(len(members), float(prize(candidate, vehicle.id)))
            shares.setdefault(members[0], []).append(x)
            at[i].setdefault(s, []).append((x, service, len(members)))
    if not any(at):
        return
    # Flow nodes: ("home", k) at the depot before day k (("home", days) ends the week); (i, s): s is the first site
    # served on day i; ("away", k): away from the depot (position unknown) on day k, which has no service.
    inflow: dict[object, list[int]] = {}
    outflow: dict[object, list[int]] = {}

    def arc(tail: object, head: object, metres: float) -> None:
        f = lp.var(1.0, -metres)
        outflow.setdefault(tail, []).append(f)
        inflow.setdefault(head, []).append(f)

    for k in range(days):
        arc(("home", k), ("home", k + 1), 0.0)
    for i in range(days):
        for s in at[i]:
            arc(("home", i), (i, s), float(distance[depot, s]))
            arc((i, s), ("home", i + 1), float(distance[s, depot]))
            for t in at[i + 1] if i + 1 < days else ():
                away = float(distance[s, t]) + lodging  # the night away, where the trip via the depot costs more
                if away < distance[s, depot] + distance[depot, t]:
                    arc((i, s), (i + 1, t), away)
            if i + 2 < days:
                arc((i, s), ("away", i + 1), lodging)
    for k in range(1, days - 1):
        if k + 2 < days:
            arc(("away", k), ("away", k + 1), lodging)
        for t in at[k + 1]:
            arc(("away", k), (k + 1, t), lodging)
    lp.row(0.0, 1.0, [(f, 1.0) for f in outflow[("home", 0)]])
    for node in (inflow.keys() | outflow.keys()) - {("home", 0), ("home", days)}:
        lp.row(0.0, 0.0, [(f, 1.0) for f in inflow[node]] + [(f, -1.0) for f in outflow.get(node, [])])
    _days(at, inflow, lp, window, minutes_between)


def _days(
    at: list[dict[int, list[tuple[int, int, int]]]],
    inflow: dict[object, list[int]],
    lp: _Lp,
    window: int,
    minutes_between: FloatMatrix,
) -> None:
    """Service fits each day's window; a site is served first that day (the flow) or later, after a drive."""
    shortest = {s: min(service for day in at for _, service, _ in day.get(s, [])) for day in at for s in day}
    for i, sites in enumerate(at):
        firsts = {s: inflow.get((i, s), []) for s in sites}
        day_terms = [(f, -float(window)) for fs in firsts.values() for f in fs]
        for s, entries in sites.items():
            # Served later in the day: driven to from another site s1 served earlier that day, all in the window.
            sources = [s1 for s1 in sites if s1 != s and shortest[s1] + minutes_between[s1, s] + shortest[s] <= window]
            drive_in = min((minutes_between[s1, s] for s1 in sources), default=INF)
            room = window - drive_in - min((shortest[s1] for s1 in sources), default=INF)
            terms_first = [(f, -float(window)) for f in firsts[s]]
            if sources and room > 0:
                later = lp.var(1.0)
                day_terms.append((later, float(drive_in)))
                lp.row(-INF, 0.0, [(later, 1.0)] + [(f, -1.0) for s1 in sources for f in firsts[s1]])
                site_terms = [*terms_first, (later, -float(room))]
            else:
                later = None
                site_terms = terms_first
            lp.row(-INF, 0.0, site_terms + [(x, float(service)) for x, service, _ in entries])
            # a site served first or later that day serves at least one of its candidates
            served_here = [(x, -1.0) for x, _, _ in entries] + [(f, 1.0) for f in firsts[s]]
            lp.row(-INF, 0.0, served_here if later is None else [*served_here, (later, 1.0)])
            for x, service, size in entries:
                day_terms.append((x, float(service)))
                link = [(x, 1.0)] + [(f, -float(size)) for f in firsts[s]]
                lp.row(-INF, 0.0, link if later is None else [*link, (later, -float(size))])
        lp.row(-INF, 0.0, day_terms)
