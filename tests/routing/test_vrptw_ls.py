"""The dedicated VRPTW search: which problems it takes, that its constant-time insertion test agrees with a full
recomputation, that every step it accepts keeps the routes feasible by the independent Solomon evaluator, and that
it improves a bad start."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import search, vrptw_ls
from routing.benchmarks import solomon, steps
from routing.benchmarks.portfolios import PORTFOLIO
from routing.benchmarks.solomon import SolomonInstance
from routing.config import SearchConfig
from routing.model import EngineSolution, VisitGroup
from routing.vrptw_ls import Instance, State, VrptwConfig, fits, new_state, solve_vrptw


def small_instance(seed: int, customers: int, *, width: int = 60, vehicles: int | None = None) -> SolomonInstance:
    """Random customers on a 50 × 50 grid, each with a window that a vehicle going straight there can keep."""
    rng = random.Random(seed)
    depot = (25, 25)
    coords = [depot, *((rng.randint(0, 50), rng.randint(0, 50)) for _ in range(customers))]
    horizon = 400
    ready, due, service, demand = [0], [horizon], [0], [0]
    for x, y in coords[1:]:
        reach = int(((x - 25) ** 2 + (y - 25) ** 2) ** 0.5) + 1
        latest = horizon - 2 * reach - 10
        start = rng.randint(reach, max(reach, latest))
        ready.append(start)
        due.append(min(start + rng.randint(0, width), horizon - reach - 10))
        service.append(rng.randint(0, 10))
        demand.append(rng.randint(1, 10))
    return SolomonInstance(
        name=f"random{seed}",
        vehicles=vehicles or customers,
        capacity=30,
        coords=tuple((float(x), float(y)) for x, y in coords),
        demand=tuple(demand),
        ready=tuple(ready),
        due=tuple(due),
        service=tuple(service),
    )


def one_per_route(inst: SolomonInstance) -> list[list[int]]:
    return [[c] for c in range(1, len(inst.coords))]


def start(inst: SolomonInstance) -> tuple[Instance, State]:
    problem = solomon.to_engine(inst)
    arrays = Instance.of(problem)
    state = new_state(arrays, one_per_route(inst), inst.vehicles)
    assert state is not None
    return arrays, state


def test_fits_plain_vrptw_only() -> None:
    """Solomon's problem fits; an optional visit, a second window or a lock does not."""
    problem = solomon.to_engine(small_instance(1, 6))
    assert fits(problem)
    assert not fits(replace(problem, groups=(VisitGroup((1,), 5), *problem.groups[1:])))
    assert problem.windows is not None
    assert not fits(replace(problem, windows=(problem.windows[0], ((0, 10), (20, 30)), *problem.windows[2:])))
    assert not fits(replace(problem, locks=((1, 0),)))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), customers=st.integers(2, 8), width=st.integers(0, 150))
def test_the_constant_time_insertion_test_agrees_with_a_full_recomputation(
    seed: int, customers: int, width: int
) -> None:
    """For every customer and every position of every other route, the two-number slack test says "fits" exactly
    when the route with the customer inserted keeps every window and the depot's closing."""
    inst = small_instance(seed, customers, width=width)
    arrays, state = start(inst)
    rng = random.Random(seed)
    routes = state.routes()
    # Merge some routes first, where feasible, so that the tested routes hold several customers.
    for c in rng.sample(range(1, customers + 1), customers):
        r = int(state.route_of[c])
        target = rng.randrange(inst.vehicles)
        if target != r and state.size[target] > 0:
            merged = [list(x) for x in routes]
            merged[r] = []
            merged[target].insert(rng.randint(0, len(merged[target])), c)
            trial = new_state(arrays, merged, inst.vehicles)
            if trial is not None:
                state, routes = trial, trial.routes()
    for c in range(1, customers + 1):
        for r in range(inst.vehicles):
            if r == state.route_of[c]:
                continue
            for k in range(int(state.size[r]) + 1):
                a, b = int(state.nodes[r, k]), int(state.nodes[r, k + 1])
                begin = max(arrays.ready[c], state.early[r, k] + arrays.service[a] + arrays.travel[a, c])
                quick = (
                    begin <= arrays.due[c] and begin + arrays.service[c] + arrays.travel[c, b] <= state.late[r, k + 1]
                )
                moved = list(routes[r])
                moved.insert(k, c)
                check = solomon.evaluate(replace(inst, capacity=10**6), [moved])
                broken = [e for e in check.errors if e.startswith("route 0:")]
                assert bool(quick) == (not broken), (c, r, k, routes)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), customers=st.integers(2, 9), width=st.integers(0, 150))
