"""The citizens' page in headless Chromium against a real server: list and clustered map agree with
/public/stops, popups speak the chosen language, nothing is loaded from another host, the feeds match."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from maps.i18n import format_day
from tests.browser.conftest import Site, Watched

pytestmark = pytest.mark.slow


def _unique_stop(stops: list[dict[str, Any]]) -> dict[str, Any]:
    """A stop alone at its place on its date (so its marker is not clustered with another)."""
    counts = Counter((s["place_id"], s["date"]) for s in stops)
    return next(s for s in stops if counts[(s["place_id"], s["date"])] == 1)


def test_page_lists_and_maps_every_upcoming_stop(site: Site, watched: Watched) -> None:
    """GET / (no token): one list item and one clustered marker per upcoming stop; no console error; every
    request goes to the server itself."""
    stops = site.json("/public/stops")
    assert stops, "the planned week is next week, so all its stops are upcoming"
    page = watched.page
    page.goto(site.base + "/", wait_until="networkidle")
    assert page.locator("html").get_attribute("lang") == "az"
    assert page.locator("li.stop").count() == len(stops)
    assert page.evaluate("window.seferPublic.markers.length") == len(stops)
    assert page.evaluate("window.seferPublic.cluster.getLayers().length") == len(stops)
    assert page.locator(".marker-cluster, .sefer-public-stop").count() > 0
    assert watched.errors == []
    assert watched.remote_requests() == []
    assert any(
        url.endswith("/static/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js") for url in watched.requests
    )


@pytest.mark.parametrize(("lang", "name_key"), [("ru", "place_name_ru"), ("en", "place_name_en")])
def test_clicking_a_marker_shows_its_popup_in_the_chosen_language(
    site: Site, watched: Watched, lang: str, name_key: str
) -> None:
    """Filtered to one place and date, the page shows that stop alone; clicking its marker opens a popup with the
    place name, the date written out and the times, in the chosen language."""
    stop = _unique_stop(site.json("/public/stops"))
    page = watched.page
    page.goto(f"{site.base}/?lang={lang}&place={stop['place_id']}&date={stop['date']}", wait_until="networkidle")
    assert page.locator("li.stop").count() == 1
    marker = page.locator(".sefer-public-stop")
    assert marker.count() == 1
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert stop[name_key] in text
    assert format_day(lang, date.fromisoformat(stop["date"])) in text  # type: ignore[arg-type]
    assert stop["arrive"][11:16] in text
    assert watched.errors == []
    assert watched.remote_requests() == []


def test_show_on_map_opens_the_popup_from_the_list(site: Site, watched: Watched) -> None:
    """The list's "on the map" button zooms to the (possibly clustered) marker and opens its popup."""
    stops = site.json("/public/stops")
    page = watched.page
    page.goto(site.base + "/?lang=en", wait_until="networkidle")
    page.locator("li.stop").nth(len(stops) - 1).locator("button.show-on-map").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    assert stops[-1]["place_name_en"] in popup.inner_text()
    assert watched.errors == []


def test_language_switcher_and_filters(site: Site, watched: Watched) -> None:
    """Choosing a date in the select reloads the page with only that date's stops; the language links keep it."""
    stops = site.json("/public/stops")
    day = stops[0]["date"]
    page = watched.page
    page.goto(site.base + "/", wait_until="networkidle")
    with page.expect_navigation():
        page.select_option("select[name=date]", day)
    assert f"date={day}" in page.url
    assert page.locator("li.stop").count() == sum(s["date"] == day for s in stops)
    with page.expect_navigation():
        page.click("nav.langs a[hreflang=ru]")
    assert "lang=ru" in page.url and f"date={day}" in page.url
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Мобильный ASAN xidmət" in page.locator("h1").inner_text()
    assert page.locator("li.stop").count() == sum(s["date"] == day for s in stops)
    assert watched.errors == []
    assert watched.remote_requests() == []


def test_feeds_carry_the_same_stops_of_the_published_plan(site: Site) -> None:
    """GeoJSON and iCal hold the same stops as /public/stops, from the published plan 1, not the newer draft 2;
    nothing internal is in them; the vendored files are public."""
    stops = site.json("/public/stops")
    geojson = site.json("/public/stops.geojson")
    assert geojson["type"] == "FeatureCollection"
    assert [f["properties"]["place_id"] for f in geojson["features"]] == [s["place_id"] for s in stops]
    assert [f["geometry"]["coordinates"] for f in geojson["features"]] == [[s["lon"], s["lat"]] for s in stops]
    ics = site.get("/public/stops.ics?lang=en").decode("utf-8")
    assert ics.count("BEGIN:VEVENT") == len(stops)
    uids = [line for line in ics.replace("\r\n ", "").split("\r\n") if line.startswith("UID:")]
    assert uids and all(uid.startswith("UID:1-") for uid in uids)
    assert "expected" not in ics.lower() and "expected" not in str(geojson)
    assert b"Leaflet" in site.get("/static/vendor/leaflet-1.9.4/leaflet.js")
