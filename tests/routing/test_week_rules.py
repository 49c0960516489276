"""The weekly rules as the solver keeps them: maintenance days, nights at home, lodging, the train's catchment,
locks across a re-optimisation, and the daily driving limit.

Each test solves a week of the tiny network (one worker, one second) and reads the plan, besides asking the
independent validator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date, timedelta

import pytest

from routing import optimizer
from routing.optimizer import RoutingOptimizer
from routing.ortools_model import RouteChecker
from scheduler.assemble import build_plan
from scheduler.domain import Fleet, Network
from scheduler.pipeline import PlanningParams, PlanningResult, WeekInputs, plan_week
from scheduler.plan import Overnight, Plan
from scheduler.problem import HOME, Lock, Rules, Solution, Visit, km_between
from scheduler.requests import Priority, Reason, VisitRequest
from scheduler.stability import locks_from_plan
from scheduler.validator import validate
from tests.fakes import LineTravel, make_problem, tiny_fleet, tiny_network, tiny_week_network

MONDAY = date(2026, 11, 23)
MON, TUE, WED, THU, FRI = (MONDAY + timedelta(days=i) for i in range(5))


def solve(
    *,
    network: Network | None = None,
    fleet: Fleet | None = None,
    rules: Rules | None = None,
    holidays: Collection[date] = (),
    requests: Sequence[VisitRequest] = (),
    locks: Sequence[Lock] = (),
    previous: Plan | None = None,
) -> PlanningResult:
    network = network or tiny_network()
    return plan_week(
        WeekInputs(MONDAY, fleet or tiny_fleet(), dict.fromkeys(holidays, "holiday"), tuple(requests)),
        network=network,
        travel=LineTravel(network),
        optimizer=RoutingOptimizer(workers=1),
        params=PlanningParams(time_limit_s=1, rules=rules or Rules()),
        locks=locks,
        previous=previous,
    )


def with_maintenance(days: dict[str, tuple[date, ...]]) -> Fleet:
    return Fleet(tuple(replace(v, maintenance_dates=days.get(v.id, ())) for v in tiny_fleet().vehicles))


def test_a_vehicle_in_maintenance_serves_nobody_that_day() -> None:
    """BUS-01 in the workshop on Tuesday and the train on Thursday: neither has a stop that day, while the others
    work on; the validator agrees."""
    result = solve(fleet=with_maintenance({"BUS-01": (TUE,), "TRAIN-01": (THU,)}))
    assert result.violations == ()
    days = defaultdict(set)
    for stop in result.plan.stops:
        days[stop.vehicle_id].add(stop.date)
    assert TUE not in days["BUS-01"] and THU not in days["TRAIN-01"]
    assert TUE in days["TRAIN-01"] and THU in days["BUS-01"]


def test_a_two_day_week_with_no_night_away_sleeps_at_home() -> None:
    """Monday and Friday only (three holidays between): with no night away allowed, every vehicle sleeps at its
    depot on the one night, and still serves."""
    result = solve(rules=Rules(max_nights_away=0), holidays=(TUE, WED, THU))
    assert result.violations == ()
    overnights = [o for route in result.plan.routes for o in route.overnights]
    assert len(overnights) == 3 and all(o.at_depot for o in overnights)
    assert {s.vehicle_id for s in result.plan.stops} == {"BUS-01", "BUS-02", "TRAIN-01"}


def test_with_no_night_away_every_night_of_every_vehicle_is_at_its_depot() -> None:
    """A full week with ``max_nights_away=0``: all four nights of every vehicle at its depot, stops still made."""
    result = solve(rules=Rules(max_nights_away=0))
    assert result.violations == ()
    overnights = [o for route in result.plan.routes for o in route.overnights]
    assert len(overnights) == 12 and all(o.at_depot for o in overnights)
    assert result.plan.stops


def _nights_between_stops(result: PlanningResult, vehicle_id: str) -> list[Overnight]:
    """The vehicle's nights between two service days on both of which it serves."""
    days = {s.date for s in result.plan.route(vehicle_id).stops}
    between = {evening for evening, morning in result.problem.nights() if evening in days and morning in days}
    return [o for o in result.plan.route(vehicle_id).overnights if o.date in between]


