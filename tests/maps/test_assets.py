"""Offline maps: every script and style sheet is a vendored file, a saved map carries its copy, tiles resolve."""

from __future__ import annotations

import re
from pathlib import Path

import folium
import pytest
from folium.plugins import MarkerCluster

from maps.assets import (
    STATIC_DIR,
    VENDOR_DIR,
    VENDORED,
    OfflineMap,
    UnvendoredResource,
    localise,
    resolve_tiles,
)
from maps.plan_map import render_plan_map
from tests.maps.world import maps_network, maps_plan

LINK = re.compile(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"')


def _links(page: str) -> list[str]:
    return [url for url in LINK.findall(page) if not url.startswith("data:")]


def test_plan_map_loads_only_vendored_files_under_static() -> None:
    """Without tiles the rendered page names no remote host at all; its scripts and styles are /static files
    that exist in maps/static."""
    page = render_plan_map(maps_plan(), maps_network(), tiles=None).get_root().render()
    assert not re.findall(r"https?://", page)
    links = _links(page)
    assert any(url.endswith("/leaflet.js") for url in links)
    assert any(url.endswith("/jquery.min.js") for url in links)  # folium's popups use jQuery
    for url in links:
        assert url.startswith("/static/vendor/")
        assert (STATIC_DIR / url.removeprefix("/static/")).is_file(), url


def test_every_vendored_file_and_its_licence_exist() -> None:
    """Each file the mapping names is in the vendor folder, each package folder keeps its licence, and the
    README names every package folder."""
    for relative in filter(None, VENDORED.values()):
        assert (VENDOR_DIR / relative).is_file(), relative
    readme = (VENDOR_DIR / "README.md").read_text(encoding="utf-8")
    for package in (p for p in VENDOR_DIR.iterdir() if p.is_dir()):
        assert any(f.name.upper().startswith(("LICENSE", "MIT-LICENCE")) for f in package.iterdir()), package
        assert package.name in readme


def test_leaflet_css_images_are_vendored() -> None:
    """The images leaflet.css refers to (layer control, default marker) are next to it."""
    css = (VENDOR_DIR / "leaflet-1.9.4" / "leaflet.css").read_text(encoding="utf-8")
    for image in set(re.findall(r"url\((images/[^)]+)\)", css)):
        assert (VENDOR_DIR / "leaflet-1.9.4" / image).is_file(), image


def test_plugins_are_localised_too() -> None:
    """A plugin added to an OfflineMap (MarkerCluster here) loads its vendored copy, not its CDN."""
    m = OfflineMap(location=(40.4, 49.9), tiles=None, static_url="/assets")
    MarkerCluster().add_to(m)
    links = _links(m.get_root().render())
    assert "/assets/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js" in links
    assert all(url.startswith("/assets/vendor/") for url in links)


def test_an_unvendored_resource_is_refused() -> None:
    """A resource with no vendored copy raises, naming it, instead of silently loading from a CDN."""
    m = folium.Map(tiles=None)
    m.default_js = [*m.default_js, ("some_plugin", "https://cdn.example.org/plugin.js")]
    with pytest.raises(UnvendoredResource, match="some_plugin"):
        localise(m, "/static")


def test_saved_map_carries_its_vendor_copy_and_relative_links(tmp_path: Path) -> None:
    """``save`` writes the page with relative links and copies the vendored files beside it, so the file opens
    from disk with no network; rendering for the API afterwards still uses /static."""
    m = render_plan_map(maps_plan(), maps_network(), tiles=None)
    out = tmp_path / "out"
    out.mkdir()
    m.save(str(out / "plan.html"))
    links = _links((out / "plan.html").read_text(encoding="utf-8"))
    assert links
    for url in links:
        assert url.startswith("static/vendor/")
        assert (out / url).is_file(), url
    assert all(url.startswith("/static/") for url in _links(m.get_root().render()))
    m.save(out / "plan.html")  # a second save replaces the copy
    assert (out / "static" / "vendor" / "leaflet-1.9.4" / "leaflet.js").is_file()


@pytest.mark.parametrize(
    ("setting", "url"),
    [
        (None, None),
        ("", None),
        ("OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        ("http://127.0.0.1:8080/{z}/{x}/{y}.png", "http://127.0.0.1:8080/{z}/{x}/{y}.png"),
    ],
)
def test_tile_setting_resolves_to_a_url_template(setting: str | None, url: str | None) -> None:
    """SEFER_MAP_TILES: none, OpenStreetMap, or a self-hosted URL template used as it is."""
    resolved = resolve_tiles(setting)
    assert (resolved.url if resolved else None) == url
    if resolved is not None:
        assert "OpenStreetMap" in resolved.attribution
