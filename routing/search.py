"""Use the whole time budget and both cores: differently configured searches side by side, then recombination.

Each worker process runs one ``SearchConfig`` of the engine for most of the budget and reports every route it met.
The parent keeps the best solution and, in the time left, asks CP-SAT for the best combination of all routes seen
(set partitioning): routes from different searches combine into a plan better than any one search found.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from routing import orienteering
from routing.engine import (
    Column,
    EngineProblem,
    EngineSolution,
    EngineVehicle,
    RouteChecker,
    SearchConfig,
    objective_of,
    polish,
    recombine,
    route_cost,
    solve_once,
)

PORTFOLIO: tuple[SearchConfig, ...] = (
    SearchConfig(first_solution="SAVINGS", gls_lambda=0.2, ruin_size=10),
    SearchConfig(first_solution="PARALLEL_CHEAPEST_INSERTION", gls_lambda=0.1, extra_operators=True, ruin_size=10),
    SearchConfig(first_solution="SAVINGS", gls_lambda=0.1, extra_operators=True, ruin_size=10),
    SearchConfig(first_solution="PATH_CHEAPEST_ARC", gls_lambda=0.2, ruin_size=10),
)
"""Tried in this order; ``seed`` rotates it so different seeds run different searches. On all 37 Solomon
instances (10 s) the first two with recombination gave 2.11 % mean gap (2026-11-22). Ruin and recreate after a
quarter of the budget, eight weak Solomon instances at 10 s: none 4.52 %, up to 5 nodes 1.73 %, 10 1.76 %, 20
1.69 % (noise about ±0.3 %); 10 with the guided local search cut to a tenth of the budget 2.19 %."""

ORIENTEERING_SHARE = 0.5
"""On plain orienteering, the second half of each search's time goes to the dedicated search from its best (all
78 p4 and p7 TOP instances, 5 s, whole portfolio, before its string removal: none 0.47 %, 37 at BKS; 0.4 0.23 %,
56; 0.5 0.30 %, 55; 0.6 0.23 %, 57; with it, 17 weak instances: 0.3 0.71 %, 0.5 0.59-0.66 %, 0.7 1.02 %)."""

ORIENTEERING_PORTFOLIO: tuple[SearchConfig, ...] = (
    SearchConfig(
        first_solution="LOCAL_CHEAPEST_INSERTION",
        metaheuristic="GREEDY_DESCENT",
        native_ruin=20,
        prize_scale=2.5,
        orienteering_share=ORIENTEERING_SHARE,
    ),
    SearchConfig(
        first_solution="LOCAL_CHEAPEST_INSERTION",
        metaheuristic="GREEDY_DESCENT",
        native_ruin=20,
        prize_scale=3.0,
        orienteering_share=ORIENTEERING_SHARE,
    ),
    SearchConfig(
        first_solution="LOCAL_CHEAPEST_INSERTION",
        metaheuristic="GREEDY_DESCENT",
        native_ruin=20,
        orienteering_share=ORIENTEERING_SHARE,
    ),
    SearchConfig(
        first_solution="LOCAL_CHEAPEST_INSERTION",
        prize_operators=True,
        prize_scale=3.0,
        ruin_size=15,
        orienteering_share=ORIENTEERING_SHARE,
    ),
)
"""For prize collecting: insertion-based first solutions; path-cheapest-arc and savings ignore optional nodes.
Each hands over to the dedicated orienteering search for the second half of its time (``ORIENTEERING_SHARE``).
The first two (the pair seed 0 runs) are OR-Tools' own iterated local search at prizes rescaled to 2.5 and 3
mean nearest-neighbour arcs, the third the same at the true prizes, the last guided local search at rescaled
prizes, then ruin and recreate from Python. History on 26 TOP instances (every tenth file, 5 s), mean gap: exact
prizes 5.45 %; prizes rescaled to 3 and 6 arcs 2.75 %; then ruin and recreate of up to 15 nodes 1.71 %. On the
24 weakest instances (5 s, both workers and recombination): GLS with Python ruin and recreate 2.68 %; iterated
search at the true and at 3-arc prizes 0.98 % (removing 30 visits on average instead of 20: 0.99 %). On all 78
p4 and p7 instances (5 s, the whole portfolio): true and 3-arc prizes 0.64 %, 33 at BKS; 2.5- and 3-arc prizes
0.47 %, 37 at BKS. One worker alone on the 26 p4 instances not at BKS, 4.5 s: 3-arc prizes 2.36 %, 2-arc 5.19 %
(prizes below most detours: a cliff), true prizes 2.69-2.75 %. One worker alone, true prizes, 24 weakest,
4.5 s: 15 visits removed 2.81 %, 20 1.89 %, 30 2.07 %; rescaled to 3 arcs: 5 visits 4.45 %, 20 2.27 %, 30
2.87 %; with the prize operators 25.5 % (their descents eat the budget). Not kept (the whole portfolio on p4 and
p7): a colder annealing (first temperature a hundredth of the mean arc instead of OR-Tools' tenth) 0.80 %."""

RECOMBINE_SHARE = 0.1
RECOMBINE_MAX_S = 0.3
"""Recombination gets this share of the budget, at most ``RECOMBINE_MAX_S`` seconds: CP-SAT settles the set
partitioning of the routes met within a few tenths of a second or not at all (R101: nothing better in 1.3 s), and
the searches get the rest. Measured neutral on quality (eight weak Solomon instances, 10 s: 4.99 % with 1 s of
recombination, 5.08 % with 0.3 s), but the budget goes to the searches instead of an idle wait."""

RECOMBINE_MAX_COLUMNS = 800
"""Prize collecting fills the pool with thousands of routes (every solution an iterated search reports): on four
TOP instances with 2 300-3 000 routes CP-SAT found no solution in 0.4 s, not even the hinted incumbent, and up to
14 points more score in 3 s; the 800 worth most it settles in 0.03-0.3 s, with most of that gain (p4.4.o 1010 →
1017, 3 s on all: 1024)."""


POLISH_MAX_S = 0.1
POLISH_MIN_S = 0.02
"""The final descent settles in 20-40 ms on TOP's 100-node instances (recreate operators only); below the
minimum there is no time for it."""


RouteFilter = Callable[[int, tuple[int, ...], tuple[int, ...]], bool]
"""(vehicle, nodes, earliest service starts) → whether a route keeps a rule the engine's model does not hold."""


@dataclass(frozen=True, slots=True)
class SearchParams:
    time_limit_s: float
    workers: int = 2
    seed: int = 0
    recombine: bool = True
    configs: tuple[SearchConfig, ...] = PORTFOLIO


def solve(
    problem: EngineProblem,
    params: SearchParams,
    *,
    progress: Callable[[float, int], None] | None = None,
    initial_routes: Sequence[Sequence[int]] | None = None,
    route_ok: RouteFilter | None = None,
) -> EngineSolution | None:
    """The best solution the portfolio and recombination find within ``params.time_limit_s`` wall seconds.

    With ``route_ok``, only solutions whose every route passes it are returned: the searches' solutions, the
    initial routes (checked against the whole model) and recombinations of the passing routes they met.
    """
    started = time.monotonic()
    reserve = min(RECOMBINE_SHARE * params.time_limit_s, RECOMBINE_MAX_S) if params.recombine else 0.0
    search_s = max(0.1, params.time_limit_s - reserve - _startup_allowance(params))
    configs = [params.configs[(params.seed + i) % len(params.configs)] for i in range(max(1, params.workers))]
    if len(configs) == 1:
        results = [_search(problem, configs[0], search_s, initial_routes, params.recombine, progress)]
    else:
        results = _run_parallel(problem, configs, search_s, initial_routes, params.recombine)
    found = [r for r in results if r is not None]
    candidates = found
    if route_ok is not None:
        start = None if initial_routes is None else _as_solution(problem, initial_routes)
        candidates = [r for r in (*found, start) if r is not None and _passes(problem, r.routes, route_ok)]
    best = min(candidates, key=lambda r: r.objective, default=None)
    if progress is not None and best is not None:
        progress(time.monotonic() - started, best.objective)
    if params.recombine and found:
        left = params.time_limit_s - (time.monotonic() - started)
        best = _recombined(problem, found, best, max(0.1, left), route_ok)
    if best is not None:
        best = _polished(problem, best, started + params.time_limit_s, route_ok)
    if progress is not None and best is not None:
        progress(time.monotonic() - started, best.objective)
    return best


def _polished(problem: EngineProblem, best: EngineSolution, end: float, route_ok: RouteFilter | None) -> EngineSolution:
    """``best`` after a greedy descent at the true prizes in the time left (at most ``POLISH_MAX_S``), when that
    improves it and keeps ``route_ok``."""
    left = min(POLISH_MAX_S, end - time.monotonic())
    if left < POLISH_MIN_S:
        return best
    polished = polish(problem, best.routes, time_limit_s=left)
    if polished is None or polished.objective >= best.objective:
        return best
    if route_ok is not None and not _passes(problem, polished.routes, route_ok):
        return best
    return replace(polished, seconds=best.seconds, history=(*best.history, (best.seconds, polished.objective)))


def _passes(problem: EngineProblem, routes: Sequence[Sequence[int]], route_ok: RouteFilter) -> bool:
    return all(not nodes or _route_passes(problem, v, tuple(nodes), route_ok) for v, nodes in enumerate(routes))


def _route_passes(problem: EngineProblem, v: int, nodes: tuple[int, ...], route_ok: RouteFilter) -> bool:
    starts = earliest_starts(problem, problem.vehicles[v], nodes)
    return starts is not None and route_ok(v, nodes, starts)


def _as_solution(problem: EngineProblem, routes: Sequence[Sequence[int]]) -> EngineSolution | None:
    """Given routes as a solution, when they keep every constraint of the model."""
    objective = RouteChecker(problem).objective(routes)
    starts = [earliest_starts(problem, problem.vehicles[v], nodes) for v, nodes in enumerate(routes)]
    if objective is None or any(s is None for s in starts):
        return None
    return EngineSolution(tuple(map(tuple, routes)), tuple(s for s in starts if s is not None), objective, 0.0)


def _startup_allowance(params: SearchParams) -> float:
    """Worker processes cost some wall time to start and to build their model."""
    return 0.15 if params.workers > 1 else 0.0


def _run_parallel(
    problem: EngineProblem,
    configs: list[SearchConfig],
    seconds: float,
    initial_routes: Sequence[Sequence[int]] | None,
    collect: bool,
) -> list[EngineSolution | None]:
    context = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(configs), mp_context=context) as pool:
        futures = [
            pool.submit(
                _worker,
                problem,
                config,
                seconds,
                None if initial_routes is None else list(map(list, initial_routes)),
                collect,
            )
            for config in configs
        ]
        return [f.result() for f in futures]


