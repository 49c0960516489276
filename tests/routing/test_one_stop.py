"""A vehicle serves a site at most once a day (``routing/one_stop.py``): visits to one site on one day with
other stops between are gathered after the search when the route then keeps every rule, else one of them is left
out, and only two visits the model needs stay apart."""

from __future__ import annotations

from collections import Counter

import numpy as np

from routing import optimizer
from routing.model import EngineProblem, EngineVehicle, Profile, VisitGroup
from routing.one_stop import one_stop_a_day, split_stops
from routing.ortools_model import RouteChecker
from scheduler.assemble import build_plan
from scheduler.problem import MINUTES_PER_DAY, Solution, Visit
from tests.fakes import LineTravel, background, make_problem, tiny_network

A1, B, A2 = 1, 2, 3
SITES = {A1: "A", B: "B", A2: "A"}


def two_sites(b_window: tuple[int, int], a2_window: tuple[int, int], *, locks: bool = False) -> EngineProblem:
    """A depot, site A (nodes 1 and 3, 10 min away) and site B (node 2, 30 min from A); an hour's service each;
    A1 must start by minute 10. With ``locks`` both visits to A are mandatory."""
    travel = np.array([[0, 10, 40, 10], [10, 0, 30, 0], [40, 30, 0, 30], [10, 0, 30, 0]], dtype=np.int64)
    windows = (((0, 10),), ((0, 10),), (b_window,), (a2_window,))
    return EngineProblem(
        n_nodes=4,
        profiles=(Profile(travel, travel, (0, 60, 60, 60)),),
        vehicles=(EngineVehicle(0, 0),),
        groups=tuple(VisitGroup((n,), None if locks and n != B else 1000) for n in (A1, B, A2)),
        windows=windows,
    )


def gathered(problem: EngineProblem, route: list[int]) -> list[int]:
    return one_stop_a_day(problem, RouteChecker(problem), lambda v, n: SITES[n], MINUTES_PER_DAY, [route])[0]


def test_a_later_visit_to_the_same_site_moves_up_to_the_first() -> None:
    problem = two_sites((0, 600), (0, 600))
    assert split_stops(problem, lambda v, n: SITES[n], MINUTES_PER_DAY, 0, [A1, B, A2]) == [(0, 2)]
    assert gathered(problem, [A1, B, A2]) == [A1, A2, B]


def test_a_split_no_move_can_mend_loses_its_later_visit() -> None:
    """B closes at minute 100 and A2 opens at 200: after A2 B is closed; B first leaves A1's window behind."""
    assert gathered(two_sites((0, 100), (200, 600)), [A1, B, A2]) == [A1, B]


def test_a_split_of_two_locks_no_move_can_mend_stays() -> None:
    assert gathered(two_sites((0, 100), (200, 600), locks=True), [A1, B, A2]) == [A1, B, A2]


def test_visits_on_different_days_are_no_split() -> None:
    problem = two_sites((0, 600), (MINUTES_PER_DAY, MINUTES_PER_DAY + 600))
    assert split_stops(problem, lambda v, n: SITES[n], MINUTES_PER_DAY, 0, [A1, B, A2]) == []


def test_the_planner_shows_one_stop_where_the_search_split_one() -> None:
    """P1, P2, P1 on Monday costs what P1, P1, P2 does (the places lie on one road): the search may end on either,
    the plan shows BUS-01 once at P1 that day."""
    problem = make_problem()
    first, second = background(problem, "P1")[:2]
    p2 = background(problem, "P2")[0]
    split = Solution((("BUS-01", (Visit(first.id, 540), Visit(p2.id, 700), Visit(second.id, 860))),), 0, 0.0)
    nodes = optimizer._nodes(problem)
    engine = optimizer.to_engine(problem, nodes)
    checker = RouteChecker(engine)
    routes, days = optimizer._initial_routes(problem, nodes, engine.allowed or (), split)
    routes = optimizer._feasible_start(problem, nodes, engine, checker, routes, days)
    site_of = optimizer._site_of(problem, nodes)
    assert split_stops(engine, site_of, MINUTES_PER_DAY, 0, routes[0]) == [(0, 2)]
    before = checker.objective(routes)

    after = one_stop_a_day(engine, checker, site_of, MINUTES_PER_DAY, routes)
    assert split_stops(engine, site_of, MINUTES_PER_DAY, 0, after[0]) == []
    objective = checker.objective(after)
    assert objective is not None and before is not None and objective <= before
    starts = [optimizer.earliest_starts(engine, engine.vehicles[v], r) or () for v, r in enumerate(after)]
    visits = [
        (vehicle.id, tuple(Visit(optimizer._candidate_id(problem, nodes[n]), s) for n, s in zip(r, t, strict=True)))
        for vehicle, r, t in zip(problem.vehicles, after, starts, strict=True)
    ]
    plan = build_plan(problem, Solution(tuple(visits), objective, 0.0), LineTravel(tiny_network()))
    stops = Counter((s.vehicle_id, s.date, s.place_id) for s in plan.stops)
    assert stops[("BUS-01", problem.week_start, "P1")] == 1
    assert stops[("BUS-01", problem.week_start, "P2")] == 1
