"""The plan map's element tree: layers, markers, route lines, escaping, tiles and control order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import folium
import pytest
from branca.element import Element

from maps.colors import vehicle_colour
from maps.plan_map import AZERBAIJAN_BOUNDS, CENTRES_LAYER_NAME, render_plan_map
from scheduler.domain import (
    CentreKind,
    CentreStatus,
    Network,
    Place,
    ServiceCentre,
    Station,
    Terrain,
    Vehicle,
    VehicleKind,
)
from scheduler.plan import Leg, Plan, Route, Stop, compute_kpis

BAKU = ZoneInfo("Asia/Baku")
EVIL = "<script>alert(1)</script>"
WEEK = date(2025, 3, 3)


def _place(place_id: str, name_az: str, name_en: str, lat: float, lon: float) -> Place:
    return Place(
        id=place_id,
        name_az=name_az,
        name_en=name_en,
        name_ru=name_en,
        unit_type="rayon",
        centre_az=name_az,
        centre_en=name_en,
        lat=lat,
        lon=lon,
        population=40_000,
        population_as_of="2024",
        economic_region="Şəki-Zaqatala",
        exclave=False,
        terrain=Terrain.MOUNTAIN,
        source="test",
    )


def _network() -> Network:
    return Network(
        places=(
            _place("AZ-QAB", "Qəbələ", "Gabala", 40.98, 47.85),
            _place("AZ-SAK", f"Şəki {EVIL}", "Shaki ${alert(2)} `tick`", 41.19, 47.17),
        ),
        centres=(
            ServiceCentre(
                id="ASAN-QAB",
                kind=CentreKind.ASAN,
                name="Qəbələ ASAN xidmət",
                place_id="AZ-QAB",
                lat=40.981,
                lon=47.846,
                status=CentreStatus.OPEN,
                opened="2015",
                services=("passport",),
                source="test",
            ),
        ),
        stations=(Station("ST-SAK", "Şəki vağzalı", 41.10, 47.10, "AZ-SAK", coords_estimated=True),),
        rail_lines=(),
        roads=(),
        services=(),
    )


def _vehicle(vehicle_id: str, kind: VehicleKind, depot: str, station: str | None = None) -> Vehicle:
    return Vehicle(
        id=vehicle_id,
        kind=kind,
        name=f"Mobil {vehicle_id}",
        depot_place_id=depot,
        depot_station_id=station,
        capacity_citizens_per_day=200,
        service_start_min=540,
        service_end_min=1080,
        services=("passport",),
    )


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 3 + day, hour, minute, tzinfo=BAKU)


def _stop(vehicle_id: str, day: int, place_id: str, site_id: str, lat: float, lon: float) -> Stop:
    return Stop(
        vehicle_id=vehicle_id,
        date=date(2025, 3, 3 + day),
        place_id=place_id,
        site_id=site_id,
        lat=lat,
        lon=lon,
        arrive=_at(day, 9),
        depart=_at(day, 15, 30),
        expected_citizens=120 + day,
    )


def _leg(vehicle_id: str, a: str, b: str, day: int, path: tuple[tuple[float, float], ...]) -> Leg:
    return Leg(vehicle_id, a, b, _at(day, 7), _at(day, 8, 30), distance_m=90_000, duration_min=90, path=path)


BUS_LEGS = (
    _leg("BUS-01", "AZ-QAB", "AZ-QAB", 0, ((40.98, 47.85), (40.98, 47.85))),
    _leg("BUS-01", "AZ-QAB", "AZ-SAK", 1, ((40.98, 47.85), (41.05, 47.60), (41.19, 47.17))),
    _leg("BUS-01", "AZ-SAK", "AZ-QAB", 1, ((41.19, 47.17), (41.10, 47.50), (40.98, 47.85))),
)
TRAIN_LEGS = (_leg("TRN-01", "ST-SAK", "ST-SAK", 2, ((41.10, 47.10), (41.10, 47.10))),)


def _plan(with_stops: bool = True) -> Plan:
    bus = _vehicle("BUS-01", VehicleKind.BUS, "AZ-QAB")
    train = _vehicle("TRN-01", VehicleKind.TRAIN, "AZ-SAK", station="ST-SAK")
    if with_stops:
        routes = (
            Route(
                "BUS-01",
                stops=(
                    _stop("BUS-01", 0, "AZ-QAB", "AZ-QAB", 40.98, 47.85),
                    _stop("BUS-01", 1, "AZ-SAK", "AZ-SAK", 41.19, 47.17),
                ),
                legs=BUS_LEGS,
            ),
            Route("TRN-01", stops=(_stop("TRN-01", 2, "AZ-SAK", "ST-SAK", 41.10, 47.10),), legs=TRAIN_LEGS),
        )
    else:
        routes = (Route("BUS-01", (), ()), Route("TRN-01", (), ()))
    return Plan(
        week_start=WEEK,
        service_dates=tuple(date(2025, 3, 3 + d) for d in range(5)),
        vehicles=(bus, train),
        routes=routes,
        kpis=compute_kpis(routes, demand_citizens=500, solve_seconds=0.0),
    )


def _walk(element: Element) -> Iterator[Element]:
    for child in element._children.values():
        yield child
        yield from _walk(child)


def _groups(m: folium.Map) -> dict[str, folium.FeatureGroup]:
    return {c.layer_name: c for c in m._children.values() if isinstance(c, folium.FeatureGroup)}


def _group(m: folium.Map, vehicle_id: str) -> folium.FeatureGroup:
    return next(g for name, g in _groups(m).items() if name.startswith(vehicle_id))


def _stop_markers(group: folium.FeatureGroup) -> list[folium.Marker]:
    markers = [c for c in group._children.values() if isinstance(c, folium.Marker)]
    return [m for m in markers if not _tooltip(m).startswith("Depot")]


def _tooltip(element: Element) -> str:
    return next(c.text for c in element._children.values() if isinstance(c, folium.Tooltip))


def _popup_html(element: Element) -> str:
    popup = next(c for c in element._children.values() if isinstance(c, folium.Popup))
    return "".join(child.data for child in popup.html._children.values())


def _polylines(group: folium.FeatureGroup) -> list[folium.PolyLine]:
    return [c for c in group._children.values() if isinstance(c, folium.PolyLine)]


def test_one_layer_per_vehicle_plus_centres() -> None:
    """Each vehicle gets its own named FeatureGroup and the fixed centres get one more."""
    m = render_plan_map(_plan(), _network())
    names = list(_groups(m))
    assert names == [
        "BUS-01 · bus · depot Qəbələ",
        "TRN-01 · train · depot Şəki &lt;script&gt;alert(1)&lt;/script&gt;",
        CENTRES_LAYER_NAME,
    ]


def test_one_numbered_marker_per_stop() -> None:
    """Every stop has one marker, numbered 1, 2, 3… in route order; each vehicle also has one depot marker."""
    plan = _plan()
    m = render_plan_map(plan, _network())
    for route in plan.routes:
        group = _group(m, route.vehicle_id)
        stops = _stop_markers(group)
        assert len(stops) == len(route.stops)
        for number, (marker, stop) in enumerate(zip(stops, route.stops, strict=True), start=1):
            assert marker.location == [stop.lat, stop.lon]
            icon = next(c for c in marker._children.values() if isinstance(c, folium.DivIcon))
            assert icon.options["html"].endswith(f">{number}</div>")
        depots = [c for c in group._children.values() if isinstance(c, folium.Marker)]
        assert len(depots) - len(stops) == 1
    assert sum(len(_stop_markers(_group(m, v.id))) for v in plan.vehicles) == len(plan.stops)


def test_route_line_follows_the_leg_paths() -> None:
    """The route polyline is the legs' paths concatenated in order; only the train's is dashed."""
    m = render_plan_map(_plan(), _network())
    (bus_line,) = _polylines(_group(m, "BUS-01"))
    (train_line,) = _polylines(_group(m, "TRN-01"))
    assert bus_line.locations == [list(p) for leg in BUS_LEGS for p in leg.path]
    assert train_line.locations == [list(p) for leg in TRAIN_LEGS for p in leg.path]
    assert bus_line.options.get("dashArray") is None
    assert train_line.options["dashArray"]
    assert bus_line.options["color"] != train_line.options["color"]
    assert bus_line.options["color"] == vehicle_colour(0)


def test_stop_popup_shows_names_date_times_and_citizens() -> None:
    """A stop popup names the place (az, en), the date, local arrive–depart times and expected citizens."""
    m = render_plan_map(_plan(), _network())
    popup = _popup_html(_stop_markers(_group(m, "BUS-01"))[0])
    assert "Qəbələ (Gabala)" in popup
    assert "2025-03-03" in popup
    assert "09:00–15:30" in popup
    assert "Expected citizens: 120" in popup


def test_popup_times_are_baku_local_even_for_utc_input() -> None:
    """A stop stored in UTC is shown in Asia/Baku time (UTC+4)."""
    plan = _plan()
    utc = ZoneInfo("UTC")
    stop = plan.routes[0].stops[0]
    moved = replace(stop, arrive=datetime(2025, 3, 3, 5, tzinfo=utc))
    route = Route("BUS-01", (moved, *plan.routes[0].stops[1:]), plan.routes[0].legs)
    plan = Plan(plan.week_start, plan.service_dates, plan.vehicles, (route, plan.routes[1]), plan.kpis)
    popup = _popup_html(_stop_markers(_group(render_plan_map(plan, _network()), "BUS-01"))[0])
    assert "09:00–15:30" in popup


def test_data_text_is_escaped_in_rendered_html() -> None:
    """A place name carrying a script tag appears only escaped in the page, never as live markup."""
    page = render_plan_map(_plan(), _network()).get_root().render()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert EVIL not in page
    assert "alert(1)</script>" not in page


def test_template_literal_syntax_in_data_is_neutralised() -> None:
    """``${...}`` and backticks in data cannot run as JavaScript inside folium's template-literal popups."""
    page = render_plan_map(_plan(), _network()).get_root().render()
    assert "${alert(2)}" not in page
    assert "&#36;{alert(2)}" in page
    assert "`tick`" not in page


