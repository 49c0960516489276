from dataclasses import replace
from datetime import timedelta

from scheduler.calendar import service_dates
from scheduler.demand import estimate_demand
from scheduler.domain import Fleet, Service
from scheduler.objective import prize
from scheduler.problem import Rules, build_problem
from scheduler.requests import VisitRequest
from tests.fakes import MONDAY, LineTravel, background, make_problem, tiny_fleet, tiny_network

FRIDAY = MONDAY + timedelta(days=4)


def test_slots_add_up_to_the_weekly_demand() -> None:
    """Cutting demand into visits invents nothing and drops at most a remainder below the minimum visit, or what
    lies beyond ``Rules.max_slots_per_place`` visits; a station's visits add up to at most its catchment's need."""
    problem = make_problem()
    rules = problem.rules
    for d in problem.demand:
        slots = background(problem, d.place_id)
        total = sum(c.expected_citizens for c in slots)
        cap = rules.max_slots_per_place * rules.slot_citizens
        assert min(d.weekly_citizens - rules.min_slot_citizens, cap - 1) < total <= d.weekly_citizens
        assert all(c.expected_citizens <= rules.slot_citizens for c in slots)
    need = {d.place_id: d.weekly_citizens for d in problem.demand}
    half_day = problem.vehicle("TRAIN-01").capacity_citizens_per_day // 2
    for station, place in (("ST-2", "P2"), ("ST-4", "P4")):  # 25 km: each station's catchment is its own town
        slots = background(problem, place, train=True)
        assert {c.train_site_id for c in slots} == {station}
        total = sum(c.expected_citizens for c in slots)
        assert min(need[place] - rules.min_slot_citizens, rules.max_slots_per_place * half_day - 1) < total
        assert total <= need[place]
        assert all(c.expected_citizens <= half_day for c in slots)


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
    """A vehicle's daily capacity takes exactly its service window; a bus stays at least two hours, the train at
    least half its day."""
    problem = make_problem()
    bus, train = problem.vehicle("BUS-01"), problem.vehicle("TRAIN-01")
    assert problem.service_min(bus, 100) == 540
    assert problem.service_min(bus, 50) == 270
    assert problem.service_min(bus, 10) == problem.rules.min_stop_min == 120
    assert problem.service_min(train, 150) == 540
    assert problem.service_min(train, 10) == 270


def test_no_bus_is_sent_where_a_centre_is_near_but_a_request_is_served() -> None:
    """P0 has the only centre (0 min away): no background visit there for any vehicle. A request in P0 still gets
    a candidate. P1 is 40 min from it: it gets visits by default, none when "near" means 45 min."""
    request = VisitRequest("R-P0", "P0", MONDAY, FRIDAY, 40)
    problem = make_problem(requests=(request,))
    at_p0 = [c for c in problem.candidates if c.place_id == "P0"]
    assert [c.request_ids for c in at_p0] == [("R-P0",)]
    assert "BUS-01" in at_p0[0].vehicle_ids
    assert background(problem, "P1")
    assert not background(make_problem(Rules(near_centre_min=45)), "P1")


def test_a_village_farther_from_a_centre_is_worth_more_per_citizen() -> None:
    """A visit is worth the round trip to the centre it spares: per citizen, P5 (200 min from P0's centre) is worth
    five times P1 (40 min), both 2 × trip / 60 × weight × ``Rules.citizen_hour_value_m``."""
    problem = make_problem()
    trips = {d.place_id: dict(d.trip_min)["id_card"] for d in problem.demand}
    assert (trips["P1"], trips["P5"]) == (40, 200)
    per_citizen = {}
    for place in ("P1", "P5"):
        first = problem.candidate(f"{place}#1")
        serving = first.serving("BUS-01")
        assert serving.saved_citizen_min == serving.citizens * 2 * trips[place]
        hours = serving.citizens * 2 * trips[place] / 60
        assert prize(first, "BUS-01") == round(hours * first.weight * problem.rules.citizen_hour_value_m)
        per_citizen[place] = prize(first, "BUS-01") / serving.citizens
    assert per_citizen["P5"] > per_citizen["P1"]
    assert abs(per_citizen["P5"] / per_citizen["P1"] - 5) < 1e-3


