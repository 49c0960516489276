"""Why a request is left out: every reason code from one real solve of a tiny week built to produce them all.

The week (tiny network, one worker, one second): Wednesday is a public holiday; the exclave bus is in maintenance
on Tuesday; only the train offers notary services; buses may drive at most 30 minutes in one leg, so BUS-01
(every place 40 minutes or more from its depot) stays home; two requests of a full day each compete for the
exclave bus on Monday, one urgent. Each test reads one request's fate; the last ones need no solve.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from routing.optimizer import RoutingOptimizer
from scheduler.calendar import service_dates
from scheduler.domain import Fleet
from scheduler.explain import due_missed, explain_unserved
from scheduler.pipeline import PlanningParams, PlanningResult, WeekInputs, plan_week
from scheduler.plan import Plan, compute_kpis
from scheduler.problem import Rules
from scheduler.requests import Priority, Reason, Unserved, VisitRequest
from tests.fakes import LineTravel, make_problem, tiny_fleet, tiny_network

MONDAY = date(2026, 11, 23)
MON, TUE, WED, THU, FRI, SAT, SUN = (MONDAY + timedelta(days=i) for i in range(7))

REQUESTS = (
    VisitRequest("R-PASSPORT", "P2", MON, FRI, 30, ("passport",)),
    VisitRequest("R-WEEKEND", "P4", SAT, SUN, 30),
    VisitRequest("R-HOLIDAY", "P4", WED, WED, 30),
    VisitRequest("R-MAINTENANCE", "X0", TUE, TUE, 40),
    VisitRequest("R-NOTARY-P3", "P3", MON, FRI, 30, ("notary",)),
    VisitRequest("R-P5", "P5", MON, FRI, 30),
    VisitRequest("R-BIG", "P4", MON, TUE, 1000),
    VisitRequest("R-NORMAL", "X0", MON, MON, 100),
    VisitRequest("R-URGENT", "X0", MON, MON, 100, priority=Priority.URGENT),
    VisitRequest("R-NOTARY-P4", "P4", THU, FRI, 60, ("notary",)),
)


def fleet() -> Fleet:
    changes = {"BUS-02": {"maintenance_dates": (TUE,)}, "TRAIN-01": {"services": ("id_card", "notary")}}
    return Fleet(tuple(replace(v, **changes.get(v.id, {})) for v in tiny_fleet().vehicles))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def result() -> PlanningResult:
    network = tiny_network()
    return plan_week(
        WeekInputs(MONDAY, fleet(), {WED: "holiday"}, tuple(REQUESTS)),
        network=network,
        travel=LineTravel(network),
        optimizer=RoutingOptimizer(workers=1),
        params=PlanningParams(time_limit_s=1, rules=Rules(max_bus_leg_min=30)),
    )


def reason(result: PlanningResult, request_id: str) -> Unserved:
    (unserved,) = [u for u in result.plan.unserved if u.request_id == request_id]
    return unserved


def test_the_plan_is_valid_and_every_request_is_served_or_explained_once(result: PlanningResult) -> None:
    """Served and explained requests split the requests exactly: none both, none neither, none twice."""
    assert result.violations == ()
    served = [rid for stop in result.plan.stops for rid in stop.request_ids]
    explained = [u.request_id for u in result.plan.unserved]
    assert len(explained) == len(set(explained))
    assert sorted({*served, *explained}) == sorted(r.id for r in REQUESTS)
    assert not set(served) & set(explained)


def test_a_service_no_vehicle_offers(result: PlanningResult) -> None:
    """Nobody in the fleet issues passports; the message names the missing service."""
    unserved = reason(result, "R-PASSPORT")
    assert unserved.reason is Reason.NO_VEHICLE_OFFERS_SERVICES
    assert "passport" in unserved.message


@pytest.mark.parametrize(
    ("request_id", "why"),
    [("R-WEEKEND", "a weekend"), ("R-HOLIDAY", "a public holiday"), ("R-MAINTENANCE", "a maintenance day")],
)
def test_a_window_without_a_service_day(result: PlanningResult, request_id: str, why: str) -> None:
    """A window of weekend days, of the holiday, or of the one day the only bus that reaches X0 is in the workshop
    (though BUS-01 and the train are free that day, neither can get to the exclave) has no service day."""
    assert reason(result, request_id).reason is Reason.NO_SERVICE_DAY, why


def test_no_vehicle_with_the_service_reaches_the_place(result: PlanningResult) -> None:
    """Only the train offers notary services, and no station lies within 25 km of P3."""
    assert reason(result, "R-NOTARY-P3").reason is Reason.UNREACHABLE


def test_the_driving_rules_keep_the_capable_vehicle_away(result: PlanningResult) -> None:
    """BUS-01 alone reaches P5, but with 30-minute legs it cannot leave its depot: it serves nobody, and the
    request is unreachable, not displaced."""
    assert result.plan.route("BUS-01").stops == ()
    unserved = reason(result, "R-P5")
    assert unserved.reason is Reason.UNREACHABLE
    assert unserved.displaced_by == ()


def test_more_citizens_than_the_window_holds(result: PlanningResult) -> None:
    """1000 citizens in P4 on Monday and Tuesday exceed the 500 that BUS-01 and the train could serve there."""
    unserved = reason(result, "R-BIG")
    assert unserved.reason is Reason.CAPACITY
    assert "500" in unserved.message


def test_urgent_outweighs_normal_and_the_normal_one_is_displaced_by_it(result: PlanningResult) -> None:
    """Two full-day requests for the exclave bus on Monday: the urgent one is served (though listed second), the
    normal one is displaced, and the reason names the urgent stop that took its place, with the place's name."""
    (urgent_stop,) = [s for s in result.plan.stops if "R-URGENT" in s.request_ids]
    assert (urgent_stop.vehicle_id, urgent_stop.date, urgent_stop.place_id) == ("BUS-02", MON, "X0")
    unserved = reason(result, "R-NORMAL")
    assert unserved.reason is Reason.DISPLACED
    assert unserved.displaced_by == (f"BUS-02 {MON.isoformat()} X0 az ({urgent_stop.expected_citizens} citizens)",)
    assert unserved.displaced_by[0] in unserved.message


