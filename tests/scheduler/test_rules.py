"""Every rule of the validator, one by one: a hand-made plan that breaks exactly that rule gets exactly that code.

Plans are built here by hand on the tiny network, with legs timed as ``assemble`` times them (a vehicle drives on
right after a stop and leaves its depot just in time), so each test changes one thing of a plan that keeps every
rule. Where one change cannot help breaking a second rule (a train off the rails has no rail path either), the
test says so and expects both codes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import scheduler.validator
from scheduler.calendar import local_datetime, service_dates
from scheduler.demand import estimate_demand
from scheduler.domain import Fleet, Network
from scheduler.plan import Leg, Plan, Route, Stop, compute_kpis
from scheduler.ports import UNREACHABLE, TravelModel
from scheduler.problem import Lock, Problem, Rules, build_problem
from scheduler.requests import VisitRequest
from scheduler.validator import validate
from tests.fakes import BridgedLineTravel, LineTravel, tiny_fleet, tiny_network

MONDAY = date(2026, 11, 23)
MON, TUE, WED, THU, FRI = (MONDAY + timedelta(days=i) for i in range(5))
NETWORK = tiny_network()
REQUEST_P3 = VisitRequest("R-P3", "P3", MON, TUE, 40)
LOCK_P2 = Lock("BUS-01", THU, "P2", 50)


def week(
    *,
    holidays: tuple[date, ...] = (),
    rules: Rules | None = None,
    fleet: Fleet | None = None,
    requests: tuple[VisitRequest, ...] = (REQUEST_P3,),
    locks: tuple[Lock, ...] = (LOCK_P2,),
    network: Network = NETWORK,
    travel: TravelModel | None = None,
) -> Problem:
    """The tiny week the reference plan is made for: one request in P3, BUS-01 locked to P2 on Thursday."""
    travel = travel or LineTravel(network)
    dates = service_dates(MONDAY, holidays)
    return build_problem(
        network=network,
        fleet=fleet or tiny_fleet(),
        travel=travel,
        demand=estimate_demand(network, travel, dates),
        week_start=MONDAY,
        service_dates=dates,
        rules=rules,
        requests=requests,
        locks=locks,
    )


PROBLEM = week()
FREE = week(requests=(), locks=())
"""The same week with no request and no lock, for plans of one vehicle."""


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return local_datetime(day, hours * 60 + minutes)


def stop(
    vehicle_id: str,
    place_id: str,
    day: date,
    start: str,
    minutes: int,
    citizens: int,
    *,
    site_id: str | None = None,
    request_ids: tuple[str, ...] = (),
    locked: bool = False,
) -> Stop:
    """A stop of ``minutes`` from ``start`` (HH:MM); a bus stops at the place centre unless ``site_id`` says."""
    site = site_id or place_id
    place = NETWORK.place(place_id) if NETWORK.has_place(place_id) else NETWORK.places[0]
    arrive = at(day, start)
    return Stop(
        vehicle_id,
        day,
        place_id,
        site,
        place.lat,
        place.lon,
        arrive,
        arrive + timedelta(minutes=minutes),
        citizens,
        locked=locked,
        request_ids=request_ids,
    )


def _travel(problem: Problem, vehicle_id: str, origin: str, target: str) -> tuple[int, int]:
    """Minutes and metres; zero where the matrix knows no such site or no path (the validator says so itself)."""
    matrix = problem.matrix(problem.vehicle(vehicle_id).kind)
    if origin not in matrix.site_ids or target not in matrix.site_ids:
        return 0, 0
    i, j = matrix.index(origin), matrix.index(target)
    minutes = int(matrix.duration_min[i, j])
    return (0, 0) if minutes == UNREACHABLE else (minutes, int(matrix.distance_m[i, j]))


def route(vehicle_id: str, *items: Stop | None, problem: Problem = PROBLEM) -> Route:
    """Depot → stops → depot; ``None`` among ``items`` is a night back at the depot."""
    depot = problem.depot_site(vehicle_id)
    legs: list[Leg] = []
    origin, leave = depot, None
    for n, item in enumerate([*items, None]):
        target = item.site_id if item is not None else depot
        if item is None and n < len(items) and target == origin:
            continue
        minutes, metres = _travel(problem, vehicle_id, origin, target)
        if leave is None:
            assert item is not None
            leave = item.arrive - timedelta(minutes=minutes)
        legs.append(Leg(vehicle_id, origin, target, leave, leave + timedelta(minutes=minutes), metres, minutes, ()))
        origin, leave = (item.site_id, item.depart) if item is not None else (depot, None)
    stops = tuple(item for item in items if item is not None)
    return Route(vehicle_id, stops, tuple(legs) if stops else ())


def plan(*routes: Route, problem: Problem = PROBLEM) -> Plan:
    return Plan(
        week_start=MONDAY,
        service_dates=problem.service_dates,
        vehicles=problem.vehicles,
        routes=routes,
        kpis=compute_kpis(routes, demand_citizens=problem.demand_citizens, solve_seconds=0.0),
    )


def bus_01(*, problem: Problem = PROBLEM) -> Route:
    """P3 on Monday (serving R-P3), a night away, P5 on Tuesday, home; the locked P2 and then P1 on Thursday."""
    return route(
        "BUS-01",
        stop("BUS-01", "P3", MON, "09:00", 540, 100, request_ids=("R-P3",)),
        stop("BUS-01", "P5", TUE, "09:00", 540, 100),
        None,
        stop("BUS-01", "P2", THU, "09:00", 270, 50, locked=True),
        stop("BUS-01", "P1", THU, "14:10", 230, 40),
        problem=problem,
    )


def train(*, problem: Problem = PROBLEM) -> Route:
    """The train serves P4 at its own station all Wednesday."""
    return route("TRAIN-01", stop("TRAIN-01", "P4", WED, "09:00", 540, 150, site_id="ST-4"), problem=problem)


def bus_02(*, problem: Problem = PROBLEM) -> Route:
    """The exclave bus serves X0, its home, all Friday."""
    return route("BUS-02", stop("BUS-02", "X0", FRI, "09:00", 540, 100), problem=problem)


def reference(*, problem: Problem = PROBLEM) -> Plan:
    return plan(bus_01(problem=problem), train(problem=problem), bus_02(problem=problem), problem=problem)


def breaks(plan: Plan, problem: Problem = PROBLEM, network: Network = NETWORK) -> set[str]:
    """The codes of the rules ``plan`` breaks."""
    return {v.code for v in validate(plan, problem=problem, network=network)}


def edited(plan: Plan, vehicle_id: str, index: int, **changes: object) -> Plan:
    """``plan`` with one stop changed in place (legs untouched)."""
    routes = []
    for r in plan.routes:
        stops = list(r.stops)
        if r.vehicle_id == vehicle_id:
            stops[index] = replace(stops[index], **changes)  # type: ignore[arg-type]
        routes.append(replace(r, stops=tuple(stops)))
    return replace(plan, routes=tuple(routes))


def test_the_reference_plan_keeps_every_rule() -> None:
    """A week with a request served, a lock kept, a night away and one at home, the train at a station and the
    exclave bus at home breaks nothing: the rules below are not trigger-happy."""
    assert validate(reference(), problem=PROBLEM, network=NETWORK) == ()


def test_a_vehicle_the_fleet_lacks() -> None:
    """A route for a vehicle the problem does not know is flagged and not checked further."""
    ghost = Route("BUS-99", (), ())
    assert breaks(replace(reference(), routes=(*reference().routes, ghost))) == {"unknown_vehicle"}


def test_a_place_the_network_lacks() -> None:
    """A stop naming a place the network does not know (serving nobody there, so no demand is promised)."""
    assert breaks(edited(reference(), "BUS-01", 1, place_id="AZ-ZZZ", expected_citizens=0)) == {"unknown_place"}


def test_a_stop_on_a_public_holiday() -> None:
    """With Wednesday a public holiday, the train's Wednesday stop is not on a service day."""
    holiday = week(holidays=(WED,))
    assert breaks(reference(problem=holiday), holiday) == {"not_a_service_day"}


