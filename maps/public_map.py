"""The citizens' page (``GET /``) and its feeds: upcoming stops on a clustered map and in a list, GeoJSON, iCal.

Pure: the caller passes the stops (already stripped of internal figures) and gets text back. The page is a small
Jinja template (``maps/templates/public_page.html``, autoescaped) with Leaflet and Leaflet.markercluster from the
vendored copies; the stops travel to the page's script as JSON in a ``<script type="application/json">`` block
with ``<``, ``>`` and ``&`` escaped, and the script builds popups with ``textContent``, so no data becomes markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape

from maps.assets import (
    LEAFLET_CSS,
    LEAFLET_JS,
    MARKERCLUSTER_CSS,
    MARKERCLUSTER_DEFAULT_CSS,
    MARKERCLUSTER_JS,
    STATIC_URL,
    resolve_tiles,
    vendor_url,
)
from maps.i18n import LANG_NAMES, LANGS, Lang, format_day, kind_label, text
from maps.ical import fold_ics_line, ics_text, ics_utc
from scheduler.calendar import BAKU

AZERBAIJAN_BOUNDS = ((38.39, 44.77), (41.91, 50.63))
KIND_COLOURS = {"bus": "#0b6fb8", "train": "#c0392b"}

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class PublicStopView:
    """A stop as citizens see it (the same fields as the API's ``PublicStop``): where, when, which kind."""

    vehicle_id: str
    vehicle_kind: str
    date: date
    arrive: datetime
    depart: datetime
    place_id: str
    place_name_az: str
    place_name_en: str
    place_name_ru: str
    lat: float
    lon: float

    def place_name(self, lang: Lang) -> str:
        return {"az": self.place_name_az, "ru": self.place_name_ru, "en": self.place_name_en}[lang]


def filter_stops(
    stops: Iterable[PublicStopView], *, place: str | None = None, day: date | None = None
) -> list[PublicStopView]:
    """The stops at ``place`` (a place id) on ``day``; None means any."""
    return [s for s in stops if (place is None or s.place_id == place) and (day is None or s.date == day)]


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(BAKU).strftime("%H:%M")


def _query(lang: Lang, place: str | None, day: date | None) -> str:
    params = {"lang": lang, "place": place, "date": day.isoformat() if day else None}
    return urlencode({key: value for key, value in params.items() if value})


def _script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``</script>``, no HTML comment, no entity)."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def render_public_page(
    stops: Sequence[PublicStopView],
    *,
    lang: Lang = "az",
    place: str | None = None,
    day: date | None = None,
    tiles: str | None = "OpenStreetMap",
    static_url: str = STATIC_URL,
    feed_url: str = "/public/stops",
    hours_saved: float = 0.0,
) -> str:
    """The whole page: filters (place, date), a language switcher, the map and the list of ``stops`` that match.

    ``stops`` are all upcoming stops; the filter choices are built from them, and only those matching ``place``
    and ``day`` are shown. ``hours_saved``, the citizen-hours of travel the shown visits spare, is said in one
    rounded sentence (the only figure of the plan the public sees).
    """
    shown = filter_stops(stops, place=place, day=day)
    places = sorted({(s.place_id, s.place_name(lang)) for s in stops}, key=lambda item: item[1])
    days = sorted({s.date for s in stops})
    items = [
        {
            "index": index,
            "lat": s.lat,
            "lon": s.lon,
            "place": s.place_name(lang),
            "day": format_day(lang, s.date),
            "time": f"{_hhmm(s.arrive)}–{_hhmm(s.depart)}",
            "kind": s.vehicle_kind,
            "kind_label": kind_label(lang, s.vehicle_kind),
            "colour": KIND_COLOURS.get(s.vehicle_kind, "#555"),
        }
        for index, s in enumerate(shown)
    ]
    by_day: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_day.setdefault(str(item["day"]), []).append(item)
    resolved = resolve_tiles(tiles)
    data = {
        "stops": items,
        "tiles": None if resolved is None else {"url": resolved.url, "attribution": resolved.attribution},
        "maxZoom": 18 if resolved is None else resolved.max_zoom,
        "bounds": AZERBAIJAN_BOUNDS,
    }
    query = _query(lang, place, day)
    template = _TEMPLATES.get_template("public_page.html")
    return template.render(
        lang=lang,
        t=lambda key: text(lang, key),
        languages=[(code, LANG_NAMES[code], f"?{_query(code, place, day)}") for code in LANGS],
        places=places,
        days=[(d.isoformat(), format_day(lang, d)) for d in days],
        place=place,
        day=day.isoformat() if day else None,
        by_day=by_day,
        data_json=_script_json(data),
        css=[vendor_url(static_url, p) for p in (LEAFLET_CSS, MARKERCLUSTER_CSS, MARKERCLUSTER_DEFAULT_CSS)],
        js=[vendor_url(static_url, p) for p in (LEAFLET_JS, MARKERCLUSTER_JS)],
        hours_saved=_rounded_hours(hours_saved, lang) if shown and hours_saved >= 1 else None,
        ics_url=f"{feed_url}.ics?{query}",
        geojson_url=f"{feed_url}.geojson?{query}",
    )


def _rounded_hours(hours: float, lang: Lang) -> str:
    """Hours to two significant figures, grouped as the language writes numbers (12 000, 12,000)."""
    rounded = int(float(f"{hours:.2g}")) if hours >= 10 else round(hours)
    grouped = f"{rounded:,}"
    return grouped if lang == "en" else grouped.replace(",", "\u00a0")


# --- feeds ---


def stops_geojson(stops: Sequence[PublicStopView]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one Point per stop, its properties the public stop fields (ISO times)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
                "properties": {
                    "vehicle_id": s.vehicle_id,
                    "vehicle_kind": s.vehicle_kind,
                    "date": s.date.isoformat(),
                    "arrive": s.arrive.isoformat(),
                    "depart": s.depart.isoformat(),
                    "place_id": s.place_id,
                    "place_name_az": s.place_name_az,
                    "place_name_en": s.place_name_en,
                    "place_name_ru": s.place_name_ru,
                },
            }
            for s in stops
        ],
    }


def stops_ics(
    stops: Sequence[PublicStopView], *, lang: Lang = "az", plan_id: int | None = None, now: datetime | None = None
) -> str:
    """An iCalendar (RFC 5545) with one event per stop, times in UTC, lines folded, CRLF line ends."""
    stamp = ics_utc(now or datetime.now(UTC))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Sefer//ASAN mobile stops//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_text(text(lang, 'title'))}",
    ]
    for s in stops:
        uid = f"{plan_id or 0}-{s.vehicle_id}-{ics_utc(s.arrive)}-{s.place_id}@sefer"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{ics_text(uid)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{ics_utc(s.arrive)}",
            f"DTEND:{ics_utc(s.depart)}",
            f"SUMMARY:{ics_text(f'{kind_label(lang, s.vehicle_kind)}: {s.place_name(lang)}')}",
            f"LOCATION:{ics_text(s.place_name(lang))}",
            f"GEO:{s.lat:.6f};{s.lon:.6f}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold_ics_line(line) + "\r\n" for line in lines)
