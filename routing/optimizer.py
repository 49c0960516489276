"""The OR-Tools weekly model: the only module that imports ``ortools``.

Nodes are one depot per vehicle followed by the candidate visits. Every vehicle kind and service rate (a
"profile") gets integer matrices registered once in C++: metres for the arc cost, and service plus travel minutes
for a time dimension running over the whole week, so a vehicle may serve on several days and sleep away from its
depot. Visits are optional (a disjunction whose penalty is the citizens they would serve).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import pairwise

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from scheduler.domain import Vehicle, VehicleKind
from scheduler.ports import UNREACHABLE, ProgressCallback
from scheduler.problem import NoSolution, Problem, Solution, Visit

Profile = tuple[VehicleKind, int, int, int]
"""(kind, service start, service end, capacity): vehicles with equal profiles share matrices."""


def _profile(vehicle: Vehicle) -> Profile:
    return (
        vehicle.kind,
        vehicle.service_start_min,
        vehicle.service_end_min,
        vehicle.capacity_citizens_per_day,
    )


@dataclass(frozen=True, slots=True)
class _Model:
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    nodes: list[_Node]


class RoutingOptimizer:
    """Solves a ``Problem`` with OR-Tools: cheapest insertion, then guided local search until the time limit."""

    def solve(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        progress: ProgressCallback | None = None,
    ) -> Solution:
        started = time.monotonic()
        model = _build(problem)
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
        if progress is not None:
            report = progress

            def on_solution() -> None:
                elapsed = time.monotonic() - started
                report(min(1.0, elapsed / max(time_limit_s, 1e-9)), float(model.routing.CostVar().Value()))

            model.routing.AddAtSolutionCallback(on_solution)
        assignment = model.routing.SolveWithParameters(params)
        if assignment is None:
            raise NoSolution(f"no feasible week found in {time_limit_s:g} s")
        solution = _decode(problem, model, assignment, time.monotonic() - started)
        if progress is not None:
            progress(1.0, float(solution.objective))
        return solution


@dataclass(frozen=True, slots=True)
class _Node:
    """A routing node: a vehicle's depot, or one candidate visit as served by one vehicle profile."""

    site_by_kind: dict[VehicleKind, str | None]
    candidate: int | None = None
    profile: Profile | None = None


def _nodes(problem: Problem) -> list[_Node]:
    """Depots first; then, per candidate, one node per profile allowed to serve it.

    A candidate served by a bus or by the train becomes two nodes in one disjunction, so each keeps the service
    duration and start window of its own vehicle kind.
    """
    nodes = [
        _Node({kind: site if v.kind is kind else None for kind in VehicleKind})
        for v, site in zip(problem.vehicles, problem.depot_site_ids, strict=True)
    ]
    for c, candidate in enumerate(problem.candidates):
        profiles = {_profile(problem.vehicle(vid)) for vid in candidate.vehicle_ids}
        for profile in sorted(profiles):
            kind = profile[0]
            nodes.append(_Node({kind: candidate.site_id(kind)}, c, profile))
    return nodes


def _matrices(
    problem: Problem, nodes: list[_Node], vehicle: Vehicle, infeasible: int
) -> tuple[list[list[int]], list[list[int]]]:
    """Arc cost (metres) and transit (service at the origin + travel minutes) for one profile."""
    kind, profile = vehicle.kind, _profile(vehicle)
    matrix = problem.matrix(kind)
    rows: list[int | None] = []
    service: list[int] = []
    for node in nodes:
        site = node.site_by_kind.get(kind)
        own = node.profile is None or node.profile == profile
        rows.append(matrix.index(site) if site is not None and own else None)
        citizens = problem.candidates[node.candidate].expected_citizens if node.candidate is not None else 0
        service.append(problem.service_min(vehicle, citizens))
    max_leg = problem.rules.max_bus_leg_min if kind is VehicleKind.BUS else None
    n = len(nodes)
    cost = [[0] * n for _ in range(n)]
    transit = [[0] * n for _ in range(n)]
    for i in range(n):
        ri = rows[i]
        for j in range(n):
            rj = rows[j]
            if i == j:
                continue
            if ri is None or rj is None:
                transit[i][j] = infeasible
                continue
            minutes = int(matrix.duration_min[ri, rj])
            if minutes == UNREACHABLE or (max_leg is not None and minutes > max_leg):
                transit[i][j] = infeasible
                continue
            cost[i][j] = int(matrix.distance_m[ri, rj])
            transit[i][j] = service[i] + minutes
    return cost, transit


