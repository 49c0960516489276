"""The routing engine on tiny instances written here: every rule it promises holds in what it returns."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import pytest

from routing import search
from routing.benchmarks.portfolios import PORTFOLIO
from routing.config import SearchConfig, search_parameters
from routing.engine import solve_once
from routing.model import (
    EngineProblem,
    EngineSolution,
    EngineVehicle,
    Profile,
    VisitGroup,
    keeps_shared,
    objective_of,
    prize_factor,
    route_cost,
)
from routing.recombine import Column, recombine
from routing.ruin import polish, ruin_and_recreate
from routing.search import SearchParams, earliest_starts, solve

# Depot at the origin, six customers on a circle of radius 10.
POINTS = [(0.0, 0.0)] + [(10 * math.cos(k * math.pi / 3), 10 * math.sin(k * math.pi / 3)) for k in range(6)]


def euclid() -> np.ndarray:
    xy = np.array(POINTS)
    return np.ceil(np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))).astype(np.int64)


def vrptw(**overrides: object) -> EngineProblem:
    d = euclid()
    fields: dict[str, object] = {
        "n_nodes": len(POINTS),
        "profiles": (Profile(d, d, (0,) + (5,) * 6),),
        "vehicles": tuple(EngineVehicle(0, 0, capacity=3, latest_end=200) for _ in range(3)),
        "groups": tuple(VisitGroup((n,), None) for n in range(1, 7)),
        "demand": (0,) + (1,) * 6,
        "windows": ((), ((0, 20),), ((0, 200),), ((40, 60),), ((0, 200),), ((0, 200),), ((0, 30),)),
        "horizon": 200,
    }
    fields.update(overrides)
    return EngineProblem(**fields)  # type: ignore[arg-type]


def test_mandatory_visits_windows_and_capacity_hold() -> None:
    """Every customer once, no route over capacity, every start inside its window."""
    problem = vrptw()
    solution = solve_once(problem, time_limit_s=1)
    assert solution is not None
    visited = sorted(n for r in solution.routes for n in r)
    assert visited == [1, 2, 3, 4, 5, 6]
    for v, route in enumerate(solution.routes):
        assert len(route) <= 3
        for node, start in zip(route, solution.starts[v], strict=True):
            lo, hi = problem.windows[node][0]  # type: ignore[index]
            assert lo <= start <= hi
        assert earliest_starts(problem, problem.vehicles[v], route) is not None


def test_prizes_with_a_route_length_limit() -> None:
    """A team-orienteering path collects what its length allows and never exceeds it."""
    d = euclid()
    problem = EngineProblem(
        n_nodes=len(POINTS),
        profiles=(Profile(d, d, (0,) * 7),),
        vehicles=(EngineVehicle(0, 0, max_cost=35),),
        groups=tuple(VisitGroup((n,), 1000 * n) for n in range(1, 7)),
        horizon=10_000,
    )
    solution = solve_once(problem, time_limit_s=1)
    assert solution is not None
    route = solution.routes[0]
    assert route
    assert route_cost(problem, problem.vehicles[0], route) <= 35


def orienteering(max_cost: int) -> EngineProblem:
    d = euclid()
    return EngineProblem(
        n_nodes=len(POINTS),
        profiles=(Profile(d, d, (0,) * 7),),
        vehicles=(EngineVehicle(0, 0, max_cost=max_cost),),
        groups=tuple(VisitGroup((n,), 10**6 * n) for n in range(1, 7)),
        horizon=10_000,
    )


def test_prize_scale_sets_the_mean_prize_in_nearest_neighbour_arcs() -> None:
    """Scale 3: the rescaled prizes average three nearest-neighbour arcs (every nearest arc here is 10)."""
    problem = orienteering(35)
    factor = prize_factor(problem, 3.0)
    prizes = [g.prize * factor for g in problem.groups if g.prize]
    assert sum(prizes) / len(prizes) == pytest.approx(30.0)
    assert prize_factor(problem, None) == 1.0


def test_a_rescaled_search_reports_the_true_objective() -> None:
    """A search on rescaled prizes still returns a legal path, judged by the problem's own prizes."""
    problem = orienteering(35)
    solution = solve_once(problem, time_limit_s=1, config=SearchConfig(prize_scale=3.0))
    assert solution is not None
    assert route_cost(problem, problem.vehicles[0], solution.routes[0]) <= 35
    assert solution.objective == objective_of(problem, solution.routes)
    assert solution.objective < objective_of(problem, [()])