def test_a_served_request_is_served_in_its_window_by_a_vehicle_offering_its_services(
    result: PlanningResult,
) -> None:
    """The notary request in P4 is served by the train (the only notary), on Thursday or Friday, at P4; and so is
    every other served request, each by exactly one stop."""
    requests = {r.id: r for r in REQUESTS}
    vehicles = {v.id: v for v in result.plan.vehicles}
    (stop,) = [s for s in result.plan.stops if "R-NOTARY-P4" in s.request_ids]
    assert stop.vehicle_id == "TRAIN-01" and stop.date in (THU, FRI) and stop.place_id == "P4"
    served = [(rid, s) for s in result.plan.stops for rid in s.request_ids]
    assert len(served) == len({rid for rid, _ in served})
    for rid, s in served:
        request = requests[rid]
        assert request.covers(s.date) and s.place_id == request.place_id
        assert vehicles[s.vehicle_id].offers(request.services)
        assert s.expected_citizens >= request.expected_citizens


def _empty_plan(problem_dates: tuple[date, ...]) -> Plan:
    return Plan(MONDAY, problem_dates, tiny_fleet().vehicles, (), compute_kpis((), demand_citizens=0, solve_seconds=0))


def test_reasons_need_no_solve_and_follow_their_order() -> None:
    """On a hand-built empty plan: the services are checked before the days, the days before the reach; with the
    capable vehicles idle, a request that fits is unreachable rather than displaced by nothing; a request in P0, whose
    open ASAN centre offers the service, is told the centre is near rather than that it was displaced."""
    dates = service_dates(MONDAY, set())
    requests = (
        VisitRequest("R-BOTH", "P3", SAT, SUN, 30, ("passport",)),
        VisitRequest("R-DAYS", "P3", SAT, SUN, 30),
        VisitRequest("R-IDLE", "P3", MON, FRI, 30),
        VisitRequest("R-CENTRE", "P0", MON, FRI, 30, ("id_card",)),
    )
    problem = make_problem(requests=requests)
    unserved = {u.request_id: u for u in explain_unserved(problem, _empty_plan(dates))}
    assert {rid: u.reason for rid, u in unserved.items()} == {
        "R-BOTH": Reason.NO_VEHICLE_OFFERS_SERVICES,
        "R-DAYS": Reason.NO_SERVICE_DAY,
        "R-IDLE": Reason.UNREACHABLE,
        "R-CENTRE": Reason.CENTRE_NEARBY,
    }
    assert "open fixed centre offering id_card" in unserved["R-CENTRE"].message


def test_places_due_under_the_minimum_frequency_are_reported_when_left_out() -> None:
    """With a visit due every week, every place with demand is due; those the plan leaves out are reported."""
    dates = service_dates(MONDAY, set())
    problem = make_problem(Rules(min_visit_every_weeks=1))
    assert due_missed(problem, _empty_plan(dates)) == tuple(sorted(d.place_id for d in problem.demand))
    assert due_missed(replace(problem, rules=Rules()), _empty_plan(dates)) == ()