def _build(problem: Problem) -> _Model:
    nodes = _nodes(problem)
    n_vehicles = len(problem.vehicles)
    depots = list(range(n_vehicles))
    manager = pywrapcp.RoutingIndexManager(len(nodes), n_vehicles, depots, depots)
    routing = pywrapcp.RoutingModel(manager)
    earliest, latest = problem.week_bounds()
    horizon = latest + 1
    infeasible = 10 * horizon

    cost_cb: dict[Profile, int] = {}
    time_cb: dict[Profile, int] = {}
    for vehicle in problem.vehicles:
        key = _profile(vehicle)
        if key not in cost_cb:
            cost, transit = _matrices(problem, nodes, vehicle, infeasible)
            cost_cb[key] = routing.RegisterTransitMatrix(cost)
            time_cb[key] = routing.RegisterTransitMatrix(transit)
    for v, vehicle in enumerate(problem.vehicles):
        routing.SetArcCostEvaluatorOfVehicle(cost_cb[_profile(vehicle)], v)
    routing.AddDimensionWithVehicleTransits(
        [time_cb[_profile(vehicle)] for vehicle in problem.vehicles], horizon, horizon, False, "time"
    )
    time_dim = routing.GetDimensionOrDie("time")
    for v in range(n_vehicles):
        time_dim.CumulVar(routing.Start(v)).SetRange(earliest, latest)
        time_dim.CumulVar(routing.End(v)).SetRange(earliest, latest)
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(v)))

    vehicle_index = {v.id: i for i, v in enumerate(problem.vehicles)}
    by_candidate: dict[int, list[int]] = {}
    for node_id, node in enumerate(nodes):
        if node.candidate is None or node.profile is None:
            continue
        index = manager.NodeToIndex(node_id)
        candidate = problem.candidates[node.candidate]
        allowed = [vehicle_index[vid] for vid in candidate.vehicle_ids]
        allowed = [v for v in allowed if _profile(problem.vehicles[v]) == node.profile]
        windows = _start_windows(problem, candidate.expected_citizens, problem.vehicles[allowed[0]])
        if windows:
            routing.VehicleVar(index).SetValues([-1, *allowed])
            _restrict(time_dim.CumulVar(index), windows)
        else:
            routing.VehicleVar(index).SetValue(-1)
        by_candidate.setdefault(node.candidate, []).append(index)
    for c, indices in by_candidate.items():
        routing.AddDisjunction(indices, problem.candidates[c].expected_citizens * problem.rules.citizen_value_m, 1)
    return _Model(manager, routing, time_dim, nodes)


def _start_windows(problem: Problem, citizens: int, vehicle: Vehicle) -> list[tuple[int, int]]:
    """Start intervals (minute of week) in which the service fits the vehicle's hours on a service day."""
    opens = vehicle.service_start_min
    closes = vehicle.service_end_min - problem.service_min(vehicle, citizens)
    days = [problem.day_start_min(day) for day in problem.service_dates]
    return [(base + opens, base + closes) for base in days if closes >= opens]


def _restrict(cumul: pywrapcp.IntVar, windows: list[tuple[int, int]]) -> None:
    cumul.SetRange(windows[0][0], windows[-1][1])
    for (_, prev_hi), (next_lo, _) in pairwise(windows):
        cumul.RemoveInterval(prev_hi + 1, next_lo - 1)


def _decode(problem: Problem, model: _Model, assignment: pywrapcp.Assignment, seconds: float) -> Solution:
    routes = []
    for v, vehicle in enumerate(problem.vehicles):
        visits = []
        index = model.routing.Start(v)
        while not model.routing.IsEnd(index):
            node = model.nodes[model.manager.IndexToNode(index)]
            if node.candidate is not None:
                candidate = problem.candidates[node.candidate]
                visits.append(Visit(candidate.id, int(assignment.Min(model.time.CumulVar(index)))))
            index = assignment.Value(model.routing.NextVar(index))
        routes.append((vehicle.id, tuple(visits)))
    return Solution(tuple(routes), int(assignment.ObjectiveValue()), round(seconds, 3))