def test_a_stop_on_a_maintenance_day() -> None:
    """The train booked for maintenance on Wednesday cannot serve P4 that day."""
    fleet = tiny_fleet()
    fleet = Fleet(tuple(replace(v, maintenance_dates=(WED,)) if v.id == "TRAIN-01" else v for v in fleet.vehicles))
    problem = week(fleet=fleet)
    assert breaks(reference(problem=problem), problem) == {"maintenance_day"}


def test_a_stop_claiming_a_request_nobody_made() -> None:
    """A stop may only name requests of the week."""
    assert breaks(edited(reference(), "BUS-02", 0, request_ids=("R-404",))) == {"unknown_request"}


def test_a_request_served_by_a_vehicle_without_its_service() -> None:
    """A passport request in X0 served by the exclave bus, which offers ID cards only."""
    passport = VisitRequest("R-PASS", "X0", THU, FRI, 30, ("passport",))
    problem = week(requests=(REQUEST_P3, passport))
    assert breaks(edited(reference(problem=problem), "BUS-02", 0, request_ids=("R-PASS",)), problem) == {"services"}


def test_a_request_served_outside_its_window() -> None:
    """A request for P5 on Thursday or Friday does not count as served on Tuesday."""
    later = VisitRequest("R-P5", "P5", THU, FRI, 30)
    problem = week(requests=(REQUEST_P3, later))
    assert breaks(edited(reference(problem=problem), "BUS-01", 1, request_ids=("R-P5",)), problem) == {"request_window"}