def test_centres_layer_distinguishes_kinds_and_shows_status() -> None:
    """The centres layer has one marker per centre, coloured by kind, with its status in the popup."""
    m = render_plan_map(_plan(), _network())
    markers = list(_groups(m)[CENTRES_LAYER_NAME]._children.values())
    assert len(markers) == 1
    (marker,) = markers
    assert isinstance(marker, folium.CircleMarker)
    assert "open" in _popup_html(marker)
    assert "Qəbələ ASAN xidmət" in _popup_html(marker)


def test_legend_lists_vehicles_and_centre_kinds() -> None:
    """The legend box in the page lists each vehicle in its colour and both kinds of centre."""
    m = render_plan_map(_plan(), _network())
    legend = next(e.render() for e in m.get_root().html._children.values() if "sefer-legend" in e.render())
    for index, vehicle_id in enumerate(("BUS-01", "TRN-01")):
        assert vehicle_id in legend
        assert vehicle_colour(index) in legend
    assert "ASAN xidmət centre" in legend
    assert "DOST centre" in legend


@pytest.mark.parametrize(("tiles", "expected"), [(None, 0), ("OpenStreetMap", 1)])
def test_tiles_none_means_no_tile_layer(tiles: str | None, expected: int) -> None:
    """``tiles=None`` gives no TileLayer (offline use); a named tile set is passed through to folium."""
    m = render_plan_map(_plan(), _network(), tiles=tiles)
    assert sum(isinstance(e, folium.TileLayer) for e in _walk(m)) == expected


def test_layer_control_is_the_last_child() -> None:
    """The LayerControl is added after every layer, so it lists them all."""
    m = render_plan_map(_plan(), _network())
    last = list(m._children.values())[-1]
    assert isinstance(last, folium.LayerControl)
    assert last.options["collapsed"] is False


def test_map_fits_the_stops() -> None:
    """The map is fitted to the bounding box of all stops."""
    m = render_plan_map(_plan(), _network())
    (fit,) = [e for e in _walk(m) if isinstance(e, folium.FitBounds)]
    assert fit.bounds == [[40.98, 47.10], [41.19, 47.85]]


def test_plan_without_stops_shows_azerbaijan() -> None:
    """A plan with no stop still renders, fitted to Azerbaijan, with a group (depot only) per vehicle."""
    m = render_plan_map(_plan(with_stops=False), _network())
    (fit,) = [e for e in _walk(m) if isinstance(e, folium.FitBounds)]
    assert fit.bounds == [list(corner) for corner in AZERBAIJAN_BOUNDS]
    assert len(_groups(m)) == 3
    assert all(not _stop_markers(_group(m, v)) and not _polylines(_group(m, v)) for v in ("BUS-01", "TRN-01"))
    m.get_root().render()