def test_a_rescaled_search_returns_the_best_true_objective_it_met() -> None:
    """At rescaled prizes the search's own best need not be the best at the true prizes: its history holds the
    true objective of every solution it reported, and the answer is the least of them."""
    problem = orienteering(35)
    config = replace(NATIVE, prize_scale=3.0)
    solution = solve_once(problem, time_limit_s=0.5, config=config)
    assert solution is not None and solution.history
    assert solution.objective == objective_of(problem, solution.routes)
    assert solution.objective == min(objective for _, objective in solution.history)


def test_polish_fills_a_path_with_room_and_keeps_mandatory_visits() -> None:
    """From the path to 5 alone there is room for 6 beside it (30 of 35): the descent takes it. From a full
    VRPTW solution it keeps every customer."""
    problem = orienteering(35)
    polished = polish(problem, [(5,)], time_limit_s=0.5)
    assert polished is not None
    assert set(polished.routes[0]) == {5, 6}
    assert polished.objective == objective_of(problem, polished.routes)
    vrp = vrptw()
    first = solve_once(vrp, time_limit_s=0.2)
    assert first is not None
    kept = polish(vrp, first.routes, time_limit_s=0.5)
    assert kept is not None
    assert sorted(n for r in kept.routes for n in r) == [1, 2, 3, 4, 5, 6]
    assert kept.objective <= first.objective


def test_the_final_polish_keeps_the_route_filter() -> None:
    """A polish that would add 6 beside 5 is refused when the filter forbids 6; one it allows is taken."""
    problem = orienteering(35)
    start = EngineSolution(((5,),), ((10,),), objective_of(problem, [(5,)]), 0.0)

    def without_six(v: int, nodes: tuple[int, ...], starts: tuple[int, ...]) -> bool:
        return 6 not in nodes

    end = time.monotonic() + 0.1
    assert search.polished(problem, start, end, without_six) is start
    assert set(search.polished(problem, start, time.monotonic() + 0.1, None).routes[0]) == {5, 6}


def test_ruin_and_recreate_climbs_from_a_poor_path() -> None:
    """From a path to node 1 alone, ruin and recreate finds the best legal pair (5 and 6, next to each other:
    30 of the 35 allowed), and never returns a worse or longer path."""
    problem = orienteering(35)
    start = EngineSolution(((1,),), ((10,),), objective_of(problem, [(1,)]), 0.0)
    config = SearchConfig(first_solution="LOCAL_CHEAPEST_INSERTION", prize_operators=True, ruin_size=2)
    found = ruin_and_recreate(problem, config, start, time.monotonic(), 1.0, 1.0)
    assert found.objective <= start.objective
    assert set(found.routes[0]) == {5, 6}
    assert route_cost(problem, problem.vehicles[0], found.routes[0]) <= 35
    assert found.objective == objective_of(problem, found.routes)


def test_a_recreate_fills_the_room_rescaled_prizes_leave() -> None:
    """Prizes rescaled to almost nothing make every detour too dear for the descent; the second descent at the
    true prizes still fills the path (6 fits beside 5), and every route a step met goes to the pool."""
    problem = orienteering(35)
    start = EngineSolution(((5,),), ((10,),), objective_of(problem, [(5,)]), 0.0)
    config = SearchConfig(first_solution="LOCAL_CHEAPEST_INSERTION", prize_operators=True, ruin_size=1)
    pool: set[tuple[int, tuple[int, ...]]] = set()
    found = ruin_and_recreate(problem, config, start, time.monotonic(), 0.3, 1e-9, pool)
    assert set(found.routes[0]) == {5, 6}
    assert (0, found.routes[0]) in pool


