from datetime import date

import pytest

from routing.optimizer import RoutingOptimizer
from scheduler.domain import VehicleKind
from scheduler.pipeline import PlanningParams, WeekInputs, plan_week
from tests.fakes import LineTravel, tiny_fleet, tiny_network

MONDAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    network = tiny_network()
    return plan_week(
        WeekInputs(MONDAY, tiny_fleet(), {date(2026, 11, 25): "holiday"}),
        network=network,
        travel=LineTravel(network),
        optimizer=RoutingOptimizer(),
        params=PlanningParams(time_limit_s=2),
    )


def test_solver_plan_passes_the_independent_validator(result) -> None:  # type: ignore[no-untyped-def]
    """Whatever route the solver picks, the validator finds nothing wrong with it."""
    assert result.violations == ()
    assert result.plan.kpis.expected_citizens > 0


def test_every_vehicle_serves_and_holidays_are_skipped(result) -> None:  # type: ignore[no-untyped-def]
    """With demand everywhere, all three vehicles work, never on the holiday."""
    plan = result.plan
    assert {s.vehicle_id for s in plan.stops} == {"BUS-01", "BUS-02", "TRAIN-01"}
    assert date(2026, 11, 25) not in {s.date for s in plan.stops}


def test_train_stops_at_stations_and_exclave_bus_stays_home(result) -> None:  # type: ignore[no-untyped-def]
    """Rails only for the train; the exclave bus never leaves the exclave, no mainland bus enters it."""
    plan = result.plan
    for stop in plan.stops:
        if stop.vehicle_id == "TRAIN-01":
            assert stop.site_id.startswith("ST-")
        assert (stop.place_id == "X0") == (stop.vehicle_id == "BUS-02")
    kinds = {v.id: v.kind for v in plan.vehicles}
    assert kinds["TRAIN-01"] is VehicleKind.TRAIN


def test_legs_chain_depot_stops_depot(result) -> None:  # type: ignore[no-untyped-def]
    """Each route's legs go depot → every stop in order → depot, and the KPIs add up from the stops."""
    plan = result.plan
    for route in plan.routes:
        if not route.stops:
            continue
        sites = [leg.from_site_id for leg in route.legs] + [route.legs[-1].to_site_id]
        assert sites[1:-1] == [s.site_id for s in route.stops]
        assert sites[0] == sites[-1]
    assert plan.kpis.expected_citizens == sum(s.expected_citizens for s in plan.stops)
