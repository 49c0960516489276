"""/requests and /services through the real app on each available database: offices see only their own."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.services.principals import Role
from data.plans import publish_plan, save_plan
from data.visit_requests import open_requests
from scheduler.domain import Network
from scheduler.requests import Reason, Unserved
from tests.api.apps import MONDAY, app_on
from tests.api.tokens import bearer, make_token
from tests.factories import make_plan


@pytest.fixture
def app(database_url: str) -> FastAPI:
    """Every test runs as if it were ``MONDAY`` in Baku."""
    return app_on(database_url, MONDAY)


@pytest.fixture
def gabala(app: FastAPI, anonymous: TestClient) -> dict[str, str]:
    return bearer(make_token(app, Role.OFFICE, ("AZ-OGU", "AZ-QAB"), name="Gabala office"))


@pytest.fixture
def sheki(app: FastAPI, anonymous: TestClient) -> dict[str, str]:
    return bearer(make_token(app, Role.OFFICE, ("AZ-SA",), name="Sheki office"))


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "place_id": "AZ-QAB",
        "window_start": (MONDAY + timedelta(days=7)).isoformat(),
        "window_end": (MONDAY + timedelta(days=11)).isoformat(),
        "expected_citizens": 80,
        "services": ["passport", "id_card"],
        "priority": "urgent",
        "note": "after the school term",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _file(anonymous: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = anonymous.post("/requests", json=_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _loc(response: Any) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    return [error["loc"] for error in response.json()["detail"]]


def test_an_office_files_reads_and_lists_its_request(anonymous: TestClient, gabala: dict[str, str]) -> None:
    """An office files a request for its place: 201, submitted, with the place's names and the office's name."""
    created = _file(anonymous, gabala)
    assert created["id"].startswith("REQ-")
    assert created["status"] == "submitted"
    assert created["office"] == "Gabala office"
    assert (created["place_id"], created["place_name_en"]) == ("AZ-QAB", "Gabala")
    assert created["services"] == ["passport", "id_card"]
    assert created["outcome"] is None
    assert anonymous.get(f"/requests/{created['id']}", headers=gabala).json() == created
    assert anonymous.get("/requests", headers=gabala).json() == [created]


def test_an_office_may_file_only_for_its_own_places(anonymous: TestClient, gabala: dict[str, str]) -> None:
    """A place outside the office's list is a 403 naming the place; a planner may file for any place."""
    response = anonymous.post("/requests", json=_body(place_id="AZ-BA"), headers=gabala)
    assert response.status_code == 403
    assert "AZ-BA" in response.json()["detail"]


def test_an_office_files_for_the_villages_of_its_units_only(
    anonymous: TestClient, gabala: dict[str, str], sheki: dict[str, str]
) -> None:
    """Bum is a village of Qəbələ: the Gabala office may ask for it by id, the Sheki office may not (403)."""
    assert _file(anonymous, gabala, place_id="GN-586935")["place_id"] == "GN-586935"
    response = anonymous.post("/requests", json=_body(place_id="GN-586935"), headers=sheki)
    assert response.status_code == 403
    assert "GN-586935" in response.json()["detail"]


def test_a_planner_files_for_any_place(anonymous: TestClient, planner: dict[str, str]) -> None:
    """Planners are not bound to places."""
    assert _file(anonymous, planner, place_id="AZ-BA")["place_id"] == "AZ-BA"


def test_another_offices_request_is_404_for_read_update_and_cancel(
    anonymous: TestClient, gabala: dict[str, str], sheki: dict[str, str], planner: dict[str, str]
) -> None:
    """Sheki cannot see, change or cancel Gabala's request (404, not 403); the planner sees every request."""
    mine = _file(anonymous, gabala)
    theirs = _file(anonymous, sheki, place_id="AZ-SA")
    rid = mine["id"]
    assert anonymous.get(f"/requests/{rid}", headers=sheki).status_code == 404
    assert anonymous.patch(f"/requests/{rid}", json={"note": "x"}, headers=sheki).status_code == 404
    assert anonymous.post(f"/requests/{rid}/cancel", headers=sheki).status_code == 404
    assert anonymous.get(f"/requests/{rid}", headers=sheki).json() == {"detail": f"request {rid} not found"}
    assert [r["id"] for r in anonymous.get("/requests", headers=sheki).json()] == [theirs["id"]]
    assert {r["id"] for r in anonymous.get("/requests", headers=planner).json()} == {rid, theirs["id"]}
    assert anonymous.get(f"/requests/{rid}", headers=gabala).json()["note"] == "after the school term"