def test_ruin_and_recreate_brings_back_every_mandatory_visit() -> None:
    """With mandatory visits the ruined nodes are left out only inside the descent: every returned solution
    visits all six customers within capacity and windows, and is no longer than the start."""
    problem = vrptw()
    first = solve_once(problem, time_limit_s=0.2, config=SearchConfig(first_solution="PATH_CHEAPEST_ARC"))
    assert first is not None
    found = ruin_and_recreate(problem, SearchConfig(ruin_size=3), first, time.monotonic(), 0.5, 1.0)
    assert sorted(n for r in found.routes for n in r) == [1, 2, 3, 4, 5, 6]
    assert found.objective <= first.objective
    assert all(earliest_starts(problem, problem.vehicles[v], r) is not None for v, r in enumerate(found.routes))
    assert all(len(r) <= 3 for r in found.routes)


NATIVE = SearchConfig(first_solution="LOCAL_CHEAPEST_INSERTION", metaheuristic="GREEDY_DESCENT", native_ruin=2)


def test_native_iterated_search_finds_the_best_legal_path() -> None:
    """OR-Tools' own iterated local search on the orienteering circle: the best pair within 35 (5 and 6), its true
    objective, and a path no longer than allowed."""
    problem = orienteering(35)
    found = solve_once(problem, time_limit_s=0.3, config=NATIVE)
    assert found is not None
    assert set(found.routes[0]) == {5, 6}
    assert route_cost(problem, problem.vehicles[0], found.routes[0]) <= 35
    assert found.objective == objective_of(problem, found.routes)


def test_native_iterated_search_keeps_mandatory_visits_windows_and_capacity() -> None:
    """The ruins of the iterated search never leave a mandatory customer out of the returned solution."""
    problem = vrptw()
    found = solve_once(problem, time_limit_s=0.3, config=NATIVE)
    assert found is not None
    assert sorted(n for r in found.routes for n in r) == [1, 2, 3, 4, 5, 6]
    assert all(earliest_starts(problem, problem.vehicles[v], r) is not None for v, r in enumerate(found.routes))
    assert all(len(r) <= 3 for r in found.routes)


def test_only_names_the_sole_local_search_operators() -> None:
    """``only`` switches off every other operator, the prize moves a config asks for included."""
    params = search_parameters(SearchConfig(prize_operators=True), 1.0, only=("use_two_opt", "use_or_opt"))
    operators = params.local_search_operators  # type: ignore[attr-defined]
    values = {f.name: getattr(operators, f.name) for f in operators.DESCRIPTOR.fields}
    assert {name for name, value in values.items() if value == values["use_two_opt"]} == {"use_two_opt", "use_or_opt"}


def test_allowed_vehicles_and_locks_are_kept() -> None:
    """Node 1 only on vehicle 2; node 4 locked to vehicle 0."""
    allowed: tuple[tuple[int, ...] | None, ...] = (None, (2,), None, None, None, None, None)
    problem = vrptw(allowed=allowed, locks=((4, 0),))
    solution = solve_once(problem, time_limit_s=1)
    assert solution is not None
    assert 1 in solution.routes[2]
    assert 4 in solution.routes[0]


def test_initial_routes_are_a_starting_point_not_a_cage() -> None:
    """The search starts from given routes and returns a solution at least as good."""
    problem = vrptw()
    initial = [[1, 2, 3], [4, 5, 6], []]
    start_cost = sum(route_cost(problem, problem.vehicles[v], r) for v, r in enumerate(initial))
    solution = solve_once(problem, time_limit_s=1, initial_routes=initial)
    assert solution is not None
    assert solution.objective <= start_cost


