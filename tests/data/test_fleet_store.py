"""Planner edits reach the solver: the network a week is planned on carries them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from data.bundled import load_fleet, load_network
from data.places import set_place_population, update_centre, with_planner_edits
from data.reference_sync import sync_reference
from routing.travel import GraphTravelModel
from scheduler.calendar import service_dates
from scheduler.demand import estimate_demand
from scheduler.domain import CentreStatus

MONDAY = dt.date(2026, 11, 23)


def test_a_closed_centre_and_a_corrected_population_change_the_demand(session: Session) -> None:
    """Closing Gabala's ASAN centre raises Gabala's need; a corrected population is planned with."""
    network = load_network()
    sync_reference(session, network=network, fleet=load_fleet())
    travel = GraphTravelModel(network)
    dates = service_dates(MONDAY, set())
    before = {d.place_id: d for d in estimate_demand(network, travel, dates)}
    centre = next(c for c in network.centres if c.place_id == "AZ-QAB" and c.kind.value == "asan")
    assert update_centre(session, centre_id=centre.id, status=CentreStatus.PLANNED) is not None
    assert set_place_population(session, place_id="AZ-OGU", population=1, edited_on=MONDAY)
    edited = with_planner_edits(session, network)
    after = {d.place_id: d for d in estimate_demand(edited, travel, dates)}
    assert after["AZ-QAB"].weekly_citizens > 0
    assert "AZ-QAB" not in before or before["AZ-QAB"].deficit < after["AZ-QAB"].deficit
    assert "AZ-OGU" not in after or after["AZ-OGU"].weekly_citizens < before["AZ-OGU"].weekly_citizens
    assert network.place("AZ-OGU").population != 1  # the bundled network is not changed in place