def test_every_accepted_step_keeps_the_routes_feasible(seed: int, customers: int, width: int) -> None:
    """Step by step (one ruin and recreate per call, hot enough to accept worse solutions), the current routes pass
    the independent evaluator, cost what it says, and the arrays agree with a fresh recomputation."""
    inst = small_instance(seed, customers, width=width)
    arrays, state = start(inst)
    best_nodes, best_size = state.nodes.copy(), state.size.copy()
    for step in range(15):
        current, _ = vrptw_ls._steps(
            arrays.cost, arrays.travel, arrays.service, arrays.ready, arrays.due, arrays.demand, arrays.capacity,
            arrays.near, *state.arrays(), best_nodes, best_size, 1, 200.0, 4, 4, 0.1, seed + step,
        )  # fmt: skip
        routes = state.routes()
        check = solomon.evaluate(inst, routes)
        assert check.feasible, check.errors
        assert current == round(check.value * solomon.SCALE)
        fresh = new_state(arrays, routes, inst.vehicles)
        assert fresh is not None
        for name in ("size", "load", "cost", "route_of", "position"):
            assert np.array_equal(getattr(state, name), getattr(fresh, name)), name
        for r in range(inst.vehicles):  # beyond a route's end the arrays hold leftovers nobody reads
            used = slice(0, int(state.size[r]) + 2)
            for name in ("nodes", "early", "late"):
                assert np.array_equal(getattr(state, name)[r, used], getattr(fresh, name)[r, used]), name
    best = [tuple(int(x) for x in best_nodes[r, 1 : best_size[r] + 1]) for r in range(inst.vehicles)]
    assert solomon.evaluate(inst, best).feasible


def test_the_search_improves_a_bad_start() -> None:
    """From one route per customer, half a second of search merges routes into a shorter plan the evaluator
    accepts."""
    inst = small_instance(5, 12, width=120)
    problem = solomon.to_engine(inst)
    bad = one_per_route(inst)
    before = solomon.evaluate(inst, bad)
    assert before.feasible
    found = solve_vrptw(problem, time_limit_s=0.5, initial_routes=bad, config=VrptwConfig(batch=5))
    assert found is not None
    after = solomon.evaluate(inst, found.routes)
    assert after.feasible, after.errors
    assert after.value < before.value
    assert found.objective == round(after.value * solomon.SCALE)
    assert sum(1 for r in found.routes if r) < len(bad)


def test_a_start_that_breaks_a_window_is_refused() -> None:
    """Routes the arrays would hold as infeasible are not searched from: None, not a wrong answer."""
    inst = small_instance(2, 6, width=0)
    problem = solomon.to_engine(inst)
    late_first = sorted(range(1, 7), key=lambda c: -inst.ready[c])
    assert solve_vrptw(problem, time_limit_s=0.1, initial_routes=[late_first]) is None


def test_a_worker_hands_over_to_the_vrptw_search_only_where_it_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a share set, the OR-Tools search's best goes on to the dedicated search on plain VRPTW only, and what
    comes back is no worse than that best."""
    calls: list[int] = []
    real = vrptw_ls.solve_vrptw

    def spy(problem: object, **kwargs: object) -> EngineSolution | None:
        calls.append(1)
        return real(problem, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(vrptw_ls, "solve_vrptw", spy)
    inst = small_instance(3, 8, width=120)
    problem = solomon.to_engine(inst)
    config = SearchConfig(first_solution="SAVINGS", vrptw_share=0.5)
    found = search.search_one(problem, config, 0.6, None, collect=True, seed=1)
    assert found is not None and calls == [1]
    assert solomon.evaluate(inst, found.routes).feasible
    assert found.seen_routes
    prized = replace(problem, groups=(VisitGroup((1,), 10**6), *problem.groups[1:]))
    assert search.search_one(prized, config, 0.3, None, collect=False) is not None
    assert calls == [1]


def test_the_steps_probe_counts_steps_of_the_ortools_search() -> None:
    """The probe behind the steps-per-second figure makes whole OR-Tools ruin-and-recreate steps in its time."""
    inst = small_instance(4, 8, width=120)
    assert steps.ortools_steps(solomon.to_engine(inst), one_per_route(inst), 0.3, size=3) >= 1


def test_two_workers_run_the_vrptw_search_from_the_portfolio() -> None:
    """The Solomon portfolio on two workers (the compiled search loaded before they fork): a solution the
    evaluator accepts, at the objective the engine reports."""
    inst = small_instance(6, 10, width=120)
    found = search.solve(solomon.to_engine(inst), search.SearchParams(1.0, workers=2, configs=PORTFOLIO))
    assert found is not None
    check = solomon.evaluate(inst, found.routes)
    assert check.feasible, check.errors
    assert round(check.value * solomon.SCALE) == found.objective