def test_recombination_picks_the_cheapest_partition() -> None:
    """Among overlapping routes, set partitioning covers each customer once at least cost."""
    problem = vrptw()
    vehicle = problem.vehicles[0]
    routes = [(1, 2, 3), (4, 5, 6), (1, 2), (3, 4), (5, 6), (1, 6), (2, 3), (4, 5)]
    columns = [Column(0, r, route_cost(problem, vehicle, r)) for r in routes]
    chosen = recombine(problem, columns, time_limit_s=2, class_sizes={0: 3})
    assert chosen is not None
    assert sorted(n for c in chosen for n in c.nodes) == [1, 2, 3, 4, 5, 6]
    best = min(
        sum(c.cost for c in combo)
        for combo in (
            [columns[0], columns[1]],
            [columns[2], columns[3], columns[4]],
            [columns[5], columns[6], columns[7]],
        )
    )
    assert sum(c.cost for c in chosen) <= best


def test_recombination_with_prizes_picks_the_disjoint_routes_worth_most() -> None:
    """Two paths, optional prizes: the disjoint pair collecting most (5, 6 and 3, 4) beats the single richest
    route (4, 5, 6) that overlaps both others; an unvisited group's prize counts as lost."""
    problem = replace(orienteering(100), vehicles=(EngineVehicle(0, 0, max_cost=100),) * 2)
    vehicle = problem.vehicles[0]
    routes = [(5, 6), (3, 4), (4, 5, 6), (1,)]
    columns = [Column(0, r, route_cost(problem, vehicle, r)) for r in routes]
    chosen = recombine(problem, columns, time_limit_s=2, class_sizes={0: 2})
    assert chosen is not None
    assert sorted(c.nodes for c in chosen) == [(3, 4), (5, 6)]


