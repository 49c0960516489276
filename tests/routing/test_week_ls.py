"""The weekly search (``routing/week_ls.py``) on the tiny country's weeks: which problems it takes, that its
constant-time window test agrees with a full recomputation, and that what it returns keeps every rule of the week
by checks it does not share (the OR-Tools model, the planner's daily driving filter) while never being worse than
its start."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from routing import optimizer, week_ls
from routing.benchmarks import solomon
from routing.model import EngineProblem, objective_of
from routing.ortools_model import RouteChecker
from routing.search import RouteFilter, earliest_starts
from scheduler.demand import estimate_demand
from scheduler.greedy import greedy_solution
from scheduler.problem import Lock, Problem, Rules, build_problem
from tests.fakes import MONDAY, LineTravel, make_problem, tiny_fleet, tiny_network
from tests.routing.test_vrptw_ls import small_instance


def engine_week(problem: Problem) -> tuple[EngineProblem, list[list[int]], RouteFilter]:
    """The planner's engine problem of ``problem``, its greedy week as routes, and its daily driving filter."""
    nodes = optimizer._nodes(problem)
    engine = optimizer.to_engine(problem, nodes)
    routes, days = optimizer._initial_routes(problem, nodes, engine.allowed or (), greedy_solution(problem))
    start = optimizer._feasible_start(problem, nodes, engine, RouteChecker(engine), routes, days)
    return engine, start, optimizer._daily_drive_filter(problem, nodes)


def keeps_the_week(engine: EngineProblem, routes: tuple[tuple[int, ...], ...], drive_ok: RouteFilter) -> bool:
    """Every rule, by the OR-Tools model and the planner's own daily driving filter."""
    if RouteChecker(engine).objective(routes) is None:
        return False
    for v, route in enumerate(routes):
        starts = earliest_starts(engine, engine.vehicles[v], route)
        if starts is None or (route and not drive_ok(v, route, starts)):
            return False
    return True


def test_it_takes_the_weekly_model_and_not_plain_vrptw() -> None:
    engine, _, _ = engine_week(make_problem())
    assert week_ls.fits(engine)
    assert not week_ls.fits(solomon.to_engine(small_instance(1, 8)))  # loads and no prizes: vrptw_ls's


@pytest.mark.parametrize("limit", [9 * 60, 100])
def test_the_week_it_returns_keeps_every_rule_and_is_no_worse(limit: int) -> None:
    """From the greedy week, 0.5 s of steps; with a 100-minute daily limit the drive rule binds."""
    engine, start, drive_ok = engine_week(make_problem(Rules(daily_drive_limit_min=limit)))
    assert keeps_the_week(engine, tuple(map(tuple, start)), drive_ok)
    found = week_ls.solve_week(engine, time_limit_s=0.5, initial_routes=start, seed=3)
    assert found is not None
    assert keeps_the_week(engine, found.routes, drive_ok)
    assert found.objective <= objective_of(engine, start)
    assert found.objective == objective_of(engine, found.routes) == found.history[-1][1]
    assert found.starts == tuple(earliest_starts(engine, engine.vehicles[v], r) for v, r in enumerate(found.routes))


def test_from_an_empty_week_it_fills_the_week() -> None:
    """Started from no visit at all, the steps put visits worth their detour in (every prize lost is the start)."""
    engine, _, drive_ok = engine_week(make_problem())
    empty: list[list[int]] = [[] for _ in engine.vehicles]
    found = week_ls.solve_week(engine, time_limit_s=0.5, initial_routes=empty, seed=1)
    assert found is not None
    assert keeps_the_week(engine, found.routes, drive_ok)
    assert found.objective < objective_of(engine, empty)
    assert sum(map(len, found.routes)) > 0


def test_a_locked_visit_stays_where_it_is() -> None:
    problem = make_problem()
    bus = problem.vehicles[0]
    candidate = next(c for c in problem.candidates if bus.id in c.vehicle_ids and c.site_id(bus.kind) is not None)
    lock = Lock(bus.id, problem.service_dates[1], candidate.place_id, candidate.expected_citizens)
    network = tiny_network()
    travel = LineTravel(network)
    locked = build_problem(
        network=network,
        fleet=tiny_fleet(),
        travel=travel,
        demand=estimate_demand(network, travel, problem.service_dates),
        week_start=MONDAY,
        service_dates=problem.service_dates,
        locks=[lock],
    )
    engine, start, drive_ok = engine_week(locked)
    (node, vehicle), *_ = engine.locks
    assert node in start[vehicle]
    found = week_ls.solve_week(engine, time_limit_s=0.3, initial_routes=start, seed=2)
    assert found is not None and node in found.routes[vehicle]
    assert keeps_the_week(engine, found.routes, drive_ok)


def test_a_start_that_breaks_a_window_is_refused() -> None:
    """Thursday night at home before Monday night's: Monday night's window is over."""
    engine, start, _ = engine_week(make_problem())
    assert engine.daily_travel is not None and engine.allowed is not None
    monday, *_, thursday = [n for n in engine.daily_travel.rests if engine.allowed[n] == (0,)]
    broken = [[thursday, monday] if v == 0 else list(r) for v, r in enumerate(start)]
    assert earliest_starts(engine, engine.vehicles[0], broken[0]) is None
    assert week_ls.solve_week(engine, time_limit_s=0.1, initial_routes=broken) is None


def test_the_window_test_agrees_with_a_full_recomputation() -> None:
    """Random routes of the week's nodes: the compiled refresh says feasible exactly when ``earliest_starts`` (the
    engine's plain recomputation) finds start times (the daily limit left out: ``earliest_starts`` ignores it)."""
    engine, _, _ = engine_week(make_problem())
    engine = replace(engine, daily_travel=None)
    inst = week_ls.Instance.of(engine)
    rng = random.Random(7)
    agreed = {True: 0, False: 0}
    for _ in range(300):
        v = rng.randrange(len(engine.vehicles))
        pool = [n for n in range(engine.n_nodes) if inst.group_of[n] >= 0 and inst.allowed[n, v]]
        route = rng.sample(pool, rng.randint(1, min(6, len(pool))))
        if rng.random() < 0.5:  # half in time order (mostly feasible), half as drawn (nights out of order)
            route.sort(key=lambda n: (int(inst.wstart[n, 0]), rng.random()))
        routes = [route if u == v else [] for u in range(len(engine.vehicles))]
        state = week_ls.new_state(inst, engine, routes)
        expected = earliest_starts(engine, engine.vehicles[v], route) is not None
        feasible_groups = len({int(inst.group_of[n]) for n in route}) == len(route)
        if not feasible_groups:
            continue
        if state is None and expected:  # refused for another rule (a shared pool or an at-least set), not windows
            assert RouteChecker(engine).objective(routes) is None
            continue
        assert (state is not None) == expected
        agreed[expected] += 1
    assert agreed[True] > 20 and agreed[False] > 10
