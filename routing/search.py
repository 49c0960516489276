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
from dataclasses import dataclass, field, replace

from routing import orienteering
from routing.config import SearchConfig
from routing.engine import solve_once
from routing.model import EngineProblem, EngineSolution, EngineVehicle, Routes, objective_of, route_cost
from routing.ortools_model import RouteChecker
from routing.recombine import Column, recombine
from routing.ruin import polish

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
    """Rotates ``configs`` over the workers and seeds their dedicated searches (worker i: ``seed × workers + i``),
    so that runs with other seeds search differently even where every config starts from the same routes."""
    recombine: bool = True
    configs: tuple[SearchConfig, ...] = field(kw_only=True)
    """Run in this order over the workers (``seed`` rotates it); the caller chooses them: the weekly planner its
    own (``routing.optimizer``), the benchmarks theirs (``routing.benchmarks.portfolios``)."""


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
    configs = [params.configs[(params.seed + i) % len(params.configs)] for i in range(max(1, params.workers))]
    _load_dedicated(problem, configs)
    reserve = min(RECOMBINE_SHARE * params.time_limit_s, RECOMBINE_MAX_S) if params.recombine else 0.0
    loading = time.monotonic() - started
    search_s = max(0.1, params.time_limit_s - reserve - _startup_allowance(params) - loading)
    first_seed = params.seed * len(configs)
    if len(configs) == 1:
        one = search_both(problem, configs[0], search_s, initial_routes, params.recombine, progress, seed=first_seed)
        results = [one]
    else:
        results = _run_parallel(problem, configs, search_s, initial_routes, params.recombine, first_seed)
    found = [r for pair in results for r in pair if r is not None]
    candidates = found
    if route_ok is not None:
        start = None if initial_routes is None else _as_solution(problem, initial_routes)
        candidates = [r for r in (*found, start) if r is not None and passes(problem, r.routes, route_ok)]
    best = min(candidates, key=lambda r: r.objective, default=None)
    if progress is not None and best is not None:
        progress(time.monotonic() - started, best.objective)
    if params.recombine and found:
        left = params.time_limit_s - (time.monotonic() - started)
        best = _recombined(problem, found, best, max(0.1, left), route_ok)
    if best is not None:
        best = polished(problem, best, started + params.time_limit_s, route_ok)
    if progress is not None and best is not None:
        progress(time.monotonic() - started, best.objective)
    return best


def polished(problem: EngineProblem, best: EngineSolution, end: float, route_ok: RouteFilter | None) -> EngineSolution:
    """``best`` after a greedy descent at the true prizes in the time left (at most ``POLISH_MAX_S``), when that
    improves it and keeps ``route_ok``."""
    left = min(POLISH_MAX_S, end - time.monotonic())
    if left < POLISH_MIN_S:
        return best
    polished = polish(problem, best.routes, time_limit_s=left)
    if polished is None or polished.objective >= best.objective:
        return best
    if route_ok is not None and not passes(problem, polished.routes, route_ok):
        return best
    return replace(polished, seconds=best.seconds, history=(*best.history, (best.seconds, polished.objective)))


def passes(problem: EngineProblem, routes: Sequence[Sequence[int]], route_ok: RouteFilter) -> bool:
    """Whether every route keeps its windows and ``route_ok``."""
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
    first_seed: int,
) -> list[tuple[EngineSolution | None, EngineSolution | None]]:
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
                first_seed + i,
            )
            for i, config in enumerate(configs)
        ]
        return [f.result() for f in futures]


def _worker(
    problem: EngineProblem,
    config: SearchConfig,
    seconds: float,
    initial_routes: list[list[int]] | None,
    collect: bool,
    seed: int,
) -> tuple[EngineSolution | None, EngineSolution | None]:
    return search_both(problem, config, seconds, initial_routes, collect, seed=seed)


Finisher = Callable[[EngineProblem, float, Routes, bool, int], EngineSolution | None]
"""(problem, seconds, the routes to start from, collect routes, seed) → a dedicated search's best, or None."""