def test_dear_lodging_brings_a_bus_home_when_home_is_close() -> None:
    """Only P1 (40 km from BUS-01's depot) needs visits (twelve of them: three bus-days). Between two days in P1,
    with the default lodging (30 km) a night in P1 is cheaper than 80 km there and back, so the bus sleeps away;
    with lodging worth 200 km it drives home every night."""
    network = tiny_week_network({"P1": 200_000})
    cheap = solve(network=network)
    dear = solve(network=network, rules=Rules(lodging_m=200_000))
    for result in (cheap, dear):
        assert result.violations == ()
        assert {s.place_id for s in result.plan.route("BUS-01").stops} == {"P1"}
    between = _nights_between_stops(cheap, "BUS-01")
    assert between and not any(o.at_depot for o in between)
    assert _nights_between_stops(dear, "BUS-01")
    assert all(o.at_depot for o in dear.plan.route("BUS-01").overnights)


def _train_stops(result: PlanningResult, network: Network) -> list[tuple[str, str, float]]:
    """(station, place, km between them) of every train stop."""
    out = []
    for stop in result.plan.route("TRAIN-01").stops:
        station, place = network.station(stop.site_id), network.place(stop.place_id)
        out.append((station.id, place.id, km_between((station.lat, station.lon), (place.lat, place.lon))))
    return out


def _station_pools(result: PlanningResult) -> dict[str, int]:
    """Citizens of the train's background visits per station."""
    pools: dict[str, int] = defaultdict(int)
    for c in result.problem.candidates:
        if c.bus_site_id is None and c.train_site_id is not None and not c.request_ids:
            pools[c.train_site_id] += c.expected_citizens
    return dict(pools)


def test_the_train_serves_only_places_within_its_catchment() -> None:
    """The train stops at stations, each stop in the station's own town. With the default 25 km a station's
    visits carry the need of that town alone; widened to 50 km, also that of towns 40 km away (nearer no other
    station), never more than the need within 50 km. Both weeks are valid."""
    network = tiny_network()
    narrow_result = solve()
    wide_result = solve(rules=Rules(train_catchment_km=50))
    need = {d.place_id: d.weekly_citizens for d in narrow_result.problem.demand}
    for result in (narrow_result, wide_result):
        assert result.violations == ()
        stops = _train_stops(result, network)
        assert stops and all(network.station(station).place_id == place for station, place, _ in stops)
    narrow, wide = _station_pools(narrow_result), _station_pools(wide_result)
    assert narrow["ST-2"] == need["P2"]  # 611: under the twelve half-days a station may offer
    assert wide["ST-2"] > narrow["ST-2"]
    for station, pool in wide.items():
        st = network.station(station)
        near = [p.id for p in network.places if km_between((st.lat, st.lon), (p.lat, p.lon)) <= 50]
        assert pool <= sum(need.get(p, 0) for p in near)


def test_a_lock_survives_re_optimisation_against_an_urgent_request() -> None:
    """The planner locks a stop of BUS-01 in the current plan, then an urgent full-day request arrives for that
    day in another town only BUS-01 reaches. Re-optimised from the current plan, the locked stop stays, the
    request is displaced by it, and the plan is valid."""
    first = solve()
    day = first.plan.route("BUS-01").stops[-1]
    current = replace(
        first.plan,
        routes=tuple(replace(r, stops=tuple(replace(s, locked=s is day) for s in r.stops)) for r in first.plan.routes),
    )
    other = next(p for p in ("P1", "P3", "P5") if p != day.place_id)
    urgent = VisitRequest("R-URGENT", other, day.date, day.date, 100, priority=Priority.URGENT)
    again = solve(requests=(urgent,), locks=locks_from_plan(current), previous=current)
    assert again.violations == ()
    kept = [s for s in again.plan.stops if (s.vehicle_id, s.date, s.place_id) == ("BUS-01", day.date, day.place_id)]
    assert kept and all(s.locked for s in kept)
    (unserved,) = again.plan.unserved
    assert unserved.reason is Reason.DISPLACED
    assert any(label.startswith(f"BUS-01 {day.date.isoformat()} {day.place_id}") for label in unserved.displaced_by)


