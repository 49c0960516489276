"""The routing engine: a generic OR-Tools model, the only module of the project that imports ``ortools``.

It knows nothing of Azerbaijan or of benchmarks: nodes, integer matrices per vehicle profile, time windows,
service durations, capacities, optional visit groups with prizes, allowed vehicles, route duration and length
limits, several depots, locks and initial routes. The weekly planner and the benchmark adapters both build an
``EngineProblem``; ``search.py`` runs several configurations of ``solve_once`` over the cores and recombines.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np
import numpy.typing as npt
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_heuristic_parameters_pb2
from ortools.sat.python import cp_model
from ortools.util import optional_boolean_pb2

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


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """One way of searching; several run side by side in ``search.py``."""

    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    gls_lambda: float = 0.1
    extra_operators: bool = False
    """Also relocate-neighbours, cross-exchange and close-nodes LNS (slower moves, different optima)."""
    prize_operators: bool = False
    """Also the moves that swap visited and unvisited optional nodes (prize collecting, orienteering)."""
    prize_scale: float | None = None
    """Search with optional prizes rescaled so their mean is this many mean nearest-neighbour arc costs (None: as
    given). Prizes that dwarf every arc leave the local search no gradient to follow (a path at its length limit
    cannot trade a little distance for room); smaller prizes let it, and the caller judges what it finds by the
    true objective (``objective_of``)."""
    native_ruin: int = 0
    """Search by OR-Tools' own iterated local search instead of ``metaheuristic``: SISR string removal of this
    many visits on average, a cheapest-insertion recreate that inserts in random order, a descent, simulated
    annealing acceptance; all in C++, about 50 ruins a second on TOP p4.2.l where ``ruin_size`` manages 11. Not with
    initial routes (the call takes none); 0: off."""
    orienteering_share: float = 0.0
    """On plain orienteering problems (``orienteering.fits``), the share of the budget at the end in which the
    dedicated orienteering search continues from this search's best. 0: off."""
    ruin_size: int = 0
    """After a first search of ``RUIN_FIRST_SHARE`` of the budget, ruin and recreate until the budget ends: remove
    up to this many visited optional nodes close to a random one and let a short greedy descent (a fresh model
    from the rest) refill the routes; keep the result when the true objective is no worse. 0: off."""


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


RUIN_FIRST_SHARE = 0.25
RUIN_STEP_S = 0.1
RUIN_MIN_STEP_S = 0.01
"""Share of the budget for the first search, the most seconds a recreate descent may take (it usually settles
sooner, see ``RECREATE_OPERATORS``), and the least time left worth a step, when ruining."""

RECREATE_OPERATORS = (
    "use_relocate",
    "use_exchange",
    "use_cross",
    "use_two_opt",
    "use_or_opt",
    "use_make_active",
    "use_make_inactive",
    "use_make_chain_inactive",
    "use_swap_active",
)
"""The only moves of a recreate descent. With OR-Tools' default set plus the prize moves a descent from a ruined
TOP p4.2.i solution had not settled after 1 s; with these it settles in 35-50 ms at the same scores (6 ruins:
relocate-and-make-active alone made it 0.4-0.55 s), so a time-limited step ends at a local optimum."""