def test_a_request_served_in_another_place() -> None:
    """The P3 request does not count as served by the stop in P5 (within the window, Tuesday)."""
    assert breaks(edited(reference(), "BUS-01", 1, request_ids=("R-P3",))) == {"request_place"}


def test_a_bus_stop_shorter_than_two_hours() -> None:
    """The exclave bus stays one hour in X0 for 10 citizens, where a bus stop lasts at least 120 minutes; two
    hours are fine."""
    short = route("BUS-02", stop("BUS-02", "X0", FRI, "09:00", 60, 10))
    assert breaks(plan(bus_01(), train(), short)) == {"stop_too_short"}
    enough = route("BUS-02", stop("BUS-02", "X0", FRI, "09:00", 120, 10))
    assert breaks(plan(bus_01(), train(), enough)) == set()


def test_a_train_stop_shorter_than_half_its_day() -> None:
    """The train stays four hours at ST-4 (its 540-minute day wants at least 270), though 60 citizens fit."""
    short = route("TRAIN-01", stop("TRAIN-01", "P4", WED, "09:00", 240, 60, site_id="ST-4"))
    assert breaks(plan(bus_01(), short, bus_02())) == {"stop_too_short"}
    half = route("TRAIN-01", stop("TRAIN-01", "P4", WED, "09:00", 270, 60, site_id="ST-4"))
    assert breaks(plan(bus_01(), half, bus_02())) == set()


def test_a_stop_before_the_vehicle_opens() -> None:
    """Serving from 08:30 when the bus opens at 09:00."""
    early = route("BUS-02", stop("BUS-02", "X0", FRI, "08:30", 540, 100))
    assert breaks(plan(bus_01(), train(), early)) == {"outside_service_hours"}


def test_a_stop_after_the_vehicle_closes() -> None:
    """Serving until 18:30 when the bus closes at 18:00."""
    late = route("BUS-02", stop("BUS-02", "X0", FRI, "09:30", 540, 100))
    assert breaks(plan(bus_01(), train(), late)) == {"outside_service_hours"}


def test_more_citizens_than_a_stop_has_time_for() -> None:
    """A whole day's 100 citizens in half a day."""
    rushed = route("BUS-02", stop("BUS-02", "X0", FRI, "09:00", 270, 100))
    assert breaks(plan(bus_01(), train(), rushed)) == {"capacity"}


def test_more_citizens_in_a_day_than_the_vehicle_serves() -> None:
    """Two half days of 51 citizens each fit their own time (within the one-citizen rounding) but not one day's
    capacity of 100."""
    halves = route(
        "BUS-02",
        stop("BUS-02", "X0", FRI, "09:00", 270, 51),
        stop("BUS-02", "X0", FRI, "13:30", 270, 51),
    )
    assert breaks(plan(bus_01(), train(), halves)) == {"capacity"}


def test_a_train_off_the_rails() -> None:
    """The train at a place centre instead of a station; no rail path leads there either, and its citizens count
    against the catchment of a station that is none (so nobody's), so those are flagged too."""
    off = route("TRAIN-01", stop("TRAIN-01", "P4", WED, "09:00", 540, 150, site_id="P4"))
    assert breaks(plan(bus_01(), off, bus_02())) == {"train_off_rail", "unreachable", "demand"}