def search_one(
    problem: EngineProblem,
    config: SearchConfig,
    seconds: float,
    initial_routes: Sequence[Sequence[int]] | None,
    collect: bool,
    progress: Callable[[float, int], None] | None = None,
    *,
    seed: int = 0,
) -> EngineSolution | None:
    """One configured search: OR-Tools, then (on plain orienteering, plain VRPTW or the weekly model) the dedicated
    search from its best; ``seed`` tells the workers' dedicated searches apart."""
    return search_both(problem, config, seconds, initial_routes, collect, progress, seed=seed)[0]


def search_both(
    problem: EngineProblem,
    config: SearchConfig,
    seconds: float,
    initial_routes: Sequence[Sequence[int]] | None,
    collect: bool,
    progress: Callable[[float, int], None] | None = None,
    *,
    seed: int = 0,
) -> tuple[EngineSolution | None, EngineSolution | None]:
    """``search_one``'s best, and the OR-Tools search's own when the dedicated search improved on it: a caller's
    route filter, which no search holds, may refuse the better one and not the other."""
    share, finisher = _dedicated(problem, config)
    started = time.monotonic()
    found = solve_once(
        problem,
        time_limit_s=seconds * (1.0 - share),
        config=config,
        initial_routes=initial_routes,
        on_solution=progress,
        collect_routes=collect,
    )
    if found is None or finisher is None:
        return found, None
    left = seconds - (time.monotonic() - started)
    if left <= 0:
        return found, None
    more = finisher(problem, left, found.routes, collect, seed)
    if more is None:
        return found, None
    offset = seconds - left
    history = (*found.history, *((offset + t, v) for t, v in more.history if v < found.objective))
    seen = tuple(sorted(set(found.seen_routes) | set(more.seen_routes)))
    if more.objective >= found.objective:
        return replace(found, seconds=time.monotonic() - started, history=history, seen_routes=seen), None
    return replace(more, seconds=time.monotonic() - started, history=history, seen_routes=seen), found


def _dedicated(problem: EngineProblem, config: SearchConfig) -> tuple[float, Finisher | None]:
    """The share of the budget a dedicated search takes over at the end, and that search, when the problem fits
    one the config asks for."""
    if config.orienteering_share > 0 and orienteering.fits(problem):
        return config.orienteering_share, _orienteering
    if config.vrptw_share > 0:
        # Imported here: it loads numba (half a second) when installed, which only the benchmarks need.
        from routing import vrptw_ls

        if vrptw_ls.fits(problem):
            return config.vrptw_share, _vrptw
    if config.week_share > 0:
        from routing import week_ls

        if week_ls.fits(problem):
            return config.week_share, _week
    return 0.0, None


def _load_dedicated(problem: EngineProblem, configs: Sequence[SearchConfig]) -> None:
    """Load a compiled search in this process when a worker will run it: workers forked after inherit it instead
    of each loading it within its budget (about half a second on a loaded machine)."""
    finishers = {_dedicated(problem, config)[1] for config in configs}
    if _vrptw in finishers:
        from routing import vrptw_ls

        vrptw_ls.warm_up()
    if _week in finishers:
        from routing import week_ls

        week_ls.warm_up()


def _orienteering(
    problem: EngineProblem, seconds: float, routes: Routes, collect: bool, seed: int
) -> EngineSolution | None:
    # Each worker its own seed: both are often handed the same routes, and one seed would run one search twice.
    return orienteering.solve_orienteering(
        problem, time_limit_s=seconds, initial_routes=routes, collect_routes=collect, seed=seed
    )


def _vrptw(problem: EngineProblem, seconds: float, routes: Routes, collect: bool, seed: int) -> EngineSolution | None:
    from routing import vrptw_ls

    return vrptw_ls.solve_vrptw(problem, time_limit_s=seconds, initial_routes=routes, seed=seed, collect_routes=collect)


def _week(problem: EngineProblem, seconds: float, routes: Routes, collect: bool, seed: int) -> EngineSolution | None:
    from routing import week_ls

    return week_ls.solve_week(problem, time_limit_s=seconds, initial_routes=routes, seed=seed, collect_routes=collect)


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


def most_valuable(
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
    keys = most_valuable(problem, columns, incumbent_keys)
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