def test_list_filters_by_status_and_place(
    anonymous: TestClient, gabala: dict[str, str], planner: dict[str, str]
) -> None:
    """status and place narrow the list."""
    first = _file(anonymous, gabala)
    second = _file(anonymous, gabala, place_id="AZ-OGU")
    anonymous.post(f"/requests/{first['id']}/cancel", headers=gabala)
    assert [r["id"] for r in anonymous.get("/requests?status=cancelled", headers=planner).json()] == [first["id"]]
    assert [r["id"] for r in anonymous.get("/requests?place=AZ-OGU", headers=planner).json()] == [second["id"]]
    assert anonymous.get("/requests?status=unknown", headers=planner).status_code == 422


def test_a_point_resolves_to_the_nearest_place_within_60_km(anonymous: TestClient, gabala: dict[str, str]) -> None:
    """lat/lon near Gabala's centre resolve to AZ-QAB and are kept; a point far from every centre is a 422."""
    created = _file(anonymous, gabala, place_id=None, lat=40.99, lon=47.87)
    assert (created["place_id"], created["lat"], created["lon"]) == ("AZ-QAB", 40.99, 47.87)
    assert _loc(anonymous.post("/requests", json=_body(place_id=None, lat=45.0, lon=47.8), headers=gabala)) == [
        ["body", "lat"]
    ]
    assert _loc(anonymous.post("/requests", json=_body(place_id=None, lat=40.99), headers=gabala)) == [["body", "lon"]]


def test_a_settlement_name_resolves_offline(anonymous: TestClient, gabala: dict[str, str]) -> None:
    """A village name resolves to that bundled settlement, which an office of its unit may ask for; unknown: 422."""
    created = _file(anonymous, gabala, place_id=None, settlement="Bum")
    assert (created["place_id"], created["settlement"]) == ("GN-586935", "Bum")  # Bum, a village of Qəbələ
    assert _file(anonymous, gabala, place_id=None, settlement="Oğuz")["place_id"] == "AZ-OGU"
    response = anonymous.post("/requests", json=_body(place_id=None, settlement="Nowhereville"), headers=gabala)
    assert _loc(response) == [["body", "settlement"]]
    message = response.json()["detail"][0]["msg"]
    assert "Nowhereville" in message and "lat and lon" in message and "place_id" in message
    typo = anonymous.post("/requests", json=_body(place_id=None, settlement="Qaballa"), headers=gabala)
    assert "did you mean Qabala" in typo.json()["detail"][0]["msg"]


def test_exactly_one_location_form(anonymous: TestClient, gabala: dict[str, str]) -> None:
    """No location, or two of them, is a 422 naming a location field; an unknown place id names place_id."""
    assert _loc(anonymous.post("/requests", json=_body(place_id=None), headers=gabala)) == [["body", "place_id"]]
    both = _body(settlement="Bum")
    assert _loc(anonymous.post("/requests", json=both, headers=gabala)) == [["body", "settlement"]]
    assert _loc(anonymous.post("/requests", json=_body(place_id="AZ-XXX"), headers=gabala)) == [["body", "place_id"]]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (-1, 3, "window_start"),
        (5, 4, "window_end"),
        (0, 60, "window_end"),
    ],
)
def test_window_rules_name_the_field(
    anonymous: TestClient, gabala: dict[str, str], start: int, end: int, field: str
) -> None:
    """Not in the past, end not before start, at most 60 days counting both ends."""
    body = _body(
        window_start=(MONDAY + timedelta(days=start)).isoformat(),
        window_end=(MONDAY + timedelta(days=end)).isoformat(),
    )
    assert ["body", field] in _loc(anonymous.post("/requests", json=body, headers=gabala))


def test_a_60_day_window_starting_today_is_accepted(anonymous: TestClient, gabala: dict[str, str]) -> None:
    """The limits themselves are allowed."""
    _file(anonymous, gabala, window_start=MONDAY.isoformat(), window_end=(MONDAY + timedelta(days=59)).isoformat())


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"expected_citizens": 0}, ["body", "expected_citizens"]),
        ({"expected_citizens": 2001}, ["body", "expected_citizens"]),
        ({"note": "x" * 501}, ["body", "note"]),
        ({"priority": "soon"}, ["body", "priority"]),
        ({"services": ["passport", "teleport"]}, ["body", "services", 1]),
        ({"colour": "red"}, ["body", "colour"]),
    ],
)
def test_bad_fields_are_422_naming_them(
    anonymous: TestClient, gabala: dict[str, str], overrides: dict[str, Any], loc: list[Any]
) -> None:
    """Each broken rule answers 422 with the field's location."""
    response = anonymous.post("/requests", json=_body(**overrides), headers=gabala)
    assert loc in _loc(response)


def test_unknown_service_is_named(anonymous: TestClient, gabala: dict[str, str]) -> None:
    """The message names the unknown code."""
    response = anonymous.post("/requests", json=_body(services=["teleport"]), headers=gabala)
    assert "'teleport'" in response.json()["detail"][0]["msg"]


