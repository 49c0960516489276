"""Re-optimisation starts from the stored plan: its stops map back onto the new problem's candidates."""

from __future__ import annotations

from dataclasses import replace

from routing.optimizer import RoutingOptimizer
from scheduler.calendar import service_dates
from scheduler.pipeline import PlanningParams, WeekInputs, plan_week
from scheduler.stability import count_changes, hint_from_plan, locks_from_plan
from tests.fakes import MONDAY, LineTravel, tiny_fleet, tiny_network


def _week(**kwargs):  # type: ignore[no-untyped-def]
    network = tiny_network()
    return plan_week(
        WeekInputs(MONDAY, tiny_fleet()),
        network=network,
        travel=LineTravel(network),
        optimizer=RoutingOptimizer(workers=1),
        params=PlanningParams(time_limit_s=2),
        **kwargs,
    )


def test_hint_keeps_each_stops_citizens() -> None:
    """Each stop maps to candidates of the same place whose citizens add up to the stop's."""
    result = _week()
    hint = hint_from_plan(result.problem, result.plan)
    by_vehicle = dict(hint.routes)
    for route in result.plan.routes:
        mapped = [result.problem.candidate(v.candidate_id) for v in by_vehicle[route.vehicle_id]]
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