def solve_once(
    problem: EngineProblem,
    *,
    time_limit_s: float,
    config: SearchConfig | None = None,
    initial_routes: Sequence[Sequence[int]] | None = None,
    on_solution: ProgressFn | None = None,
    collect_routes: bool = False,
) -> EngineSolution | None:
    """One OR-Tools search within ``time_limit_s``; None when it finds no feasible solution."""
    started = time.monotonic()
    config = config or SearchConfig()
    model = _Model(problem, prize_factor=prize_factor(problem, config.prize_scale))
    search_s = time_limit_s * RUIN_FIRST_SHARE if config.ruin_size > 0 else time_limit_s
    params = _search_parameters(config, search_s)
    history: list[tuple[float, int]] = []
    seen: set[tuple[int, tuple[int, ...]]] = set()
    rescaled = model.prize_factor != 1.0
    truest: list[tuple[int, Routes, Routes]] = []
    """With rescaled prizes, the best (true objective, routes, starts) reported: the search returns the best at
    the prizes it sees, which need not be the best at the true ones."""

    def record() -> None:
        objective = int(model.routing.CostVar().Value())
        if rescaled or collect_routes:
            routes = model.current_routes()
        if collect_routes:
            seen.update((v, r) for v, r in enumerate(routes) if r)
        if rescaled:
            objective = objective_of(problem, routes)
            if not truest or objective < truest[0][0]:
                truest[:] = [(objective, routes, model.current_starts())]
        elapsed = time.monotonic() - started
        history.append((elapsed, objective))
        if on_solution is not None:
            on_solution(elapsed, objective)

    model.routing.AddAtSolutionCallback(record)
    if config.native_ruin > 0 and initial_routes is None:
        assignment = model.routing.SolveWithIteratedLocalSearch(_with_native_ruin(params, config.native_ruin))
    elif initial_routes is not None:
        model.routing.CloseModelWithParameters(params)
        hint = model.routing.ReadAssignmentFromRoutes([list(r) for r in initial_routes], True)
        assignment = model.routing.SolveFromAssignmentWithParameters(hint, params) if hint else None
        if assignment is None:
            assignment = model.routing.SolveWithParameters(params)
    else:
        assignment = model.routing.SolveWithParameters(params)
    if assignment is None:
        return None
    routes, starts = model.decode(assignment)
    objective = objective_of(problem, routes) if rescaled else int(assignment.ObjectiveValue())
    if truest and truest[0][0] < objective:
        objective, routes, starts = truest[0]
    solution = EngineSolution(routes, starts, objective, time.monotonic() - started, tuple(history))
    if config.ruin_size > 0:
        pool = seen if collect_routes else None
        solution = _ruin_and_recreate(problem, config, solution, started, time_limit_s, model.prize_factor, pool)
        seen.update((v, r) for v, r in enumerate(solution.routes) if r)
    return replace(solution, seconds=time.monotonic() - started, seen_routes=tuple(sorted(seen)))


def _ruin_and_recreate(
    problem: EngineProblem,
    config: SearchConfig,
    best: EngineSolution,
    started: float,
    time_limit_s: float,
    factor: float,
    seen: set[tuple[int, tuple[int, ...]]] | None = None,
) -> EngineSolution:
    """Large neighbourhood search around OR-Tools: the removed nodes come back where the descent finds room.

    A step removes a random half of the up to 2k visited nodes nearest a random node (visited or not), k at most
    ``config.ruin_size``: the k nearest alone, from visited seeds, are few enough distinct ruins for the search to
    try them all and stall (TOP p1.3.l stayed at 145 of 155 for 20 s); on the 24 weakest TOP instances at 5 s this
    took the mean gap from 4.49 % to 2.68 %. Mandatory visits are ruined too (a step that cannot bring one back
    is rejected): on eight weak Solomon instances at 10 s this took the mean gap from 4.52 % to 1.76 %.

    Each step builds a fresh model (a routing model that has searched once no longer reads routes reliably).
    Every recreated solution's routes go to ``seen``, for recombination: a rejected step can still hold a route
    that combines well.
    """
    rng = random.Random(len(problem.groups))
    mandatory = [g.nodes for g in problem.groups if g.prize is None]
    locked = {n for n, _ in problem.locks}
    removable = {n for g in problem.groups for n in g.nodes} - locked
    cost = problem.profiles[0].cost
    descent = replace(config, metaheuristic="GREEDY_DESCENT")
    penalty = _mandatory_penalty(problem)
    end = started + time_limit_s
    history = list(best.history)
    while end - time.monotonic() > RUIN_MIN_STEP_S:
        visited = [n for r in best.routes for n in r if n in removable]
        if not visited:
            break
        # A seed may be an unvisited node: the nodes around it make way so that it can come in.
        seed = rng.choice(visited + sorted(removable.difference(visited)))
        size = rng.randint(1, config.ruin_size)
        near = sorted(visited, key=lambda n: int(cost[seed, n]) + int(cost[n, seed]))[: 2 * size]
        ruined = set(rng.sample(near, min(size, len(near))))
        kept = [[n for n in r if n not in ruined] for r in best.routes]
        recreated = _descend(problem, kept, descent, factor, penalty, end)
        if recreated is not None and factor != 1.0:
            # The rescaled prizes leave a node out whose detour outweighs them; at the true prizes it fits.
            recreated = _descend(problem, recreated[0], descent, 1.0, penalty, end) or recreated
        if recreated is None or not _visits_all(recreated[0], mandatory):
            continue
        routes, starts = recreated
        if seen is not None:
            seen.update((v, r) for v, r in enumerate(routes) if r)
        objective = objective_of(problem, routes)
        if objective <= best.objective:
            if objective < best.objective:
                history.append((time.monotonic() - started, objective))
            best = EngineSolution(routes, starts, objective, best.seconds, tuple(history))
    return best


