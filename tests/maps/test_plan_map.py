"""The plan map's element tree: layers per vehicle and day, markers, route lines, popups, demand, unserved
requests, overnights, escaping, tiles, vendored scripts and control order."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import folium
import pytest
from branca.element import Element, Figure
from folium.plugins import Fullscreen

from maps.colors import vehicle_colour
from maps.plan_map import (
    AZERBAIJAN_BOUNDS,
    CENTRES_LAYER_NAME,
    DEMAND_LAYER_NAME,
    OVERNIGHTS_LAYER_NAME,
    UNSERVED_LAYER_NAME,
    DayToggles,
    demand_radius_px,
    render_plan_map,
)
from scheduler.plan import Plan, Route
from scheduler.requests import Priority, Reason, Unserved, VisitRequest
from tests.maps.world import BUS_LEGS, EVIL, EVIL_REQUEST, TRAIN_LEGS, maps_network, maps_plan


def _walk(element: Element) -> Iterator[Element]:
    for child in element._children.values():
        yield child
        yield from _walk(child)


def _text(layer_name: str) -> str:
    """A layer name without its colour swatch (HTML tags dropped)."""
    return re.sub(r"<[^>]+>", "", layer_name).strip()


def _groups(m: folium.Map) -> dict[str, folium.FeatureGroup]:
    """The map's top-level layers by their (tag-free) names."""
    return {_text(c.layer_name): c for c in m._children.values() if isinstance(c, folium.FeatureGroup)}


def _group(m: folium.Map, vehicle_id: str) -> folium.FeatureGroup:
    return next(g for name, g in _groups(m).items() if name.startswith(f"{vehicle_id} "))


def _day_parts(group: folium.FeatureGroup) -> dict[str, folium.FeatureGroup]:
    """A vehicle group's per-day sub-groups, by ISO date."""
    return {c.layer_name.split()[-1]: c for c in group._children.values() if isinstance(c, folium.FeatureGroup)}


def _stop_markers(group: folium.FeatureGroup) -> list[folium.Marker]:
    markers = [c for c in _walk(group) if isinstance(c, folium.Marker)]
    return [m for m in markers if "sefer-stop" in _icon(m).options["class_name"]]


def _icon(marker: folium.Marker) -> folium.DivIcon:
    return next(c for c in marker._children.values() if isinstance(c, folium.DivIcon))


def _tooltip(element: Element) -> str:
    return next(c.text for c in element._children.values() if isinstance(c, folium.Tooltip))


def _popup_html(element: Element) -> str:
    popup = next(c for c in element._children.values() if isinstance(c, folium.Popup))
    return "".join(child.data for child in popup.html._children.values())


def _polylines(group: folium.FeatureGroup) -> list[folium.PolyLine]:
    return [c for c in _walk(group) if isinstance(c, folium.PolyLine)]


def _requests() -> list[VisitRequest]:
    return [
        VisitRequest(
            EVIL_REQUEST,
            "AZ-SAK",
            date(2025, 3, 3),
            date(2025, 3, 7),
            40,
            ("passport",),
            Priority.URGENT,
            office="O'Brien & <i>Co</i>",
        ),
        VisitRequest("REQ-2", "AZ-SAK", date(2025, 3, 4), date(2025, 3, 4), 20),
    ]


UNSERVED = (
    Unserved(EVIL_REQUEST, Reason.CAPACITY, "more citizens than <b>capacity</b>"),
    Unserved("REQ-2", Reason.DISPLACED, "served visits worth more", ("BUS-01 2025-03-04 AZ-SAK (121 citizens)",)),
    Unserved("REQ-far", Reason.UNREACHABLE, "no vehicle gets there"),
)


def test_one_layer_per_vehicle_then_one_per_day_then_centres() -> None:
    """Each vehicle gets its own named FeatureGroup (with a colour swatch), each day a toggle, the centres one."""
    m = render_plan_map(maps_plan(), maps_network())
    assert list(_groups(m)) == [
        "BUS-01 · bus · depot Qəbələ",
        "TRN-01 · train · depot Şəki &lt;script&gt;alert(1)&lt;/script&gt;",
        "Mon 2025-03-03",
        "Tue 2025-03-04",
        "Wed 2025-03-05",
        "Thu 2025-03-06",
        "Fri 2025-03-07",
        CENTRES_LAYER_NAME,
        OVERNIGHTS_LAYER_NAME,
    ]
    swatch = next(g for g in m._children.values() if isinstance(g, folium.FeatureGroup)).layer_name
    assert vehicle_colour(0) in swatch


