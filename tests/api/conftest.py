"""The app on each available database, a planner's client on it and a client without a token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.services.principals import Role
from tests.api.apps import app_on
from tests.api.tokens import bearer, make_token


@pytest.fixture
def app(database_url: str) -> FastAPI:
    return app_on(database_url)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A planner's client: the lifespan runs (migrate, sync, dispose) and every request carries a bearer token."""
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {make_token(app, Role.PLANNER)}"
        yield client


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    """A client whose lifespan runs and that carries no token: tests pass one per call, or none."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def planner(app: FastAPI, anonymous: TestClient) -> dict[str, str]:
    """A planner's Authorization header, for clients that carry no token (the app has started)."""
    return bearer(make_token(app, Role.PLANNER, name="Planner"))
