"""Plan exports for planners and crews: a CSV of every stop, a printable itinerary page and an iCalendar file
per vehicle. Pure functions of a :class:`~scheduler.plan.Plan` and the :class:`~scheduler.domain.Network` (plus,
for the itinerary, what the caller knows of the served requests); nothing here reads the database or the clock.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from maps.ical import fold_ics_line, ics_text, ics_utc
from scheduler.calendar import BAKU
from scheduler.domain import Network, Place, Vehicle
from scheduler.naming import stop_label
from scheduler.plan import Plan, Route, Stop

__all__ = [
    "CSV_COLUMNS",
    "RequestSummary",
    "fold_ics_line",
    "ics_text",
    "plan_csv",
    "vehicle_ics",
    "vehicle_itinerary_html",
]

CSV_COLUMNS = (
    "vehicle_id",
    "vehicle_name",
    "vehicle_kind",
    "date",
    "arrive",
    "depart",
    "place_id",
    "place_name_az",
    "place_name_en",
    "place_name_ru",
    "site_id",
    "site_name",
    "expected_citizens",
    "request_ids",
    "locked",
    "unit_id",
    "unit_name_az",
    "stop_name_az",
    "stop_name_ru",
    "stop_name_en",
    "citizen_hours_saved",
)
"""One row per stop, in route order; times ISO 8601 in Asia/Baku; ``request_ids`` joined by ``;``. Columns are
only ever appended: ``unit_id`` is the first-level unit of the place (the place's own id for a unit),
``stop_name_*`` name the stop as people do ("Horadiz (Füzuli)", "Xaçmaz stansiyası (Xaçmaz)") and
``citizen_hours_saved`` is the stop's citizen-minutes of travel saved / 60, to one decimal."""


@dataclass(frozen=True, slots=True)
class RequestSummary:
    """What the itinerary prints about a served request (the caller looks it up)."""

    id: str
    office: str | None
    expected_citizens: int
    services: tuple[str, ...]
    note: str


# --- shared helpers ---


def _route(plan: Plan, vehicle_id: str) -> Route:
    for route in plan.routes:
        if route.vehicle_id == vehicle_id:
            return route
    return Route(vehicle_id=vehicle_id, stops=(), legs=())


def _vehicle(plan: Plan, vehicle_id: str) -> Vehicle:
    for vehicle in plan.vehicles:
        if vehicle.id == vehicle_id:
            return vehicle
    raise KeyError(vehicle_id)


def _place(network: Network, place_id: str) -> Place | None:
    return network.place(place_id) if network.has_place(place_id) else None


def _site_name(network: Network, site_id: str) -> str:
    if network.has_place(site_id):
        return network.place(site_id).centre_az
    for station in network.stations:
        if station.id == site_id:
            return station.name
    return site_id


def _unit(network: Network, place: Place | None) -> Place | None:
    """The first-level unit ``place`` lies in (the place itself for a unit); None when unknown."""
    if place is None:
        return None
    return place if place.unit_id is None else _place(network, place.unit_id)


def _hours(saved_citizen_min: int) -> float:
    """Citizen-minutes as citizen-hours, to one decimal (as the plan JSON and the KPIs give them)."""
    return round(saved_citizen_min / 60, 1)


def _label(network: Network, stop: Stop, lang: str) -> str:
    return stop_label(network, stop.place_id, stop.site_id, lang)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(BAKU)


def _ordered_stops(plan: Plan) -> Iterable[tuple[Route, Stop]]:
    for route in plan.routes:
        for stop in route.stops:
            yield route, stop


# --- CSV ---


def plan_csv(plan: Plan, network: Network) -> str:
    """The plan's stops as CSV (header ``CSV_COLUMNS``, CRLF line ends as RFC 4180 says)."""
    vehicles = {v.id: v for v in plan.vehicles}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for route, stop in _ordered_stops(plan):
        vehicle = vehicles.get(route.vehicle_id)
        place = _place(network, stop.place_id)
        unit = _unit(network, place)
        writer.writerow(
            (
                stop.vehicle_id,
                vehicle.name if vehicle else "",
                vehicle.kind.value if vehicle else "",
                stop.date.isoformat(),
                _local(stop.arrive).isoformat(),
                _local(stop.depart).isoformat(),
                stop.place_id,
                place.name_az if place else "",
                place.name_en if place else "",
                place.name_ru if place else "",
                stop.site_id,
                _site_name(network, stop.site_id),
                stop.expected_citizens,
                ";".join(stop.request_ids),
                "true" if stop.locked else "false",
                place.unit if place else "",
                unit.name_az if unit else "",
                _label(network, stop, "az"),
                _label(network, stop, "ru"),
                _label(network, stop, "en"),
                _hours(stop.saved_citizen_min),
            )
        )
    return out.getvalue()


# --- printable itinerary ---

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 1.5rem; color: #111; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; } h2 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border: 1px solid #999; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #eee; } td.num { text-align: right; } .muted { color: #555; }
.day td { background: #f6f6f6; font-weight: bold; } .total td { font-weight: bold; }
svg { border: 1px solid #999; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { margin: 0; font-size: 10pt; } th { background: none; } .day td { background: none; }
  tr, .stop { page-break-inside: avoid; break-inside: avoid; } .noprint { display: none; }
  a { color: inherit; text-decoration: none; }
}
"""


def _time(moment: datetime) -> str:
    return _local(moment).strftime("%H:%M")


def _map_svg(stops: Sequence[Stop], depot: Place | None, width: int = 360, height: int = 240) -> str:
    """A tiny static sketch of the stops in order (no tiles, no script, no CDN)."""
    points = [(s.lat, s.lon) for s in stops]
    if depot is not None:
        points = [(depot.lat, depot.lon), *points]
    if not points:
        return ""
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    span_lat, span_lon = max(max(lats) - min(lats), 0.05), max(max(lons) - min(lons), 0.05)
    pad = 20

    def xy(lat: float, lon: float) -> tuple[float, float]:
        x = pad + (lon - min(lons)) / span_lon * (width - 2 * pad)
        y = height - pad - (lat - min(lats)) / span_lat * (height - 2 * pad)
        return round(x, 1), round(y, 1)

    coords = [xy(lat, lon) for lat, lon in points]
    line = " ".join(f"{x},{y}" for x, y in coords)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Sketch of the route">',
        f'<polyline points="{line}" fill="none" stroke="#555" stroke-width="1.5"/>',
    ]
    first = 0
    if depot is not None:
        x, y = coords[0]
        parts.append(f'<rect x="{x - 5}" y="{y - 5}" width="10" height="10" fill="#111"><title>depot</title></rect>')
        first = 1
    for number, (x, y) in enumerate(coords[first:], start=1):
        parts.append(f'<circle cx="{x}" cy="{y}" r="7" fill="#fff" stroke="#111"/>')
        parts.append(f'<text x="{x}" y="{y + 3.5}" font-size="9" text-anchor="middle">{number}</text>')
    parts.append("</svg>")
    return "".join(parts)


def vehicle_itinerary_html(
    plan: Plan,
    network: Network,
    vehicle_id: str,
    *,
    requests: Mapping[str, RequestSummary] | None = None,
    plan_label: str = "",
) -> str:
    """A standalone, printable HTML page of one vehicle's week: stops (named as people name them, "Horadiz
    (Füzuli)", "Xaçmaz stansiyası (Xaçmaz)") with times, expected citizens and citizen-hours of travel saved, a
    total per day and for the week, the services the vehicle offers, the served requests, where it sleeps and a
    small route sketch. Every text is escaped. Raises ``KeyError`` when the vehicle is not in the plan."""
    vehicle = _vehicle(plan, vehicle_id)
    route = _route(plan, vehicle_id)
    known = requests or {}
    services = {s.code: s for s in network.services}
    depot = _place(network, vehicle.depot_place_id)
    e = escape
    depot_name = depot.name_az if depot else vehicle.depot_place_id

    title = f"{vehicle.name} ({vehicle.id}) · week of {plan.week_start.isoformat()}"
    head = [
        "<!DOCTYPE html>",
        '<html lang="az"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="muted">{e(plan_label)} {e(vehicle.kind.value)} · depot {e(depot_name)}'
        f" · capacity {vehicle.capacity_citizens_per_day} citizens a day · times are Asia/Baku</p>",
    ]
    offered = "".join(
        f"<li>{e(services[c].name_az)} / {e(services[c].name_en)} <span class='muted'>({e(c)})</span></li>"
        if c in services
        else f"<li>{e(c)}</li>"
        for c in vehicle.services
    )
    body = [f"<h2>Services on board</h2><ul>{offered or '<li>none listed</li>'}</ul>", "<h2>Stops</h2>"]
    if not route.stops:
        body.append("<p>No stops this week.</p>")
    else:
        rows = [
            "<table><thead><tr><th>#</th><th>Arrive</th><th>Depart</th><th>Stop</th><th>Site</th>"
            "<th>Expected citizens</th><th>Citizen-hours saved</th><th>Requests</th><th>Locked</th></tr></thead>"
            "<tbody>"
        ]

        def total_row(label: str, stops: Sequence[Stop]) -> str:
            citizens = sum(s.expected_citizens for s in stops)
            hours = _hours(sum(s.saved_citizen_min for s in stops))
            return (
                f'<tr class="total"><td colspan="5">{e(label)}</td><td class="num">{citizens}</td>'
                f'<td class="num">{hours:.1f}</td><td colspan="2"></td></tr>'
            )

        day_stops: list[Stop] = []
        for number, stop in enumerate(route.stops, start=1):
            if not day_stops or stop.date != day_stops[0].date:
                if day_stops:
                    rows.append(total_row(f"Day total {day_stops[0].date.isoformat()}", day_stops))
                day_stops = []
                rows.append(f'<tr class="day"><td colspan="9">{e(stop.date.strftime("%A %Y-%m-%d"))}</td></tr>')
            day_stops.append(stop)
            label_az, label_en = _label(network, stop, "az"), _label(network, stop, "en")
            name = label_az if label_az == label_en else f"{label_az} / {label_en}"
            rows.append(
                f'<tr class="stop"><td class="num">{number}</td><td>{e(_time(stop.arrive))}</td>'
                f"<td>{e(_time(stop.depart))}</td><td>{e(name)} <span class='muted'>({e(stop.place_id)})</span></td>"
                f"<td>{e(_site_name(network, stop.site_id))} <span class='muted'>({e(stop.site_id)})</span></td>"
                f'<td class="num">{stop.expected_citizens}</td>'
                f'<td class="num">{_hours(stop.saved_citizen_min):.1f}</td>'
                f"<td>{e(', '.join(stop.request_ids)) or '-'}</td><td>{'yes' if stop.locked else ''}</td></tr>"
            )
        rows.append(total_row(f"Day total {day_stops[0].date.isoformat()}", day_stops))
        rows.append(total_row("Week total", route.stops))
        rows.append("</tbody></table>")
        body.extend(rows)
    served = list(dict.fromkeys(rid for stop in route.stops for rid in stop.request_ids))
    body.append("<h2>Served requests</h2>")
    if not served:
        body.append("<p>None.</p>")
    else:
        items = ["<table><thead><tr><th>Request</th><th>Office</th><th>Citizens</th><th>Services</th><th>Note</th>"]
        items.append("</tr></thead><tbody>")
        for rid in served:
            summary = known.get(rid)
            if summary is None:
                items.append(f"<tr><td>{e(rid)}</td><td colspan='4' class='muted'>not found</td></tr>")
                continue
            items.append(
                f"<tr><td>{e(rid)}</td><td>{e(summary.office or '')}</td>"
                f'<td class="num">{summary.expected_citizens}</td><td>{e(", ".join(summary.services))}</td>'
                f"<td>{e(summary.note)}</td></tr>"
            )
        items.append("</tbody></table>")
        body.extend(items)
    if route.overnights:
        nights = "".join(
            f"<li>{e(o.date.isoformat())}: {e(_site_name(network, o.site_id))}{' (depot)' if o.at_depot else ''}</li>"
            for o in route.overnights
        )
        body.append(f"<h2>Nights</h2><ul>{nights}</ul>")
    sketch = _map_svg(route.stops, depot)
    if sketch:
        body.append(f"<h2>Route sketch</h2>{sketch}")
    return "\n".join([*head, *body, "</body></html>"]) + "\n"


# --- iCalendar (RFC 5545) ---


def _uid(stop: Stop, occurrence: int) -> str:
    """Stable across downloads and re-plans that keep the stop: vehicle, date, site and its occurrence that day."""
    return f"{stop.vehicle_id}-{stop.date.strftime('%Y%m%d')}-{stop.site_id}-{occurrence}@sefer"


def vehicle_ics(plan: Plan, network: Network, vehicle_id: str, *, stamp: datetime) -> str:
    """The vehicle's stops as an iCalendar file for the crew: one VEVENT per stop named as people name it
    ("Xaçmaz stansiyası (Xaçmaz)"), times in UTC, stable UIDs, escaped and folded (RFC 5545). ``stamp`` is the
    DTSTAMP (when the file is made). Raises ``KeyError`` when the vehicle is not in the plan."""
    vehicle = _vehicle(plan, vehicle_id)
    route = _route(plan, vehicle_id)
    services = {s.code: s for s in network.services}
    offered = ", ".join(services[c].name_en if c in services else c for c in vehicle.services)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Sefer//ASAN mobile service plans//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_text(f'{vehicle.name} ({vehicle.id}) · {plan.week_start.isoformat()}')}",
        "X-WR-TIMEZONE:Asia/Baku",
    ]
    seen: dict[tuple[str, str, str], int] = {}
    for stop in route.stops:
        key = (stop.vehicle_id, stop.date.isoformat(), stop.site_id)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        label = _label(network, stop, "az")
        site = _site_name(network, stop.site_id)
        description = [
            f"Stop: {label} / {_label(network, stop, 'en')}",
            f"Expected citizens: {stop.expected_citizens}",
            f"Citizen-hours of travel saved: {_hours(stop.saved_citizen_min):.1f}",
            f"Services on board: {offered or 'none listed'}",
            f"Requests served: {', '.join(stop.request_ids) or 'none'}",
            f"Site: {site} ({stop.site_id})",
            f"Arrive {_time(stop.arrive)}, depart {_time(stop.depart)} (Asia/Baku)",
        ]
        if stop.locked:
            description.append("Locked by the planner")
        lines.extend(
            [
                "BEGIN:VEVENT",
                f"UID:{_uid(stop, occurrence)}",
                f"DTSTAMP:{ics_utc(stamp)}",
                f"DTSTART:{ics_utc(stop.arrive)}",
                f"DTEND:{ics_utc(stop.depart)}",
                f"SUMMARY:{ics_text(f'{vehicle.id}: {label}, {stop.expected_citizens} citizens')}",
                f"LOCATION:{ics_text(label)}",
                f"GEO:{stop.lat:.6f};{stop.lon:.6f}",
                f"DESCRIPTION:{ics_text(chr(10).join(description))}",
                "STATUS:CONFIRMED",
                "TRANSP:OPAQUE",
                "END:VEVENT",
            ]
        )
    lines.append("END:VCALENDAR")
    return "".join(fold_ics_line(line) + "\r\n" for line in lines)