def test_each_vehicle_day_is_a_sub_group_and_the_day_toggles_drive_them() -> None:
    """Stops and route of a vehicle-day sit in one sub-group of the vehicle's layer (not in the layer control);
    the DayToggles script pairs each day's toggle with those sub-groups, so a day can be switched off."""
    m = render_plan_map(maps_plan(), maps_network())
    bus_days = _day_parts(_group(m, "BUS-01"))
    assert sorted(bus_days) == ["2025-03-03", "2025-03-04"]
    assert all(not part.control for part in bus_days.values())
    assert [len(_stop_markers(part)) for part in bus_days.values()] == [1, 1]
    (toggles,) = [c for c in m._children.values() if isinstance(c, DayToggles)]
    by_day = {_text(toggle.layer_name): parts for toggle, parts in toggles.days}
    assert [child for _, child in by_day["Tue 2025-03-04"]] == [bus_days["2025-03-04"]]
    assert [child for _, child in by_day["Wed 2025-03-05"]] == [_day_parts(_group(m, "TRN-01"))["2025-03-05"]]
    assert by_day["Fri 2025-03-07"] == []
    script = m.get_root().render()
    assert '"overlayremove"' in script
    assert bus_days["2025-03-04"].get_name() in script


def test_one_numbered_marker_per_stop() -> None:
    """Every stop has one marker, numbered 1, 2, 3… in route order; each vehicle also has one depot marker."""
    plan = maps_plan()
    m = render_plan_map(plan, maps_network())
    for route in plan.routes:
        group = _group(m, route.vehicle_id)
        stops = _stop_markers(group)
        assert len(stops) == len(route.stops)
        for number, (marker, stop) in enumerate(zip(stops, route.stops, strict=True), start=1):
            assert marker.location == [stop.lat, stop.lon]
            assert _icon(marker).options["html"].endswith(f">{number}</div>")
            assert f"sefer-stop-{route.vehicle_id}" in _icon(marker).options["class_name"]
        depots = [c for c in group._children.values() if isinstance(c, folium.Marker)]
        assert len(depots) == 1
        assert "Depot" in _tooltip(depots[0])
    assert sum(len(_stop_markers(_group(m, v.id))) for v in plan.vehicles) == len(plan.stops)


def test_route_lines_follow_the_leg_paths_day_by_day() -> None:
    """Each day's polyline is that day's legs' paths concatenated in order; only the train's is dashed; each
    carries a class naming its vehicle (what the browser test hides)."""
    m = render_plan_map(maps_plan(), maps_network())
    bus_days = _day_parts(_group(m, "BUS-01"))
    (monday_line,) = _polylines(bus_days["2025-03-03"])
    (bus_line,) = _polylines(bus_days["2025-03-04"])
    assert monday_line.locations == [list(p) for p in BUS_LEGS[0].path]
    (train_line,) = _polylines(_group(m, "TRN-01"))
    assert bus_line.locations == [list(p) for leg in BUS_LEGS[1:] for p in leg.path]
    assert train_line.locations == [list(p) for leg in TRAIN_LEGS for p in leg.path]
    assert bus_line.options.get("dashArray") is None
    assert train_line.options["dashArray"]
    assert bus_line.options["color"] != train_line.options["color"]
    assert bus_line.options["color"] == vehicle_colour(0)
    assert bus_line.options["className"] == "sefer-route sefer-route-BUS-01"


def test_stop_popup_shows_names_date_times_citizens_services_and_requests() -> None:
    """A stop popup names the place (az, en), the date, local arrive–depart times, expected citizens, the
    services by name, the requests it serves (escaped) and whether it is locked."""
    m = render_plan_map(maps_plan(), maps_network())
    first, second = (_popup_html(marker) for marker in _stop_markers(_group(m, "BUS-01")))
    assert "Qəbələ (Gabala)" in first
    assert "2025-03-03" in first
    assert "09:00–15:30" in first
    assert "Expected citizens: 120" in first
    assert "Services: Passport" in first
    assert "Requests served: none" in first
    assert "Locked" not in first
    assert "Requests served: REQ-&lt;b&gt;1&lt;/b&gt;&#96;&#36;{alert(3)}&#96;" in second
    assert "<b>Locked</b>" in second


def test_popup_times_are_baku_local_even_for_utc_input() -> None:
    """A stop stored in UTC is shown in Asia/Baku time (UTC+4)."""
    plan = maps_plan()
    utc = ZoneInfo("UTC")
    stop = plan.routes[0].stops[0]
    moved = replace(stop, arrive=datetime(2025, 3, 3, 5, tzinfo=utc))
    route = Route("BUS-01", (moved, *plan.routes[0].stops[1:]), plan.routes[0].legs)
    plan = Plan(plan.week_start, plan.service_dates, plan.vehicles, (route, plan.routes[1]), plan.kpis)
    popup = _popup_html(_stop_markers(_group(render_plan_map(plan, maps_network()), "BUS-01"))[0])
    assert "09:00–15:30" in popup


