"""Re-optimisation starts from the stored plan: its stops map back onto the new problem's candidates."""

from __future__ import annotations

from dataclasses import replace

from routing.optimizer import RoutingOptimizer
from scheduler.calendar import service_dates
from scheduler.pipeline import PlanningParams, WeekInputs, plan_week
from scheduler.problem import HOME
from scheduler.stability import count_changes, hint_from_plan, locks_from_plan
from tests.fakes import MONDAY, LineTravel, tiny_fleet, tiny_network


def _week(**kwargs):  # type: ignore[no-untyped-def]
    network = tiny_network()
    kwargs.setdefault("params", PlanningParams(time_limit_s=2))
    return plan_week(
        WeekInputs(MONDAY, tiny_fleet()),
        network=network,
        travel=LineTravel(network),
        optimizer=RoutingOptimizer(workers=1),
        **kwargs,
    )


def test_hint_keeps_each_stops_citizens() -> None:
    """Each stop maps to candidates of the same place whose citizens add up to the stop's."""
    result = _week()
    hint = hint_from_plan(result.problem, result.plan)
    by_vehicle = dict(hint.routes)
    for route in result.plan.routes:
        mapped = [
            result.problem.candidate(v.candidate_id) for v in by_vehicle[route.vehicle_id] if v.candidate_id != HOME
        ]
        assert sum(c.expected_citizens for c in mapped) == sum(s.expected_citizens for s in route.stops)
        assert {c.place_id for c in mapped} == {s.place_id for s in route.stops}
    assert service_dates(MONDAY, set()) == result.problem.service_dates


def test_reoptimising_an_unchanged_week_keeps_locks_and_changes_little() -> None:
    """Locked stops stay; starting from the plan, the plan is still valid and the change count is reported."""
    first = _week().plan
    stops = [s for s in first.stops][:2]

    locked = replace(
        first,
        routes=tuple(replace(r, stops=tuple(replace(s, locked=s in stops) for s in r.stops)) for r in first.routes),
    )
    again = _week(previous=locked, locks=locks_from_plan(locked))
    assert again.violations == ()
    kept = {(s.vehicle_id, s.date, s.place_id) for s in again.plan.stops}
    assert {(s.vehicle_id, s.date, s.place_id) for s in stops} <= kept
    changes = count_changes(first, again.plan)
    assert changes.kept + changes.removed == len({(s.vehicle_id, s.date, s.place_id) for s in first.stops})


def test_the_hint_starts_the_search_at_the_plans_own_value() -> None:
    """The stops mapped back, with the nights the plan spends at home, are worth to the engine exactly what the
    solution the plan came from was: a start that paid lodging for nights at home made re-optimising move stops
    to win back what the mapping lost."""
    from routing import optimizer
    from routing.ortools_model import RouteChecker

    first = _week()
    nodes = optimizer._nodes(first.problem)
    engine = optimizer.to_engine(first.problem, nodes)
    checker = RouteChecker(engine)

    def start(solution):  # type: ignore[no-untyped-def]
        routes, days = optimizer._initial_routes(first.problem, nodes, engine.allowed or (), solution)
        return checker.objective(optimizer._feasible_start(first.problem, nodes, engine, checker, routes, days))

    assert any(night.at_depot for route in first.plan.routes for night in route.overnights if route.stops)
    assert start(hint_from_plan(first.problem, first.plan)) == start(first.solution)


def test_re_optimising_moves_no_stop_for_less_than_it_is_worth() -> None:
    """An unchanged week re-optimised keeps every stop when a change must gain more than any can
    (``Rules.replan_change_m``); from the greedy week, which the search improves by far more, stops do move."""
    from scheduler.greedy import greedy_solution
    from scheduler.problem import Rules

    first = _week()
    steady = _week(previous=first.plan, params=PlanningParams(time_limit_s=2, rules=Rules(replan_change_m=10**12)))
    assert count_changes(first.plan, steady.plan).changed == 0
    assert steady.violations == ()

    from scheduler.assemble import build_plan
    from tests.fakes import LineTravel, tiny_network

    greedy = build_plan(first.problem, greedy_solution(first.problem), LineTravel(tiny_network()))
    better = _week(previous=greedy)
    assert count_changes(greedy, better.plan).changed > 0
