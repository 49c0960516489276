"""The weekly planner's adapter onto the routing engine: a ``Problem`` becomes an ``EngineProblem`` and back.

Nodes are one depot per vehicle, then the candidate visits: one node per candidate and vehicle profile allowed
to serve it, grouped so at most one is visited (a bus and the train keep their own service time and window).
Time runs in minutes from Monday 00:00 over the whole week, so a vehicle serves on several days and sleeps away
from its depot. A visit's prize is its citizens × ``Rules.citizen_value_m`` against an arc cost in metres.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from routing.engine import EngineProblem, EngineVehicle, Profile, SearchConfig, VisitGroup
from routing.search import SearchParams, solve
from scheduler.domain import Vehicle, VehicleKind
from scheduler.ports import UNREACHABLE, ProgressCallback
from scheduler.problem import NoSolution, Problem, Solution, Visit

ProfileKey = tuple[VehicleKind, int, int, int]
"""(kind, service start, service end, capacity): vehicles with equal keys share matrices."""


WEEK_PORTFOLIO = (
    SearchConfig(first_solution="PATH_CHEAPEST_ARC", gls_lambda=0.2),
    SearchConfig(first_solution="SAVINGS", gls_lambda=0.2),
)
"""Measured on the bundled week (7 s, one core): these two beat cheapest insertion by 5-7 % in objective."""


def _key(vehicle: Vehicle) -> ProfileKey:
    return (vehicle.kind, vehicle.service_start_min, vehicle.service_end_min, vehicle.capacity_citizens_per_day)


@dataclass(frozen=True, slots=True)
class _Node:
    """A routing node: a vehicle's depot, or one candidate visit as served by one vehicle profile."""

    site_by_kind: dict[VehicleKind, str | None]
    candidate: int | None = None
    profile: ProfileKey | None = None


class RoutingOptimizer:
    """Solves a weekly ``Problem`` with the engine's portfolio search (both cores, then recombination)."""

    def __init__(self, *, workers: int = 2, seed: int = 0) -> None:
        self.workers = workers
        self.seed = seed

    def solve(self, problem: Problem, *, time_limit_s: float, progress: ProgressCallback | None = None) -> Solution:
        started = time.monotonic()
        nodes = _nodes(problem)
        engine_problem = to_engine(problem, nodes)
        build_s = time.monotonic() - started

        def report(elapsed: float, objective: int) -> None:
            if progress is not None:
                progress(min(1.0, (build_s + elapsed) / time_limit_s), float(objective))

        params = SearchParams(
            time_limit_s=max(0.5, time_limit_s - build_s), workers=self.workers, seed=self.seed, configs=WEEK_PORTFOLIO
        )
        result = solve(engine_problem, params, progress=report)
        if result is None:
            raise NoSolution(f"no feasible week found in {time_limit_s:g} s")
        routes = []
        for v, vehicle in enumerate(problem.vehicles):
            visits = []
            for node, start in zip(result.routes[v], result.starts[v], strict=True):
                candidate = nodes[node].candidate
                assert candidate is not None, "a depot inside a route"
                visits.append(Visit(problem.candidates[candidate].id, start))
            routes.append((vehicle.id, tuple(visits)))
        return Solution(tuple(routes), result.objective, round(time.monotonic() - started, 3))


def _nodes(problem: Problem) -> list[_Node]:
    nodes = [
        _Node({kind: site if v.kind is kind else None for kind in VehicleKind})
        for v, site in zip(problem.vehicles, problem.depot_site_ids, strict=True)
    ]
    for c, candidate in enumerate(problem.candidates):
        for key in sorted({_key(problem.vehicle(vid)) for vid in candidate.vehicle_ids}):
            nodes.append(_Node({key[0]: candidate.site_id(key[0])}, c, key))
    return nodes


def to_engine(problem: Problem, nodes: list[_Node]) -> EngineProblem:
    earliest, latest = problem.week_bounds()
    keys: list[ProfileKey] = []
    for vehicle in problem.vehicles:
        if _key(vehicle) not in keys:
            keys.append(_key(vehicle))
    representative = {_key(v): v for v in reversed(problem.vehicles)}
    profiles = tuple(_profile(problem, nodes, representative[key]) for key in keys)
    vehicles = tuple(
        EngineVehicle(start=v, end=v, profile=keys.index(_key(vehicle)), earliest_start=earliest, latest_end=latest)
        for v, vehicle in enumerate(problem.vehicles)
    )
    vehicle_index = {v.id: i for i, v in enumerate(problem.vehicles)}
    groups: dict[int, list[int]] = {}
    windows: list[tuple[tuple[int, int], ...]] = []
    allowed: list[tuple[int, ...] | None] = []
    for n, node in enumerate(nodes):
        if node.candidate is None or node.profile is None:
            windows.append(())
            allowed.append(None)
            continue
        candidate = problem.candidates[node.candidate]
        serving = [vehicle_index[vid] for vid in candidate.vehicle_ids]
        serving = [v for v in serving if _key(problem.vehicles[v]) == node.profile]
        vehicle = problem.vehicles[serving[0]]
        node_windows = problem.start_windows(vehicle, problem.service_min(vehicle, candidate.expected_citizens))
        windows.append(node_windows)
        allowed.append(tuple(serving) if node_windows else ())
        groups.setdefault(node.candidate, []).append(n)
    return EngineProblem(
        n_nodes=len(nodes),
        profiles=profiles,
        vehicles=vehicles,
        groups=tuple(
            VisitGroup(tuple(members), problem.candidates[c].expected_citizens * problem.rules.citizen_value_m)
            for c, members in groups.items()
        ),
        windows=tuple(windows),
        allowed=tuple(allowed),
        horizon=latest + 1,
    )


def _profile(problem: Problem, nodes: list[_Node], vehicle: Vehicle) -> Profile:
    """Metres, minutes and service minutes between all nodes, for the vehicles sharing ``vehicle``'s profile."""
    kind, key = vehicle.kind, _key(vehicle)
    matrix = problem.matrix(kind)
    rows = np.array(
        [
            matrix.index(site)
            if (site := node.site_by_kind.get(kind)) is not None and node.profile in (None, key)
            else -1
            for node in nodes
        ]
    )
    valid = rows >= 0
    safe = np.where(valid, rows, 0)
    minutes = matrix.duration_min[np.ix_(safe, safe)]
    metres = matrix.distance_m[np.ix_(safe, safe)]
    forbidden = ~(valid[:, None] & valid[None, :]) | (minutes == UNREACHABLE)
    if kind is VehicleKind.BUS:
        forbidden |= minutes > problem.rules.max_bus_leg_min
    np.fill_diagonal(forbidden, False)
    service = tuple(
        problem.service_min(vehicle, problem.candidates[n.candidate].expected_citizens)
        if n.candidate is not None
        else 0
        for n in nodes
    )
    zero = np.zeros_like(minutes)
    return Profile(
        cost=np.where(forbidden, zero, metres).astype(np.int64),
        travel=np.where(forbidden, zero, minutes).astype(np.int64),
        service=service,
        forbidden=forbidden,
    )
