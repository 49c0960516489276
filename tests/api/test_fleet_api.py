"""/fleet (vehicles and maintenance days), /centres and PATCH /places through the real app on each available
database: planners edit, offices only read centres, and a restart does not undo a planner's edit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.services.principals import Role
from api.services.solving import week_inputs
from data.fleet import maintenance_days
from data.places import list_places
from scheduler.domain import Fleet
from scheduler.pipeline import PlanningParams
from tests.api.apps import MONDAY, app_on
from tests.api.tokens import bearer, make_token

WEDNESDAY = date(2026, 11, 25)


@pytest.fixture
def app(database_url: str) -> FastAPI:
    """Every test runs as if it were ``MONDAY`` in Baku."""
    return app_on(database_url, MONDAY)


@pytest.fixture
def office(app: FastAPI, anonymous: TestClient) -> dict[str, str]:
    return bearer(make_token(app, Role.OFFICE, ("AZ-QAB",), name="Gabala office"))


def _sessions(app: FastAPI) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.state.session_factory
    return factory


def _json(response: Any, status_code: int) -> Any:
    assert response.status_code == status_code, response.text
    return response.json()


# --- fleet and maintenance ---


def test_fleet_lists_the_bundled_vehicles_with_hours_and_maintenance(
    anonymous: TestClient, planner: dict[str, str]
) -> None:
    """GET /fleet: the 10 buses and the train, ordered by id, with HH:MM service hours and booked days."""
    _json(anonymous.put(f"/fleet/BUS-01/maintenance/{WEDNESDAY}", headers=planner), 201)
    fleet = _json(anonymous.get("/fleet", headers=planner), 200)
    assert [v["id"] for v in fleet] == [f"BUS-{n:02d}" for n in range(1, 11)] + ["TRAIN-01"]
    bus, train = fleet[0], fleet[-1]
    assert bus["kind"] == "bus" and bus["depot_place_id"] == "AZ-QAB" and bus["depot_station_id"] is None
    assert (bus["service_start"], bus["service_end"]) == ("09:00", "18:00")
    assert bus["capacity_citizens_per_day"] == 100 and "passport" in bus["services"]
    assert bus["maintenance_dates"] == [WEDNESDAY.isoformat()]
    assert train["kind"] == "train" and train["depot_station_id"] == "ST-546808"
    assert train["maintenance_dates"] == []


def test_maintenance_put_is_idempotent_and_delete_removes_it(anonymous: TestClient, planner: dict[str, str]) -> None:
    """PUT books a day (201), again answers 200 and books nothing more; DELETE removes it (204), again 404."""
    url = f"/fleet/BUS-03/maintenance/{WEDNESDAY}"
    assert _json(anonymous.put(url, headers=planner), 201) == {"vehicle_id": "BUS-03", "date": "2026-11-25"}
    assert _json(anonymous.put(url, headers=planner), 200) == {"vehicle_id": "BUS-03", "date": "2026-11-25"}
    _json(anonymous.put("/fleet/BUS-03/maintenance/2026-11-23", headers=planner), 201)
    listed = _json(anonymous.get("/fleet/BUS-03/maintenance", headers=planner), 200)
    assert listed == [{"vehicle_id": "BUS-03", "date": "2026-11-23"}, {"vehicle_id": "BUS-03", "date": "2026-11-25"}]
    deleted = anonymous.delete(url, headers=planner)
    assert deleted.status_code == 204 and deleted.content == b""
    again = _json(anonymous.delete(url, headers=planner), 404)
    assert again == {"detail": "BUS-03 has no maintenance booked on 2026-11-25"}
    assert _json(anonymous.get("/fleet/BUS-03/maintenance", headers=planner), 200) == [
        {"vehicle_id": "BUS-03", "date": "2026-11-23"}
    ]


def test_maintenance_of_an_unknown_vehicle_is_404_and_a_bad_date_422(
    anonymous: TestClient, planner: dict[str, str]
) -> None:
    """An unknown vehicle answers 404 on every maintenance endpoint; a date that is not YYYY-MM-DD answers 422
    naming the path field ``date``."""
    for method in ("put", "delete"):
        answer = _json(anonymous.request(method, f"/fleet/BUS-99/maintenance/{WEDNESDAY}", headers=planner), 404)
        assert "BUS-99" in answer["detail"]
    _json(anonymous.get("/fleet/BUS-99/maintenance", headers=planner), 404)
    for bad in ("2026-13-01", "25.11.2026", "tomorrow"):
        errors = _json(anonymous.put(f"/fleet/BUS-01/maintenance/{bad}", headers=planner), 422)["detail"]
        assert [e["loc"] for e in errors] == [["path", "date"]]


def test_a_maintenance_day_booked_through_the_api_reaches_the_planner(
    app: FastAPI, anonymous: TestClient, planner: dict[str, str]
) -> None:
    """A day booked by PUT is what ``maintenance_days`` returns and what ``week_inputs`` (the solve's inputs)
    puts on the vehicle; a cancelled day is gone from both."""
    _json(anonymous.put(f"/fleet/BUS-02/maintenance/{WEDNESDAY}", headers=planner), 201)
    _json(anonymous.put("/fleet/BUS-02/maintenance/2026-11-26", headers=planner), 201)
    assert anonymous.delete("/fleet/BUS-02/maintenance/2026-11-26", headers=planner).status_code == 204
    fleet: Fleet = app.state.fleet
    with _sessions(app)() as session:
        assert maintenance_days(session) == {"BUS-02": (WEDNESDAY,)}
        inputs = week_inputs(session, fleet=fleet, week_start=date(2026, 11, 23), params=PlanningParams())
    by_id = {v.id: v for v in inputs.fleet.vehicles}
    assert by_id["BUS-02"].maintenance_dates == (WEDNESDAY,)
    assert all(v.maintenance_dates == () for v in inputs.fleet.vehicles if v.id != "BUS-02")


# --- centres ---


def test_centres_are_read_by_any_role(anonymous: TestClient, office: dict[str, str]) -> None:
    """GET /centres lists every bundled centre (ASAN and DOST, any status) with place, coordinates and services."""
    centres = _json(anonymous.get("/centres", headers=office), 200)
    assert len(centres) == 46
    by_id = {c["id"]: c for c in centres}
    qabala = by_id["ASAN-QAB-1"]
    assert qabala["kind"] == "asan" and qabala["place_id"] == "AZ-QAB"
    assert (qabala["status"], qabala["opened"]) == ("open", "2016-08-10")
    assert qabala["lat"] == pytest.approx(40.98139) and "passport" in qabala["services"]
    assert {c["status"] for c in centres} == {"open", "under_construction", "planned"}
    assert {c["kind"] for c in centres} == {"asan", "dost"}


def test_a_planner_sets_status_and_opened_and_a_restart_keeps_them(
    database_url: str, app: FastAPI, anonymous: TestClient, planner: dict[str, str]
) -> None:
    """PATCH /centres/{id} changes only the fields given; a new app on the same database (start-up runs
    ``sync_reference`` with the bundled data) keeps the planner's status and date."""
    changed = _json(
        anonymous.patch("/centres/ASAN-LA-1", json={"status": "open", "opened": "2026-12-01"}, headers=planner), 200
    )
    assert (changed["status"], changed["opened"]) == ("open", "2026-12-01")
    assert changed["place_id"] == "AZ-LA" and changed["kind"] == "asan"
    only_status = _json(anonymous.patch("/centres/ASAN-LA-1", json={"status": "planned"}, headers=planner), 200)
    assert (only_status["status"], only_status["opened"]) == ("planned", "2026-12-01")
    second = app_on(database_url, MONDAY)
    with TestClient(second) as restarted:
        token = make_token(second, Role.PLANNER)
        centres = _json(restarted.get("/centres", headers=bearer(token)), 200)
    again = next(c for c in centres if c["id"] == "ASAN-LA-1")
    assert (again["status"], again["opened"]) == ("planned", "2026-12-01")


def test_centre_edits_are_checked(anonymous: TestClient, planner: dict[str, str]) -> None:
    """A bad status or date answers 422 naming the field, an empty body 422, an unknown centre 404."""
    bad_status = _json(anonymous.patch("/centres/ASAN-LA-1", json={"status": "closed"}, headers=planner), 422)
    assert [e["loc"] for e in bad_status["detail"]] == [["body", "status"]]
    bad_date = _json(anonymous.patch("/centres/ASAN-LA-1", json={"opened": "2026-02-30"}, headers=planner), 422)
    assert [e["loc"] for e in bad_date["detail"]] == [["body", "opened"]]
    empty = _json(anonymous.patch("/centres/ASAN-LA-1", json={}, headers=planner), 422)
    assert "give status, opened or both" in empty["detail"][0]["msg"]
    unknown = _json(anonymous.patch("/centres/ASAN-XX-9", json={"status": "open"}, headers=planner), 404)
    assert unknown == {"detail": "centre ASAN-XX-9 not found; GET /centres lists them"}


# --- places ---


def test_a_planner_corrects_a_population_and_a_restart_keeps_it(
    database_url: str, app: FastAPI, anonymous: TestClient, planner: dict[str, str]
) -> None:
    """PATCH /places/{id} sets the population (0 allowed), marks it ``planner <today>``, and the next start-up's
    sync with the bundled data leaves it; other places keep the bundled figures."""
    bundled = {p.id: p.population for p in app.state.network.places}
    place = _json(anonymous.patch("/places/AZ-QAB", json={"population": 41_250}, headers=planner), 200)
    assert place["id"] == "AZ-QAB" and place["population"] == 41_250
    _json(anonymous.patch("/places/AZ-OGU", json={"population": 0}, headers=planner), 200)
    second = app_on(database_url, MONDAY)
    with TestClient(second) as restarted:
        token = make_token(second, Role.PLANNER)
        places = {p["id"]: p for p in _json(restarted.get("/places", headers=bearer(token)), 200)}
        with _sessions(second)() as session:
            stored = {p.id: p for p in list_places(session)}
    assert places["AZ-QAB"]["population"] == 41_250 and places["AZ-OGU"]["population"] == 0
    assert stored["AZ-QAB"].population_as_of == "planner 2026-11-16"
    assert places["AZ-SA"]["population"] == bundled["AZ-SA"]


def test_population_edits_are_checked(anonymous: TestClient, planner: dict[str, str]) -> None:
    """A negative or missing population answers 422 naming the field; an unknown place 404."""
    negative = _json(anonymous.patch("/places/AZ-QAB", json={"population": -1}, headers=planner), 422)
    assert [e["loc"] for e in negative["detail"]] == [["body", "population"]]
    missing = _json(anonymous.patch("/places/AZ-QAB", json={}, headers=planner), 422)
    assert [e["loc"] for e in missing["detail"]] == [["body", "population"]]
    _json(anonymous.patch("/places/AZ-XXX", json={"population": 10}, headers=planner), 404)


# --- who may ---


PLANNER_ONLY = [
    ("get", "/fleet", None),
    ("get", "/fleet/BUS-01/maintenance", None),
    ("put", f"/fleet/BUS-01/maintenance/{WEDNESDAY}", None),
    ("delete", f"/fleet/BUS-01/maintenance/{WEDNESDAY}", None),
    ("patch", "/centres/ASAN-LA-1", {"status": "open"}),
    ("patch", "/places/AZ-QAB", {"population": 1}),
]


def test_without_a_token_401_and_an_office_403(anonymous: TestClient, office: dict[str, str]) -> None:
    """Every new endpoint answers 401 without a token; the planner ones answer 403 to an office and change
    nothing; an office reads /centres."""
    for method, url, body in [*PLANNER_ONLY, ("get", "/centres", None)]:
        assert anonymous.request(method, url, json=body).status_code == 401, url
    for method, url, body in PLANNER_ONLY:
        answer = anonymous.request(method, url, json=body, headers=office)
        assert answer.status_code == 403, (url, answer.text)
    centre = next(c for c in _json(anonymous.get("/centres", headers=office), 200) if c["id"] == "ASAN-LA-1")
    assert centre["status"] == "under_construction"


def test_an_admin_may_do_what_a_planner_may(app: FastAPI, anonymous: TestClient) -> None:
    """Admins book maintenance and edit centres too."""
    admin = bearer(make_token(app, Role.ADMIN, name="Admin"))
    _json(anonymous.put(f"/fleet/TRAIN-01/maintenance/{WEDNESDAY}", headers=admin), 201)
    _json(anonymous.patch("/centres/DOST-NV-1", json={"status": "under_construction"}, headers=admin), 200)