def _worker(
    problem: EngineProblem,
    config: SearchConfig,
    seconds: float,
    initial_routes: list[list[int]] | None,
    collect: bool,
) -> EngineSolution | None:
    return _search(problem, config, seconds, initial_routes, collect)


def _search(
    problem: EngineProblem,
    config: SearchConfig,
    seconds: float,
    initial_routes: Sequence[Sequence[int]] | None,
    collect: bool,
    progress: Callable[[float, int], None] | None = None,
) -> EngineSolution | None:
    """One configured search: OR-Tools, then (on plain orienteering) the dedicated search from its best."""
    share = config.orienteering_share if orienteering.fits(problem) else 0.0
    started = time.monotonic()
    found = solve_once(
        problem,
        time_limit_s=seconds * (1.0 - share),
        config=config,
        initial_routes=initial_routes,
        on_solution=progress,
        collect_routes=collect,
    )
    if found is None or share <= 0.0:
        return found
    left = seconds - (time.monotonic() - started)
    if left <= 0:
        return found
    more = orienteering.solve_orienteering(
        problem, time_limit_s=left, initial_routes=found.routes, collect_routes=collect
    )
    offset = seconds - left
    history = (*found.history, *((offset + t, v) for t, v in more.history if v < found.objective))
    seen = tuple(sorted(set(found.seen_routes) | set(more.seen_routes)))
    best = more if more.objective < found.objective else found
    return replace(best, seconds=time.monotonic() - started, history=history, seen_routes=seen)


