"""The API through the real app (lifespan included) on each available database."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.http.deps import get_today
from api.services.store import DatabaseDown
from api.settings import Settings, get_settings
from data.plans import publish_plan, save_plan
from scheduler.domain import Network
from scheduler.plan import Plan, plan_to_dict
from tests.api.apps import app_on
from tests.factories import make_plan

BUNDLED_PLACES = 77 + 170
"""The first-level units and the settlements listed in them."""


def _save(app: FastAPI, plan: Plan) -> int:
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        return save_plan(session, plan=plan)


def _publish(app: FastAPI, plan: Plan) -> int:
    """Store and publish ``plan`` (the repository's step; the use case's rules are tested with the lifecycle)."""
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        plan_id = save_plan(session, plan=plan)
        publish_plan(session, plan_id=plan_id)
    return plan_id


def _plan(app: FastAPI) -> Plan:
    network: Network = app.state.network
    return make_plan(network)


def test_health_reports_database_ok(client: TestClient) -> None:
    """/health answers ok once the app has started on a reachable database."""
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_places_lists_the_bundled_places(client: TestClient) -> None:
    """/places lists every bundled place with its names, coordinates and region, and nothing internal."""
    response = client.get("/places")
    assert response.status_code == 200
    places = response.json()
    assert len(places) == BUNDLED_PLACES
    assert set(places[0]) == {
        "id",
        "name_az",
        "name_en",
        "name_ru",
        "lat",
        "lon",
        "population",
        "economic_region",
        "exclave",
        "unit_id",
    }
    assert any(p["exclave"] for p in places)
    assert {p["unit_id"] for p in places if p["id"].startswith("GN-")} <= {p["id"] for p in places}


def test_starting_twice_keeps_one_copy_of_the_reference_data(app: FastAPI, database_url: str) -> None:
    """A restart on the same database migrates and syncs again without duplicating anything."""
    with TestClient(app) as client:
        first = client.get("/places").json()
    with TestClient(app_on(database_url)) as client:
        assert client.get("/places").json() == first


def test_plan_is_served_as_plan_to_dict(app: FastAPI, client: TestClient) -> None:
    """A plan saved through the repository is served by /plans/{id} exactly as ``plan_to_dict`` writes it."""
    plan = _plan(app)
    plan_id = _save(app, plan)
    response = client.get(f"/plans/{plan_id}")
    assert response.status_code == 200
    assert response.json() == {**plan_to_dict(plan, app.state.network), "version": 1, "published": False}
    assert response.json()["stops"][0]["arrive"].endswith("+04:00")


def test_unknown_plan_is_404_naming_the_id(client: TestClient) -> None:
    """/plans/999 is a 404 whose detail names the missing id."""
    response = client.get("/plans/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "plan 999 not found"}


def test_non_integer_plan_id_is_422(client: TestClient) -> None:
    """A plan id that is not an integer is rejected by validation, naming the field."""
    response = client.get("/plans/latest")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "plan_id"]


def test_plan_map_is_a_leaflet_page(app: FastAPI, client: TestClient) -> None:
    """/plans/{id}/map returns an HTML page built on Leaflet; an unknown plan's map is a 404."""
    plan_id = _save(app, _plan(app))
    response = client.get(f"/plans/{plan_id}/map")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "leaflet" in response.text.lower()
    assert client.get("/plans/999/map").status_code == 404


def test_public_stops_are_empty_without_a_published_plan(app: FastAPI, client: TestClient) -> None:
    """/public/stops is an empty list while no plan is stored, and while the only plan is a draft."""
    response = client.get("/public/stops")
    assert response.status_code == 200
    assert response.json() == []
    plan = _plan(app)
    _save(app, plan)
    app.dependency_overrides[get_today] = lambda: plan.week_start
    assert client.get("/public/stops").json() == []


def test_public_stops_show_upcoming_stops_without_internal_figures(app: FastAPI, client: TestClient) -> None:
    """/public/stops lists the published plan's stops from today on, with names, and hides expected_citizens."""
    plan = _plan(app)
    _publish(app, plan)
    monday, tuesday = plan.service_dates
    app.dependency_overrides[get_today] = lambda: tuesday
    stops = client.get("/public/stops").json()
    assert [(s["vehicle_id"], s["vehicle_kind"], s["date"]) for s in stops] == [
        ("TEST-BUS-1", "bus", tuesday.isoformat()),
        ("TEST-TRAIN-1", "train", tuesday.isoformat()),
    ]
    network: Network = app.state.network
    first = stops[0]
    place = network.place(first["place_id"])
    assert (first["place_name_az"], first["place_name_en"], first["place_name_ru"]) == (
        place.name_az,
        place.name_en,
        place.name_ru,
    )
    assert first["arrive"] == plan.routes[0].stops[2].arrive.isoformat()
    assert all("expected_citizens" not in s for s in stops)
    assert "expected_citizens" not in client.get("/public/stops").text
    app.dependency_overrides[get_today] = lambda: monday
    assert len(client.get("/public/stops").json()) == 4
    app.dependency_overrides[get_today] = lambda: date(2100, 1, 1)
    assert client.get("/public/stops").json() == []


def test_public_stops_follow_the_published_plan(app: FastAPI, client: TestClient) -> None:
    """Only the week's published plan's stops are public: a newer publication supersedes the older one, whose
    stops are not mixed in."""
    plan = _plan(app)
    _publish(app, plan)
    _publish(app, dataclasses.replace(plan, routes=plan.routes[:1]))
    app.dependency_overrides[get_today] = lambda: plan.week_start
    assert {s["vehicle_id"] for s in client.get("/public/stops").json()} == {"TEST-BUS-1"}


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """SEFER_ variables configure the settings; an empty SEFER_MAP_TILES means no tiles."""
    monkeypatch.setenv("SEFER_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("SEFER_MAP_TILES", "")
    settings = Settings()
    assert settings.database_url == "sqlite:///elsewhere.db"
    assert settings.map_tiles is None
    monkeypatch.delenv("SEFER_MAP_TILES")
    assert Settings().map_tiles == "OpenStreetMap"


def test_get_settings_is_cached() -> None:
    """get_settings builds the settings once and returns the same object afterwards."""
    get_settings.cache_clear()
    try:
        assert get_settings() is get_settings()
    finally:
        get_settings.cache_clear()


def test_database_is_reached_at_start_up_not_at_creation() -> None:
    """create_app alone opens nothing; starting the app on an unreachable database fails with one clear error."""
    app = create_app(Settings(database_url="postgresql+psycopg://nobody:secret@127.0.0.1:1/none"))
    with pytest.raises(DatabaseDown, match=r"nobody@127\.0\.0\.1:1/none"), TestClient(app):
        pass
