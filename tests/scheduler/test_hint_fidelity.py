"""Re-optimising starts from the stored plan at its full value: on the bundled week, the stops mapped back onto
candidates are worth at least what the solution they came from was worth (slots of one place differ in value, the
repeat decay, and in which vehicles may serve them; mapping stops to slots in listed order lost 2 % of it)."""

from __future__ import annotations

from datetime import date

from api.services.solving import blank_week_inputs
from api.services.store import reference_data
from routing.travel import GraphTravelModel
from scheduler.assemble import build_plan
from scheduler.greedy import greedy_solution
from scheduler.objective import value_breakdown
from scheduler.pipeline import week_problem
from scheduler.problem import HOME
from scheduler.stability import hint_from_plan


def test_the_hint_of_a_bundled_week_keeps_its_value_and_its_stops() -> None:
    network, fleet = reference_data(None)
    travel = GraphTravelModel(network)
    problem = week_problem(blank_week_inputs(fleet, date(2026, 12, 7)), network=network, travel=travel)
    solution = greedy_solution(problem)
    plan = build_plan(problem, solution, travel)
    hint = hint_from_plan(problem, plan)
    assert value_breakdown(problem, hint).value >= value_breakdown(problem, solution).value
    visited = [(v, x) for v, visits in hint.routes for x in visits if x.candidate_id != HOME]
    served = {(v, problem.candidate(x.candidate_id).place_id) for v, x in visited}
    assert served == {(s.vehicle_id, s.place_id) for s in plan.stops}
    for vehicle_id, visits in hint.routes:
        by_place: dict[str, int] = {}
        for visit in visits:
            if visit.candidate_id == HOME:
                continue
            candidate = problem.candidate(visit.candidate_id)
            by_place[candidate.place_id] = by_place.get(candidate.place_id, 0) + candidate.serving(vehicle_id).citizens
        stops = [s for s in plan.stops if s.vehicle_id == vehicle_id]
        assert by_place == {p: sum(s.expected_citizens for s in stops if s.place_id == p) for p in by_place}
