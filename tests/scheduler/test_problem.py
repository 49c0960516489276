from collections.abc import Sequence
from datetime import date

from scheduler.calendar import service_dates
from scheduler.demand import estimate_demand
from scheduler.problem import Problem, Rules, build_problem
from scheduler.requests import VisitRequest
from tests.fakes import LineTravel, tiny_fleet, tiny_network

MONDAY = date(2026, 11, 23)


def make_problem(rules: Rules | None = None, requests: Sequence[VisitRequest] = ()) -> Problem:
    """The tiny country's week of ``MONDAY`` (no holidays), with its demand and ``requests``."""
    network = tiny_network()
    travel = LineTravel(network)
    return build_problem(
        network=network,
        fleet=tiny_fleet(),
        travel=travel,
        demand=estimate_demand(network, travel, service_dates(MONDAY, set())),
        week_start=MONDAY,
        service_dates=service_dates(MONDAY, set()),
        rules=rules,
        requests=requests,
    )


def test_slots_add_up_to_the_weekly_demand() -> None:
    """Cutting demand into visits invents nothing and drops at most a remainder below the minimum visit, or what
    no single vehicle could serve in the week anyway."""
    problem = make_problem()
    week_max = len(problem.service_dates) * max(v.capacity_citizens_per_day for v in problem.vehicles)
    for d in problem.demand:
        slots = [c for c in problem.candidates if c.place_id == d.place_id]
        total = sum(c.expected_citizens for c in slots)
        assert min(d.weekly_citizens - problem.rules.min_slot_citizens, week_max - 1) < total <= d.weekly_citizens
        assert all(c.expected_citizens <= problem.rules.slot_citizens for c in slots)


def test_only_vehicles_that_can_get_there_may_serve_a_visit() -> None:
    """The exclave bus alone serves the exclave; the train serves only places with a station."""
    problem = make_problem()
    for c in problem.candidates:
        if c.place_id == "X0":
            assert c.vehicle_ids == ("BUS-02",)
        else:
            assert "BUS-02" not in c.vehicle_ids
        assert ("TRAIN-01" in c.vehicle_ids) == (c.train_site_id is not None)
    assert {c.train_site_id for c in problem.candidates} - {None} <= {"ST-2", "ST-4"}


def test_service_time_fills_the_day_at_capacity() -> None:
    """A vehicle's daily capacity takes exactly its service window."""
    problem = make_problem()
    bus = problem.vehicle("BUS-01")
    assert problem.service_min(bus, 100) == 540
    assert problem.service_min(bus, 50) == 270
