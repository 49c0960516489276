"""The LP upper bound: never below a feasible week's value, checked against exhaustive search on micro weeks, the
greedy week and the optimizer's week on the tiny country."""

from __future__ import annotations

import random
from dataclasses import replace
from itertools import permutations, product

import pytest

from routing.bound import legal_closure, upper_bound
from routing.optimizer import RoutingOptimizer
from scheduler.assemble import build_plan
from scheduler.domain import VehicleKind
from scheduler.greedy import greedy_solution
from scheduler.objective import plan_value, prize
from scheduler.problem import HOME, CandidateVisit, Problem, Rules, Serving, Solution, Visit
from scheduler.validator import validate
from tests.fakes import LineTravel, make_problem, tiny_network

NETWORK = tiny_network()
TRAVEL = LineTravel(NETWORK)


def micro_problem(seed: int, *, days: int = 2, lodging_m: int = 30_000) -> Problem:
    """BUS-01 alone over ``days`` service days, four candidates of random size and weight at P1..P4 (two may
    share a place), each worth the citizen-hours it spares (the round trip to P0's centre) at 1000 m an hour: a
    visit is worth about as much as the drive to it, so every choice is a trade-off."""
    rng = random.Random(seed)
    base = make_problem(Rules(citizen_hour_value_m=1000, lodging_m=lodging_m))
    places = [rng.choice(["P1", "P2", "P3", "P4"]) for _ in range(4)]
    candidates = []
    for n, place in enumerate(places):
        citizens, weight = rng.choice([15, 20, 30, 40, 50]), rng.choice([1.0, 1.5, 3.0])
        spared = citizens * 2 * base.travel_min(VehicleKind.BUS, "P0", place)
        value = round(spared / 60 * weight * base.rules.citizen_hour_value_m)
        candidates.append(
            CandidateVisit(
                f"{place}#{n + 1}",
                place,
                n + 1,
                citizens,
                place,
                None,
                ("BUS-01",),
                weight=weight,
                servings=(Serving(citizens, spared, value),),
            )
        )
    return replace(
        base,
        service_dates=base.service_dates[:days],
        vehicles=(base.vehicle("BUS-01"),),
        depot_site_ids=("P0",),
        candidates=tuple(candidates),
    )


def _timed(problem: Problem, plan: list[list[str]], home: tuple[bool, ...]) -> tuple[Visit, ...] | None:
    """Visits at the earliest times for candidates per day in order, a night at home where ``home`` says."""
    bus = problem.vehicles[0]
    earliest, _ = problem.week_bounds()
    visits: list[Visit] = []
    site, free = "P0", None
    for d, (day, ids) in enumerate(zip(problem.service_dates, plan, strict=True)):
        if d > 0 and home[d - 1] and free is not None and site != "P0":
            visits.append(Visit(HOME, free + problem.travel_min(VehicleKind.BUS, site, "P0")))
        base = problem.day_start_min(day)
        for cid in ids:
            c = problem.candidate(cid)
            ready = (earliest if free is None else free) + problem.travel_min(VehicleKind.BUS, site, c.place_id)
            start = max(base + bus.service_start_min, ready)
            free = start + problem.service_min(bus, c.expected_citizens)
            if free > base + bus.service_end_min:
                return None
            visits.append(Visit(cid, start))
            site = c.place_id
    while visits and visits[-1].candidate_id == HOME:
        visits.pop()  # home after the last stop anyway
    return tuple(visits)


def best_by_enumeration(problem: Problem) -> int:
    """The best value of any validator-clean week: every subset, day, order and night at home, earliest times."""
    ids = [c.id for c in problem.candidates]
    days = len(problem.service_dates)
    best = 0  # staying at home is always feasible
    for assignment in product(range(days + 1), repeat=len(ids)):  # days: not served
        groups = [[cid for cid, a in zip(ids, assignment, strict=True) if a == d] for d in range(days)]
        for orders in product(*(permutations(g) for g in groups)):
            for home in product((False, True), repeat=days - 1):
                visits = _timed(problem, [list(o) for o in orders], home)
                if not visits:
                    continue
                solution = Solution((("BUS-01", visits),), 0, 0.0)
                plan = build_plan(problem, solution, TRAVEL)
                if not validate(plan, problem=problem, network=NETWORK):
                    best = max(best, plan_value(problem, solution))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_bound_is_never_below_the_best_week_found_by_exhaustive_search(seed: int) -> None:
    """On micro weeks (one bus, four candidates, two days), the bound is at least the true optimum."""
    problem = micro_problem(seed)
    best = best_by_enumeration(problem)
    bound = upper_bound(problem)
    assert bound.value >= best
    assert bound.value <= sum(prize(c) for c in problem.candidates) + 1


@pytest.mark.parametrize(("seed", "lodging_m"), [(11, 30_000), (12, 0), (13, 200_000)])
def test_bound_holds_over_three_days_and_any_lodging(seed: int, lodging_m: int) -> None:
    """Three days (two nights: sleeping away or driving home both matter) and cheap or dear lodging."""
    problem = micro_problem(seed, days=3, lodging_m=lodging_m)
    problem = replace(problem, candidates=problem.candidates[:3])
    assert upper_bound(problem).value >= best_by_enumeration(problem)


def test_bound_is_tight_when_the_only_choice_is_free() -> None:
    """Nothing to serve: the bound is zero (give or take the rounding margin), not a loose constant."""
    problem = replace(micro_problem(0), candidates=())
    assert 0 <= upper_bound(problem).value <= 1


@pytest.fixture(scope="module")
def tiny() -> Problem:
    return make_problem()


def test_bound_is_above_the_greedy_and_the_optimizer_on_the_tiny_country(tiny: Problem) -> None:
    """Three vehicles (a bus, an exclave bus, the train), five days: both real plans stay below the bound."""
    bound = upper_bound(tiny)
    greedy = greedy_solution(tiny)
    optimized = RoutingOptimizer(workers=1).solve(tiny, time_limit_s=2)
    assert plan_value(tiny, greedy) <= bound.value
    assert plan_value(tiny, optimized) <= bound.value
    assert bound.lp_value <= bound.value <= bound.lp_value * (1 + 1e-6) + 2


def test_legal_closure_is_a_lower_bound_on_every_legal_walk(tiny: Problem) -> None:
    """Closure distances obey the triangle inequality and never exceed a direct legal leg; unreachable is inf."""
    metres, minutes = legal_closure(tiny, VehicleKind.BUS)
    matrix = tiny.bus_matrix
    n = len(matrix.site_ids)
    for i in range(n):
        for j in range(n):
            if matrix.duration_min[i, j] >= 0 and matrix.duration_min[i, j] <= tiny.rules.max_bus_leg_min:
                assert metres[i, j] <= matrix.distance_m[i, j]
                assert minutes[i, j] <= matrix.duration_min[i, j]
            for k in range(n):
                assert metres[i, j] <= metres[i, k] + metres[k, j]
    x0, p0 = matrix.index("X0"), matrix.index("P0")
    assert metres[x0, p0] == float("inf")