def test_a_further_days_worth_of_slots_in_one_place_is_worth_less() -> None:
    """Slot k + 4 of a place (a bus-day of 25-citizen slots later) is worth ``repeat_decay`` × slot k for the same
    bus; the train's half-day slots decay every two."""
    problem = make_problem()
    decay = problem.rules.repeat_decay
    for k in range(1, 5):
        first, later = problem.candidate(f"P3#{k}"), problem.candidate(f"P3#{k + 4}")
        assert first.serving("BUS-01").citizens == later.serving("BUS-01").citizens
        assert abs(prize(later, "BUS-01") - decay * prize(first, "BUS-01")) <= 1
    assert prize(problem.candidate("P3#1"), "BUS-01") == prize(problem.candidate("P3#4"), "BUS-01")
    for k in (1, 2):
        first, later = problem.candidate(f"ST-4#{k}"), problem.candidate(f"ST-4#{k + 2}")
        assert abs(prize(later, "TRAIN-01") - decay * prize(first, "TRAIN-01")) <= 1


def test_a_vehicle_gets_no_value_from_a_service_it_does_not_carry() -> None:
    """With a ``social`` service no centre offers: in P0 (an ID-card centre in town) the need is social only, so
    the ID-card bus gets nothing there and a bus that also carries ``social`` gets every visit. In P1 the
    ID-card bus serves at most the ID-card part of the need, each visit for less than the ``social`` bus."""
    base = tiny_network()
    network = replace(base, services=(*base.services, Service("social", "Sosial", "Social", "Социальные")))
    travel = LineTravel(network)
    bus = tiny_fleet().vehicle("BUS-01")
    fleet = Fleet((bus, replace(bus, id="BUS-03", services=("id_card", "social"))))
    dates = service_dates(MONDAY, set())
    demand = estimate_demand(network, travel, dates)
    problem = build_problem(
        network=network, fleet=fleet, travel=travel, demand=demand, week_start=MONDAY, service_dates=dates
    )
    need = {d.place_id: d for d in demand}
    assert need["P0"].need_for(("id_card",)) == 0 < need["P0"].need_for(("social",))
    assert background(problem, "P0") and all(c.vehicle_ids == ("BUS-03",) for c in background(problem, "P0"))
    at_p1 = background(problem, "P1")
    id_card_only = [c for c in at_p1 if "BUS-01" in c.vehicle_ids]
    assert 0 < sum(c.serving("BUS-01").citizens for c in id_card_only) <= need["P1"].need_for(("id_card",))
    assert len(id_card_only) < len(at_p1)
    assert all(prize(c, "BUS-01") < prize(c, "BUS-03") for c in id_card_only)


def test_the_train_s_candidates_sit_at_stations() -> None:
    """The train gets its own visits at stations (no bus site, the station's town as place) and none of the bus's
    slots; only a request may be served by either."""
    request = VisitRequest("R-P4", "P4", MONDAY, FRIDAY, 40)
    problem = make_problem(requests=(request,))
    network = tiny_network()
    train = [c for c in problem.candidates if "TRAIN-01" in c.vehicle_ids]
    assert {c.train_site_id for c in train if not c.request_ids} == {"ST-2", "ST-4"}
    for c in train:
        assert c.train_site_id is not None and network.station(c.train_site_id).place_id == c.place_id
        assert c.bus_site_id is None or c.request_ids == ("R-P4",)
    for c in problem.candidates:
        if c.bus_site_id is not None and not c.request_ids:
            assert c.train_site_id is None and "TRAIN-01" not in c.vehicle_ids
    (asked,) = [c for c in problem.candidates if c.request_ids]
    assert (asked.bus_site_id, asked.train_site_id) == ("P4", "ST-4") and set(asked.vehicle_ids) == {
        "BUS-01",
        "TRAIN-01",
    }


def test_a_station_and_its_catchment_s_bus_visits_share_one_need() -> None:
    """The train at ST-2 and the buses at P2 draw on P2's need: one shared pool holds the station's visits and
    P2's background bus visits (not its requests), at P2's need less the requests."""
    request = VisitRequest("R-P2", "P2", MONDAY, FRIDAY, 40)
    problem = make_problem(requests=(request,))
    need = {d.place_id: d.weekly_citizens for d in problem.demand}
    pools = {pool.station_id: pool for pool in problem.shared}
    assert set(pools) == {"ST-2", "ST-4"}
    pool = pools["ST-2"]
    assert pool.place_ids == ("P2",) and pool.citizens == need["P2"] - 40
    ids = set(pool.candidate_ids)
    assert {c.id for c in background(problem, "P2", train=True)} <= ids
    assert {c.id for c in background(problem, "P2")} <= ids
    assert not any(c.request_ids for c in problem.candidates if c.id in ids)
