"""The periodic VRP benchmark's solver, which only the benchmark runs: a greedy construction, then the compiled
search of ``pvrp_ls`` over routes and visit-day combinations together for the whole budget (the engine has no "one
of these day sets" constraint, and a Python search made too few moves on the large instances).

Only when the construction leaves customers out do the older phases run first: simulated annealing over ruin and
recreate in plain Python, which counts a pending customer as longer than any insertion, alternating with engine
searches of the whole period for fixed combinations. Customers visited once keep their freedom in the engine: one
node that any vehicle of an allowed day may serve, so a period made only of them is one CVRP with ``m · t``
vehicles.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import random
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from routing.benchmarks.portfolios import PORTFOLIO
from routing.benchmarks.pvrp import SCALE, FloatMatrix, Plan, PvrpInstance, evaluate
from routing.model import EngineProblem, EngineVehicle, Profile, VisitGroup
from routing.search import SearchParams
from routing.search import solve as engine_solve


def solve(inst: PvrpInstance, time_limit_s: float, *, workers: int = 2, seed: int = 0) -> Plan:
    """The best plan found within ``time_limit_s`` wall seconds: greedy construction, then the compiled search of
    ``pvrp_ls`` (one chain per worker, different seeds, the best kept). While the construction leaves customers
    out, phases of the Python annealing and the engine place them first. May leave customers out only when no
    feasible plan was found; the evaluator then says so."""
    started = time.monotonic()
    state = _State(inst, random.Random(seed))
    state.construct()
    ends = started + time_limit_s - RETURN_MARGIN_S
    for p, (kind, share) in enumerate(PHASES):
        if not state.customers or not state.pending():
            break
        left = ends - time.monotonic()
        later = sum(s for _, s in PHASES[p + 1 :])
        seconds = left * share / (share + later) * PENDING_SHARE
        if seconds <= 0.05:
            break
        if kind == "engine" and seconds < MIN_ENGINE_S:
            kind = "anneal"
        if kind == "anneal":
            _anneal(state, seconds, workers, seed + p)
        else:
            state.engine_round(seconds, workers, seed + p)
    if state.customers and not state.pending():
        _compiled_search(state, ends - time.monotonic(), workers, seed)
    return state.plan()


PHASES: tuple[tuple[str, float], ...] = (("anneal", 0.35), ("engine", 0.15), ("anneal", 0.35), ("engine", 0.15))
"""Phases in order with their share of the budget while the construction leaves customers out; time a phase
does not use goes to the later ones."""

PENDING_SHARE = 0.5
"""Share of what is left that the phases placing pending customers take, the rest kept for the compiled search."""

ENGINE_CONFIGS = tuple(replace(config, ruin_size=0) for config in PORTFOLIO)
"""The engine phases search without ruin and recreate: the PVRP figures (docs/engine.md) were measured so, and ruin
and recreate (which the VRPTW portfolio gained later) has not been measured on the periodic problem."""

MIN_ENGINE_S = 1.0
"""Shorter engine phases are spent annealing instead: worker start and model building would eat them."""

RETURN_MARGIN_S = 0.2
"""Kept back from the budget for returning the plan."""

START_TEMPERATURE = 1.0
"""The annealing starts accepting a worsening of this share of the mean length per customer with odds 1/e."""


def _compiled_search(state: _State, seconds: float, workers: int, seed: int) -> None:
    """``pvrp_ls.search`` for ``seconds`` from the current plan, which must place every customer: one chain per
    worker, the best chain kept when the evaluator accepts it."""
    from routing.benchmarks import pvrp_ls  # loads numba (about half a second) only when the benchmark runs

    ends = time.monotonic() + seconds
    pvrp_ls.warm_up()  # before forking: the workers inherit the compiled code instead of each loading it
    seconds = ends - time.monotonic()  # the first run on a machine compiles for about 15 s within the budget
    if seconds <= 0.05:
        return
    start = [[list(r) for r in day] for day in state.routes]
    results: list[list[list[list[int]]] | None]
    if workers <= 1:
        results = [pvrp_ls.search(state.inst, start, seconds, seed=seed)]
    else:
        context = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = [
                    pool.submit(pvrp_ls.search, state.inst, start, seconds - ANNEAL_STARTUP_S, seed=seed * 101 + w)
                    for w in range(workers)
                ]
                results = [f.result() for f in futures]
        except (OSError, BrokenProcessPool):  # no worker processes here: one chain in this process instead
            results = [pvrp_ls.search(state.inst, start, seconds, seed=seed)]
    best = state.cost()
    for routes in results:
        if routes is None:
            continue
        check = evaluate(state.inst, [(d + 1, r) for d in range(state.inst.t) for r in routes[d]])
        if check.feasible and check.value < best - 1e-9:
            best = check.value
            days: dict[int, list[int]] = {}
            for d, day in enumerate(routes):
                for route in day:
                    for c in route:
                        days.setdefault(c, []).append(d + 1)
            state.restore((routes, {c: tuple(v) for c, v in days.items()}))


def _anneal(state: _State, seconds: float, workers: int, seed: int) -> None:
    """Ruin and recreate for ``seconds``: one chain per worker from the current plan, the best chain kept."""
    temperature = START_TEMPERATURE * state.cost() / max(1, len(state.customers))
    if workers <= 1:
        state.ruin_and_recreate(time.monotonic() + seconds, temperature)
        return
    start = state.snapshot()
    ends = time.monotonic() + seconds
    context = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                pool.submit(_anneal_worker, state.inst, start, seconds - ANNEAL_STARTUP_S, temperature, seed * 101 + w)
                for w in range(workers)
            ]
            results = [f.result() for f in futures]
    except (OSError, BrokenProcessPool):  # no worker processes here: one chain in this process instead
        state.ruin_and_recreate(ends, temperature)
        return
    best = min(results, key=lambda r: r[0])
    if best[0] < state.penalised() - 1e-9:
        state.restore(best[1])


ANNEAL_STARTUP_S = 0.15
"""Wall time a chain's worker needs to start."""


