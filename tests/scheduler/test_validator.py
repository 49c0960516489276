from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.assemble import build_plan
from scheduler.plan import Plan, Route, Stop
from scheduler.problem import Problem, Solution, Visit
from scheduler.requests import VisitRequest
from scheduler.validator import validate
from tests.fakes import MONDAY, LineTravel, make_problem, tiny_network

NETWORK = tiny_network()
PROBLEM = make_problem()
TUESDAY = 1440


def hand_plan(problem: Problem = PROBLEM) -> Plan:
    """BUS-01 serves P2 all Tuesday (four visits of 135 min) then P3 on Wednesday; the train serves its station
    ST-4 (P4) on Tuesday morning."""
    solution = Solution(
        routes=(
            (
                "BUS-01",
                (*(Visit(f"P2#{k + 1}", TUESDAY + 540 + 135 * k) for k in range(4)), Visit("P3#1", 2 * 1440 + 540)),
            ),
            ("BUS-02", ()),
            ("TRAIN-01", (Visit("ST-4#1", TUESDAY + 540),)),
        ),
        objective=0,
        solve_seconds=0.0,
    )
    return build_plan(problem, solution, LineTravel(NETWORK))


def with_stop(plan: Plan, vehicle_id: str, index: int, **changes: object) -> Plan:
    routes = []
    for route in plan.routes:
        stops = list(route.stops)
        if route.vehicle_id == vehicle_id:
            stops[index] = replace(stops[index], **changes)  # type: ignore[arg-type]
        routes.append(Route(route.vehicle_id, tuple(stops), route.legs))
    return replace(plan, routes=tuple(routes))


def codes(plan: Plan) -> set[str]:
    return {v.code for v in validate(plan, problem=PROBLEM, network=NETWORK)}


def test_a_feasible_hand_plan_has_no_violation() -> None:
    """The reference plan is clean, and back-to-back visits at one place became one stop."""
    plan = hand_plan()
    assert validate(plan, problem=PROBLEM, network=NETWORK) == ()
    assert [s.place_id for s in plan.route("BUS-01").stops] == ["P2", "P3"]


def test_weekend_stop_is_flagged() -> None:
    """A stop moved to Saturday is not on a service day."""
    plan = hand_plan()
    stop = plan.route("BUS-01").stops[1]
    moved = with_stop(
        plan,
        "BUS-01",
        1,
        date=date(2026, 11, 28),
        arrive=stop.arrive + timedelta(days=3),
        depart=stop.depart + timedelta(days=3),
    )
    assert "not_a_service_day" in codes(moved)


def test_mainland_bus_in_the_exclave_is_flagged() -> None:
    """A mainland bus sent to Naxçıvan breaks the exclave rule and has no road to get there."""
    plan = with_stop(hand_plan(), "BUS-01", 1, place_id="X0", site_id="X0")
    assert {"exclave", "unreachable"} <= codes(plan)


def test_train_away_from_a_station_is_flagged() -> None:
    """The train stopping at a place centre instead of a station leaves the rails."""
    assert "train_off_rail" in codes(with_stop(hand_plan(), "TRAIN-01", 0, site_id="P3"))


def test_too_many_citizens_for_the_time_is_flagged() -> None:
    """More citizens than the vehicle can serve in the stop's duration breaks capacity (and demand)."""
    assert {"capacity", "demand"} <= codes(with_stop(hand_plan(), "TRAIN-01", 0, expected_citizens=5000))


def test_impossible_travel_is_flagged() -> None:
    """Starting the next stop before the bus could drive there is caught."""
    plan = hand_plan()
    first = plan.route("BUS-01").stops[0]
    second = plan.route("BUS-01").stops[1]
    early = with_stop(
        plan,
        "BUS-01",
        1,
        date=first.date,
        arrive=first.depart,
        depart=first.depart + (second.depart - second.arrive),
    )
    assert "travel_time" in codes(early)