def test_services_lists_codes_with_names(anonymous: TestClient, gabala: dict[str, str]) -> None:
    """GET /services lists the bundled codes with az/en/ru names; it needs a token."""
    services = anonymous.get("/services", headers=gabala).json()
    assert {"code": "passport", "name_az": "Ümumvətəndaş pasportu", "name_en": "Passport"}.items() <= services[
        1
    ].items()
    assert len(services) == 8
    assert anonymous.get("/services").status_code == 401


def test_patch_only_while_submitted(anonymous: TestClient, gabala: dict[str, str]) -> None:
    """PATCH changes the given fields (others stay); after cancelling it is a 409; cancel twice is harmless."""
    rid = _file(anonymous, gabala)["id"]
    changed = anonymous.patch(f"/requests/{rid}", json={"expected_citizens": 120, "settlement": "Oğuz"}, headers=gabala)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["expected_citizens"], changed.json()["place_id"]) == (120, "AZ-OGU")
    assert changed.json()["services"] == ["passport", "id_card"]
    assert anonymous.patch(f"/requests/{rid}", json={"place_id": "AZ-BA"}, headers=gabala).status_code == 403
    assert _loc(anonymous.patch(f"/requests/{rid}", json={"window_end": "2026-11-01"}, headers=gabala)) == [
        ["body", "window_end"],
        ["body", "window_end"],
    ]
    cancelled = anonymous.post(f"/requests/{rid}/cancel", headers=gabala)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert anonymous.post(f"/requests/{rid}/cancel", headers=gabala).json()["status"] == "cancelled"
    conflict = anonymous.patch(f"/requests/{rid}", json={"note": "again"}, headers=gabala)
    assert conflict.status_code == 409
    assert "cancelled" in conflict.json()["detail"]


def test_idempotency_key_replays_or_conflicts(
    anonymous: TestClient, gabala: dict[str, str], sheki: dict[str, str]
) -> None:
    """Same key and body: 200 with the first id; same key, other body: 409; keys are per principal."""
    headers = {**gabala, "Idempotency-Key": "k-1"}
    first = anonymous.post("/requests", json=_body(), headers=headers)
    assert first.status_code == 201
    again = anonymous.post("/requests", json=_body(), headers=headers)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    other = anonymous.post("/requests", json=_body(expected_citizens=81), headers=headers)
    assert other.status_code == 409
    assert first.json()["id"] in other.json()["detail"]
    elsewhere = anonymous.post("/requests", json=_body(place_id="AZ-SA"), headers={**sheki, "Idempotency-Key": "k-1"})
    assert elsewhere.status_code == 201
    assert len(anonymous.get("/requests", headers=gabala).json()) == 1


def test_no_token_is_401(anonymous: TestClient) -> None:
    """Every /requests endpoint needs a token."""
    assert anonymous.get("/requests").status_code == 401
    assert anonymous.post("/requests", json=_body()).status_code == 401


def test_publishing_fills_the_outcome_and_the_planner_still_sees_open_requests(
    app: FastAPI, anonymous: TestClient, gabala: dict[str, str]
) -> None:
    """API-filed requests reach open_requests; publishing a plan shows scheduled (vehicle, date, times) or
    declined (reason and sentence) in the response."""
    served = _file(anonymous, gabala)["id"]
    left_out = _file(anonymous, gabala, place_id="AZ-OGU")["id"]
    network: Network = app.state.network
    plan = make_plan(network, week_start=MONDAY + timedelta(days=7))
    bus = plan.routes[0]
    stops = (dataclasses.replace(bus.stops[0], request_ids=(served,)), *bus.stops[1:])
    plan = dataclasses.replace(
        plan,
        routes=(dataclasses.replace(bus, stops=stops), *plan.routes[1:]),
        unserved=(Unserved(left_out, Reason.CAPACITY, "too many citizens for the window"),),
    )
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        week = open_requests(session, first=plan.week_start, last=plan.week_start + timedelta(days=6))
        assert {r.id for r in week} == {served, left_out}
        plan_id = save_plan(session, plan=plan)
        assert publish_plan(session, plan_id=plan_id)
    scheduled = anonymous.get(f"/requests/{served}", headers=gabala).json()
    assert scheduled["status"] == "scheduled"
    outcome = scheduled["outcome"]
    assert (outcome["plan_id"], outcome["vehicle_id"], outcome["date"]) == (
        plan_id,
        bus.vehicle_id,
        stops[0].date.isoformat(),
    )
    assert outcome["arrive"] == stops[0].arrive.isoformat()
    assert len(outcome["visits"]) == 1
    declined = anonymous.get(f"/requests/{left_out}", headers=gabala).json()
    assert declined["status"] == "declined"
    assert declined["outcome"]["reason"] == "capacity"
    assert declined["outcome"]["message"] == "too many citizens for the window"
    assert anonymous.patch(f"/requests/{served}", json={"note": "late"}, headers=gabala).status_code == 409
