"""The citizens' page and its feeds: languages, filters, escaping, no internal figures, GeoJSON and iCal."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from maps.i18n import LANGS, format_day
from maps.public_map import PublicStopView, filter_stops, render_public_page, stops_geojson, stops_ics

BAKU = ZoneInfo("Asia/Baku")
EVIL = "</script><script>alert(1)</script>"


def _stop(vehicle_id: str, kind: str, day: int, place_id: str, az: str, en: str, ru: str) -> PublicStopView:
    return PublicStopView(
        vehicle_id=vehicle_id,
        vehicle_kind=kind,
        date=date(2026, 11, 23 + day),
        arrive=datetime(2026, 11, 23 + day, 9, 0, tzinfo=BAKU),
        depart=datetime(2026, 11, 23 + day, 13, 30, tzinfo=BAKU),
        place_id=place_id,
        place_name_az=az,
        place_name_en=en,
        place_name_ru=ru,
        lat=40.98 + day / 10,
        lon=47.85,
    )


STOPS = [
    _stop("BUS-01", "bus", 0, "AZ-QAB", "Qəbələ", "Gabala", "Габала"),
    _stop("BUS-01", "bus", 1, "AZ-SAK", "Şəki", "Shaki", "Шеки"),
    _stop("TRAIN-01", "train", 1, "AZ-ABS", "Abşeron", "Absheron", "Апшерон"),
]


def _data(page: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="sefer-data">(.*?)</script>', page, re.S)
    assert match is not None
    data: dict[str, object] = json.loads(match.group(1))
    return data


def _list_items(page: str) -> list[str]:
    return re.findall(r'<li class="stop"[^>]*>(.*?)</li>', page, re.S)


def test_page_is_azerbaijani_by_default_with_the_stops_in_list_and_map_data() -> None:
    """Without ``lang`` the page is in Azerbaijani; each stop is one list item and one map point."""
    page = render_public_page(STOPS, tiles=None)
    assert '<html lang="az">' in page
    assert "Mobil ASAN xidmət: yaxın səfərlər" in page
    assert "23 noyabr 2026, Bazar ertəsi" in page
    items = _list_items(page)
    assert len(items) == 3
    assert "Qəbələ" in items[0] and "09:00–13:30" in items[0]
    assert "ASAN Qatar" in items[2]
    stops = _data(page)["stops"]
    assert isinstance(stops, list) and len(stops) == 3
    assert stops[0]["place"] == "Qəbələ"
    assert stops[0]["day"] == "23 noyabr 2026, Bazar ertəsi"


@pytest.mark.parametrize(
    ("lang", "place", "heading", "day"),
    [
        ("ru", "Габала", "Мобильный ASAN xidmət: ближайшие выезды", "23 ноября 2026, понедельник"),
        ("en", "Gabala", "Mobile ASAN xidmət: upcoming visits", "Monday 23 November 2026"),
    ],
)
def test_page_speaks_russian_and_english(lang: str, place: str, heading: str, day: str) -> None:
    """``lang=ru|en`` translates the words, the place names, the dates and the popups' data."""
    page = render_public_page(STOPS, lang=lang, tiles=None)  # type: ignore[arg-type]
    assert f'<html lang="{lang}">' in page
    assert heading in page
    assert day in page
    stops = _data(page)["stops"]
    assert isinstance(stops, list)
    assert stops[0]["place"] == place
    assert stops[0]["day"] == day


def test_language_switcher_keeps_the_filters() -> None:
    """Each language link carries the current place and date filters; the current language is marked."""
    page = render_public_page(STOPS, lang="en", place="AZ-SAK", day=date(2026, 11, 24), tiles=None)
    for code in LANGS:
        assert f'href="?lang={code}&amp;place=AZ-SAK&amp;date=2026-11-24"' in page
    assert re.search(r'lang="en" class="current" aria-current="true">English<', page)


def test_filters_show_only_matching_stops_but_offer_every_choice() -> None:
    """Filtering by place and date narrows the list and the map; the select boxes still offer every place and
    date with an upcoming stop, the chosen ones selected."""
    page = render_public_page(STOPS, place="AZ-SAK", tiles=None)
    assert len(_list_items(page)) == 1
    assert '<option value="AZ-SAK" selected>Şəki</option>' in page
    assert '<option value="AZ-QAB">Qəbələ</option>' in page
    page = render_public_page(STOPS, day=date(2026, 11, 24), tiles=None)
    assert len(_list_items(page)) == 2
    assert '<option value="2026-11-24" selected>' in page
    assert filter_stops(STOPS, place="AZ-QAB", day=date(2026, 11, 24)) == []
    page = render_public_page(STOPS, place="AZ-QAB", day=date(2026, 11, 24), tiles=None)
    assert "Seçilmiş yer və tarix üçün səfər planlaşdırılmayıb." in page
    assert _data(page)["stops"] == []


