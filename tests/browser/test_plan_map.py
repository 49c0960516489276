"""The planner's map in headless Chromium: served by `sefer serve` with a token, and saved to disk by
`sefer plan`; one marker per stop, popups, layers per vehicle and per day, nothing loaded from another host."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.conftest import Site, Watched

pytestmark = pytest.mark.slow


def _open_map(site: Site, watched: Watched) -> dict[str, Any]:
    plan: dict[str, Any] = site.json("/plans/1", auth=True)
    watched.page.set_extra_http_headers({"Authorization": f"Bearer {site.token}"})
    watched.page.goto(site.base + "/plans/1/map", wait_until="networkidle")
    return plan


def _toggle(watched: Watched, label: str) -> None:
    watched.page.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input").click()


def test_one_marker_per_stop_and_nothing_remote(site: Site, watched: Watched) -> None:
    """/plans/1/map: as many stop markers as the plan has stops, a route per vehicle-day, no console error, no
    request to another host."""
    plan = _open_map(site, watched)
    page = watched.page
    assert page.locator(".sefer-stop").count() == len(plan["stops"])
    assert page.locator("path.sefer-route").count() > 0
    assert page.locator(".leaflet-control-zoom-fullscreen").count() == 1
    assert page.locator(".sefer-legend").inner_text().startswith(f"Week of {plan['week_start']}")
    assert watched.errors == []
    assert watched.remote_requests() == []


def test_clicking_a_stop_shows_its_popup(site: Site, watched: Watched) -> None:
    """Clicking a stop marker opens a popup with its number, date, times and expected citizens."""
    plan = _open_map(site, watched)
    page = watched.page
    marker = page.locator(".sefer-stop").first
    number = marker.inner_text().strip()
    marker.dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert text.startswith(f"{number}. ")
    assert any(
        s["date"] in text and f"Expected citizens: {s['expected_citizens']}" in text and s["arrive"][11:16] in text
        for s in plan["stops"]
    ), text
    assert "Services:" in text and "Requests served:" in text
    assert watched.errors == []


def test_turning_a_vehicle_layer_off_hides_its_route_and_stops(site: Site, watched: Watched) -> None:
    """Unticking a vehicle in the layer control removes its route lines and stop markers, and only those;
    ticking it again brings them back."""
    plan = _open_map(site, watched)
    page = watched.page
    vehicle = next(v["id"] for v in plan["vehicles"] if page.locator(f"path.sefer-route-{v['id']}").count() > 0)
    own = sum(s["vehicle_id"] == vehicle for s in plan["stops"])
    routes = page.locator(f"path.sefer-route-{vehicle}").count()
    _toggle(watched, f"{vehicle} ·")
    assert page.locator(f"path.sefer-route-{vehicle}").count() == 0
    assert page.locator(f".sefer-stop-{vehicle}").count() == 0
    assert page.locator(".sefer-stop").count() == len(plan["stops"]) - own
    _toggle(watched, f"{vehicle} ·")
    assert page.locator(f"path.sefer-route-{vehicle}").count() == routes
    assert page.locator(".sefer-stop").count() == len(plan["stops"])
    assert watched.errors == []


def test_turning_a_day_off_hides_that_days_stops_of_every_vehicle(site: Site, watched: Watched) -> None:
    """Unticking a day hides that day's stops of all vehicles; a vehicle turned off and on meanwhile keeps the
    day hidden; ticking the day brings its stops back."""
    plan = _open_map(site, watched)
    page = watched.page
    monday = plan["service_dates"][0]
    on_monday = sum(s["date"] == monday for s in plan["stops"])
    assert on_monday > 0
    label = page.locator(".leaflet-control-layers-overlays label", has_text=monday).inner_text().strip()
    _toggle(watched, label)
    assert page.locator(".sefer-stop").count() == len(plan["stops"]) - on_monday
    first = plan["vehicles"][0]["id"]
    _toggle(watched, f"{first} ·")
    _toggle(watched, f"{first} ·")
    assert page.locator(".sefer-stop").count() == len(plan["stops"]) - on_monday
    _toggle(watched, label)
    assert page.locator(".sefer-stop").count() == len(plan["stops"])
    assert watched.errors == []


def test_saved_map_works_offline_from_disk(site: Site, watched: Watched) -> None:
    """The plan.html `sefer plan` wrote opens from file:// with its static/ copy: markers, no error, no network."""
    out = site.folder / "out"
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    page = watched.page
    page.goto((out / "plan.html").as_uri(), wait_until="load")
    assert page.locator(".sefer-stop").count() == len(plan["stops"])
    assert watched.errors == []
    assert all(url.startswith("file://") or url.startswith("data:") for url in watched.requests), watched.requests
