"""Plan exports: CSV, printable itinerary and iCalendar, as pure builders and through the app."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.services.principals import Role
from data.plans import save_plan
from maps.exports import (
    CSV_COLUMNS,
    RequestSummary,
    fold_ics_line,
    ics_text,
    plan_csv,
    vehicle_ics,
    vehicle_itinerary_html,
)
from scheduler.domain import Network, Station
from scheduler.plan import Plan
from tests.api.tokens import make_token
from tests.factories import make_network, make_place, make_plan

STAMP = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _plan_with_request(network: Network) -> Plan:
    """make_plan with the bus's first stop serving REQ-1 and a nasty name on the bus."""
    plan = make_plan(network)
    bus = plan.routes[0]
    stops = (dataclasses.replace(bus.stops[0], request_ids=("REQ-1", "REQ-2")), *bus.stops[1:])
    vehicles = (dataclasses.replace(plan.vehicles[0], name='Bus <b>"1"</b>, Şəki; line\\2'), *plan.vehicles[1:])
    return dataclasses.replace(
        plan, vehicles=vehicles, routes=(dataclasses.replace(bus, stops=stops), *plan.routes[1:])
    )


def test_csv_has_one_row_per_stop_with_names_and_times() -> None:
    """Header, then a row per stop in route order: Baku times, place names, request ids joined by ';'."""
    network = make_network()
    plan = _plan_with_request(network)
    rows = list(csv.DictReader(io.StringIO(plan_csv(plan, network))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(plan.stops) == 4
    first = rows[0]
    assert first["vehicle_id"] == "TEST-BUS-1"
    assert first["arrive"] == "2025-03-03T10:00:00+04:00"
    assert (first["place_id"], first["place_name_az"], first["place_name_en"]) == ("AZ-SMX", "Samux", "Samukh")
    assert first["request_ids"] == "REQ-1;REQ-2"
    assert first["vehicle_name"] == 'Bus <b>"1"</b>, Şəki; line\\2'
    assert [r["locked"] for r in rows] == ["false", "true", "false", "true"]
    assert rows[3]["site_id"] == "ST-554109"
    assert rows[3]["site_name"] == "Astara"


def test_itinerary_is_printable_escaped_and_self_contained() -> None:
    """The page has print CSS, the stops in order with times and citizens, services and served requests; every
    text is escaped and nothing is loaded from elsewhere."""
    network = make_network()
    plan = _plan_with_request(network)
    summaries = {"REQ-1": RequestSummary("REQ-1", "<script>alert(1)</script>", 60, ("passport",), "a & b")}
    html = vehicle_itinerary_html(plan, network, "TEST-BUS-1", requests=summaries)
    assert "@media print" in html
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Bus &lt;b&gt;&quot;1&quot;&lt;/b&gt;" in html
    assert "a &amp; b" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert html.index("10:00") < html.index("15:30") < html.index("09:15")
    assert "passport" in html
    assert "REQ-2" in html
    assert "not found" in html  # REQ-2 has no summary
    assert "<svg" in html
    with pytest.raises(KeyError):
        vehicle_itinerary_html(plan, network, "NOPE")


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_ics_has_one_event_per_stop_with_stable_uids() -> None:
    """One VEVENT per stop, UTC times, UIDs that do not change between two builds, CRLF line ends."""
    network = make_network()
    plan = _plan_with_request(network)
    text = vehicle_ics(plan, network, "TEST-BUS-1", stamp=STAMP)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    lines = _unfold(text)
    assert lines.count("BEGIN:VEVENT") == 3
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == 3
    assert uids == [line for line in _unfold(vehicle_ics(plan, network, "TEST-BUS-1", stamp=STAMP)) if "UID:" in line]
    assert "DTSTART:20250303T060000Z" in lines  # 10:00 in Baku
    assert "DTSTAMP:20250301T120000Z" in lines
    assert any(line.startswith("DESCRIPTION:") and "REQ-1\\, REQ-2" in line for line in lines)
    assert any(line.startswith('X-WR-CALNAME:Bus <b>"1"</b>\\, Şəki\\; line\\\\2') for line in lines)
    assert "\n" not in text.replace("\r\n", "")


def test_ics_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    """Every physical line is at most 75 octets; continuation lines start with a space; UTF-8 stays whole."""
    network = make_network()
    text = vehicle_ics(_plan_with_request(network), network, "TEST-BUS-1", stamp=STAMP)
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    folded = fold_ics_line("SUMMARY:" + "Şəki " * 40)
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "SUMMARY:" + "Şəki " * 40
    assert ics_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


# --- villages in their units, the train's station, citizen-hours saved ---

SAVED_MIN = {"TEST-BUS-1": (150, 90, 200), "TEST-TRAIN-1": (610,)}
"""Citizen-minutes saved per stop, in route order: the bus's Monday makes 4.0 h, its Tuesday 3.3 h, its week
7.3 h (440 min); the train's one stop 10.2 h."""


def _named_network() -> Network:
    """The depot Baku, the village Horadiz in the Füzuli unit, the unit Füzuli, and the town Xaçmaz with its
    station: ``make_plan`` sends the bus to Horadiz, Füzuli, Horadiz and the train to Xaçmaz station."""
    places = (
        make_place("AZ-BA", "Bakı", "Baku", 40.37767, 49.89201, name_ru="Баку", unit_type="city"),
        make_place(
            "GN-148003",
            "Horadiz",
            "Horadiz",
            39.45015,
            47.33496,
            name_ru="Горадиз",
            unit_type="settlement",
            unit_id="AZ-FUZ",
        ),
        make_place("AZ-FUZ", "Füzuli", "Fuzuli", 39.60094, 47.14529, name_ru="Физули"),
        make_place("AZ-XAC", "Xaçmaz", "Khachmaz", 41.46426, 48.80565, name_ru="Хачмаз"),
    )
    stations = (Station("ST-545307", "Xaçmaz", 41.46430, 48.80560, "AZ-XAC", coords_estimated=False),)
    return Network(places=places, centres=(), stations=stations, rail_lines=(), roads=(), services=())


def _named_plan(network: Network) -> Plan:
    plan = make_plan(network)
    routes = tuple(
        dataclasses.replace(
            route,
            stops=tuple(
                dataclasses.replace(stop, saved_citizen_min=minutes)
                for stop, minutes in zip(route.stops, SAVED_MIN[route.vehicle_id], strict=True)
            ),
        )
        for route in plan.routes
    )
    return dataclasses.replace(plan, routes=routes)


def test_csv_keeps_its_columns_and_appends_unit_stop_names_and_hours_saved() -> None:
    """The old columns keep their order; after them come the unit, the stop's names and its hours saved."""
    assert CSV_COLUMNS[:15] == (
        "vehicle_id", "vehicle_name", "vehicle_kind", "date", "arrive", "depart", "place_id", "place_name_az",
        "place_name_en", "place_name_ru", "site_id", "site_name", "expected_citizens", "request_ids", "locked",
    )  # fmt: skip
    assert CSV_COLUMNS[15:] == (
        "unit_id", "unit_name_az", "stop_name_az", "stop_name_ru", "stop_name_en", "citizen_hours_saved",
    )  # fmt: skip
    network = _named_network()
    plan = _named_plan(network)
    rows = list(csv.DictReader(io.StringIO(plan_csv(plan, network))))
    assert tuple(rows[0]) == CSV_COLUMNS
    village, unit, _, train = rows
    assert (village["place_id"], village["place_name_az"]) == ("GN-148003", "Horadiz")
    assert (village["unit_id"], village["unit_name_az"]) == ("AZ-FUZ", "Füzuli")
    assert (village["stop_name_az"], village["stop_name_ru"], village["stop_name_en"]) == (
        "Horadiz (Füzuli)",
        "Горадиз (Физули)",
        "Horadiz (Fuzuli)",
    )
    assert (unit["unit_id"], unit["unit_name_az"], unit["stop_name_az"]) == ("AZ-FUZ", "Füzuli", "Füzuli")
    assert (train["site_id"], train["unit_id"], train["unit_name_az"]) == ("ST-545307", "AZ-XAC", "Xaçmaz")
    assert (train["stop_name_az"], train["stop_name_ru"], train["stop_name_en"]) == (
        "Xaçmaz stansiyası (Xaçmaz)",
        "станция Xaçmaz (Хачмаз)",
        "Xaçmaz station (Khachmaz)",
    )
    assert [r["citizen_hours_saved"] for r in rows] == ["2.5", "1.5", "3.3", "10.2"]
    for row, stop in zip(rows, plan.stops, strict=True):
        assert float(row["citizen_hours_saved"]) == round(stop.saved_citizen_min / 60, 1)


def test_itinerary_names_villages_with_their_unit_and_totals_hours_saved() -> None:
    """Each stop row names the village with its unit (az / en) and its hours saved; each day and the week get
    a total of citizens and citizen-hours saved; the train's page names its station and town."""
    network = _named_network()
    plan = _named_plan(network)
    html = vehicle_itinerary_html(plan, network, "TEST-BUS-1")
    assert "Horadiz (Füzuli) / Horadiz (Fuzuli)" in html
    assert "Citizen-hours saved" in html
    monday = html.index("Day total 2025-03-03")
    tuesday = html.index("Day total 2025-03-04")
    week = html.index("Week total")
    assert html.index("10:00") < html.index("15:30") < monday < html.index("09:15") < tuesday < week
    assert '<td class="num">200</td><td class="num">4.0</td>' in html[monday:]  # Monday: 120 + 80 citizens
    assert '<td class="num">150</td><td class="num">3.3</td>' in html[tuesday:]
    assert '<td class="num">350</td><td class="num">7.3</td>' in html[week:]
    assert '<td class="num">2.5</td>' in html[: html.index("15:30")]
    train = vehicle_itinerary_html(plan, network, "TEST-TRAIN-1")
    assert "Xaçmaz stansiyası (Xaçmaz) / Xaçmaz station (Khachmaz)" in train
    assert '<td class="num">210</td><td class="num">10.2</td>' in train[train.index("Week total") :]


def test_itinerary_escapes_stop_names() -> None:
    """A village name from the data is escaped in the stop label like every other text."""
    network = _named_network()
    places = tuple(
        dataclasses.replace(p, name_az="<i>Horadiz</i> & co") if p.id == "GN-148003" else p for p in network.places
    )
    network = Network(places=places, centres=(), stations=network.stations, rail_lines=(), roads=(), services=())
    html = vehicle_itinerary_html(_named_plan(network), network, "TEST-BUS-1")
    assert "<i>" not in html
    assert "&lt;i&gt;Horadiz&lt;/i&gt; &amp; co (Füzuli)" in html


def test_ics_names_the_train_station_and_the_village_with_its_unit() -> None:
    """SUMMARY and LOCATION carry the Azerbaijani stop label; DESCRIPTION the hours saved."""
    network = _named_network()
    plan = _named_plan(network)
    train = _unfold(vehicle_ics(plan, network, "TEST-TRAIN-1", stamp=STAMP))
    assert "SUMMARY:TEST-TRAIN-1: Xaçmaz stansiyası (Xaçmaz)\\, 210 citizens" in train
    assert "LOCATION:Xaçmaz stansiyası (Xaçmaz)" in train
    assert any(line.startswith("DESCRIPTION:") and "Citizen-hours of travel saved: 10.2" in line for line in train)
    bus = _unfold(vehicle_ics(plan, network, "TEST-BUS-1", stamp=STAMP))
    assert "SUMMARY:TEST-BUS-1: Horadiz (Füzuli)\\, 120 citizens" in bus
    assert "LOCATION:Horadiz (Füzuli)" in bus


# --- through the app ---


def _save(app: FastAPI) -> int:
    network: Network = app.state.network
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        return save_plan(session, plan=_plan_with_request(network))


def test_export_endpoints_serve_csv_html_and_calendar(app: FastAPI, client: TestClient) -> None:
    """The three exports answer with their media types and attachment names."""
    plan_id = _save(app)
    csv_response = client.get(f"/plans/{plan_id}/export.csv")
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert f"plan-{plan_id}.csv" in csv_response.headers["content-disposition"]
    assert len(list(csv.DictReader(io.StringIO(csv_response.text)))) == 4
    page = client.get(f"/plans/{plan_id}/vehicles/TEST-BUS-1/itinerary")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "@media print" in page.text
    calendar = client.get(f"/plans/{plan_id}/vehicles/TEST-TRAIN-1.ics")
    assert calendar.status_code == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert calendar.text.count("BEGIN:VEVENT") == 1


def test_exports_need_a_planner_and_a_known_plan_and_vehicle(app: FastAPI, client: TestClient) -> None:
    """Unknown plan or vehicle: 404 naming it; an office token: 403; no token: 401."""
    plan_id = _save(app)
    assert client.get("/plans/999/export.csv").json() == {"detail": "plan 999 not found"}
    assert client.get(f"/plans/{plan_id}/vehicles/BUS-99/itinerary").status_code == 404
    missing = client.get(f"/plans/{plan_id}/vehicles/BUS-99.ics")
    assert missing.status_code == 404
    assert "BUS-99" in missing.json()["detail"]
    office = {"Authorization": f"Bearer {make_token(app, Role.OFFICE, ('AZ-QAB',))}"}
    assert client.get(f"/plans/{plan_id}/export.csv", headers=office).status_code == 403
    assert client.get(f"/plans/{plan_id}/export.csv", headers={"Authorization": ""}).status_code == 401