def earliest_starts(problem: EngineProblem, vehicle: EngineVehicle, nodes: Sequence[int]) -> tuple[int, ...] | None:
    """Earliest service start at each node of a route, or None when the route breaks a window or the horizon."""
    if not nodes:
        return ()
    profile = problem.profiles[vehicle.profile]
    now, here = vehicle.earliest_start, vehicle.start
    starts = []
    for node in nodes:
        arrive = now + profile.service[here] + int(profile.travel[here, node])
        windows = problem.windows[node] if problem.windows else ()
        begin = next((max(arrive, lo) for lo, hi in windows if max(arrive, lo) <= hi), None) if windows else arrive
        if begin is None:
            return None
        starts.append(begin)
        now, here = begin, node
    back = now + profile.service[here] + int(profile.travel[here, vehicle.end])
    latest = vehicle.latest_end if vehicle.latest_end is not None else problem.horizon
    return tuple(starts) if back <= latest else None


def _most_valuable(
    problem: EngineProblem,
    columns: dict[tuple[int, tuple[int, ...]], Column],
    incumbent: set[tuple[int, tuple[int, ...]]],
) -> list[tuple[int, tuple[int, ...]]]:
    """The incumbent's routes and, when optional prizes rank them, the ``RECOMBINE_MAX_COLUMNS`` routes worth most
    (prizes collected less cost); every route when there are fewer or all visits are mandatory."""
    keys = list(columns)
    prize = {n: g.prize for g in problem.groups if g.prize is not None for n in g.nodes}
    if len(keys) <= RECOMBINE_MAX_COLUMNS or not prize:
        return keys

    def worth(key: tuple[int, tuple[int, ...]]) -> int:
        return sum(prize.get(n, 0) for n in key[1]) - columns[key].cost

    kept = set(sorted(keys, key=worth, reverse=True)[:RECOMBINE_MAX_COLUMNS]) | incumbent
    return [k for k in keys if k in kept]