def _anneal_worker(
    inst: PvrpInstance, start: _Snapshot, seconds: float, temperature: float, seed: int
) -> tuple[float, _Snapshot]:
    state = _State(inst, random.Random(seed))
    state.restore(start)
    state.ruin_and_recreate(time.monotonic() + max(0.05, seconds), temperature)
    return state.penalised(), state.snapshot()


_Snapshot = tuple[list[list[list[int]]], dict[int, tuple[int, ...]]]


class _State:
    """A plan being improved: the routes of each day and the combination of each customer placed so far.

    Customers without a combination are pending; only a construction that could not fit everyone leaves some,
    and ruin and recreate, which counts each one as longer than any insertion, places them first.

    Duration checks use the engine's integer arithmetic (travel and service rounded up, limit rounded down), so
    every plan held here is also a valid warm start for the engine and fits D in double precision.
    """

    def __init__(self, inst: PvrpInstance, rng: random.Random) -> None:
        self.inst = inst
        self.rng = rng
        xy = np.asarray(inst.coords, dtype=np.float64)
        self.dist: FloatMatrix = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        self.travel = np.ceil(self.dist * SCALE).astype(np.int64)
        self.service = np.asarray([math.ceil(s * SCALE) for s in inst.service], dtype=np.int64)
        self.limit = [math.floor(d * SCALE + 1e-6) if d > 0 else None for d in inst.max_duration]
        self.customers = [c for c in range(1, len(inst.coords)) if inst.frequency[c] > 0]
        self.routes: list[list[list[int]]] = [[] for _ in range(inst.t)]
        self.combo: dict[int, tuple[int, ...]] = {}
        self._cache: dict[int, _DayArcs] = {}
        self.penalty = 4 * float(self.dist.max()) * inst.t + 1
        self.demand = np.asarray(inst.demand, dtype=np.int64)
        self._routes: dict[tuple[int, ...], _RouteArcs] = {}

    # -- bookkeeping -------------------------------------------------------------------------------------------

    def plan(self) -> Plan:
        return [(d + 1, list(route)) for d in range(self.inst.t) for route in self.routes[d] if route]

    def cost(self) -> float:
        return float(sum(self._length(route) for day in self.routes for route in day))

    def _length(self, route: Sequence[int]) -> float:
        return float(self.route_arcs(tuple(route)).base.sum())

    def route_arcs(self, route: tuple[int, ...]) -> _RouteArcs:
        """Arc arrays of a route, memoised: ruin and recreate rebuilds the same routes again and again."""
        found = self._routes.get(route)
        if found is None:
            if len(self._routes) > ROUTE_MEMO:
                self._routes.clear()
            path = np.asarray((0, *route, 0), dtype=np.int64)
            a, b = path[:-1], path[1:]
            tbase = self.travel[a, b]
            stops = path[1:-1]
            found = _RouteArcs(
                a,
                b,
                self.dist[a, b],
                tbase,
                int(self.demand[stops].sum()),
                int(tbase.sum() + self.service[stops].sum()),
            )
            self._routes[route] = found
        return found

    def _arcs(self, d: int) -> _DayArcs:
        if d not in self._cache:
            self._cache[d] = _DayArcs.of(self, d)
        return self._cache[d]

    # -- moves -------------------------------------------------------------------------------------------------

    def insertion(self, d: int, c: int, open_factor: float = 1.0) -> tuple[float, int, int] | None:
        """Cheapest feasible insertion of ``c`` on day index ``d``: (added length, route, position); route -1 opens
        a new one, its cost weighed by ``open_factor``. None when no route can take it."""
        arcs = self._arcs(d)
        best: tuple[float, int, int] | None = None
        if arcs.a.size:
            row = self.dist[c]  # the matrices are symmetric: a row is a cheaper gather than a column
            delta = row[arcs.a] + row[arcs.b] - arcs.base
            blocked = arcs.room < self.inst.demand[c]
            if arcs.slack is not None:
                trow = self.travel[c]
                blocked |= trow[arcs.a] + trow[arcs.b] + self.service[c] > arcs.slack
            delta[blocked] = np.inf
            k = int(delta.argmin())
            if delta[k] < np.inf:
                best = (float(delta[k]), int(arcs.route[k]), int(arcs.position[k]))
        if len(self.routes[d]) < self.inst.m and self.inst.demand[c] <= self.inst.capacity[d]:
            limit = self.limit[d]
            alone = int(self.travel[0, c] + self.travel[c, 0] + self.service[c])
            cost = float(self.dist[0, c] + self.dist[c, 0])
            if (limit is None or alone <= limit) and (best is None or cost * open_factor < best[0]):
                best = (cost * open_factor, -1, 0)
        return best

    def insert(self, d: int, c: int, where: tuple[float, int, int]) -> None:
        _, r, k = where
        if r < 0:
            self.routes[d].append([c])
        else:
            self.routes[d][r].insert(k, c)
        self._cache.pop(d, None)

    def remove(self, d: int, c: int) -> None:
        for r, route in enumerate(self.routes[d]):
            if c in route:
                route.remove(c)
                if not route:
                    del self.routes[d][r]
                break
        self._cache.pop(d, None)

    def best_combination(
        self, c: int, keep: tuple[int, ...], open_factor: float = 1.0
    ) -> tuple[float, tuple[int, ...]] | None:
        """The combination whose cheapest insertions cost least, days of ``keep`` (already visited) costing 0."""
        best: tuple[float, tuple[int, ...]] | None = None
        seen: dict[int, float | None] = {}
        for days in self.inst.combinations[c]:
            total = 0.0
            for day in days:
                if day in keep:
                    continue
                if day not in seen:
                    found = self.insertion(day - 1, c, open_factor)
                    seen[day] = None if found is None else found[0]
                added = seen[day]
                if added is None:
                    break
                total += added
                if best is not None and total >= best[0]:
                    break
            else:
                if best is None or total < best[0]:
                    best = (total, days)
        return best

    def place(self, c: int, days: tuple[int, ...], open_factor: float = 1.0) -> None:
        for day in days:
            where = self.insertion(day - 1, c, open_factor)
            assert where is not None
            self.insert(day - 1, c, where)
        self.combo[c] = days

    def construct(self) -> bool:
        """Greedy insertion, most constrained customers first, with several route-opening weights and orders;
        keeps the attempt that leaves the fewest customers pending. True when none is."""
        inst = self.inst
        order = sorted(
            self.customers,
            key=lambda c: (-inst.frequency[c], len(inst.combinations[c]), -inst.demand[c] * inst.frequency[c]),
        )
        best: tuple[float, tuple[list[list[list[int]]], dict[int, tuple[int, ...]]]] | None = None
        for attempt in range(CONSTRUCTION_ATTEMPTS):
            self.routes = [[] for _ in range(inst.t)]
            self.combo, self._cache = {}, {}
            if attempt >= len(OPEN_FACTORS):
                order = sorted(order, key=lambda c: -inst.demand[c] * (1 + 0.3 * self.rng.random()))
            factor = OPEN_FACTORS[attempt % len(OPEN_FACTORS)]
            for c in order:
                found = self.best_combination(c, (), factor)
                if found is not None:
                    self.place(c, found[1], factor)
            if best is None or self.penalised() < best[0]:
                best = (self.penalised(), self.snapshot())
            if attempt >= len(OPEN_FACTORS) - 1 and not best[1][1].keys() ^ set(self.customers):
                break
        assert best is not None
        self.restore(best[1])
        return not self.pending()

    def pending(self) -> list[int]:
        """Customers not placed yet (only while no feasible plan is known)."""
        return [c for c in self.customers if c not in self.combo]

    def penalised(self) -> float:
        """Length plus, per pending customer, more than any insertion can cost: fewer pending always wins."""
        return self.cost() + self.penalty * len(self.pending())

    def ruin_and_recreate(self, deadline: float, start_temperature: float) -> int:
        """Simulated annealing over ruin and recreate: remove a neighbourhood of customers (every visit) and
        reinsert each, and every pending one, with its cheapest combination. Ends holding the best plan met;
        returns the accepted moves."""
        inst = self.inst
        accepted = 0
        if not self.customers:
            return 0
        cost = best_cost = self.penalised()
        best = self.snapshot()
        size = max(2, min(RUIN_MAX, len(self.customers) // 4))
        began = time.monotonic()
        span = max(1e-3, deadline - began)
        while (now := time.monotonic()) < deadline:
            temperature = start_temperature * (FINAL_TEMPERATURE_RATIO ** ((now - began) / span))
            seed = self.rng.choice(self.customers)
            k = self.rng.randint(2, size)
            near = sorted(self.customers, key=lambda c: float(self.dist[seed, c]))[:k]
            saved = self.snapshot()
            for c in near:
                for day in self.combo.pop(c, ()):
                    self.remove(day - 1, c)
            again = list(dict.fromkeys(near + self.pending()))
            if self.rng.random() < 0.5:
                self.rng.shuffle(again)
            else:
                again.sort(key=lambda c: -inst.demand[c] * inst.frequency[c])
            for c in again:
                found = self.best_combination(c, ())
                if found is not None:
                    self.place(c, found[1])
            new = self.penalised()
            if new < cost - temperature * math.log(1.0 - self.rng.random()):
                cost, accepted = new, accepted + 1
                if new < best_cost - 1e-9:
                    best_cost, best = new, self.snapshot()
                continue
            self.restore(saved)
        self.restore(best)
        return accepted

    def snapshot(self) -> tuple[list[list[list[int]]], dict[int, tuple[int, ...]]]:
        return [[list(r) for r in day] for day in self.routes], dict(self.combo)

    def restore(self, saved: tuple[list[list[list[int]]], dict[int, tuple[int, ...]]]) -> None:
        self.routes, self.combo, self._cache = [[list(r) for r in day] for day in saved[0]], dict(saved[1]), {}

    # -- the engine --------------------------------------------------------------------------------------------

    def engine_round(self, seconds: float, workers: int, seed: int) -> None:
        """Search the routes of the whole period for the current combinations, starting from the current plan."""
        inst = self.inst
        m = inst.m
        node_customer = [0]
        allowed: list[tuple[int, ...] | None] = [None]
        node_of: dict[tuple[int, int], int] = {}
        groups: list[VisitGroup] = []
        for c in self.customers:
            if self._free(c):
                days = sorted({d for combo in inst.combinations[c] for d in combo})
                node = len(node_customer)
                node_customer.append(c)
                every_day = len(days) == inst.t
                allowed.append(None if every_day else tuple(v for d in days for v in range((d - 1) * m, d * m)))
                for d in days:
                    node_of[(c, d)] = node
                groups.append(VisitGroup((node,), None))
            else:
                for d in self.combo[c]:
                    node = len(node_customer)
                    node_customer.append(c)
                    allowed.append(tuple(range((d - 1) * m, d * m)))
                    node_of[(c, d)] = node
                    groups.append(VisitGroup((node,), None))
        index = np.asarray(node_customer)
        cost = np.rint(self.dist[np.ix_(index, index)] * SCALE).astype(np.int64)
        travel = self.travel[np.ix_(index, index)]
        service = tuple(int(self.service[c]) for c in node_customer)
        horizon = int(travel.max(axis=1).sum() + sum(service)) + 1
        ends = [horizon if limit is None else min(limit, horizon) for limit in self.limit]
        vehicles = tuple(
            EngineVehicle(start=0, end=0, capacity=inst.capacity[d], latest_end=ends[d])
            for d in range(inst.t)
            for _ in range(m)
        )
        problem = EngineProblem(
            n_nodes=len(node_customer),
            profiles=(Profile(cost=cost, travel=travel, service=service),),
            vehicles=vehicles,
            groups=tuple(groups),
            demand=tuple(inst.demand[c] for c in node_customer),
            allowed=None if all(a is None for a in allowed) else tuple(allowed),
            horizon=horizon,
        )
        initial: list[list[int]] = [[] for _ in vehicles]
        for d in range(inst.t):
            for k, route in enumerate(self.routes[d]):
                initial[d * m + k] = [node_of[(c, d + 1)] for c in route]
        params = SearchParams(max(0.2, seconds), workers=workers, seed=seed, configs=ENGINE_CONFIGS)
        solution = engine_solve(problem, params, initial_routes=initial)
        if solution is None:
            return
        routes: list[list[list[int]]] = [[] for _ in range(inst.t)]
        combo: dict[int, list[int]] = {}
        for v, nodes in enumerate(solution.routes):
            if nodes:
                route = [node_customer[n] for n in nodes]
                routes[v // m].append(route)
                for c in route:
                    combo.setdefault(c, []).append(v // m + 1)
        candidate = [(d + 1, r) for d in range(inst.t) for r in routes[d]]
        if not evaluate(inst, candidate).feasible or self._cost_of(routes) > self.cost() + 1e-9:
            return
        self.routes, self._cache = routes, {}
        self.combo = {c: tuple(sorted(days)) for c, days in combo.items()}

    def _free(self, c: int) -> bool:
        """A customer visited once whatever its combination: the engine may pick its day."""
        return all(len(combo) == 1 for combo in self.inst.combinations[c])

    def _cost_of(self, routes: list[list[list[int]]]) -> float:
        return float(sum(self._length(route) for day in routes for route in day))


CONSTRUCTION_ATTEMPTS = 20
"""Greedy insertion orders tried before giving up on a feasible start (tight instances load days to 97 %)."""

OPEN_FACTORS = (1.0, 0.5, 0.25, 0.0)
"""Weights of the cost of opening a route during construction: 0 spreads customers over all vehicles."""

ROUTE_MEMO = 200_000
"""Routes whose arc arrays are kept before the memo is cleared."""

RUIN_MAX = 20
"""Most customers removed at once by ruin and recreate."""

FINAL_TEMPERATURE_RATIO = 0.01
"""The annealing temperature falls geometrically to this share of its start."""


@dataclass(frozen=True, slots=True)
class _DayArcs:
    """The arcs of one day's routes as arrays, for vectorised cheapest insertion: per arc its route, its position,
    the load its route can still take and the duration left for a detour (None when D is unlimited)."""

    a: npt.NDArray[np.int64]
    b: npt.NDArray[np.int64]
    route: npt.NDArray[np.int64]
    position: npt.NDArray[np.int64]
    base: FloatMatrix
    room: npt.NDArray[np.int64]
    slack: npt.NDArray[np.int64] | None

    @staticmethod
    def of(state: _State, d: int) -> _DayArcs:
        parts = [state.route_arcs(tuple(route)) for route in state.routes[d]]
        empty = np.zeros(0, dtype=np.int64)
        if not parts:
            return _DayArcs(empty, empty, empty, empty, np.zeros(0), empty, None)
        sizes = np.asarray([p.a.size for p in parts], dtype=np.int64)
        route = np.repeat(np.arange(len(parts), dtype=np.int64), sizes)
        load = np.asarray([p.load for p in parts], dtype=np.int64)
        limit = state.limit[d]
        slack = None
        if limit is not None:
            busy = np.asarray([p.time for p in parts], dtype=np.int64)
            slack = (limit - busy)[route] + np.concatenate([p.tbase for p in parts])
        return _DayArcs(
            a=np.concatenate([p.a for p in parts]),
            b=np.concatenate([p.b for p in parts]),
            route=route,
            position=np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes),
            base=np.concatenate([p.base for p in parts]),
            room=(state.inst.capacity[d] - load)[route],
            slack=slack,
        )


@dataclass(frozen=True, slots=True)
class _RouteArcs:
    """The arcs of one route, with its load and its duration in engine units."""

    a: npt.NDArray[np.int64]
    b: npt.NDArray[np.int64]
    base: FloatMatrix
    tbase: npt.NDArray[np.int64]
    load: int
    time: int
