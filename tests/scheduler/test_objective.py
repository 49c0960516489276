"""The week's value (prize − driving − lodging): by hand on a small plan, nights at home, and the same ruler as
the optimizer's own objective."""

from __future__ import annotations

from scheduler.objective import nights_away, plan_value, prize, route_legs, value_breakdown
from scheduler.problem import HOME, Solution, Visit
from tests.fakes import make_problem

PROBLEM = make_problem()
TUESDAY, WEDNESDAY = 1440, 2 * 1440


def hand_solution(*, home_on_tuesday: bool = False) -> Solution:
    """BUS-01 serves P2 all Tuesday (four 25-citizen visits of 135 min) then P3 on Wednesday; the train serves
    its station ST-4 (P4) on Tuesday morning."""
    bus = [Visit(f"P2#{k + 1}", TUESDAY + 540 + 135 * k) for k in range(4)]
    if home_on_tuesday:
        bus.append(Visit(HOME, TUESDAY + 1080 + 80))
    bus.append(Visit("P3#1", WEDNESDAY + 540))
    return Solution((("BUS-01", tuple(bus)), ("BUS-02", ()), ("TRAIN-01", (Visit("ST-4#1", TUESDAY + 540),))), 0, 0.0)


def worth(citizens: int, trip_min: int) -> int:
    """Citizens spared a trip of ``trip_min`` each way to P0's centre, weight 1.4 (no visit in the history), at
    2000 m a citizen-hour: the first day's visits of a place, undecayed."""
    return round(citizens * 2 * trip_min / 60 * 1.4 * 2000)


def test_value_is_prize_minus_driving_minus_lodging() -> None:
    """Prizes of the six visits (the citizen-hours of travel they spare), the drives P0→P2→P3→P0 and the runs
    ST-0→ST-4→ST-0, one night away (BUS-01 at P3)."""
    value = value_breakdown(PROBLEM, hand_solution())
    assert value.prize_m == 4 * worth(25, 80) + worth(25, 120) + worth(75, 160)  # P2, P3, P4 at ST-4
    assert value.citizen_hours_saved == round((4 * 25 * 2 * 80 + 25 * 2 * 120 + 75 * 2 * 160) / 60, 1)
    bus_km = PROBLEM.travel_m(PROBLEM.vehicles[0].kind, "P0", "P3") * 2  # P0→P2→P3 is on the line to P3
    train_m = PROBLEM.travel_m(PROBLEM.vehicle("TRAIN-01").kind, "ST-0", "ST-4") * 2
    assert value.driving_m == bus_km + train_m
    assert (value.nights_away, value.lodging_m) == (1, 30_000)
    assert plan_value(PROBLEM, hand_solution()) == value.prize_m - value.driving_m - 30_000


def test_a_night_at_home_costs_driving_instead_of_lodging() -> None:
    """Going home for Tuesday night removes the lodging and adds P2→P0→P3 instead of P2→P3."""
    away, home = (
        value_breakdown(PROBLEM, hand_solution()),
        value_breakdown(PROBLEM, hand_solution(home_on_tuesday=True)),
    )
    assert (home.nights_away, home.lodging_m) == (0, 0)
    extra = 2 * PROBLEM.travel_m(PROBLEM.vehicles[0].kind, "P0", "P2")
    assert home.driving_m == away.driving_m + extra


def test_legs_follow_the_assembled_plan() -> None:
    """Legs leave the depot just in time and a stop when it ends, back-to-back visits at one site are one
    stop; an empty route has none."""
    visits = hand_solution().routes[0][1]
    legs = route_legs(PROBLEM, "BUS-01", visits)
    assert [(leg.origin, leg.target) for leg in legs] == [("P0", "P2"), ("P2", "P3"), ("P3", "P0")]
    assert legs[0].depart_min == TUESDAY + 540 - legs[0].minutes
    assert legs[1].depart_min == TUESDAY + 1080
    assert route_legs(PROBLEM, "BUS-02", ()) == ()
    assert nights_away(PROBLEM, "BUS-01", legs) == 1


def test_each_candidate_counts_once_and_unknown_ones_fail() -> None:
    """A candidate listed twice is worth its prize once; the prize is what the optimizer pays for it."""
    once = Solution((("BUS-01", (Visit("P2#1", TUESDAY + 540),)),), 0, 0.0)
    twice = Solution((("BUS-01", (Visit("P2#1", TUESDAY + 540), Visit("P2#1", TUESDAY + 810))),), 0, 0.0)
    assert value_breakdown(PROBLEM, twice).prize_m == value_breakdown(PROBLEM, once).prize_m
    assert value_breakdown(PROBLEM, once).prize_m == prize(PROBLEM.candidate("P2#1"), "BUS-01") == worth(25, 80)


def test_value_agrees_with_the_optimizers_objective() -> None:
    """For a RoutingOptimizer week, value = every prize − the engine's objective, give or take a night the
    engine charges though the vehicle is already home (so never less)."""
    from routing.optimizer import RoutingOptimizer  # the core test reaches the adapter only here

    solution = RoutingOptimizer(workers=1).solve(PROBLEM, time_limit_s=1)
    total = sum(prize(c) for c in PROBLEM.candidates if not c.locked)
    value = value_breakdown(PROBLEM, solution)
    assert value.value >= total - solution.objective
    assert (value.value - (total - solution.objective)) % PROBLEM.rules.lodging_m == 0


def test_a_wait_between_two_visits_at_one_site_on_one_day_stays_one_stop() -> None:
    """P2#1 from 9:00 and P2#2 from 13:00 on Tuesday: one stop at P2 from 9:00 to P2#2's end, in the legs and in
    the plan (a plan names a stop by vehicle, date and place)."""
    from scheduler.assemble import build_plan
    from tests.fakes import LineTravel, tiny_network

    visits = (Visit("P2#1", TUESDAY + 540), Visit("P2#2", TUESDAY + 780))
    legs = route_legs(PROBLEM, "BUS-01", visits)
    assert [(leg.origin, leg.target) for leg in legs] == [("P0", "P2"), ("P2", "P0")]
    assert legs[1].depart_min == TUESDAY + 780 + 135
    plan = build_plan(PROBLEM, Solution((("BUS-01", visits),), 0, 0.0), LineTravel(tiny_network()))
    [stop] = plan.stops
    assert (stop.place_id, stop.arrive.hour, stop.depart.hour, stop.depart.minute) == ("P2", 9, 15, 15)
    assert stop.expected_citizens == 50
