"""The dedicated orienteering search: which problems it takes, that it finds small optima and keeps every limit."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from itertools import combinations

import numpy as np
import pytest

from routing import orienteering, search
from routing.config import SearchConfig
from routing.model import EngineProblem, EngineSolution, EngineVehicle, Profile, VisitGroup, objective_of, route_cost
from routing.orienteering import Paths, fits, solve_orienteering


def scattered(n_customers: int, limit: int, paths: int = 2, seed: int = 7) -> EngineProblem:
    """Customers at random points between a start (node 0) and an end (the last node), as in Chao's instances."""
    rng = random.Random(seed)
    points = [(0.0, 0.0), *((rng.uniform(0, 20), rng.uniform(-8, 8)) for _ in range(n_customers)), (20.0, 0.0)]
    xy = np.array(points)
    d = np.ceil(np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)) * 10).astype(np.int64)
    n = len(points)
    return EngineProblem(
        n_nodes=n,
        profiles=(Profile(d, d, (0,) * n),),
        vehicles=(EngineVehicle(0, n - 1, max_cost=limit),) * paths,
        groups=tuple(VisitGroup((i,), 10**6 * rng.randint(1, 9)) for i in range(1, n - 1)),
        horizon=10**6,
    )


def best_two_paths(problem: EngineProblem) -> int:
    """The most prize two disjoint paths within the limit collect, by Held-Karp over every customer subset."""
    d = problem.profiles[0].cost
    customers = list(range(1, problem.n_nodes - 1))
    end, limit = problem.n_nodes - 1, problem.vehicles[0].max_cost
    prize = {g.nodes[0]: g.prize or 0 for g in problem.groups}
    k = len(customers)
    # shortest[mask][i]: shortest path from the start through the customers in mask, ending at customers[i].
    shortest = [[math.inf] * k for _ in range(1 << k)]
    for i, c in enumerate(customers):
        shortest[1 << i][i] = int(d[0, c])
    for mask in range(1, 1 << k):
        for i in range(k):
            here = shortest[mask][i]
            if here == math.inf:
                continue
            for j in range(k):
                if not mask & (1 << j):
                    extended = here + int(d[customers[i], customers[j]])
                    shortest[mask | (1 << j)][j] = min(shortest[mask | (1 << j)][j], extended)
    worth = {0: 0}
    for mask in range(1, 1 << k):
        length = min(shortest[mask][i] + int(d[customers[i], end]) for i in range(k))
        if limit is not None and length <= limit:
            worth[mask] = sum(prize[customers[i]] for i in range(k) if mask & (1 << i))
    return max(worth[a] + worth[b] for a, b in combinations([*worth, 0], 2) if not a & b)


def collected(problem: EngineProblem, solution: EngineSolution) -> int:
    prize = {g.nodes[0]: g.prize or 0 for g in problem.groups}
    return sum(prize[n] for r in solution.routes for n in r)


def test_only_plain_orienteering_fits() -> None:
    """Windows, service, a mandatory visit or a choice between nodes are beyond the dedicated search."""
    problem = scattered(6, 300)
    assert fits(problem)
    assert not fits(replace(problem, windows=((),) + (((0, 50),),) + ((),) * 6))
    profile = problem.profiles[0]
    assert not fits(replace(problem, profiles=(Profile(profile.cost, profile.travel, (0,) + (5,) * 7),)))
    assert not fits(replace(problem, groups=(VisitGroup((1,), None), *problem.groups[1:])))
    assert not fits(replace(problem, groups=(VisitGroup((1, 2), 5), *problem.groups[2:])))


@pytest.mark.parametrize("limit", [250, 330, 420])
def test_two_paths_collect_the_most_the_limit_allows(limit: int) -> None:
    """Nine customers, two paths: the best of three seeds matches the exhaustive optimum (a heuristic: one seed
    may stop a customer short), and every path keeps its limit and every customer is visited at most once."""
    problem = scattered(9, limit)
    solutions = [solve_orienteering(problem, time_limit_s=0.3, seed=seed) for seed in range(3)]
    assert max(collected(problem, s) for s in solutions) == best_two_paths(problem)
    for solution in solutions:
        for v, route in enumerate(solution.routes):
            assert route_cost(problem, problem.vehicles[v], route) <= limit
        assert len({n for r in solution.routes for n in r}) == sum(len(r) for r in solution.routes)
        assert solution.objective == objective_of(problem, solution.routes)


def test_it_starts_from_the_given_routes_and_never_returns_worse() -> None:
    """From a poor start (one customer) the search climbs; its history starts no worse than that start."""
    problem = scattered(12, 300, paths=3)
    start = ((1,), (), ())
    solution = solve_orienteering(problem, time_limit_s=0.3, initial_routes=start)
    assert solution.objective < objective_of(problem, start)
    assert solution.history[0][1] <= objective_of(problem, start)
    assert [t for t, _ in solution.history] == sorted(t for t, _ in solution.history)
    assert solution.starts[0][0] == int(problem.profiles[0].cost[0, solution.routes[0][0]])


def test_two_opt_untangles_a_crossed_path() -> None:
    """A path around a square visited corner to opposite corner is reversed into its shortest order."""
    xy = np.array([(0, 0), (0, 10), (10, 10), (10, 0), (0, 0.1)])
    d = np.ceil(np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)) * 10).astype(np.int64)
    problem = EngineProblem(
        n_nodes=5,
        profiles=(Profile(d, d, (0,) * 5),),
        vehicles=(EngineVehicle(0, 4, max_cost=10_000),),
        groups=tuple(VisitGroup((i,), 1000) for i in (1, 2, 3)),
    )
    paths = Paths(problem, seed=0)
    paths.load([[2, 1, 3]])
    paths.two_opt(0)
    assert paths.routes[0] in ([1, 2, 3], [3, 2, 1])
    assert paths.length[0] == route_cost(problem, problem.vehicles[0], paths.routes[0])


