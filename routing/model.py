"""The routing engine's data model, free of OR-Tools: nodes, integer matrices per vehicle profile, time windows,
service durations, capacities, optional visit groups with prizes, allowed vehicles, route limits, several depots,
locks; a solution; and the objective as the engine counts it. The weekly planner (``routing/optimizer.py``) and the
benchmark adapters (``routing/benchmarks/``) both build an ``EngineProblem``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import numpy.typing as npt

IntMatrix = npt.NDArray[np.int64]
Routes = tuple[tuple[int, ...], ...]
"""Per vehicle, a sequence of nodes (or of times at them)."""


@dataclass(frozen=True, slots=True)
class Profile:
    """How one kind of vehicle moves and serves: arc cost, travel time, service time at each node."""

    cost: IntMatrix
    travel: IntMatrix
    service: tuple[int, ...]
    forbidden: npt.NDArray[np.bool_] | None = None
    """True where an arc may not be used (unreachable, or longer than a rule allows)."""


@dataclass(frozen=True, slots=True)
class EngineVehicle:
    start: int
    end: int
    profile: int = 0
    capacity: int | None = None
    max_duration: int | None = None
    """Longest time from leaving ``start`` to arriving at ``end``."""
    max_cost: int | None = None
    """Longest route in arc-cost units (a team orienteering path length)."""
    earliest_start: int = 0
    latest_end: int | None = None


@dataclass(frozen=True, slots=True)
class VisitGroup:
    """Nodes of which at most one is visited; ``prize`` is lost when none is. ``prize=None`` makes it mandatory."""

    nodes: tuple[int, ...]
    prize: int | None


@dataclass(frozen=True, slots=True)
class EngineProblem:
    n_nodes: int
    profiles: tuple[Profile, ...]
    vehicles: tuple[EngineVehicle, ...]
    groups: tuple[VisitGroup, ...]
    demand: tuple[int, ...] | None = None
    windows: tuple[tuple[tuple[int, int], ...], ...] | None = None
    """Per node, the intervals in which service may start; an empty tuple means any time in the horizon."""
    allowed: tuple[tuple[int, ...] | None, ...] | None = None
    """Per node, the vehicles that may visit it (None: any)."""
    horizon: int = 10**9
    locks: tuple[tuple[int, int], ...] = ()
    """(node, vehicle) pairs: the node is visited, by that vehicle."""
    linked: tuple[tuple[int, ...], ...] = ()
    """Sets of group indices visited all or none (the day-sized parts of one visit request)."""
    at_least: tuple[tuple[tuple[int, ...], int], ...] = ()
    """(group indices, k): at least k of these groups are visited (nights at the depot of a vehicle)."""
    shared: tuple[tuple[tuple[int, ...], tuple[int, ...], int], ...] = ()
    """(group indices, their sizes, capacity): the visited groups' sizes add up to at most the capacity (the
    citizens of a need that the train and the buses share)."""
    daily_travel: DailyTravel | None = None
    """A limit on travel per day that the OR-Tools model does not hold (callers filter its routes);
    ``week_ls`` keeps it."""


@dataclass(frozen=True, slots=True)
class DailyTravel:
    """Per vehicle, the most travel time that departs in one day of ``day`` time units (None: no limit). A leg
    departs when the stop before it ends, but out of the vehicle's start or a ``rests`` node (a night at home) as
    late as it can: the bus drivers' daily limit as ``scheduler.objective`` counts it."""

    limits: tuple[int | None, ...]
    rests: tuple[int, ...]
    day: int


@dataclass(frozen=True, slots=True)
class EngineSolution:
    routes: tuple[tuple[int, ...], ...]
    """Per vehicle, the visited nodes in order, depots excluded."""
    starts: tuple[tuple[int, ...], ...]
    """Per vehicle, the earliest service start at each visited node."""
    objective: int
    seconds: float
    history: tuple[tuple[float, int], ...] = field(default=())
    """(seconds, objective) at each improving solution."""
    seen_routes: tuple[tuple[int, tuple[int, ...]], ...] = field(default=())
    """(vehicle, route) pairs met during the search, for recombination."""


ProgressFn = Callable[[float, int], None]


def route_cost(problem: EngineProblem, vehicle: EngineVehicle, nodes: Sequence[int]) -> int:
    if not nodes:
        return 0
    cost = problem.profiles[vehicle.profile].cost
    path = [vehicle.start, *nodes, vehicle.end]
    return int(sum(int(cost[a, b]) for a, b in pairwise(path)))


def objective_of(problem: EngineProblem, routes: Sequence[Sequence[int]]) -> int:
    """Route costs plus the prizes of optional groups left unvisited, as the engine counts them."""
    visited = {n for r in routes for n in r}
    lost = sum(g.prize for g in problem.groups if g.prize is not None and not visited.intersection(g.nodes))
    return lost + sum(route_cost(problem, problem.vehicles[v], r) for v, r in enumerate(routes))


def prize_factor(problem: EngineProblem, prize_scale: float | None) -> float:
    """The factor that gives optional prizes the mean ``prize_scale`` × the mean nearest-neighbour arc cost."""
    prizes = [g.prize for g in problem.groups if g.prize]
    if prize_scale is None or not prizes:
        return 1.0
    cost = problem.profiles[0].cost.astype(np.float64)
    off_diagonal = cost + np.diag(np.full(len(cost), np.inf))
    nearest = float(np.mean(off_diagonal.min(axis=1)))
    return prize_scale * nearest / (sum(prizes) / len(prizes))


def mandatory_penalty(problem: EngineProblem) -> int:
    """A penalty for leaving a mandatory node out that outweighs every arc a route could save by it."""
    longest = max(int(p.cost.max()) for p in problem.profiles)
    return 2 * longest * problem.n_nodes + 1


def keeps_shared(problem: EngineProblem, routes: Sequence[Sequence[int]]) -> bool:
    """Whether the visited groups of every shared capacity fit it."""
    visited = {n for r in routes for n in r}
    return all(
        sum(size for g, size in zip(groups, sizes, strict=True) if visited.intersection(problem.groups[g].nodes))
        <= capacity
        for groups, sizes, capacity in problem.shared
    )


def visits_all(routes: Sequence[Sequence[int]], groups: Sequence[tuple[int, ...]]) -> bool:
    visited = {n for r in routes for n in r}
    return all(visited.intersection(nodes) for nodes in groups)