def test_data_text_is_escaped_in_rendered_html() -> None:
    """A place name carrying a script tag appears only escaped in the page, never as live markup."""
    page = render_plan_map(maps_plan(), maps_network()).get_root().render()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert EVIL not in page
    assert "alert(1)</script>" not in page


def test_template_literal_syntax_in_data_is_neutralised() -> None:
    """``${...}`` and backticks in data cannot run as JavaScript inside folium's template-literal popups."""
    page = render_plan_map(maps_plan(unserved=UNSERVED), maps_network(), requests=_requests()).get_root().render()
    assert "${alert(2)}" not in page
    assert "&#36;{alert(2)}" in page
    assert "`tick`" not in page
    assert "${alert(3)}" not in page


def test_what_users_typed_is_escaped_in_unserved_popups_and_legend() -> None:
    """Request ids, office names, notes and messages (typed by people) appear only escaped, in the unserved
    popup and in the legend's list."""
    notes = {EVIL_REQUEST: "</div><script>alert(4)</script> ${alert(5)}"}
    m = render_plan_map(maps_plan(unserved=UNSERVED), maps_network(), requests=_requests(), request_notes=notes)
    page = m.get_root().render()
    for raw in ("<script>alert(4)", "${alert(5)}", "<i>Co</i>", "<b>1</b>", "<b>capacity</b>"):
        assert raw not in page
    (marker,) = [c for c in _walk(_groups(m)[UNSERVED_LAYER_NAME]) if isinstance(c, folium.Marker)]
    popup = _popup_html(marker)
    assert "Note: &lt;/div&gt;&lt;script&gt;alert(4)&lt;/script&gt; &#36;{alert(5)}" in popup
    assert "Office: O&#x27;Brien &amp; &lt;i&gt;Co&lt;/i&gt;" in popup
    assert "more citizens than &lt;b&gt;capacity&lt;/b&gt;" in popup


def test_unserved_requests_sit_at_their_place_with_their_reason() -> None:
    """Unserved requests whose place is known get one marker per place listing each with its reason code,
    message, size, window and what displaced it; the legend lists them all and flags those not on the map."""
    m = render_plan_map(maps_plan(unserved=UNSERVED), maps_network(), requests=_requests())
    (marker,) = [c for c in _walk(_groups(m)[UNSERVED_LAYER_NAME]) if isinstance(c, folium.Marker)]
    assert marker.location == [41.19, 47.17]
    popup = _popup_html(marker)
    assert "<code>capacity</code>" in popup
    assert "<code>displaced</code>" in popup
    assert "Displaced by: BUS-01 2025-03-04 AZ-SAK (121 citizens)" in popup
    assert "40 citizens, 2025-03-03 to 2025-03-07, urgent" in popup
    legend = _legend(m)
    assert "3 unserved request(s)" in legend
    assert "REQ-far: <code>unreachable</code> (place not on the map)" in legend


def test_without_requests_unserved_are_only_listed() -> None:
    """When the caller passes no requests, there is no unserved layer but the legend still lists them."""
    m = render_plan_map(maps_plan(unserved=UNSERVED), maps_network())
    assert UNSERVED_LAYER_NAME not in _groups(m)
    assert "REQ-2: <code>displaced</code> (place not on the map)" in _legend(m)


def test_demand_circles_grow_with_demand() -> None:
    """Demand per place becomes circles whose area grows with the citizens, with demand and plan in the popup;
    places with no demand or unknown to the network are left out."""
    demand = {"AZ-QAB": 400.0, "AZ-SAK": 100.0, "AZ-NOPE": 50.0, "AZ-ZERO": 0.0}
    m = render_plan_map(maps_plan(), maps_network(), demand=demand)
    circles = [c for c in _walk(_groups(m)[DEMAND_LAYER_NAME]) if isinstance(c, folium.CircleMarker)]
    assert [c.location for c in circles] == [[40.98, 47.85], [41.19, 47.17]]
    assert circles[0].options["radius"] > circles[1].options["radius"]
    assert demand_radius_px(400, 400) == 2 * demand_radius_px(100, 400) - demand_radius_px(0, 400)
    popup = _popup_html(circles[0])
    assert "Demand this week: 400 citizens" in popup
    assert "Planned: 120 expected citizens" in popup
    assert DEMAND_LAYER_NAME not in _groups(render_plan_map(maps_plan(), maps_network()))