def test_a_visit_worth_less_than_its_detour_is_left_out() -> None:
    """Prizes that do not dominate the distance: the far customer costs more than it brings."""
    problem = scattered(4, 10_000, paths=1)
    near = replace(problem, groups=tuple(replace(g, prize=10_000) for g in problem.groups))
    cost = problem.profiles[0].cost
    detour = {n: int(cost[0, n] + cost[n, problem.n_nodes - 1] - cost[0, problem.n_nodes - 1]) for n in (1, 2, 3, 4)}
    far = max(detour, key=detour.__getitem__)
    cheap = replace(near, groups=tuple(replace(g, prize=1) if g.nodes[0] == far else g for g in near.groups))
    paths = Paths(cheap, seed=0)
    paths.load([[1, 2, 3, 4]])
    paths.improve()
    assert far not in paths.routes[0]


def test_a_worker_hands_over_to_the_orienteering_search_only_where_it_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a share set, the OR-Tools search's best goes on to the dedicated search on plain orienteering only,
    and what comes back is no worse than that best."""
    calls: list[tuple[tuple[int, ...], ...]] = []
    real = orienteering.solve_orienteering

    def spy(problem: EngineProblem, **kwargs: object) -> EngineSolution:
        calls.append(tuple(map(tuple, kwargs["initial_routes"])))  # type: ignore[call-overload]
        return real(problem, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(orienteering, "solve_orienteering", spy)
    config = SearchConfig(first_solution="LOCAL_CHEAPEST_INSERTION", orienteering_share=0.5)
    problem = scattered(9, 330)
    found = search.search_one(problem, config, 1.0, None, collect=True)
    assert found is not None and len(calls) == 1
    assert found.objective <= objective_of(problem, calls[0])
    assert found.seen_routes
    windowed = replace(problem, windows=((),) + (((0, 10**5),),) * 9 + ((),))
    assert search.search_one(windowed, config, 0.5, None, collect=False) is not None
    assert len(calls) == 1


def test_or_opt_shortens_a_path_under_asymmetric_costs() -> None:
    """One-way arcs: a moved segment keeps its direction, and the path's recorded length is its true length."""
    rng = np.random.default_rng(3)
    d = rng.integers(10, 100, size=(9, 9)).astype(np.int64)
    np.fill_diagonal(d, 0)
    problem = EngineProblem(
        n_nodes=9,
        profiles=(Profile(d, d, (0,) * 9),),
        vehicles=(EngineVehicle(0, 8, max_cost=10_000),),
        groups=tuple(VisitGroup((i,), 1000) for i in range(1, 8)),
    )
    paths = Paths(problem, seed=0)
    paths.load([[7, 3, 5, 1, 6, 2, 4]])
    before = route_cost(problem, problem.vehicles[0], paths.routes[0])
    paths.or_opt(0)
    after = route_cost(problem, problem.vehicles[0], paths.routes[0])
    assert sorted(paths.routes[0]) == [1, 2, 3, 4, 5, 6, 7]
    assert after < before
    assert paths.length[0] == after


def test_without_a_seed_each_process_searches_differently(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's two workers often hand the same routes over: without a seed, each process's id seeds the
    search, so two processes do not repeat one search; a given seed still decides it."""
    problem = scattered(10, 330)
    seeds: list[int] = []

    class Recording(Paths):
        def __init__(self, problem: EngineProblem, seed: int) -> None:
            seeds.append(seed)
            super().__init__(problem, seed)

    monkeypatch.setattr(orienteering, "Paths", Recording)
    for pid in (101, 202):
        monkeypatch.setattr(orienteering.os, "getpid", lambda pid=pid: pid)
        solve_orienteering(problem, time_limit_s=0.01)
    solve_orienteering(problem, time_limit_s=0.01, seed=5)
    assert seeds == [101, 202, 5]


def test_a_descent_after_a_ruin_shortens_only_the_paths_that_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    """After a ruin of one path, the descent runs 2-opt and or-opt on that path (and any its moves change), not on
    the paths it left alone, which are already short; the limits still hold."""
    problem = scattered(16, 330, paths=3)
    paths = Paths(problem, seed=3)
    paths.improve()
    before = [list(r) for r in paths.routes]
    ruined = max(range(3), key=lambda r: len(paths.routes[r]))
    paths.remove(paths.routes[ruined][:2])
    shortened: list[int] = []
    real = Paths.two_opt
    monkeypatch.setattr(Paths, "two_opt", lambda self, r: (shortened.append(r), real(self, r))[1])
    paths.improve({ruined})
    others = {r for r in range(3) if paths.routes[r] == before[r] and r != ruined}
    assert ruined in shortened and not others & set(shortened)
    for v, route in enumerate(paths.routes):
        assert route_cost(problem, problem.vehicles[v], route) <= 330


def test_a_noisy_fill_keeps_each_candidates_factor_for_the_whole_fill() -> None:
    """The refill draws one random factor per path and node, once, not one per insertion."""
    problem = scattered(16, 330, paths=3)
    paths = Paths(problem, seed=3)
    draws: list[tuple[int, ...]] = []
    real = paths.noise_rng

    class Counted:
        def random(self, shape: tuple[int, ...]) -> object:
            draws.append(shape)
            return real.random(shape)

    paths.noise_rng = Counted()  # type: ignore[assignment]
    assert paths.fill(1.0)
    assert sum(len(r) for r in paths.routes) > 1
    assert draws == [(3, problem.n_nodes)]