def _recombined(
    problem: EngineProblem,
    found: list[EngineSolution],
    best: EngineSolution | None,
    seconds: float,
    route_ok: RouteFilter | None = None,
) -> EngineSolution | None:
    """Set partitioning over every route met (that passes ``route_ok``); vehicles with identical attributes share
    their routes. Returns ``best`` unless a better combination is found."""
    classes: dict[object, list[int]] = {}
    for v, vehicle in enumerate(problem.vehicles):
        # Per-node vehicle restrictions make every vehicle its own class.
        classes.setdefault(vehicle if problem.allowed is None else v, []).append(v)
    representative = {v: members[0] for members in classes.values() for v in members}
    columns: dict[tuple[int, tuple[int, ...]], Column] = {}
    rejected: set[tuple[int, tuple[int, ...]]] = set()
    incumbent_keys = set()
    for solution in [*found, *([best] if best is not None else [])]:
        pairs = list(solution.seen_routes)
        pairs += [(v, r) for v, r in enumerate(solution.routes) if r]
        for v, nodes in pairs:
            key = (representative[v], nodes)
            if key in columns or key in rejected:
                continue
            vehicle = problem.vehicles[key[0]]
            if route_ok is not None and not _route_passes(problem, key[0], nodes, route_ok):
                rejected.add(key)
                continue
            columns[key] = Column(key[0], nodes, route_cost(problem, vehicle, nodes))
    for v, nodes in enumerate(best.routes if best is not None else ()):
        if nodes:
            incumbent_keys.add((representative[v], nodes))
    keys = _most_valuable(problem, columns, incumbent_keys)
    ordered = [columns[k] for k in keys]
    chosen = recombine(
        problem,
        ordered,
        time_limit_s=seconds,
        incumbent=[i for i, k in enumerate(keys) if k in incumbent_keys],
        class_sizes={members[0]: len(members) for members in classes.values()},
    )
    if chosen is None:
        return best
    routes: list[tuple[int, ...]] = [()] * len(problem.vehicles)
    free = {rep: list(members) for rep, members in ((m[0], m) for m in classes.values())}
    for column in chosen:
        routes[free[column.vehicle].pop(0)] = column.nodes
    starts = []
    for v, nodes in enumerate(routes):
        times = earliest_starts(problem, problem.vehicles[v], nodes)
        if times is None:
            return best
        starts.append(times)
    objective = objective_of(problem, routes)
    if best is None:
        return EngineSolution(tuple(routes), tuple(starts), objective, 0.0, ((0.0, objective),))
    if objective >= best.objective:
        return best
    return EngineSolution(
        tuple(routes), tuple(starts), objective, best.seconds, (*best.history, (best.seconds, objective))
    )
