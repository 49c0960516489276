"""Render a plan as a Folium map: one layer per vehicle, a layer of fixed centres, a legend.

Building the map is pure object construction; the caller saves it (``m.save(path)``) or embeds it
(``m.get_root().render()``). Every text that comes from data is escaped with :func:`_esc`, because popups and
tooltips end up inside JavaScript template literals and layer names inside ``innerHTML``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

import folium

from maps.colors import CENTRE_COLOURS, CENTRE_LABELS, vehicle_colour
from scheduler.calendar import BAKU
from scheduler.domain import CentreStatus, Network, ServiceCentre, Vehicle, VehicleKind
from scheduler.plan import Plan, Route, Stop

AZERBAIJAN_BOUNDS: tuple[tuple[float, float], tuple[float, float]] = ((38.39, 44.77), (41.91, 50.63))
"""South-west and north-east corners of the country, Naxçıvan included; the view of a plan with no stop."""

CENTRES_LAYER_NAME = "Fixed centres"
POPUP_MAX_WIDTH_PX = 320
TRAIN_DASH_ARRAY = "10 6"
MAX_FIT_ZOOM = 11

Bounds = tuple[tuple[float, float], tuple[float, float]]


def render_plan_map(plan: Plan, network: Network, *, tiles: str | None = "OpenStreetMap") -> folium.Map:
    """Build (not save) the map of ``plan``; ``tiles=None`` leaves out the tile layer, for offline use."""
    bounds = _stop_bounds(plan.stops)
    (south, west), (north, east) = bounds
    m = folium.Map(location=((south + north) / 2, (west + east) / 2), zoom_start=7, tiles=tiles)
    colours = {vehicle.id: vehicle_colour(i) for i, vehicle in enumerate(plan.vehicles)}
    routes = {route.vehicle_id: route for route in plan.routes}
    for vehicle in plan.vehicles:
        _add_vehicle_layer(m, vehicle, routes.get(vehicle.id), network, colours[vehicle.id])
    _add_centres(m, network)
    _add_legend(m, plan.vehicles, colours)
    m.fit_bounds([list(bounds[0]), list(bounds[1])], max_zoom=MAX_FIT_ZOOM)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def vehicle_layer_name(vehicle: Vehicle, network: Network) -> str:
    """The unescaped layer name of a vehicle, e.g. ``BUS-01 · bus · depot Qəbələ``."""
    return f"{vehicle.id} · {vehicle.kind.value} · depot {_place_name_az(network, vehicle.depot_place_id)}"


# --- vehicles ---


def _add_vehicle_layer(m: folium.Map, vehicle: Vehicle, route: Route | None, network: Network, colour: str) -> None:
    group = folium.FeatureGroup(name=_esc(vehicle_layer_name(vehicle, network)))
    if route is not None:
        _add_route_line(group, route, vehicle, colour)
        for number, stop in enumerate(route.stops, start=1):
            _add_stop_marker(group, number, stop, vehicle, network, colour)
    _add_depot_marker(group, vehicle, network, colour)
    group.add_to(m)


def _add_route_line(group: folium.FeatureGroup, route: Route, vehicle: Vehicle, colour: str) -> None:
    path = [point for leg in route.legs for point in leg.path]
    if len(path) < 2:
        return
    dash = TRAIN_DASH_ARRAY if vehicle.kind is VehicleKind.TRAIN else None
    # folium.PolyLine has no annotations in folium 0.20.
    folium.PolyLine(  # type: ignore[no-untyped-call]
        path,
        color=colour,
        weight=4,
        opacity=0.8,
        dash_array=dash,
        tooltip=folium.Tooltip(_esc(f"{vehicle.id} · {vehicle.name} · {route.distance_m / 1000:.0f} km")),
    ).add_to(group)


def _add_stop_marker(
    group: folium.FeatureGroup, number: int, stop: Stop, vehicle: Vehicle, network: Network, colour: str
) -> None:
    badge = (
        f'<div style="background:{colour};color:#fff;border:2px solid #fff;border-radius:50%;'
        "width:24px;height:24px;line-height:20px;text-align:center;font:bold 12px sans-serif;"
        f'box-shadow:0 0 2px #000;box-sizing:border-box">{number}</div>'
    )
    folium.Marker(
        location=(stop.lat, stop.lon),
        icon=folium.DivIcon(html=badge, icon_size=(24, 24), icon_anchor=(12, 12)),
        popup=folium.Popup(_stop_popup_html(number, stop, vehicle, network), max_width=POPUP_MAX_WIDTH_PX),
        tooltip=folium.Tooltip(_esc(f"{number}. {_place_name_az(network, stop.place_id)}")),
    ).add_to(group)


def _stop_popup_html(number: int, stop: Stop, vehicle: Vehicle, network: Network) -> str:
    times = f"{_hhmm(stop.arrive)}–{_hhmm(stop.depart)}"
    return (
        f"<b>{number}. {_place_names(network, stop.place_id)}</b><br>"
        f"{_esc(vehicle.id)} · {_esc(vehicle.name)}<br>"
        f"{stop.date:%a %Y-%m-%d}, {times}<br>"
        f"Expected citizens: {stop.expected_citizens}"
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
        icon=folium.DivIcon(html=badge, icon_size=(22, 22), icon_anchor=(11, 11)),
        popup=folium.Popup(popup_html, max_width=POPUP_MAX_WIDTH_PX),
        tooltip=folium.Tooltip(_esc(f"Depot of {vehicle.id}")),
    ).add_to(group)


def _depot_location(vehicle: Vehicle, network: Network) -> tuple[float, float] | None:
    """The depot station for a train that has one, else the depot place; None when the data lacks both."""
    if vehicle.depot_station_id is not None:
        try:
            station = network.station(vehicle.depot_station_id)
        except KeyError:
            pass
        else:
            return (station.lat, station.lon)
    if network.has_place(vehicle.depot_place_id):
        place = network.place(vehicle.depot_place_id)
        return (place.lat, place.lon)
    return None


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


# --- legend ---


def _add_legend(m: folium.Map, vehicles: Sequence[Vehicle], colours: dict[str, str]) -> None:
    rows = [
        _legend_row(_line_swatch(colours[v.id], dashed=v.kind is VehicleKind.TRAIN), f"{v.id} · {v.name}")
        for v in vehicles
    ]
    rows += [_legend_row(_dot_swatch(CENTRE_COLOURS[kind]), label) for kind, label in CENTRE_LABELS.items()]
    box = (
        '<div class="sefer-legend" style="position:fixed;bottom:24px;left:12px;z-index:9999;background:#fff;'
        "padding:8px 10px;border:1px solid #999;border-radius:4px;font:12px/1.5 sans-serif;"
        'box-shadow:0 1px 4px rgba(0,0,0,.3)">' + "".join(rows) + "</div>"
    )
    root = m.get_root()
    assert isinstance(root, folium.Figure)
    root.html.add_child(folium.Element(box))


def _legend_row(swatch: str, label: str) -> str:
    return f"<div>{swatch} {_esc(label)}</div>"


def _line_swatch(colour: str, *, dashed: bool) -> str:
    style = "dashed" if dashed else "solid"
    return (
        f'<span style="display:inline-block;width:24px;vertical-align:middle;border-top:3px {style} {colour}"></span>'
    )


def _dot_swatch(colour: str) -> str:
    return (
        f'<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
        f'vertical-align:middle;background:{colour}"></span>'
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


def _place_names(network: Network, place_id: str) -> str:
    """Escaped "name_az (name_en)", or the escaped id when the place is unknown."""
    if not network.has_place(place_id):
        return _esc(place_id)
    place = network.place(place_id)
    if place.name_en == place.name_az:
        return _esc(place.name_az)
    return f"{_esc(place.name_az)} ({_esc(place.name_en)})"


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
