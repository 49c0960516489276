"""The JavaScript and CSS every map needs, served from vendored copies instead of CDNs, and the base tiles.

The vendored packages live in ``maps/static/vendor/<package>-<version>/`` (see the README there). The API mounts
``maps/static`` at :data:`STATIC_URL`; a map saved to a file gets a copy of the vendor folder beside it
(``static/vendor``) and relative links, so it opens from disk without a network. Folium's own CDN links are
replaced by name in :func:`localise`; an element whose resource has no vendored copy raises, so a new Folium
plugin cannot quietly bring a CDN back.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import folium
from branca.element import Element

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""The folder the API serves under :data:`STATIC_URL` (it holds ``vendor/``)."""
VENDOR_DIR = STATIC_DIR / "vendor"
STATIC_URL = "/static"
"""Where the API mounts :data:`STATIC_DIR`; a saved map uses the relative ``static`` instead."""

LEAFLET_JS = "leaflet-1.9.4/leaflet.js"
LEAFLET_CSS = "leaflet-1.9.4/leaflet.css"
JQUERY_JS = "jquery-3.7.1/jquery.min.js"
MARKERCLUSTER_JS = "leaflet.markercluster-1.5.3/leaflet.markercluster.js"
MARKERCLUSTER_CSS = "leaflet.markercluster-1.5.3/MarkerCluster.css"
MARKERCLUSTER_DEFAULT_CSS = "leaflet.markercluster-1.5.3/MarkerCluster.Default.css"
FULLSCREEN_JS = "leaflet.fullscreen-3.0.2/Control.FullScreen.js"
FULLSCREEN_CSS = "leaflet.fullscreen-3.0.2/Control.FullScreen.css"
SWAGGER_UI_JS = "swagger-ui-dist-5.35.0/swagger-ui-bundle.js"
SWAGGER_UI_CSS = "swagger-ui-dist-5.35.0/swagger-ui.css"
SWAGGER_UI_FAVICON = "swagger-ui-dist-5.35.0/favicon-32x32.png"
REDOC_JS = "redoc-2.5.0/redoc.standalone.js"
"""The API's documentation pages (``/docs``, ``/redoc``) load these instead of FastAPI's CDN defaults."""
API_DOCS_PACKAGES = ("swagger-ui-dist-*", "redoc-*")

VENDORED: dict[str, str | None] = {
    # folium.Map: Leaflet itself, and jQuery, which folium's popups use to parse their HTML.
    "leaflet": LEAFLET_JS,
    "leaflet_css": LEAFLET_CSS,
    "jquery": JQUERY_JS,
    # Bootstrap, Font Awesome and awesome-markers serve only folium.Icon, which the maps do not use.
    "bootstrap": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers": None,
    "awesome_markers_css": None,
    "awesome_markers_font_css": None,
    "awesome_rotate_css": None,
    # folium.plugins.MarkerCluster and Fullscreen.
    "markerclusterjs": MARKERCLUSTER_JS,
    "markerclustercss": MARKERCLUSTER_CSS,
    "markerclusterdefaultcss": MARKERCLUSTER_DEFAULT_CSS,
    "Control.Fullscreen.js": FULLSCREEN_JS,
    "Control.FullScreen.css": FULLSCREEN_CSS,
}
"""Folium's resource name → the vendored file (relative to ``vendor/``), or None for one the maps do not need."""

OSM_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


class UnvendoredResource(LookupError):
    """A map element asks for a script or style sheet that has no vendored copy."""


def vendor_url(static_url: str, relative: str) -> str:
    """The URL of a vendored file under ``static_url`` (``/static`` on the API, ``static`` beside a file)."""
    return f"{static_url.rstrip('/')}/vendor/{relative}"