@settings(max_examples=60, deadline=None)
@given(hour=st.sampled_from([0, 2, 5, 7, 8, 19, 21, 23]), minute=st.integers(0, 59))
def test_any_stop_outside_service_hours_is_flagged(hour: int, minute: int) -> None:
    """Wherever a stop is moved outside 09:00–18:00, the validator notices."""
    plan = hand_plan()
    stop: Stop = plan.route("TRAIN-01").stops[0]
    arrive = stop.arrive.replace(hour=hour, minute=minute)
    moved = with_stop(plan, "TRAIN-01", 0, arrive=arrive, depart=arrive + (stop.depart - stop.arrive))
    assert "outside_service_hours" in codes(moved)


@settings(max_examples=40, deadline=None)
@given(shift=st.integers(0, 60))
def test_later_starts_within_hours_stay_valid(shift: int) -> None:
    """The validator is not trigger-happy: starting the train up to an hour later on an empty day is fine."""
    plan = hand_plan()
    stop = plan.route("TRAIN-01").stops[0]
    moved = with_stop(
        plan,
        "TRAIN-01",
        0,
        arrive=stop.arrive + timedelta(minutes=shift),
        depart=stop.depart + timedelta(minutes=shift),
    )
    assert codes(moved) == set()


def test_the_train_and_the_buses_together_may_not_exceed_a_catchment_s_need() -> None:
    """BUS-01 at P4 (100 citizens) and the train at P4's station ST-4 (75) are each within P4's need, but with
    that need cut to 174 they promise one citizen more than there is: a demand violation naming the station."""
    solution = Solution(
        routes=(
            ("BUS-01", tuple(Visit(f"P4#{k + 1}", TUESDAY + 540 + 135 * k) for k in range(4))),
            ("BUS-02", ()),
            ("TRAIN-01", (Visit("ST-4#1", TUESDAY + 540),)),
        ),
        objective=0,
        solve_seconds=0.0,
    )
    plan = build_plan(PROBLEM, solution, LineTravel(NETWORK))
    assert [(s.vehicle_id, s.expected_citizens) for s in plan.stops] == [("BUS-01", 100), ("TRAIN-01", 75)]
    assert validate(plan, problem=PROBLEM, network=NETWORK) == ()
    tight = tuple(
        replace(d, daily_citizens=(0,) * len(d.daily_citizens), backlog_citizens=174) if d.place_id == "P4" else d
        for d in PROBLEM.demand
    )
    (violation,) = validate(plan, problem=replace(PROBLEM, demand=tight), network=NETWORK)
    assert violation.code == "demand" and "ST-4" in violation.message and "175" in violation.message


def test_the_train_serves_a_request_at_the_station_of_its_place() -> None:
    """Back-to-back visits at ST-4 (the station's pool, then a request for P4 the train serves there) are one stop.
    Named after another place of that station (as when the pool's first visit is a village's), the request is
    still at its station: valid. The same stop at ST-2 serves the request at the wrong place."""
    request = VisitRequest("R-P4", "P4", MONDAY, MONDAY + timedelta(days=4), 30)
    problem = make_problem(requests=(request,))
    (asked,) = [c for c in problem.candidates if c.request_ids == ("R-P4",)]
    assert asked.train_site_id == "ST-4"
    train = problem.vehicle("TRAIN-01")
    visits = (Visit("ST-4#1", TUESDAY + 540), Visit(asked.id, TUESDAY + 540 + problem.service_min(train, 75)))
    solution = Solution((("BUS-01", ()), ("BUS-02", ()), ("TRAIN-01", visits)), objective=0, solve_seconds=0.0)
    plan = build_plan(problem, solution, LineTravel(NETWORK))
    (stop,) = plan.stops
    assert stop.request_ids == ("R-P4",) and stop.site_id == "ST-4"

    def codes_of(edited: Plan) -> set[str]:
        return {v.code for v in validate(edited, problem=problem, network=NETWORK)}

    assert "request_place" not in codes_of(with_stop(plan, "TRAIN-01", 0, place_id="P3"))
    assert "request_place" in codes_of(with_stop(plan, "TRAIN-01", 0, site_id="ST-2", place_id="P2"))