def test_overnights_away_from_depot_are_an_optional_layer() -> None:
    """Nights away from the depot get a marker at the site in a layer hidden at first; nights at home none."""
    m = render_plan_map(maps_plan(), maps_network())
    group = _groups(m)[OVERNIGHTS_LAYER_NAME]
    assert group.show is False
    (marker,) = [c for c in _walk(group) if isinstance(c, folium.Marker)]
    assert marker.location == [41.19, 47.17]
    assert "BUS-01 spends the night after Tue 2025-03-04 here" in _popup_html(marker)


def test_centres_layer_distinguishes_kinds_and_shows_status() -> None:
    """The centres layer has one marker per centre, coloured by kind, with its status in the popup."""
    m = render_plan_map(maps_plan(), maps_network())
    markers = list(_groups(m)[CENTRES_LAYER_NAME]._children.values())
    assert len(markers) == 1
    (marker,) = markers
    assert isinstance(marker, folium.CircleMarker)
    assert "open" in _popup_html(marker)
    assert "Qəbələ ASAN xidmət" in _popup_html(marker)


def _legend(m: folium.Map) -> str:
    root = m.get_root()
    assert isinstance(root, Figure)
    return next(e.render() for e in root.html._children.values() if "sefer-legend" in e.render())


def test_legend_lists_week_vehicles_centre_kinds_and_symbols() -> None:
    """The legend box shows the week's figures, each vehicle in its colour, both kinds of centre, the symbols."""
    m = render_plan_map(maps_plan(), maps_network())
    legend = _legend(m)
    assert "Week of 2025-03-03" in legend
    assert "3 stops, 363 expected citizens" in legend
    for index, vehicle_id in enumerate(("BUS-01", "TRN-01")):
        assert vehicle_id in legend
        assert vehicle_colour(index) in legend
    assert "ASAN xidmət centre" in legend
    assert "DOST centre" in legend
    assert "depot" in legend


def test_fullscreen_control_is_there() -> None:
    """The map has a fullscreen control."""
    assert any(isinstance(e, Fullscreen) for e in _walk(render_plan_map(maps_plan(), maps_network())))


@pytest.mark.parametrize(
    ("tiles", "expected"), [(None, 0), ("OpenStreetMap", 1), ("http://127.0.0.1:8080/{z}/{x}/{y}.png", 1)]
)
def test_tiles_none_means_no_tile_layer(tiles: str | None, expected: int) -> None:
    """``tiles=None`` gives no TileLayer (offline use); a named tile set or a self-hosted URL template gives one."""
    m = render_plan_map(maps_plan(), maps_network(), tiles=tiles)
    assert sum(isinstance(e, folium.TileLayer) for e in _walk(m)) == expected


def test_self_hosted_tiles_are_the_only_tile_url() -> None:
    """A URL template is used as it is, with an OpenStreetMap attribution."""
    page = (
        render_plan_map(maps_plan(), maps_network(), tiles="http://127.0.0.1:8080/{z}/{x}/{y}.png").get_root().render()
    )
    assert "http://127.0.0.1:8080/{z}/{x}/{y}.png" in page
    assert "OpenStreetMap" in page


def test_layer_control_is_the_last_child() -> None:
    """The LayerControl is added after every layer, so it lists them all."""
    m = render_plan_map(maps_plan(), maps_network())
    last = list(m._children.values())[-1]
    assert isinstance(last, folium.LayerControl)
    assert last.options["collapsed"] is False


def test_map_fits_the_stops() -> None:
    """The map is fitted to the bounding box of all stops, padded clear of the legend and the layer control."""
    m = render_plan_map(maps_plan(), maps_network())
    (fit,) = [e for e in _walk(m) if isinstance(e, folium.FitBounds)]
    assert fit.bounds == [[40.98, 47.10], [41.19, 47.85]]
    assert fit.options["paddingTopLeft"] and fit.options["paddingBottomRight"]


def test_plan_without_stops_shows_azerbaijan() -> None:
    """A plan with no stop still renders, fitted to Azerbaijan, with a group (depot only) per vehicle."""
    m = render_plan_map(maps_plan(with_stops=False), maps_network())
    (fit,) = [e for e in _walk(m) if isinstance(e, folium.FitBounds)]
    assert fit.bounds == [list(corner) for corner in AZERBAIJAN_BOUNDS]
    assert all(not _stop_markers(_group(m, v)) and not _polylines(_group(m, v)) for v in ("BUS-01", "TRN-01"))
    assert OVERNIGHTS_LAYER_NAME not in _groups(m)
    m.get_root().render()
