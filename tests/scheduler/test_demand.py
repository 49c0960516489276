from scheduler.demand import DemandParams, estimate_demand
from tests.fakes import LineTravel, tiny_network


def test_demand_grows_with_distance_to_the_nearest_centre() -> None:
    """A place with a centre in town needs no mobile visit; need rises with road time to the centre."""
    network = tiny_network()
    demand = {d.place_id: d for d in estimate_demand(network, LineTravel(network))}
    assert "P0" not in demand
    assert demand["P1"].deficit < demand["P2"].deficit < demand["P3"].deficit == 1.0
    assert demand["P1"].weekly_citizens < demand["P2"].weekly_citizens


def test_places_with_no_reachable_centre_have_full_deficit() -> None:
    """The exclave reaches no open centre by road, so all its need counts."""
    network = tiny_network()
    exclave = next(d for d in estimate_demand(network, LineTravel(network)) if d.place_id == "X0")
    assert exclave.access_min is None
    assert exclave.deficit == 1.0
    params = DemandParams()
    expected = 80_000 * params.applications_per_person_week * params.mobile_uptake
    assert exclave.weekly_citizens == int(expected)