def test_a_train_serving_a_place_beyond_its_catchment() -> None:
    """The train at ST-4 cannot serve P3, 40 km away, with a 25 km catchment."""
    far = route("TRAIN-01", stop("TRAIN-01", "P3", WED, "09:00", 540, 150, site_id="ST-4"))
    assert breaks(plan(bus_01(), far, bus_02())) == {"train_catchment"}


def test_a_bus_away_from_the_place_centre() -> None:
    """A bus serving P5 while standing in P4."""
    assert breaks(edited(reference(), "BUS-01", 1, site_id="P4")) == {"bus_site"}


def test_a_mainland_bus_in_the_exclave() -> None:
    """Even were a travel model to link Naxçıvan to the mainland by road, a mainland bus may not serve it."""
    travel = BridgedLineTravel(NETWORK)
    problem = week(travel=travel, requests=(), locks=())
    trip = route("BUS-01", stop("BUS-01", "X0", WED, "09:00", 540, 100), problem=problem)
    assert breaks(plan(trip, problem=problem), problem) == {"exclave"}


def _close_road(problem: Problem, a: str, b: str) -> Problem:
    m = problem.bus_matrix
    duration, distance = m.duration_min.copy(), m.distance_m.copy()
    for i, j in ((m.index(a), m.index(b)), (m.index(b), m.index(a))):
        duration[i, j] = distance[i, j] = UNREACHABLE
    return replace(problem, bus_matrix=replace(m, duration_min=duration, distance_m=distance))


def test_a_leg_with_no_path() -> None:
    """With the road between P3 and P5 closed, BUS-01 cannot get from Monday's stop to Tuesday's."""
    assert breaks(reference(), _close_road(PROBLEM, "P3", "P5")) == {"unreachable"}


def test_a_night_at_home_with_no_path_home() -> None:
    """The drive home for a night is checked too: with the road between P5 and P0 closed, BUS-01 cannot sleep at
    home after Tuesday in P5, although it could drive from P5 straight on to Thursday's P2."""
    assert breaks(reference(), _close_road(PROBLEM, "P5", "P0")) == {"unreachable"}


def test_a_bus_leg_longer_than_the_rules_allow() -> None:
    """P0 to P3 on Monday morning takes 120 minutes, more than a 100-minute limit on one leg."""
    assert breaks(reference(), week(rules=Rules(max_bus_leg_min=100))) == {"leg_too_long"}


def test_a_drive_home_for_the_night_longer_than_the_rules_allow() -> None:
    """P5 to P0 for Tuesday night takes 200 minutes, more than a 180-minute limit; every leg between stops is
    shorter."""
    assert breaks(reference(), week(rules=Rules(max_bus_leg_min=180))) == {"leg_too_long"}


def test_a_train_run_between_stops_longer_than_the_rules_allow() -> None:
    """ST-0 on Wednesday (a request in P0) then ST-4 on Thursday: 192 minutes on the rails between two stops,
    more than the 180 allowed. The reference train's runs of 192 minutes out to ST-4 and home are its first and
    last, which are exempt."""
    asked = VisitRequest("R-P0", "P0", WED, WED, 60)
    problem = week(requests=(REQUEST_P3, asked))
    assert [leg.duration_min for leg in train(problem=problem).legs] == [192, 192]
    runs = route(
        "TRAIN-01",
        stop("TRAIN-01", "P0", WED, "09:00", 540, 60, site_id="ST-0", request_ids=("R-P0",)),
        stop("TRAIN-01", "P4", THU, "09:00", 540, 150, site_id="ST-4"),
        problem=problem,
    )
    assert max(leg.duration_min for leg in runs.legs) == 192
    week_plan = plan(bus_01(problem=problem), runs, bus_02(problem=problem), problem=problem)
    assert breaks(week_plan, problem) == {"leg_too_long"}


def test_a_stop_starting_before_the_vehicle_can_be_there() -> None:
    """P1 right when P2 ends, with 40 minutes of road between them."""
    hurried = route(
        "BUS-01",
        stop("BUS-01", "P3", MON, "09:00", 540, 100, request_ids=("R-P3",)),
        stop("BUS-01", "P5", TUE, "09:00", 540, 100),
        None,
        stop("BUS-01", "P2", THU, "09:00", 270, 50, locked=True),
        stop("BUS-01", "P1", THU, "13:30", 230, 40),
    )
    assert breaks(plan(hurried, train(), bus_02())) == {"travel_time"}