def localise(root: Element, static_url: str) -> None:
    """Point every script and style sheet of ``root`` and its descendants at the vendored copies.

    Idempotent. Raises :class:`UnvendoredResource` naming a resource that is neither vendored nor known to be
    unneeded.
    """
    for element in _walk(root):
        for attribute in ("default_js", "default_css"):
            links: list[tuple[str, str]] | None = getattr(element, attribute, None)
            if not links:
                continue
            local: list[tuple[str, str]] = []
            for name, url in links:
                if name not in VENDORED:
                    raise UnvendoredResource(f"{type(element).__name__} needs {name} ({url}), which is not vendored")
                relative = VENDORED[name]
                if relative is not None:
                    local.append((name, vendor_url(static_url, relative)))
            setattr(element, attribute, local)


def copy_vendor(destination: Path) -> None:
    """Copy the vendored packages a map needs to ``destination`` (replacing what a previous copy left there); the
    API documentation's scripts stay behind."""
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(VENDOR_DIR, destination, ignore=shutil.ignore_patterns(*API_DOCS_PACKAGES))


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


class OfflineMap(folium.Map):
    """A ``folium.Map`` whose scripts and styles are the vendored copies, never a CDN.

    Rendered inside the API, its links point under ``static_url`` (``/static``). :meth:`save` writes the page
    with relative links and copies the vendor folder next to it (``<folder>/static/vendor``), so the file works
    offline when opened from disk.
    """

    def __init__(self, *args: Any, static_url: str = STATIC_URL, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.static_url = static_url

    def render(self, **kwargs: Any) -> Any:
        # The map renders before its children, so its children's links are localised before they are added.
        localise(self, self.static_url)
        return super().render(**kwargs)  # type: ignore[no-untyped-call]

    def save(self, outfile: Any, close_file: bool = True, **kwargs: Any) -> None:
        if not isinstance(outfile, str | bytes | os.PathLike):
            super().save(outfile, close_file=close_file, **kwargs)
            return
        path = Path(os.fsdecode(outfile))
        copy_vendor(path.parent / "static" / "vendor")
        served_under = self.static_url
        self.static_url = "static"
        try:
            super().save(path, close_file=close_file, **kwargs)
        finally:
            self.static_url = served_under


@dataclass(frozen=True, slots=True)
class Tiles:
    """A base tile layer as Leaflet wants it: a URL template and its attribution."""

    url: str
    attribution: str
    max_zoom: int = 18


def resolve_tiles(tiles: str | None) -> Tiles | None:
    """The ``SEFER_MAP_TILES`` setting as a URL template: None for none, OpenStreetMap, another name Folium knows
    (xyzservices), or a URL template such as ``http://127.0.0.1:8080/{z}/{x}/{y}.png`` (self-hosted tiles)."""
    if tiles is None or not tiles.strip():
        return None
    if "{z}" in tiles:
        return Tiles(tiles, OSM_ATTRIBUTION)
    if tiles.lower() == "openstreetmap":
        return Tiles(OSM_TILES_URL, OSM_ATTRIBUTION, 19)
    layer = folium.TileLayer(tiles=tiles)
    max_zoom = layer.options.get("max_zoom", 18)
    return Tiles(
        str(layer.tiles), str(layer.options.get("attribution", "")), max_zoom if isinstance(max_zoom, int) else 18
    )


def add_tiles(m: folium.Map, tiles: str | None) -> None:
    """Add the base tile layer the setting names (nothing for None); a URL template gets an OSM attribution."""
    resolved = resolve_tiles(tiles)
    if resolved is None or tiles is None:
        return
    if "{z}" in tiles:
        folium.TileLayer(tiles=tiles, attr=resolved.attribution, control=False).add_to(m)
    else:
        folium.TileLayer(tiles=tiles, control=False).add_to(m)


def tiles_origin(tiles: Tiles) -> str:
    """The origin a page must allow images from to show ``tiles`` (a ``{s}`` subdomain becomes a wildcard), for a
    Content-Security-Policy."""
    parts = urlsplit(tiles.url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}"