def test_a_large_prize_pool_keeps_the_incumbent_and_the_routes_worth_most(monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the column cap, recombination sees the incumbent's routes and the richest others, nothing else; with
    mandatory visits only (no prize to rank by) it sees every route."""
    monkeypatch.setattr(search, "RECOMBINE_MAX_COLUMNS", 2)
    problem = orienteering(100)
    vehicle = problem.vehicles[0]
    keys = [(0, r) for r in [(1,), (6,), (5, 6), (2, 3), (1, 2)]]
    columns = {k: Column(0, k[1], route_cost(problem, vehicle, k[1])) for k in keys}
    kept = search.most_valuable(problem, columns, {(0, (1,))})
    assert kept == [(0, (1,)), (0, (6,)), (0, (5, 6))]
    mandatory = vrptw()
    assert search.most_valuable(mandatory, columns, set()) == keys


def test_portfolio_over_two_processes_returns_a_feasible_solution() -> None:
    """Two worker processes plus recombination: all customers served, within capacity."""
    problem = vrptw()
    solution = solve(problem, SearchParams(time_limit_s=2, workers=2, configs=PORTFOLIO))
    assert solution is not None
    assert sorted(n for r in solution.routes for n in r) == [1, 2, 3, 4, 5, 6]
    assert all(len(r) <= 3 for r in solution.routes)


def test_the_seed_reaches_the_workers_dedicated_searches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker i of a solve with seed k runs with seed k × workers + i: the weekly planner's configs all start from
    the same routes, so a seed that only rotated them would make every seed the same run."""
    seen: list[int] = []

    def recording(*args: object, seed: int = 0, **kwargs: object) -> tuple[None, None]:
        seen.append(seed)
        return None, None

    monkeypatch.setattr(search, "search_both", recording)
    for seed in (0, 3):
        solve(vrptw(), SearchParams(time_limit_s=0.5, workers=1, seed=seed, configs=PORTFOLIO))
    assert seen == [0, 3]

    def echoing(*args: object, seed: int = 0, **kwargs: object) -> tuple[int, None]:
        return seed, None  # from a forked worker: its seed comes back as its answer

    monkeypatch.setattr(search, "search_both", echoing)
    for first in (0, 6):
        runs = search._run_parallel(vrptw(), list(PORTFOLIO[:2]), 0.3, None, False, first)
        assert [seed for seed, _ in runs] == [first, first + 1]


def test_a_route_filter_keeps_a_rule_the_model_does_not_hold() -> None:
    """No route may serve both neighbours 2 and 3 (every shortest plan does): every route of the portfolio's
    answer keeps that, every customer is still served, and the answer is dearer than the unfiltered one."""

    def apart(v: int, nodes: tuple[int, ...], starts: tuple[int, ...]) -> bool:
        return not {2, 3} <= set(nodes)

    problem = vrptw()
    free = solve(problem, SearchParams(time_limit_s=1, workers=1, configs=PORTFOLIO))
    kept = solve(problem, SearchParams(time_limit_s=1.5, workers=2, configs=PORTFOLIO), route_ok=apart)
    assert free is not None and kept is not None
    assert all(apart(v, r, ()) for v, r in enumerate(kept.routes))
    assert sorted(n for r in kept.routes for n in r) == [1, 2, 3, 4, 5, 6]
    assert kept.objective > free.objective


def test_a_route_filter_nothing_passes_but_the_start() -> None:
    """When only the initial routes pass the filter, they are the answer, at their true objective."""
    problem = vrptw()
    initial = ((1, 2, 3), (6, 5, 4), ())

    def only_initial(v: int, nodes: tuple[int, ...], starts: tuple[int, ...]) -> bool:
        return nodes == initial[v]

    solution = solve(
        problem,
        SearchParams(time_limit_s=1, workers=1, configs=PORTFOLIO),
        initial_routes=initial,
        route_ok=only_initial,
    )
    assert solution is not None
    assert solution.routes == initial
    assert solution.objective == objective_of(problem, initial)


def test_a_vehicle_that_cannot_start_stays_home() -> None:
    """Start and end farther apart than the length limit: the empty path is the (feasible) answer."""
    d = euclid()
    problem = EngineProblem(
        n_nodes=len(POINTS),
        profiles=(Profile(d, d, (0,) * 7),),
        vehicles=(EngineVehicle(1, 4, max_cost=5),),
        groups=tuple(VisitGroup((n,), 100) for n in (0, 2, 3, 5, 6)),
        horizon=10_000,
    )
    solution = solve_once(problem, time_limit_s=1)
    assert solution is not None
    assert solution.routes == ((),)
    assert solution.objective == 500


@pytest.mark.parametrize(
    "knobs",
    [
        {"first_solution": "FASTEST"},
        {"metaheuristic": "LUCK"},
        {"gls_lambda": 0.0},
        {"prize_scale": -1.0},
        {"ruin_size": -1},
        {"native_ruin": 20, "ruin_size": 10},
        {"orienteering_share": 1.5},
    ],
)
def test_a_search_config_that_cannot_run_as_asked_is_refused_when_made(knobs: dict[str, object]) -> None:
    """Clashing or unknown knobs raise at construction instead of being dropped during a search."""
    with pytest.raises(ValueError):
        SearchConfig(**knobs)  # type: ignore[arg-type]


def test_a_native_ruin_search_refuses_initial_routes() -> None:
    """OR-Tools' own iterated local search starts from its own first solution: given routes are an error."""
    with pytest.raises(ValueError, match="initial routes"):
        solve_once(orienteering(35), time_limit_s=0.3, config=NATIVE, initial_routes=[[1]])


def test_a_shared_capacity_caps_the_visited_groups_in_search_and_recombination() -> None:
    """Six rich optional visits (prize grows with the node), but nodes 1, 2 and 3 of sizes 1, 3 and 3 share a
    capacity of 4: the search and the recombination take 1 and 3, the richest pair that fits, never all three."""
    problem = replace(orienteering(1000), shared=(((0, 1, 2), (1, 3, 3), 4),))
    solution = solve_once(problem, time_limit_s=1)
    assert solution is not None and keeps_shared(problem, solution.routes)
    visited = {n for r in solution.routes for n in r}
    assert visited == {1, 3, 4, 5, 6}
    vehicle = problem.vehicles[0]
    routes = [(1, 2, 3, 4, 5, 6), (1, 3, 4, 5, 6), (2, 4, 5, 6)]
    columns = [Column(0, r, route_cost(problem, vehicle, r)) for r in routes]
    chosen = recombine(problem, columns, time_limit_s=2, class_sizes={0: 1})
    assert chosen is not None and [c.nodes for c in chosen] == [(1, 3, 4, 5, 6)]
