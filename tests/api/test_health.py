"""Liveness, readiness and the database going away: a real unreachable database, not a mock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from api.services.principals import Role
from tests.api.tokens import bearer, make_token

CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=2"
"""A PostgreSQL URL on the discard port, where nothing listens: every connection is refused at once."""


@pytest.fixture
def unreachable(app: FastAPI, anonymous: TestClient) -> Iterator[sessionmaker[Session]]:
    """Point the running app at a database that refuses connections; put the real one back afterwards."""
    real: sessionmaker[Session] = app.state.session_factory
    engine = create_engine(CLOSED_PORT_URL, pool_pre_ping=True)
    app.state.session_factory = sessionmaker(bind=engine)
    try:
        yield real
    finally:
        app.state.session_factory = real
        engine.dispose()


def test_livez_answers_without_a_database(anonymous: TestClient, unreachable: sessionmaker[Session]) -> None:
    response = anonymous.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_on_a_migrated_database(anonymous: TestClient) -> None:
    response = anonymous.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "schema": "ok",
        "queue": "local",
        "solver_workers": None,
        "detail": None,
    }


def test_readyz_names_the_database_when_it_does_not_answer(
    anonymous: TestClient, unreachable: sessionmaker[Session]
) -> None:
    response = anonymous.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.json()["database"] == "unavailable"


def test_readyz_names_the_schema_when_a_migration_is_missing(app: FastAPI, anonymous: TestClient) -> None:
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    response = anonymous.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert (body["database"], body["schema"]) == ("ok", "behind")
    assert "0001" in body["detail"]


@pytest.mark.parametrize("path", ["/health", "/public/stops", "/places"])
def test_every_endpoint_answers_503_with_retry_after_while_the_database_is_away_and_200_when_back(
    app: FastAPI, anonymous: TestClient, planner: dict[str, str], unreachable: sessionmaker[Session], path: str
) -> None:
    down = anonymous.get(path, headers=planner)
    assert down.status_code == 503
    assert int(down.headers["Retry-After"]) > 0
    assert "Traceback" not in down.text and "SELECT" not in down.text and "psycopg" not in down.text
    app.state.session_factory = unreachable  # the database is back: no restart
    assert anonymous.get(path, headers=planner).status_code == 200


def test_terminated_connections_are_replaced_without_an_error(
    app: FastAPI, anonymous: TestClient, database_url: str
) -> None:
    """PostgreSQL only: kill every connection the app holds (``pg_terminate_backend``); pre-ping replaces them."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL")
    token = make_token(app, Role.PLANNER)
    assert anonymous.get("/places", headers=bearer(token)).status_code == 200
    killer = create_engine(database_url)
    try:
        with killer.begin() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        killer.dispose()
    assert killed >= 1
    for _ in range(3):
        assert anonymous.get("/places", headers=bearer(token)).status_code == 200


def test_a_full_pool_answers_503_with_retry_after_not_a_hang(
    app: FastAPI, anonymous: TestClient, database_url: str
) -> None:
    """A pool of one connection, held by someone else: the request waits ``pool_timeout`` and answers 503."""
    real: sessionmaker[Session] = app.state.session_factory
    engine = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.2, pool_pre_ping=True)
    held = engine.connect()
    app.state.session_factory = sessionmaker(bind=engine)
    try:
        busy = anonymous.get("/public/stops")
        assert busy.status_code == 503
        assert busy.headers["Retry-After"]
        held.close()
        assert anonymous.get("/public/stops").status_code == 200
    finally:
        app.state.session_factory = real
        held.close()
        engine.dispose()
