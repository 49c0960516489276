"""Render a plan as a Folium map for planners.

Layers: one per vehicle (its depot, and per day its route along the road or rail path and its numbered stops),
one toggle per day (a day turned off hides that day's routes and stops of every vehicle), the fixed centres,
optional demand circles, the unserved requests at their places, and overnight stays away from the depot. A legend
and a fullscreen control complete it. Scripts and styles are the vendored copies (:mod:`maps.assets`).

Building the map is pure object construction; the caller saves it (``m.save(path)``, which also copies the
vendored files beside it) or embeds it (``m.get_root().render()``). Every text that comes from data is escaped
with :func:`_esc`, because popups and tooltips end up inside JavaScript template literals and layer names inside
``innerHTML``.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

import folium
from branca.element import MacroElement
from folium.plugins import Fullscreen
from jinja2 import Template

from maps.assets import STATIC_URL, OfflineMap, add_tiles
from maps.colors import CENTRE_COLOURS, CENTRE_LABELS, vehicle_colour
from scheduler.calendar import BAKU
from scheduler.domain import CentreStatus, Network, ServiceCentre, Vehicle, VehicleKind
from scheduler.naming import stop_label
from scheduler.plan import Leg, Overnight, Plan, Route, Stop
from scheduler.requests import Unserved, VisitRequest

AZERBAIJAN_BOUNDS: tuple[tuple[float, float], tuple[float, float]] = ((38.39, 44.77), (41.91, 50.63))
"""South-west and north-east corners of the country, Naxçıvan included; the view of a plan with no stop."""

CENTRES_LAYER_NAME = "Fixed centres"
DEMAND_LAYER_NAME = "Demand this week"
UNSERVED_LAYER_NAME = "Unserved requests"
OVERNIGHTS_LAYER_NAME = "Overnight stays away from depot"
POPUP_MAX_WIDTH_PX = 340
TRAIN_DASH_ARRAY = "10 6"
MAX_FIT_ZOOM = 11
FIT_PADDING_TOP_LEFT_PX = (300, 20)
FIT_PADDING_BOTTOM_RIGHT_PX = (330, 20)
DEMAND_COLOUR = "#6a3d9a"
UNSERVED_COLOUR = "#c0392b"
DEMAND_MIN_RADIUS_PX = 4
DEMAND_MAX_RADIUS_PX = 28

Bounds = tuple[tuple[float, float], tuple[float, float]]


def render_plan_map(
    plan: Plan,
    network: Network,
    *,
    tiles: str | None = "OpenStreetMap",
    static_url: str = STATIC_URL,
    demand: Mapping[str, float] | None = None,
    requests: Iterable[VisitRequest] = (),
    request_notes: Mapping[str, str] | None = None,
) -> OfflineMap:
    """Build (not save) the map of ``plan``.

    ``tiles``: a Folium tile name, a URL template (self-hosted tiles) or None for no tiles (offline use).
    ``static_url``: where the vendored scripts are served (the API's ``/static``; ``save`` makes them relative).
    ``demand``: expected citizens per place id for the week, drawn as circles. ``requests`` (and their
    ``request_notes``) place the plan's unserved requests on the map; unserved requests the map cannot place are
    still listed in the legend.
    """
    bounds = _stop_bounds(plan.stops)
    (south, west), (north, east) = bounds
    m = OfflineMap(location=((south + north) / 2, (west + east) / 2), zoom_start=7, tiles=None, static_url=static_url)
    add_tiles(m, tiles)
    colours = {vehicle.id: vehicle_colour(i) for i, vehicle in enumerate(plan.vehicles)}
    routes = {route.vehicle_id: route for route in plan.routes}
    days = _plan_days(plan)
    day_parts: dict[date, list[tuple[folium.FeatureGroup, folium.FeatureGroup]]] = {day: [] for day in days}
    for vehicle in plan.vehicles:
        group, parts = _add_vehicle_layer(m, vehicle, routes.get(vehicle.id), network, colours[vehicle.id])
        for day, part in parts.items():
            day_parts[day].append((group, part))
    _add_day_toggles(m, day_parts)
    _add_centres(m, network)
    if demand:
        _add_demand(m, plan, network, demand)
    by_id = {request.id: request for request in requests}
    placed = _add_unserved(m, plan.unserved, by_id, request_notes or {}, network)
    _add_overnights(m, plan.routes, network, colours)
    _add_legend(m, plan, colours, placed=placed)
    Fullscreen(position="topleft").add_to(m)  # type: ignore[no-untyped-call]
    # Padding keeps the stops clear of the legend (bottom left) and the layer control (top right).
    m.fit_bounds(
        [list(bounds[0]), list(bounds[1])],
        max_zoom=MAX_FIT_ZOOM,
        padding_top_left=FIT_PADDING_TOP_LEFT_PX,
        padding_bottom_right=FIT_PADDING_BOTTOM_RIGHT_PX,
    )
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def vehicle_layer_name(vehicle: Vehicle, network: Network) -> str:
    """The unescaped layer name of a vehicle, e.g. ``BUS-01 · bus · depot Qəbələ``."""
    return f"{vehicle.id} · {vehicle.kind.value} · depot {_place_name_az(network, vehicle.depot_place_id)}"


def day_layer_name(day: date) -> str:
    """The layer name of a day's toggle, e.g. ``Mon 2025-03-03``."""
    return f"{day:%a %Y-%m-%d}"


def css_token(text: str) -> str:
    """``text`` reduced to the characters allowed in a CSS class name (for route and marker classes)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


# --- vehicles and days ---


def _add_vehicle_layer(
    m: folium.Map, vehicle: Vehicle, route: Route | None, network: Network, colour: str
) -> tuple[folium.FeatureGroup, dict[date, folium.FeatureGroup]]:
    """The vehicle's group (toggled in the layer control) holding its depot and one sub-group per day."""
    name = f"{_swatch(colour, dashed=vehicle.kind is VehicleKind.TRAIN)} {_esc(vehicle_layer_name(vehicle, network))}"
    group = folium.FeatureGroup(name=name)
    parts: dict[date, folium.FeatureGroup] = {}

    def part(day: date) -> folium.FeatureGroup:
        if day not in parts:
            parts[day] = folium.FeatureGroup(name=f"{vehicle.id} {day.isoformat()}", control=False)
            parts[day].add_to(group)
        return parts[day]

    if route is not None:
        for day, legs in _legs_by_day(route.legs).items():
            _add_route_line(part(day), legs, vehicle, colour)
        for number, stop in enumerate(route.stops, start=1):
            _add_stop_marker(part(stop.date), number, stop, vehicle, network, colour)
    _add_depot_marker(group, vehicle, network, colour)
    group.add_to(m)
    return group, parts


def _legs_by_day(legs: Sequence[Leg]) -> dict[date, list[Leg]]:
    """Legs grouped by their local departure date, in route order."""
    by_day: dict[date, list[Leg]] = {}
    for leg in legs:
        by_day.setdefault(leg.depart.astimezone(BAKU).date(), []).append(leg)
    return by_day


def _plan_days(plan: Plan) -> list[date]:
    days = set(plan.service_dates) | {stop.date for stop in plan.stops}
    days |= {leg.depart.astimezone(BAKU).date() for route in plan.routes for leg in route.legs}
    return sorted(days)


def _add_route_line(group: folium.FeatureGroup, legs: Sequence[Leg], vehicle: Vehicle, colour: str) -> None:
    path = [point for leg in legs for point in leg.path]
    if len(path) < 2:
        return
    dash = TRAIN_DASH_ARRAY if vehicle.kind is VehicleKind.TRAIN else None
    day = legs[0].depart.astimezone(BAKU).date()
    distance_km = sum(leg.distance_m for leg in legs) / 1000
    # folium.PolyLine has no annotations in folium 0.20.
    folium.PolyLine(  # type: ignore[no-untyped-call]
        path,
        color=colour,
        weight=4,
        opacity=0.8,
        dash_array=dash,
        class_name=f"sefer-route sefer-route-{css_token(vehicle.id)}",
        tooltip=folium.Tooltip(_esc(f"{vehicle.id} · {vehicle.name} · {day:%a %Y-%m-%d} · {distance_km:.0f} km")),
    ).add_to(group)


def _add_stop_marker(
    group: folium.FeatureGroup, number: int, stop: Stop, vehicle: Vehicle, network: Network, colour: str
) -> None:
    ring = "#000" if stop.locked else "#fff"
    badge = (
        f'<div style="background:{colour};color:#fff;border:2px solid {ring};border-radius:50%;'
        "width:24px;height:24px;line-height:20px;text-align:center;font:bold 12px sans-serif;"
        f'box-shadow:0 0 2px #000;box-sizing:border-box">{number}</div>'
    )
    folium.Marker(
        location=(stop.lat, stop.lon),
        icon=folium.DivIcon(
            html=badge,
            icon_size=(24, 24),
            icon_anchor=(12, 12),
            class_name=f"sefer-stop sefer-stop-{css_token(vehicle.id)}",
        ),
        popup=folium.Popup(_stop_popup_html(number, stop, vehicle, network), max_width=POPUP_MAX_WIDTH_PX),
        tooltip=folium.Tooltip(
            _esc(f"{number}. {stop_label(network, stop.place_id, stop.site_id, 'az')} · {stop.date:%a}")
        ),
    ).add_to(group)


def _stop_popup_html(number: int, stop: Stop, vehicle: Vehicle, network: Network) -> str:
    times = f"{_hhmm(stop.arrive)}–{_hhmm(stop.depart)}"
    requests = ", ".join(_esc(rid) for rid in stop.request_ids) if stop.request_ids else "none"
    return (
        f'<div class="sefer-popup"><b>{number}. {_stop_names(network, stop)}</b><br>'
        f"{_esc(vehicle.id)} · {_esc(vehicle.name)}<br>"
        f"{stop.date:%a %Y-%m-%d}, {times}<br>"
        f"Expected citizens: {stop.expected_citizens}; citizen-hours of travel saved: "
        f"{stop.saved_citizen_min / 60:,.0f}<br>"
        f"Services: {_service_names(network, vehicle.services)}<br>"
        f"Requests served: {requests}" + ("<br><b>Locked</b>" if stop.locked else "") + "</div>"
    )


def _add_depot_marker(group: folium.FeatureGroup, vehicle: Vehicle, network: Network, colour: str) -> None:
    location = _depot_location(vehicle, network)
    if location is None:
        return
    badge = (
        f'<div style="background:#fff;color:{colour};border:3px solid {colour};border-radius:3px;'
        "width:22px;height:22px;line-height:16px;text-align:center;font:bold 12px sans-serif;"
        'box-shadow:0 0 2px #000;box-sizing:border-box">D</div>'
    )
    hours = f"{_minutes_hhmm(vehicle.service_start_min)}–{_minutes_hhmm(vehicle.service_end_min)}"
    popup_html = (
        f"<b>Depot of {_esc(vehicle.id)}</b> · {_esc(vehicle.name)}<br>"
        f"{_place_names(network, vehicle.depot_place_id)}<br>"
        f"Service hours {hours}, up to {vehicle.capacity_citizens_per_day} citizens a day"
    )
    folium.Marker(
        location=location,
        icon=folium.DivIcon(html=badge, icon_size=(22, 22), icon_anchor=(11, 11), class_name="sefer-depot"),
        popup=folium.Popup(popup_html, max_width=POPUP_MAX_WIDTH_PX),
        tooltip=folium.Tooltip(_esc(f"Depot of {vehicle.id}")),
        z_index_offset=-1000,  # below the stops: a week's first stop is often at the depot
    ).add_to(group)


def _depot_location(vehicle: Vehicle, network: Network) -> tuple[float, float] | None:
    """The depot station for a train that has one, else the depot place; None when the data lacks both."""
    if vehicle.depot_station_id is not None:
        location = _site_location(vehicle.depot_station_id, network)
        if location is not None:
            return location
    return _site_location(vehicle.depot_place_id, network)


def _site_location(site_id: str, network: Network) -> tuple[float, float] | None:
    """A place's centre or a station, by id; None when the data knows neither."""
    if network.has_place(site_id):
        place = network.place(site_id)
        return (place.lat, place.lon)
    try:
        station = network.station(site_id)
    except KeyError:
        return None
    return (station.lat, station.lon)


class DayToggles(MacroElement):
    """Empty overlays, one per day, whose switching adds or removes that day's sub-group of every vehicle.

    A day's routes and stops are visible when both their vehicle's layer and their day's toggle are on.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var days = [
            {%- for toggle, parts in this.days %}
                {toggle: {{ toggle.get_name() }}, parts: [
                {%- for parent, child in parts %}[{{ parent.get_name() }}, {{ child.get_name() }}],{% endfor -%}
                ]},
            {%- endfor %}
            ];
            function change(layer, on) {
                days.forEach(function (day) {
                    if (day.toggle !== layer) { return; }
                    day.parts.forEach(function (part) {
                        if (on) { part[0].addLayer(part[1]); } else { part[0].removeLayer(part[1]); }
                    });
                });
            }
            {{ this._parent.get_name() }}.on("overlayadd", function (e) { change(e.layer, true); });
            {{ this._parent.get_name() }}.on("overlayremove", function (e) { change(e.layer, false); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, days: list[tuple[folium.FeatureGroup, list[tuple[folium.FeatureGroup, folium.FeatureGroup]]]]):
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "DayToggles"
        self.days = days


def _add_day_toggles(
    m: folium.Map, day_parts: dict[date, list[tuple[folium.FeatureGroup, folium.FeatureGroup]]]
) -> None:
    toggles = []
    for day, parts in day_parts.items():
        toggle = folium.FeatureGroup(name=_esc(day_layer_name(day)))
        toggle.add_to(m)
        toggles.append((toggle, parts))
    DayToggles(toggles).add_to(m)


# --- fixed centres ---


def _add_centres(m: folium.Map, network: Network) -> None:
    group = folium.FeatureGroup(name=CENTRES_LAYER_NAME)
    for centre in network.centres:
        _add_centre_marker(group, centre, network)
    group.add_to(m)


def _add_centre_marker(group: folium.FeatureGroup, centre: ServiceCentre, network: Network) -> None:
    colour = CENTRE_COLOURS[centre.kind]
    is_open = centre.status is CentreStatus.OPEN
    popup_html = (
        f"<b>{_esc(centre.name)}</b><br>"
        f"{_esc(CENTRE_LABELS[centre.kind])} · {_esc(centre.status.value.replace('_', ' '))}<br>"
        f"{_place_names(network, centre.place_id)}" + (f"<br>Opened {_esc(centre.opened)}" if centre.opened else "")
    )
    folium.CircleMarker(
        location=(centre.lat, centre.lon),
        radius=7,
        color=colour,
        weight=2,
        fill=True,
        fill_color=colour,
        fill_opacity=0.9 if is_open else 0.2,
        dash_array=None if is_open else "3 3",
        popup=folium.Popup(popup_html, max_width=POPUP_MAX_WIDTH_PX),
        tooltip=folium.Tooltip(_esc(f"{CENTRE_LABELS[centre.kind]}: {centre.name}")),
    ).add_to(group)


# --- demand ---


def demand_radius_px(citizens: float, largest: float) -> float:
    """A circle's radius: its area grows with the citizens, the largest demand gets the largest circle."""
    if largest <= 0 or citizens <= 0:
        return float(DEMAND_MIN_RADIUS_PX)
    return DEMAND_MIN_RADIUS_PX + (DEMAND_MAX_RADIUS_PX - DEMAND_MIN_RADIUS_PX) * math.sqrt(citizens / largest)


def _add_demand(m: folium.Map, plan: Plan, network: Network, demand: Mapping[str, float]) -> None:
    group = folium.FeatureGroup(name=DEMAND_LAYER_NAME)
    served: dict[str, int] = {}
    for stop in plan.stops:
        served[stop.place_id] = served.get(stop.place_id, 0) + stop.expected_citizens
    largest = max(demand.values(), default=0.0)
    for place_id, citizens in sorted(demand.items(), key=lambda item: -item[1]):
        if citizens <= 0 or not network.has_place(place_id):
            continue
        place = network.place(place_id)
        popup_html = (
            f"<b>{_place_names(network, place_id)}</b><br>"
            f"Demand this week: {citizens:.0f} citizens<br>"
            f"Planned: {served.get(place_id, 0)} expected citizens"
        )
        folium.CircleMarker(
            location=(place.lat, place.lon),
            radius=demand_radius_px(citizens, largest),
            color=DEMAND_COLOUR,
            weight=1,
            fill=True,
            fill_color=DEMAND_COLOUR,
            fill_opacity=0.2,
            class_name="sefer-demand",
            popup=folium.Popup(popup_html, max_width=POPUP_MAX_WIDTH_PX),
            tooltip=folium.Tooltip(_esc(f"{place.name_az}: demand {citizens:.0f}")),
        ).add_to(group)
    group.add_to(m)


# --- unserved requests ---


def _add_unserved(
    m: folium.Map,
    unserved: Sequence[Unserved],
    requests_by_id: Mapping[str, VisitRequest],
    notes: Mapping[str, str],
    network: Network,
) -> set[str]:
    """One marker per place listing its unserved requests; returns the ids it could place."""
    by_place: dict[str, list[tuple[Unserved, VisitRequest]]] = {}
    for item in unserved:
        request = requests_by_id.get(item.request_id)
        if request is not None and network.has_place(request.place_id):
            by_place.setdefault(request.place_id, []).append((item, request))
    if not by_place:
        return set()
    group = folium.FeatureGroup(name=UNSERVED_LAYER_NAME)
    badge = (
        f'<div style="background:#fff;color:{UNSERVED_COLOUR};border:3px solid {UNSERVED_COLOUR};'
        "border-radius:50%;width:22px;height:22px;line-height:16px;text-align:center;"
        'font:bold 14px sans-serif;box-shadow:0 0 2px #000;box-sizing:border-box">!</div>'
    )
    for place_id, items in by_place.items():
        place = network.place(place_id)
        body = "<hr>".join(
            _unserved_html(item, request, notes.get(item.request_id, ""), network) for item, request in items
        )
        folium.Marker(
            location=(place.lat, place.lon),
            icon=folium.DivIcon(html=badge, icon_size=(22, 22), icon_anchor=(11, -4), class_name="sefer-unserved"),
            popup=folium.Popup(
                f'<div class="sefer-popup"><b>{_place_names(network, place_id)}</b><br>{body}</div>',
                max_width=POPUP_MAX_WIDTH_PX,
            ),
            tooltip=folium.Tooltip(_esc(f"{len(items)} unserved request(s) at {place.name_az}")),
        ).add_to(group)
    group.add_to(m)
    return {item.request_id for items in by_place.values() for item, _ in items}


def _unserved_html(item: Unserved, request: VisitRequest, note: str, network: Network) -> str:
    lines = [
        f"<b>{_esc(item.request_id)}</b> · not served: <code>{_esc(item.reason.value)}</code>",
        _esc(item.message),
        f"{request.expected_citizens} citizens, {request.window_start.isoformat()} to "
        f"{request.window_end.isoformat()}, {_esc(request.priority.value)}",
    ]
    if request.services:
        lines.append(f"Services: {_service_names(network, request.services)}")
    if request.office:
        lines.append(f"Office: {_esc(request.office)}")
    if note:
        lines.append(f"Note: {_esc(note)}")
    if item.displaced_by:
        lines.append("Displaced by: " + "; ".join(_esc(stop) for stop in item.displaced_by))
    return "<br>".join(lines)


# --- overnights ---


def _add_overnights(m: folium.Map, routes: Sequence[Route], network: Network, colours: Mapping[str, str]) -> None:
    away = [o for route in routes for o in route.overnights if not o.at_depot]
    if not away:
        return
    group = folium.FeatureGroup(name=OVERNIGHTS_LAYER_NAME, show=False)
    for night in away:
        location = _site_location(night.site_id, network)
        if location is not None:
            _add_overnight_marker(group, night, location, colours.get(night.vehicle_id, "#333"))
    group.add_to(m)


def _add_overnight_marker(
    group: folium.FeatureGroup, night: Overnight, location: tuple[float, float], colour: str
) -> None:
    badge = (
        f'<div style="background:#223;color:#fff;border:2px solid {colour};border-radius:4px;'
        "width:20px;height:20px;line-height:16px;text-align:center;font:bold 11px sans-serif;"
        'box-sizing:border-box">N</div>'
    )
    text = f"{night.vehicle_id} spends the night after {night.date:%a %Y-%m-%d} here ({night.site_id})"
    folium.Marker(
        location=location,
        icon=folium.DivIcon(html=badge, icon_size=(20, 20), icon_anchor=(-6, 24), class_name="sefer-overnight"),
        popup=folium.Popup(_esc(text), max_width=POPUP_MAX_WIDTH_PX),
        tooltip=folium.Tooltip(_esc(f"Night: {night.vehicle_id}, {night.date:%a}")),
    ).add_to(group)


# --- legend ---


def _add_legend(m: folium.Map, plan: Plan, colours: dict[str, str], *, placed: set[str]) -> None:
    k = plan.kpis
    header = (
        f"<b>Week of {plan.week_start.isoformat()}</b><br>"
        f"{len(plan.stops)} stops, {k.expected_citizens} expected citizens "
        f"({k.demand_covered_pct:.0f}% of demand), {k.distance_km:.0f} km"
    )
    rows = [
        _legend_row(_swatch(colours[v.id], dashed=v.kind is VehicleKind.TRAIN), f"{v.id} · {v.name}")
        for v in plan.vehicles
    ]
    rows += [_legend_row(_dot_swatch(CENTRE_COLOURS[kind]), label) for kind, label in CENTRE_LABELS.items()]
    rows += [
        _legend_row(_badge_swatch("1", "#555", round_=True), "stop, numbered in the vehicle's week"),
        _legend_row(_badge_swatch("D", "#555", round_=False), "depot"),
        _legend_row(_badge_swatch("!", UNSERVED_COLOUR, round_=True), "unserved requests"),
    ]
    unserved = ""
    if plan.unserved:
        items = "".join(
            f"<li>{_esc(u.request_id)}: <code>{_esc(u.reason.value)}</code>"
            f"{'' if u.request_id in placed else ' (place not on the map)'}</li>"
            for u in plan.unserved
        )
        unserved = (
            f"<details><summary>{len(plan.unserved)} unserved request(s)</summary>"
            f'<ul style="margin:0;padding-left:16px;max-height:120px;overflow:auto">{items}</ul></details>'
        )
    box = (
        '<div class="sefer-legend" style="position:fixed;bottom:24px;left:12px;z-index:9999;background:#fff;'
        "padding:8px 10px;border:1px solid #999;border-radius:4px;font:12px/1.5 sans-serif;max-width:340px;"
        'max-height:70vh;overflow:auto;box-shadow:0 1px 4px rgba(0,0,0,.3)">'
        f"{header}<details open><summary>Legend</summary>{''.join(rows)}</details>{unserved}</div>"
    )
    root = m.get_root()
    assert isinstance(root, folium.Figure)
    root.html.add_child(folium.Element(box))
    # No favicon request: a browser would otherwise ask the server for /favicon.ico and log a 404.
    root.header.add_child(folium.Element('<link rel="icon" href="data:,">'), name="favicon")


def _legend_row(swatch: str, label: str) -> str:
    return f"<div>{swatch} {_esc(label)}</div>"


def _swatch(colour: str, *, dashed: bool) -> str:
    style = "dashed" if dashed else "solid"
    return (
        f'<span style="display:inline-block;width:24px;vertical-align:middle;border-top:3px {style} {colour}"></span>'
    )


def _dot_swatch(colour: str) -> str:
    return (
        f'<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
        f'vertical-align:middle;background:{colour}"></span>'
    )


def _badge_swatch(text: str, colour: str, *, round_: bool) -> str:
    radius = "50%" if round_ else "2px"
    return (
        f'<span style="display:inline-block;width:16px;height:16px;line-height:14px;text-align:center;'
        f"border:1px solid {colour};border-radius:{radius};color:{colour};font:bold 10px sans-serif;"
        f'vertical-align:middle">{_esc(text)}</span>'
    )


# --- small helpers ---


def _esc(text: str) -> str:
    """HTML-escape, and also neutralise the characters special inside a JavaScript template literal.

    Folium puts popup and tooltip HTML between backticks, so ``${...}`` or a backslash in data would be
    interpreted by JavaScript; as character references they display the same and mean nothing to JS.
    """
    return html.escape(text, quote=True).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def _place_name_az(network: Network, place_id: str) -> str:
    return network.place(place_id).name_az if network.has_place(place_id) else place_id


def _stop_names(network: Network, stop: Stop) -> str:
    """Escaped "az (en)" of a stop: a village with its unit, the train's station with its town."""
    az, en = (stop_label(network, stop.place_id, stop.site_id, lang) for lang in ("az", "en"))
    return _esc(az) if az == en else f"{_esc(az)} ({_esc(en)})"


def _place_names(network: Network, place_id: str) -> str:
    """Escaped "name_az (name_en)", or the escaped id when the place is unknown."""
    if not network.has_place(place_id):
        return _esc(place_id)
    place = network.place(place_id)
    if place.name_en == place.name_az:
        return _esc(place.name_az)
    return f"{_esc(place.name_az)} ({_esc(place.name_en)})"


def _service_names(network: Network, codes: Sequence[str]) -> str:
    """Escaped English names of the service codes (the code itself when the data does not name it)."""
    names = {service.code: service.name_en for service in network.services}
    return ", ".join(_esc(names.get(code, code)) for code in codes) or "none"


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(BAKU).strftime("%H:%M")


def _minutes_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _stop_bounds(stops: Sequence[Stop]) -> Bounds:
    if not stops:
        return AZERBAIJAN_BOUNDS
    lats = [stop.lat for stop in stops]
    lons = [stop.lon for stop in stops]
    return ((min(lats), min(lons)), (max(lats), max(lons)))
