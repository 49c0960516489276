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

from api.auth import Role
from api.exports import (
    CSV_COLUMNS,
    RequestSummary,
    fold_ics_line,
    ics_text,
    plan_csv,
    vehicle_ics,
    vehicle_itinerary_html,
)
from data.repository import save_plan
from scheduler.domain import Network
from scheduler.plan import Plan
from tests.api.tokens import make_token
from tests.factories import make_network, make_plan

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