def test_leaving_the_depot_before_the_week_starts() -> None:
    """BUS-01 leaves P0 at 07:00 on Monday for P3; the rules say not before 07:30."""
    assert breaks(reference(), week(rules=Rules(earliest_departure_min=7 * 60 + 30))) == {"depot_departure"}


def test_returning_to_the_depot_after_the_week_ends() -> None:
    """The exclave bus closes at 18:00 on Friday in its home town; the rules want it back by 17:30."""
    assert breaks(reference(), week(rules=Rules(latest_return_min=17 * 60 + 30))) == {"depot_return"}


def test_driving_more_than_the_daily_limit() -> None:
    """P0 → P5 → P3 → P5 → P0 in one Monday, with two-hour stops, is 560 minutes at the wheel, above the 540
    allowed."""
    zigzag = route(
        "BUS-01",
        stop("BUS-01", "P5", MON, "09:00", 120, 10),
        stop("BUS-01", "P3", MON, "12:20", 120, 10),
        stop("BUS-01", "P5", MON, "15:40", 120, 10),
    )
    assert sum(leg.duration_min for leg in zigzag.legs) == 560
    assert breaks(plan(zigzag, problem=FREE), FREE) == {"daily_drive"}


def test_more_nights_away_than_allowed() -> None:
    """BUS-01 sleeps in P5 on Monday night; with no night away allowed, that is one too many."""
    assert breaks(reference(), week(rules=Rules(max_nights_away=0))) == {"nights_away"}


def test_nights_away_are_counted_from_the_legs() -> None:
    """Four nights in P1 are within a limit of four, not of three."""
    away = route("BUS-01", *(stop("BUS-01", "P1", day, "09:00", 270, 50) for day in (MON, TUE, WED, THU, FRI)))
    assert breaks(plan(away), week(rules=Rules(max_nights_away=4), requests=(), locks=())) == set()
    assert breaks(plan(away), week(rules=Rules(max_nights_away=3), requests=(), locks=())) == {"nights_away"}


def test_a_locked_stop_left_out() -> None:
    """A lock of the exclave bus to X0 on Thursday that the plan does not keep."""
    problem = week(locks=(LOCK_P2, Lock("BUS-02", THU, "X0", 100)))
    assert breaks(reference(problem=problem), problem) == {"lock"}


def test_more_citizens_than_a_place_needs() -> None:
    """Three full days in P1 promise 300 citizens where the week's need is 264."""
    assert sum(d.weekly_citizens for d in PROBLEM.demand if d.place_id == "P1") == 264
    greedy = route("BUS-01", *(stop("BUS-01", "P1", day, "09:00", 540, 100) for day in (MON, TUE, WED)))
    assert breaks(plan(greedy, problem=FREE), FREE) == {"demand"}


def test_a_lock_does_not_raise_a_place_s_need() -> None:
    """A locked stop's citizens are part of the place's need (the problem cuts only the rest into visits): with
    100 of P1's 264 citizens locked on Monday, 300 in P1 are still too many, 200 are fine."""
    problem = week(locks=(Lock("BUS-01", MON, "P1", 100),))
    days = [stop("BUS-01", "P1", day, "09:00", 540, 100, locked=day == MON) for day in (MON, TUE, WED)]
    assert breaks(plan(route("BUS-01", *days[:2], problem=problem), problem=problem), problem) == set()
    assert breaks(plan(route("BUS-01", *days, problem=problem), problem=problem), problem) == {"demand"}


def test_every_code_of_the_validator_has_a_test_here() -> None:
    """The codes the validator can emit are exactly those the tests above expect, so a new rule needs a test."""
    source = Path(scheduler.validator.__file__).read_text(encoding="utf-8")
    emitted = set(re.findall(r'(?:fail|Violation)\(\s*"(\w+)"', source))
    expected = set(re.findall(r'"(\w+)"', " ".join(re.findall(r"== \{([^}]*)\}", Path(__file__).read_text()))))
    assert emitted == expected
