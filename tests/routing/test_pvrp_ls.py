"""The compiled PVRP search (plain Python here: CI has no numba) on small made-up instances: its plans pass the
independent evaluator, give every customer an allowed combination and are never longer than their start."""

from __future__ import annotations

import dataclasses
import random

import pytest

from routing.benchmarks import pvrp, pvrp_ls, pvrp_solver


def made_up(seed: int, n: int = 14, t: int = 3, m: int = 2, duration: float = 0.0) -> pvrp.PvrpInstance:
    """Random customers in a square: visited once (any single day), twice (two of the days) or every day."""
    rng = random.Random(seed)
    coords = [(0.0, 0.0)] + [(rng.uniform(-10, 10), rng.uniform(-10, 10)) for _ in range(n)]
    frequency = [0] + [rng.choice((1, 1, 2, t)) for _ in range(n)]
    combinations: list[tuple[tuple[int, ...], ...]] = [()]
    for f in frequency[1:]:
        if f == 1:
            combinations.append(tuple((d,) for d in range(1, t + 1)))
        elif f == t:
            combinations.append((tuple(range(1, t + 1)),))
        else:
            combinations.append(((1, 3), (2, 3)) if t >= 3 else ((1, 2),))
    return pvrp.PvrpInstance(
        name=f"made-up-{seed}",
        m=m,
        t=t,
        max_duration=(duration,) * t,
        capacity=(40,) * t,
        coords=tuple(coords),
        service=(0.0,) + (1.0,) * n,
        demand=(0, *(rng.randint(1, 9) for _ in range(n))),
        frequency=tuple(frequency),
        combinations=tuple(combinations),
    )


@pytest.fixture(scope="module", autouse=True)
def loaded() -> None:
    """Compile or load the search once, outside the tests' short budgets."""
    pvrp_ls.warm_up()


def constructed(inst: pvrp.PvrpInstance) -> pvrp_solver._State:
    state = pvrp_solver._State(inst, random.Random(0))
    assert state.construct()
    return state


@pytest.mark.parametrize(("seed", "duration"), [(1, 0.0), (2, 0.0), (3, 75.0)])
def test_search_is_feasible_allowed_and_no_worse_than_its_start(seed: int, duration: float) -> None:
    inst = made_up(seed, duration=duration)
    state = constructed(inst)
    steps: list[int] = []
    routes = pvrp_ls.search(
        inst, state.routes, 0.3, seed=seed, config=pvrp_ls.LsConfig(batch=20), on_steps=steps.append
    )
    assert routes is not None and steps and steps[0] > 0
    plan = [(d + 1, r) for d in range(inst.t) for r in routes[d]]
    check = pvrp.evaluate(inst, plan)
    assert check.errors == ()
    assert check.value <= state.cost() + 1e-9
    for c in range(1, inst.n_customers + 1):
        days = tuple(d for d, route in plan if c in route)
        assert days in inst.combinations[c]


def test_new_state_rejects_what_breaks_capacity_duration_or_vehicles() -> None:
    inst = made_up(4)
    arr = pvrp_ls.Arrays.of(inst)
    heavy = [[list(range(1, inst.n_customers + 1))], [], []]
    assert pvrp_ls.new_state(arr, inst.m, heavy) is None
    assert pvrp_ls.new_state(arr, 1, [[[1], [2]], [], []]) is None
    short = pvrp_ls.Arrays.of(dataclasses.replace(inst, max_duration=(1.0,) * inst.t))
    assert pvrp_ls.new_state(short, inst.m, [[[1]], [], []]) is None


def test_solver_uses_the_search_and_stays_feasible() -> None:
    """Through ``solve`` with two workers: the plan passes the evaluator and beats the construction."""
    inst = made_up(5, duration=80.0)
    plan = pvrp_solver.solve(inst, 1.5, workers=2)
    check = pvrp.evaluate(inst, plan)
    assert check.errors == ()
    assert check.value <= constructed(inst).cost() + 1e-9


def test_search_places_customers_the_start_left_out() -> None:
    """A start missing two customers (as a construction that could not fit them leaves it) comes back whole."""
    inst = made_up(6)
    start = [[[c for c in route if c not in (1, 2)] for route in day] for day in constructed(inst).routes]
    routes = pvrp_ls.search(inst, start, 0.3, seed=6, config=pvrp_ls.LsConfig(batch=20))
    assert routes is not None
    assert pvrp.evaluate(inst, [(d + 1, r) for d in range(inst.t) for r in routes[d]]).errors == ()
