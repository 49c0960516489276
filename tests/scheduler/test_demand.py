from dataclasses import replace
from datetime import date, timedelta

from scheduler.calendar import service_dates
from scheduler.demand import WORKING_DAYS_PER_YEAR, DemandParams, VisitRecord, centre_open_on, estimate_demand
from scheduler.domain import CentreKind, CentreStatus, ServiceCentre
from tests.fakes import LineTravel, tiny_network

MONDAY = date(2026, 11, 23)
DATES = service_dates(MONDAY, set())


def _demand(network=None, **kwargs):  # type: ignore[no-untyped-def]
    network = network or tiny_network()
    return {d.place_id: d for d in estimate_demand(network, LineTravel(network), DATES, **kwargs)}


def test_demand_grows_with_distance_to_the_nearest_centre() -> None:
    """A place with a centre in town needs no mobile visit; need rises with road time to the centre."""
    demand = _demand()
    assert "P0" not in demand
    assert demand["P1"].deficit < demand["P2"].deficit < demand["P3"].deficit == 1.0
    assert demand["P1"].weekly_citizens < demand["P2"].weekly_citizens
    assert len(demand["P2"].daily_citizens) == len(DATES)


def test_places_with_no_reachable_centre_have_full_deficit() -> None:
    """The exclave reaches no open centre by road, so all its need counts, every day."""
    exclave = _demand()["X0"]
    assert exclave.access_min is None
    assert exclave.deficit == 1.0
    params = DemandParams()
    per_day = 80_000 * params.applications_per_person_year / WORKING_DAYS_PER_YEAR * params.mobile_uptake
    assert exclave.daily_citizens == (int(per_day),) * len(DATES)


def test_a_centre_counts_only_from_the_day_it_opens() -> None:
    """A centre opening on Wednesday in P3 cuts P3's need from Wednesday on, not before."""
    network = tiny_network()
    opening = ServiceCentre(
        "ASAN-P3", CentreKind.ASAN, "new", "P3", 40.0, 47.08, CentreStatus.OPEN, DATES[2].isoformat(), ("id_card",), "t"
    )
    demand = _demand(replace(network, centres=(*network.centres, opening)))["P3"]
    assert demand.daily_citizens[0] == demand.daily_citizens[1] > 0
    assert demand.daily_citizens[2:] == (0, 0, 0)
    assert not centre_open_on(opening, DATES[1]) and centre_open_on(opening, DATES[2])
    assert not centre_open_on(replace(opening, status=CentreStatus.PLANNED, opened="unknown"), DATES[4])


def test_a_centre_lacking_the_service_does_not_cut_its_need() -> None:
    """A DOST centre (social services only) in P3 leaves P3's ID-card need whole."""
    network = tiny_network()
    dost = ServiceCentre(
        "DOST-P3", CentreKind.DOST, "d", "P3", 40.0, 47.08, CentreStatus.OPEN, "2020", ("social",), "t"
    )
    assert _demand(replace(network, centres=(*network.centres, dost)))["P3"].deficit == 1.0


def test_backlog_falls_by_what_was_served_and_grows_with_time() -> None:
    """A visit last week lowers the backlog; weeks since the visit are counted from the history."""
    never = _demand()["P3"]
    served = _demand(history=[VisitRecord("P3", MONDAY - timedelta(days=5), 500)])["P3"]
    earlier = _demand(history=[VisitRecord("P3", MONDAY - timedelta(days=33), 500)])["P3"]
    assert never.weeks_since_visit is None and served.weeks_since_visit == 1 and earlier.weeks_since_visit == 5
    assert served.backlog_citizens < earlier.backlog_citizens < never.backlog_citizens
    assert served.daily_citizens == never.daily_citizens
    assert never.weekly_citizens == never.backlog_citizens + sum(never.daily_citizens)