def test_a_lock_in_a_week_with_a_night_at_home_required() -> None:
    """Three nights away at most in a four-night week, and the exclave bus locked to X0 on Tuesday (where it would
    go anyway): the lock is kept and the plan is valid."""
    result = solve(rules=Rules(max_nights_away=3), locks=(Lock("BUS-02", TUE, "X0", 100),))
    assert result.violations == ()
    assert any((s.vehicle_id, s.date, s.place_id) == ("BUS-02", TUE, "X0") for s in result.plan.stops)


def test_a_lock_beside_a_multi_day_request_that_no_longer_fits() -> None:
    """A 150-citizen request in P1 (a full day and a half day for BUS-01, the only bus that reaches it) on Thursday
    or Friday, and BUS-01 locked to P1 for 60 citizens on Friday: the request cannot fit any more, so it is left
    out with a reason, and the lock is kept."""
    request = VisitRequest("R-BIG", "P1", THU, FRI, 150)
    result = solve(requests=(request,), locks=(Lock("BUS-01", FRI, "P1", 60),))
    assert result.violations == ()
    assert [u.request_id for u in result.plan.unserved] == ["R-BIG"]


def test_no_bus_drives_longer_in_a_day_than_the_limit() -> None:
    """With at most 100 minutes at the wheel a day, every bus keeps to it (and the validator finds nothing)."""
    result = solve(rules=Rules(daily_drive_limit_min=100))
    driving: dict[tuple[str, date], int] = defaultdict(int)
    for route in result.plan.routes:
        if route.vehicle_id.startswith("BUS"):
            for leg in route.legs:
                driving[route.vehicle_id, leg.depart.date()] += leg.duration_min
    assert max(driving.values(), default=0) <= 100
    assert result.violations == ()


def test_a_route_ending_with_a_night_at_home_is_assembled() -> None:
    """BUS-01 serves P1 on Monday and goes home for Monday night, its last visit of the week: the plan has the two
    legs there and back, the bus at its depot every night, and nothing for the validator to find."""
    network = tiny_network()
    travel = LineTravel(network)
    problem = make_problem()
    solution = Solution((("BUS-01", (Visit("P1#1", 540), Visit(HOME, 18 * 60 + 40))),), 0, 0.0)
    plan = build_plan(problem, solution, travel)
    route = plan.route("BUS-01")
    assert [(leg.from_site_id, leg.to_site_id) for leg in route.legs] == [("P0", "P1"), ("P1", "P0")]
    assert all(o.at_depot for o in route.overnights)
    assert validate(plan, problem=problem, network=network) == ()


def test_placing_requests_before_the_search_stops_at_its_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each trial placement is a whole-week evaluation, so hundreds of requests once kept a 30 s solve busy for
    minutes before the search began. With no share of the time limit left for it, the placement tries nothing
    (one evaluation of the start, none per request), and the search alone still gives a valid week."""
    evaluations = 0
    objective = RouteChecker.objective

    def counted(self: RouteChecker, routes: Sequence[Sequence[int]]) -> int | None:
        nonlocal evaluations
        evaluations += 1
        return objective(self, routes)

    requests = tuple(VisitRequest(f"R-{p}", p, MON, FRI, 60) for p in ("P1", "P3", "P5"))
    monkeypatch.setattr(optimizer, "REQUEST_INSERTION_SHARE", 0.0)
    monkeypatch.setattr(optimizer, "_insert_requests", _counting(optimizer._insert_requests, counted, monkeypatch))
    result = solve(requests=requests)
    assert result.violations == ()
    assert evaluations == 1


def _counting(insert, counted, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``_insert_requests`` with ``RouteChecker.objective`` counted while it runs (and only then)."""

    def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
        with monkeypatch.context() as patch:
            patch.setattr(RouteChecker, "objective", counted)
            return insert(*args, **kwargs)

    return wrapped