def _descend(
    problem: EngineProblem,
    routes: Sequence[Sequence[int]],
    descent: SearchConfig,
    factor: float,
    mandatory_penalty: int,
    end: float,
) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]] | None:
    """A greedy descent with ``RECREATE_OPERATORS`` from ``routes`` until it settles or ``end`` (monotonic)."""
    left = end - time.monotonic()
    if left <= 0:
        return None
    model = _Model(problem, prize_factor=factor, mandatory_penalty=mandatory_penalty)
    params = _search_parameters(descent, min(RUIN_STEP_S, left), only=RECREATE_OPERATORS)
    model.routing.CloseModelWithParameters(params)
    hint = model.routing.ReadAssignmentFromRoutes([list(r) for r in routes], True)
    assignment = model.routing.SolveFromAssignmentWithParameters(hint, params) if hint else None
    return None if assignment is None else model.decode(assignment)


def polish(problem: EngineProblem, routes: Sequence[Sequence[int]], *, time_limit_s: float) -> EngineSolution | None:
    """A short greedy descent at the true prizes from ``routes``; None when it finds nothing that keeps every
    mandatory visit. Recombination joins routes of different searches, and a search at rescaled prizes stops
    at its own optimum: either may leave out a visit that fits."""
    end = time.monotonic() + time_limit_s
    descent = SearchConfig(metaheuristic="GREEDY_DESCENT")
    found = _descend(problem, routes, descent, 1.0, _mandatory_penalty(problem), end)
    if found is None or not _visits_all(found[0], [g.nodes for g in problem.groups if g.prize is None]):
        return None
    return EngineSolution(found[0], found[1], objective_of(problem, found[0]), 0.0)


def _mandatory_penalty(problem: EngineProblem) -> int:
    """A penalty for leaving a mandatory node out that outweighs every arc a route could save by it."""
    longest = max(int(p.cost.max()) for p in problem.profiles)
    return 2 * longest * problem.n_nodes + 1


def _visits_all(routes: Sequence[Sequence[int]], groups: Sequence[tuple[int, ...]]) -> bool:
    visited = {n for r in routes for n in r}
    return all(visited.intersection(nodes) for nodes in groups)


class RouteChecker:
    """The objective of given routes under every constraint of the model, or None when they break one.

    For repair heuristics outside the search: the model is built once, each check restores an assignment.
    """

    def __init__(self, problem: EngineProblem) -> None:
        self._model = _Model(problem)
        self._model.routing.CloseModelWithParameters(_search_parameters(SearchConfig(), 1.0))

    def objective(self, routes: Sequence[Sequence[int]]) -> int | None:
        assignment = self._model.routing.ReadAssignmentFromRoutes([list(r) for r in routes], True)
        return None if assignment is None else int(assignment.ObjectiveValue())


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


