"""The periodic VRP benchmark's solver, which only the benchmark runs: a greedy construction, then the compiled
search of ``pvrp_ls`` over routes and visit-day combinations together for the whole budget, one chain per worker.

Earlier versions alternated a plain-Python annealing over combinations with engine searches of the whole period for
fixed combinations; the Python search made far too few moves on the large instances in 60 s (docs/engine.md).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import random
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.benchmarks.pvrp import SCALE, FloatMatrix, Plan, PvrpInstance, evaluate


def solve(inst: PvrpInstance, time_limit_s: float, *, workers: int = 2, seed: int = 0) -> Plan:
    """The best plan found within ``time_limit_s`` wall seconds: greedy construction, then ``pvrp_ls.search`` from
    it in each of ``workers`` processes with different seeds, the best kept. May leave customers out only when no
    feasible plan was found; the evaluator then says so."""
    ends = time.monotonic() + time_limit_s - RETURN_MARGIN_S
    state = _State(inst, random.Random(seed))
    state.construct()
    if state.customers:
        _compiled_search(state, ends, workers, seed)
    return state.plan()


RETURN_MARGIN_S = 0.2
"""Kept back from the budget for returning the plan."""

STARTUP_S = 0.15
"""Wall time a worker process needs to start."""


def _compiled_search(state: _State, ends: float, workers: int, seed: int) -> None:
    """``pvrp_ls.search`` until ``ends`` from the current plan: one chain per worker, the best kept (fewest
    customers left out, then shortest)."""
    from routing.benchmarks import pvrp_ls  # loads numba (about half a second) only when the benchmark runs

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
                    pool.submit(pvrp_ls.search, state.inst, start, seconds - STARTUP_S, seed=seed * 101 + w)
                    for w in range(workers)
                ]
                results = [f.result() for f in futures]
        except (OSError, BrokenProcessPool):  # no worker processes here: one chain in this process instead
            results = [pvrp_ls.search(state.inst, start, ends - time.monotonic(), seed=seed)]
    best = state.penalised()
    saved = state.snapshot()
    for routes in results:
        if routes is None:
            continue
        days: dict[int, list[int]] = {}
        for d, day in enumerate(routes):
            for route in day:
                for c in route:
                    days.setdefault(c, []).append(d + 1)
        state.restore((routes, {c: tuple(v) for c, v in days.items()}))
        check = evaluate(state.inst, state.plan())
        value = state.penalised()
        if (check.feasible or state.pending()) and value < best - 1e-9:
            best, saved = value, state.snapshot()
    state.restore(saved)


class _State:
    """A plan being built: the routes of each day and the combination of each customer placed so far.

    Customers without a combination are pending; only a construction that could not fit everyone leaves some,
    and the compiled search, which counts each one as longer than any insertion, places them first.

    Duration checks use the engine's integer arithmetic (travel and service rounded up, limit rounded down), as
    ``pvrp_ls`` does, so every plan held here fits D in double precision.
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

    def snapshot(self) -> tuple[list[list[list[int]]], dict[int, tuple[int, ...]]]:
        return [[list(r) for r in day] for day in self.routes], dict(self.combo)

    def restore(self, saved: tuple[list[list[list[int]]], dict[int, tuple[int, ...]]]) -> None:
        self.routes, self.combo, self._cache = [[list(r) for r in day] for day in saved[0]], dict(saved[1]), {}


CONSTRUCTION_ATTEMPTS = 20
"""Greedy insertion orders tried before giving up on a feasible start (tight instances load days to 97 %)."""

OPEN_FACTORS = (1.0, 0.5, 0.25, 0.0)
"""Weights of the cost of opening a route during construction: 0 spreads customers over all vehicles."""

ROUTE_MEMO = 200_000
"""Routes whose arc arrays are kept before the memo is cleared."""


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
