"""The greedy hand-planner's week: validator-clean on the tiny country under default and tight rules, locks kept,
maintenance and the exclave respected, and the objective it reports is the engine's convention."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from scheduler.assemble import build_plan
from scheduler.greedy import greedy_solution
from scheduler.objective import plan_value, prize
from scheduler.problem import HOME, CandidateVisit, Problem, Rules, Serving, max_citizens
from scheduler.validator import validate
from tests.fakes import MONDAY, LineTravel, make_problem, tiny_network

NETWORK = tiny_network()
TRAVEL = LineTravel(NETWORK)


def violations(problem: Problem) -> tuple[str, ...]:
    plan = build_plan(problem, greedy_solution(problem), TRAVEL)
    return tuple(v.code for v in validate(plan, problem=problem, network=NETWORK))


def test_greedy_week_is_valid_and_uses_every_vehicle() -> None:
    """Default rules: no violation, BUS-01 and the train serve every day, the exclave bus every day X0's visits
    last (at most twelve of 25 citizens: three bus-days) and stays in the exclave."""
    problem = make_problem()
    solution = greedy_solution(problem)
    plan = build_plan(problem, solution, TRAVEL)
    assert validate(plan, problem=problem, network=NETWORK) == ()
    days = {vid: {s.date for s in plan.stops if s.vehicle_id == vid} for vid in ("BUS-01", "BUS-02", "TRAIN-01")}
    assert days["BUS-01"] == days["TRAIN-01"] == set(problem.service_dates)
    x0 = sum(c.expected_citizens for c in problem.candidates if c.place_id == "X0")
    assert x0 == problem.rules.max_slots_per_place * problem.rules.slot_citizens == 300
    assert len(days["BUS-02"]) == x0 // problem.vehicle("BUS-02").capacity_citizens_per_day == 3
    assert all((s.place_id == "X0") == (s.vehicle_id == "BUS-02") for s in plan.stops)


@pytest.mark.parametrize(
    "rules",
    [
        Rules(max_nights_away=0),
        Rules(max_nights_away=1, lodging_m=0),
        Rules(max_bus_leg_min=50),
        Rules(daily_drive_limit_min=120),
        Rules(earliest_departure_min=8 * 60 + 30, latest_return_min=18 * 60 + 30),
    ],
)
def test_greedy_week_keeps_tight_rules(rules: Rules) -> None:
    """No nights away, short legs, little driving a day, a late start and an early return: still no violation."""
    assert violations(make_problem(rules)) == ()


def test_greedy_never_serves_on_a_maintenance_day() -> None:
    """BUS-01 in the workshop on Wednesday serves nothing that day, and the week stays valid."""
    problem = make_problem()
    wednesday = problem.service_dates[2]
    vehicles = tuple(replace(v, maintenance_dates=(wednesday,)) if v.id == "BUS-01" else v for v in problem.vehicles)
    problem = replace(problem, vehicles=vehicles)
    plan = build_plan(problem, greedy_solution(problem), TRAVEL)
    assert validate(plan, problem=problem, network=NETWORK) == ()
    assert not [s for s in plan.stops if s.vehicle_id == "BUS-01" and s.date == wednesday]


def test_greedy_serves_a_locked_stop_first() -> None:
    """A locked stop of BUS-01 at P5 on Thursday is in the greedy week, and the week is valid."""
    problem = make_problem()
    thursday = date(2026, 11, 26)
    spared = 40 * 2 * 200  # 40 citizens, 200 minutes each way to P0's centre
    lock = CandidateVisit(
        "P5@lock1",
        "P5",
        0,
        40,
        "P5",
        None,
        ("BUS-01",),
        dates=(thursday,),
        locked=True,
        servings=(Serving(40, spared, round(spared / 60 * problem.rules.citizen_hour_value_m)),),
    )
    problem = replace(problem, candidates=(lock, *problem.candidates))
    solution = greedy_solution(problem)
    served = [v.candidate_id for _, visits in solution.routes for v in visits]
    assert "P5@lock1" in served
    plan = build_plan(problem, solution, TRAVEL)
    assert validate(plan, problem=problem, network=NETWORK) == ()
    (kept,) = [s for s in plan.stops if s.locked]  # the lock, and P5's visits right after it
    assert (kept.date, kept.place_id) == (thursday, "P5")
    assert kept.saved_citizen_min == kept.expected_citizens * 2 * 200 >= spared


def test_greedy_objective_uses_the_engine_convention() -> None:
    """``Solution.objective`` is unserved prize + driving + lodging, like the optimizer's; no trailing home night."""
    problem = make_problem()
    solution = greedy_solution(problem)
    total = sum(prize(c) for c in problem.candidates if not c.locked)
    assert solution.objective == total - plan_value(problem, solution)
    assert all(not visits or visits[-1].candidate_id != HOME for _, visits in solution.routes)
    assert problem.week_start == MONDAY


def test_greedy_keeps_the_needs_the_train_and_the_buses_share() -> None:
    """With the shared needs of P2 and P4 cut to 150 citizens, the hand planner's week takes some of each and
    never more than a pool holds."""
    loose = make_problem()
    problem = replace(loose, shared=tuple(replace(pool, citizens=150) for pool in loose.shared))
    solution = greedy_solution(problem)
    visited = {v.candidate_id for _, visits in solution.routes for v in visits}
    by_id = {c.id: c for c in problem.candidates}
    for pool in problem.shared:
        assert 0 < sum(max_citizens(by_id[c]) for c in pool.candidate_ids if c in visited) <= 150
