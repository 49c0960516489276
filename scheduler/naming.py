"""How people name a stop, in Azerbaijani, Russian and English: a village with its unit, the train's station
with the town it serves. Pure: the public page, the feeds and the plan JSON all use it."""

from __future__ import annotations

from scheduler.domain import Network, Place

LANGS = ("az", "ru", "en")


def _name(place: Place, lang: str) -> str:
    return {"az": place.name_az, "ru": place.name_ru or place.name_en, "en": place.name_en}[lang]


def place_label(network: Network, place_id: str, lang: str) -> str:
    """ "Bum (Qəbələ)" for a settlement, the unit's own name for a unit; the id when unknown."""
    if not network.has_place(place_id):
        return place_id
    place = network.place(place_id)
    if place.unit_id is None or not network.has_place(place.unit_id):
        return _name(place, lang)
    return f"{_name(place, lang)} ({_name(network.place(place.unit_id), lang)})"


def stop_label(network: Network, place_id: str, site_id: str, lang: str) -> str:
    """A bus stop: its place's label; a train stop: "Xaçmaz stansiyası (Xaçmaz)", "станция Xaçmaz (Хачмаз)",
    "Xaçmaz station (Khachmaz)" — the station, and the town whose citizens it serves."""
    station = next((s for s in network.stations if s.id == site_id), None)
    town = place_label(network, place_id, lang)
    if station is None:
        return town
    return {
        "az": f"{station.name} stansiyası ({town})",
        "ru": f"станция {station.name} ({town})",
        "en": f"{station.name} station ({town})",
    }[lang]
