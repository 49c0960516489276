"""Stop names people recognise: a village with its unit, the train's station with the town it serves."""

from __future__ import annotations

from dataclasses import replace

from scheduler.naming import place_label, stop_label
from tests.fakes import tiny_network


def test_a_village_is_named_with_its_unit_and_a_unit_alone() -> None:
    """In each language a settlement carries its unit's name in brackets; a unit is its own name."""
    network = tiny_network()
    village = replace(network.place("P3"), id="V1", name_az="Kənd", name_ru="Кенд", name_en="Kend", unit_id="P3")
    network = replace(network, places=(*network.places, village))
    assert place_label(network, "V1", "az") == "Kənd (P3 az)"
    assert place_label(network, "V1", "ru") == "Кенд (P3 ru)"
    assert place_label(network, "P3", "en") == "P3 en"
    assert place_label(network, "NOWHERE", "en") == "NOWHERE"


def test_a_train_stop_names_the_station_and_the_town() -> None:
    """The train's stop is the station, with the town whose citizens it serves; a bus stop is its place."""
    network = tiny_network()
    assert stop_label(network, "P2", "ST-2", "az") == "Station 2 stansiyası (P2 az)"
    assert stop_label(network, "P2", "ST-2", "en") == "Station 2 station (P2 en)"
    assert stop_label(network, "P2", "ST-2", "ru") == "станция Station 2 (P2 ru)"
    assert stop_label(network, "P2", "P2", "az") == "P2 az"