class _Model:
    """The OR-Tools routing model of an ``EngineProblem``; one ``add_*`` method per constraint family."""

    def __init__(
        self, problem: EngineProblem, *, prize_factor: float = 1.0, mandatory_penalty: int | None = None
    ) -> None:
        self.problem = problem
        self.prize_factor = prize_factor
        self.mandatory_penalty = mandatory_penalty
        """When set, a mandatory group may go unvisited at this cost: a recreate starts from ruined routes."""
        starts = [v.start for v in problem.vehicles]
        ends = [v.end for v in problem.vehicles]
        self.manager = pywrapcp.RoutingIndexManager(problem.n_nodes, len(problem.vehicles), starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        self.time: pywrapcp.RoutingDimension | None = None
        self._register_matrices()
        self.add_time()
        self.add_capacity()
        self.add_route_cost_limit()
        self.add_visit_groups()
        self.add_allowed_vehicles()
        self.add_locks()
        self.add_group_links()

    def _register_matrices(self) -> None:
        infeasible = self.problem.horizon * 4 + 1
        self.cost_cb: list[int] = []
        self.time_cb: list[int] = []
        for p, profile in enumerate(self.problem.profiles):
            transit = profile.travel + np.asarray(profile.service, dtype=np.int64)[:, None]
            np.fill_diagonal(transit, 0)
            cost = profile.cost.copy()
            if profile.forbidden is not None:
                transit[profile.forbidden] = infeasible
                cost[profile.forbidden] = 0
            # A vehicle left unused goes straight from its start to its end: that costs nothing and takes no time,
            # even where its start and end depots are far apart (an orienteering path that cannot start at all).
            for vehicle in self.problem.vehicles:
                if vehicle.profile == p:
                    transit[vehicle.start, vehicle.end] = cost[vehicle.start, vehicle.end] = 0
            self.cost_cb.append(self.routing.RegisterTransitMatrix(cost.tolist()))
            self.time_cb.append(self.routing.RegisterTransitMatrix(transit.tolist()))
        for v, vehicle in enumerate(self.problem.vehicles):
            self.routing.SetArcCostEvaluatorOfVehicle(self.cost_cb[vehicle.profile], v)

    def add_time(self) -> None:
        horizon = self.problem.horizon
        self.routing.AddDimensionWithVehicleTransits(
            [self.time_cb[v.profile] for v in self.problem.vehicles], horizon, horizon, False, "time"
        )
        self.time = self.routing.GetDimensionOrDie("time")
        for v, vehicle in enumerate(self.problem.vehicles):
            start = self.time.CumulVar(self.routing.Start(v))
            end = self.time.CumulVar(self.routing.End(v))
            start.SetMin(vehicle.earliest_start)
            end.SetMax(vehicle.latest_end if vehicle.latest_end is not None else horizon)
            if vehicle.max_duration is not None:
                self.routing.solver().Add(end - start <= vehicle.max_duration)
            self.routing.AddVariableMaximizedByFinalizer(start)
            self.routing.AddVariableMinimizedByFinalizer(end)
        for node, windows in enumerate(self.problem.windows or ()):
            if not windows or self._is_depot(node):
                continue
            cumul = self.time.CumulVar(self.manager.NodeToIndex(node))
            cumul.SetRange(windows[0][0], windows[-1][1])
            for (_, prev_hi), (next_lo, _) in pairwise(windows):
                if next_lo - 1 >= prev_hi + 1:
                    cumul.RemoveInterval(prev_hi + 1, next_lo - 1)

    def add_capacity(self) -> None:
        demand = self.problem.demand
        if demand is None:
            return
        callback = self.routing.RegisterUnaryTransitVector(list(demand))
        capacities = [v.capacity if v.capacity is not None else sum(demand) for v in self.problem.vehicles]
        self.routing.AddDimensionWithVehicleCapacity(callback, 0, capacities, True, "load")

    def add_route_cost_limit(self) -> None:
        limits = [v.max_cost for v in self.problem.vehicles]
        if all(limit is None for limit in limits):
            return
        unbounded = int(max(int(p.cost.sum()) for p in self.problem.profiles)) + 1
        self.routing.AddDimensionWithVehicleTransitAndCapacity(
            [self.cost_cb[v.profile] for v in self.problem.vehicles],
            0,
            [limit if limit is not None else unbounded for limit in limits],
            True,
            "length",
        )

    def add_visit_groups(self) -> None:
        for group in self.problem.groups:
            indices = [self.manager.NodeToIndex(n) for n in group.nodes]
            if group.prize is None and self.mandatory_penalty is not None:
                self.routing.AddDisjunction(indices, self.mandatory_penalty, 1)
            elif group.prize is None:
                self.routing.AddDisjunction(indices)
            else:
                self.routing.AddDisjunction(indices, max(1, round(group.prize * self.prize_factor)), 1)

    def add_allowed_vehicles(self) -> None:
        for node, allowed in enumerate(self.problem.allowed or ()):
            if allowed is None or self._is_depot(node):
                continue
            vehicle_var = self.routing.VehicleVar(self.manager.NodeToIndex(node))
            # SetAllowedVehiclesForIndex does not accept a Python list in this OR-Tools build.
            vehicle_var.SetValues([-1, *allowed] if allowed else [-1])

    def add_locks(self) -> None:
        for node, vehicle in self.problem.locks:
            self.routing.VehicleVar(self.manager.NodeToIndex(node)).SetValue(vehicle)

    def add_group_links(self) -> None:
        """All-or-none and at-least-k constraints on whether groups are visited."""
        solver = self.routing.solver()

        def visited(g: int) -> object:
            nodes = self.problem.groups[g].nodes
            return solver.Sum([self.routing.ActiveVar(self.manager.NodeToIndex(n)) for n in nodes])

        for linked in self.problem.linked:
            first = visited(linked[0])
            for g in linked[1:]:
                solver.Add(visited(g) == first)
        for groups, k in self.problem.at_least:
            solver.Add(solver.Sum([visited(g) for g in groups]) >= k)

    def _is_depot(self, node: int) -> bool:
        return any(node in (v.start, v.end) for v in self.problem.vehicles)

    def current_routes(self) -> Routes:
        """Per vehicle, the visited nodes of the solution a solution callback reports."""
        return tuple(tuple(self.manager.IndexToNode(i) for i in self._current_path(v)) for v in self._vehicles())

    def current_starts(self) -> Routes:
        """Per vehicle, the service starts at the visited nodes of the solution a solution callback reports."""
        assert self.time is not None
        cumul = self.time.CumulVar
        return tuple(tuple(int(cumul(i).Min()) for i in self._current_path(v)) for v in self._vehicles())

    def _vehicles(self) -> range:
        return range(len(self.problem.vehicles))

    def _current_path(self, v: int) -> list[int]:
        indices = []
        index = self.routing.NextVar(self.routing.Start(v)).Value()
        while not self.routing.IsEnd(index):
            indices.append(index)
            index = self.routing.NextVar(index).Value()
        return indices

    def decode(
        self, assignment: pywrapcp.Assignment
    ) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
        routes: list[tuple[int, ...]] = []
        starts: list[tuple[int, ...]] = []
        assert self.time is not None
        for v in range(len(self.problem.vehicles)):
            nodes: list[int] = []
            times: list[int] = []
            index = assignment.Value(self.routing.NextVar(self.routing.Start(v)))
            while not self.routing.IsEnd(index):
                nodes.append(self.manager.IndexToNode(index))
                times.append(int(assignment.Min(self.time.CumulVar(index))))
                index = assignment.Value(self.routing.NextVar(index))
            routes.append(tuple(nodes))
            starts.append(tuple(times))
        return tuple(routes), tuple(starts)


EXTRA_OPERATORS = (
    "use_relocate_neighbors",
    "use_cross_exchange",
    "use_global_cheapest_insertion_close_nodes_lns",
    "use_local_cheapest_insertion_close_nodes_lns",
    "use_global_cheapest_insertion_expensive_chain_lns",
)

PRIZE_OPERATORS = (
    "use_relocate_and_make_active",
    "use_exchange_and_make_active",
    "use_extended_swap_active",
    "use_node_pair_swap_active",
    "use_inactive_lns",
)


def _search_parameters(config: SearchConfig, time_limit_s: float, only: tuple[str, ...] | None = None) -> object:
    """OR-Tools parameters of ``config``; ``only`` names the sole local-search operators to use."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, config.first_solution)
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, config.metaheuristic)
    params.guided_local_search_lambda_coefficient = config.gls_lambda
    operators = (EXTRA_OPERATORS if config.extra_operators else ()) + (
        PRIZE_OPERATORS if config.prize_operators else ()
    )
    for operator in operators:
        setattr(params.local_search_operators, operator, optional_boolean_pb2.BOOL_TRUE)
    if only is not None:
        for field_ in params.local_search_operators.DESCRIPTOR.fields:
            value = optional_boolean_pb2.BOOL_TRUE if field_.name in only else optional_boolean_pb2.BOOL_FALSE
            setattr(params.local_search_operators, field_.name, value)
    return params


def _with_native_ruin(params: object, removed: int) -> object:
    """``params`` set for OR-Tools' iterated local search with SISR ruins of ``removed`` visits on average.

    The recreate inserts the removed visits in random order: with the default (deterministic) order the same ruin
    is rebuilt the same way and the search stalls (TOP p5.2.p stayed at 1090 of 1150 for 4.5 s; random: 1150).
    """
    ils = params.iterated_local_search_parameters  # type: ignore[attr-defined]
    recreate = ils.ruin_recreate_parameters
    sisr = recreate.ruin_strategies.add().sisr
    sisr.avg_num_removed_visits = removed
    sisr.max_removed_sequence_size = removed
    sisr.bypass_factor = 0.01
    recreate.recreate_strategy.heuristic = routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    insertion = recreate.recreate_strategy.parameters.local_cheapest_insertion
    insertion.insertion_sorting_properties.append(
        routing_heuristic_parameters_pb2.LocalCheapestInsertionParameters.SORTING_PROPERTY_RANDOM
    )
    ils.reference_solution_acceptance_strategy.simulated_annealing.automatic_temperatures = True
    params.use_iterated_local_search = True  # type: ignore[attr-defined]
    return params


@dataclass(frozen=True, slots=True)
class Column:
    """A route that recombination may pick: who drives it, what it visits, what it costs."""

    vehicle: int
    nodes: tuple[int, ...]
    cost: int


def recombine(
    problem: EngineProblem,
    columns: Sequence[Column],
    *,
    time_limit_s: float,
    class_sizes: dict[int, int],
    incumbent: Sequence[int] = (),
) -> list[Column] | None:
    """Set partitioning in CP-SAT over routes the searches met: the best combination of routes.

    ``Column.vehicle`` names a vehicle class (its first vehicle); ``class_sizes`` caps the routes per class.

    Minimises route cost plus the prizes of the groups left unvisited; every mandatory group exactly once,
    every optional group at most once. ``incumbent`` (column indices) is a hint, so the result is never worse.
    """
    model = cp_model.CpModel()
    pick = [model.new_bool_var(f"c{i}") for i in range(len(columns))]
    group_of = {node: g for g, group in enumerate(problem.groups) for node in group.nodes}
    covering: dict[int, list[int]] = {}
    # A column's weight is its cost less the prizes of the optional groups it visits: at most one column visits
    # a group, so this equals route costs plus prizes lost, less a constant, and builds in linear time (a sum of
    # per-group "prize × (1 - visited)" terms took longer than CP-SAT's budget on 3 000 TOP routes).
    weight = [column.cost for column in columns]
    for i, column in enumerate(columns):
        for g in {group_of[n] for n in column.nodes if n in group_of}:
            covering.setdefault(g, []).append(i)
            weight[i] -= problem.groups[g].prize or 0
    for g, group in enumerate(problem.groups):
        chosen = [pick[i] for i in covering.get(g, [])]
        if group.prize is None:
            if not chosen:
                return None
            model.add_exactly_one(chosen)
        elif chosen:
            model.add_at_most_one(chosen)
    for linked in problem.linked:
        first = cp_model.LinearExpr.sum([pick[i] for i in covering.get(linked[0], [])])
        for g in linked[1:]:
            model.add(cp_model.LinearExpr.sum([pick[i] for i in covering.get(g, [])]) == first)
    for groups, k in problem.at_least:
        model.add(cp_model.LinearExpr.sum([pick[i] for g in groups for i in covering.get(g, [])]) >= k)
    for representative, size in class_sizes.items():
        members = [pick[i] for i, c in enumerate(columns) if c.vehicle == representative]
        model.add(cp_model.LinearExpr.sum(members) <= size)
    model.minimize(cp_model.LinearExpr.weighted_sum(pick, weight))
    hinted = set(incumbent)
    for i, var in enumerate(pick):  # a complete hint: CP-SAT starts from the incumbent instead of completing it
        model.add_hint(var, i in hinted)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [c for i, c in enumerate(columns) if solver.value(pick[i])]
