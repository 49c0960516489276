"""Properties of every week the solver plans, on small weeks Hypothesis makes up from the tiny network.

A generated week has a random subset of the tiny country's towns with random populations, villages around them
(settlements of the town's unit, planned at settlement or unit grain), random public holidays,
random maintenance days, random visit requests (place, window, citizens, services, priority) and random rules for
nights away and lodging. It is solved once; then some stops of that plan are locked and the week is re-optimised
from it, as a planner does. Both plans must pass the independent validator, keep every lock, and account for
every request exactly once: served, or left out with one reason.

Kept affordable: 15 weeks, one worker, one second per solve.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.optimizer import RoutingOptimizer
from scheduler.calendar import service_dates
from scheduler.domain import Fleet, Place
from scheduler.granularity import Granularity
from scheduler.pipeline import PlanningParams, PlanningResult, WeekInputs, plan_week
from scheduler.plan import Plan
from scheduler.problem import Lock, Rules
from scheduler.requests import Priority, VisitRequest
from tests.factories import make_place
from tests.fakes import LineTravel, tiny_fleet, tiny_week_network

MONDAY = date(2026, 11, 23)
WEEKDAYS = tuple(MONDAY + timedelta(days=i) for i in range(5))
TOWNS = ("P1", "P2", "P3", "P4", "P5")
SERVICES = {"BUS-01": ("id_card", "notary"), "BUS-02": ("id_card",), "TRAIN-01": ("id_card", "passport")}
"""Vehicles differ in what they offer, so requests for notary or passport services have fewer vehicles to go to."""


@dataclass(frozen=True, slots=True)
class Week:
    populations: dict[str, int | None]
    holidays: frozenset[date]
    maintenance: dict[str, tuple[date, ...]]
    requests: tuple[VisitRequest, ...]
    rules: Rules
    villages: tuple[Place, ...] = ()
    granularity: Granularity = Granularity.SETTLEMENT


@st.composite
def weeks(draw: st.DrawFn) -> Week:
    towns = draw(st.sets(st.sampled_from(TOWNS), min_size=1))
    population = st.one_of(st.none(), st.integers(5_000, 150_000))
    populations = {town: draw(population) for town in sorted(towns)} | {"X0": draw(population)}
    villages: list[Place] = []
    for town in sorted(towns):
        for k in range(draw(st.integers(0, 2))):
            lat = 40.0 + draw(st.sampled_from((-1, 1))) * draw(st.floats(0.03, 0.25))
            lon = 46.0 + 0.36 * int(town[1:]) + draw(st.floats(-0.15, 0.15))
            name = f"V{town[1:]}{k}"
            villages.append(
                make_place(name, name, name, lat, lon, population=draw(st.integers(300, 9_000)), unit_id=town)
            )
    holidays = draw(st.frozensets(st.sampled_from(WEEKDAYS), max_size=3))
    dates = service_dates(MONDAY, holidays)
    maintenance = {
        vid: tuple(sorted(draw(st.frozensets(st.sampled_from(dates), max_size=2)))) for vid in sorted(SERVICES)
    }
    places = ["P0", "X0", *sorted(towns), *(v.id for v in villages)]
    requests = []
    for n in range(draw(st.integers(0, 4))):
        start = MONDAY + timedelta(days=draw(st.integers(0, 6)))
        requests.append(
            VisitRequest(
                f"R{n + 1}",
                draw(st.sampled_from(places)),
                start,
                start + timedelta(days=draw(st.integers(0, 2))),
                draw(st.integers(10, 250)),
                tuple(sorted(draw(st.frozensets(st.sampled_from(["id_card", "notary", "passport"]), max_size=2)))),
                draw(st.sampled_from(Priority)),
            )
        )
    nights = len(dates) - 1
    rules = Rules(
        max_nights_away=draw(st.integers(0, nights)),
        lodging_m=draw(st.integers(0, 200_000)),
    )
    grain = draw(st.sampled_from(Granularity))
    return Week(populations, holidays, maintenance, tuple(requests), rules, tuple(villages), grain)


def solve(week: Week, *, locks: tuple[Lock, ...] = (), previous: Plan | None = None) -> PlanningResult:
    base = tiny_week_network(week.populations)
    network = replace(base, places=(*base.places, *week.villages))
    fleet = Fleet(
        tuple(
            replace(v, services=SERVICES[v.id], maintenance_dates=week.maintenance[v.id]) for v in tiny_fleet().vehicles
        )
    )
    return plan_week(
        WeekInputs(MONDAY, fleet, dict.fromkeys(week.holidays, "holiday"), tuple(week.requests)),
        network=network,
        travel=LineTravel(network),
        optimizer=RoutingOptimizer(workers=1),
        params=PlanningParams(time_limit_s=1, rules=week.rules, granularity=week.granularity),
        locks=locks,
        previous=previous,
    )


def check(result: PlanningResult, week: Week, locks: tuple[Lock, ...] = ()) -> None:
    """The plan is valid, keeps every lock as a locked stop, and serves or explains each request exactly once."""
    plan = result.plan
    assert result.violations == ()
    for lock in locks:
        assert any(
            (s.vehicle_id, s.date, s.place_id) == (lock.vehicle_id, lock.date, lock.place_id) and s.locked
            for s in plan.stops
        ), lock
    served = {rid for stop in plan.stops for rid in stop.request_ids}
    explained = [u.request_id for u in plan.unserved]
    assert len(explained) == len(set(explained))
    assert not served & set(explained)
    assert served | set(explained) == {r.id for r in week.requests}


@settings(max_examples=15, deadline=None)
@given(week=weeks(), data=st.data())
def test_every_plan_is_valid_keeps_its_locks_and_accounts_for_every_request(week: Week, data: st.DataObject) -> None:
    """Solved, then re-optimised with up to three of its stops locked: both plans pass the validator, the second
    keeps every lock, and every request is served or has exactly one reason, in both."""
    first = solve(week)
    check(first, week)
    stops = first.plan.stops
    if not stops:
        return
    picked = data.draw(st.sets(st.integers(0, len(stops) - 1), max_size=3), label="locked stops")
    if not picked:
        return
    locked = {(stops[i].vehicle_id, stops[i].date, stops[i].place_id) for i in picked}
    current = replace(
        first.plan,
        routes=tuple(
            replace(r, stops=tuple(replace(s, locked=(s.vehicle_id, s.date, s.place_id) in locked) for s in r.stops))
            for r in first.plan.routes
        ),
    )
    locks = tuple(Lock(s.vehicle_id, s.date, s.place_id, s.expected_citizens) for s in current.stops if s.locked)
    check(solve(week, locks=locks, previous=current), week, locks)