def test_no_internal_figures_reach_the_page() -> None:
    """The public view has no expected-citizens, office or note fields, and the page shows none."""
    assert not {"expected_citizens", "office", "note", "request_ids"} & set(PublicStopView.__slots__)
    page = render_public_page(STOPS, tiles=None).lower()
    assert "expected" not in page
    assert "citizens:" not in page


def test_data_is_escaped_in_markup_and_in_the_script_data() -> None:
    """A place name with a closing script tag appears escaped in the HTML and as \\u003c in the JSON block, and
    the page's script builds popups with textContent."""
    evil = [_stop("BUS-01", "bus", 0, "AZ-EVIL", EVIL, EVIL, EVIL)]
    page = render_public_page(evil, tiles=None)
    assert EVIL not in page
    assert "alert(1)</script>" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\\u003c/script\\u003e" in page
    stops = _data(page)["stops"]
    assert isinstance(stops, list) and stops[0]["place"] == EVIL
    assert "textContent" in page
    assert "innerHTML" not in page


def test_page_loads_only_vendored_files_and_tiles_follow_the_setting() -> None:
    """Scripts and styles are the vendored Leaflet and markercluster; no remote host without tiles, only the
    tile URL with them."""
    page = render_public_page(STOPS, tiles=None)
    assert not re.findall(r"https?://", page)
    links = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in links
    assert "/static/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js" in links
    assert all(url.startswith("/static/vendor/") or url.startswith("data:") for url in links)
    online = render_public_page(STOPS, tiles="OpenStreetMap")
    assert set(re.findall(r"https?://[^\"'\\\s]+", online)) <= {
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://www.openstreetmap.org/copyright",
    }


def test_feed_links_carry_the_filters() -> None:
    """The iCal and GeoJSON links give the same stops as the page (same filters and language)."""
    page = render_public_page(STOPS, lang="ru", place="AZ-QAB", tiles=None)
    assert 'href="/public/stops.ics?lang=ru&amp;place=AZ-QAB"' in page
    assert 'href="/public/stops.geojson?lang=ru&amp;place=AZ-QAB"' in page


def test_geojson_has_one_point_per_stop_with_the_public_fields() -> None:
    """GeoJSON points are [lon, lat]; properties are the public stop fields with ISO dates and times."""
    collection = stops_geojson(STOPS)
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert len(features) == 3
    first = features[0]
    assert first["geometry"] == {"type": "Point", "coordinates": [47.85, 40.98]}
    assert first["properties"]["arrive"] == "2026-11-23T09:00:00+04:00"
    assert first["properties"]["place_name_ru"] == "Габала"
    assert "expected_citizens" not in first["properties"]
    json.dumps(collection)


def test_ics_has_one_event_per_stop_in_utc_with_escaped_folded_lines() -> None:
    """iCal: CRLF line ends, lines of at most 75 octets, times in UTC, TEXT escaping of ``;`` ``,`` ``\\``."""
    odd = _stop("BUS-02", "bus", 2, "AZ-X", "Yer; bir, iki\\üç", "Place; one, two", "Место")
    ics = stops_ics([*STOPS, odd], lang="az", plan_id=7, now=datetime(2026, 11, 22, 12, tzinfo=BAKU))
    assert ics.startswith("BEGIN:VCALENDAR\r\n")
    assert ics.endswith("END:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == 4
    lines = ics.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    unfolded = ics.replace("\r\n ", "")
    assert "DTSTART:20261123T050000Z" in unfolded
    assert "DTEND:20261123T093000Z" in unfolded
    assert "DTSTAMP:20261122T080000Z" in unfolded
    assert "UID:7-BUS-01-20261123T050000Z-AZ-QAB@sefer" in unfolded
    assert "SUMMARY:Mobil ASAN xidmət avtobusu: Qəbələ" in unfolded
    assert "LOCATION:Yer\\; bir\\, iki\\\\üç" in unfolded
    assert "GEO:40.980000;47.850000" in unfolded


def test_days_are_written_out_in_each_language() -> None:
    """Weekday and month names per language (Azerbaijani and Russian put the day first)."""
    day = date(2026, 3, 8)
    assert format_day("az", day) == "8 mart 2026, Bazar"
    assert format_day("ru", day) == "8 марта 2026, воскресенье"
    assert format_day("en", day) == "Sunday 8 March 2026"


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "about 12,000 hours"), ("az", "təxminən 12\u00a0000 saat"), ("ru", "около 12\u00a0000 часов")],
)
def test_the_page_says_the_hours_the_shown_visits_spare_rounded(lang: str, said: str) -> None:
    """One rounded figure of the plan reaches the public: the citizen-hours of travel the visits shown spare."""
    page = render_public_page(STOPS, lang=lang, tiles=None, hours_saved=12_345.6)  # type: ignore[arg-type]
    assert said in page


def test_no_hours_sentence_without_visits_or_hours() -> None:
    """Nothing to say when no visit is shown or the plan spares less than an hour."""
    assert 'class="saved"' not in render_public_page(STOPS, lang="en", tiles=None, hours_saved=0.4)
    assert 'class="saved"' not in render_public_page([], lang="en", tiles=None, hours_saved=500)
