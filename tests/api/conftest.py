"""The app on each available database, and a planner's client on it (modules needing other clients override)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Role
from api.settings import Settings
from tests.api.tokens import make_token


@pytest.fixture
def app(database_url: str) -> FastAPI:
    return create_app(Settings(database_url=database_url, map_tiles=None))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A planner's client: the lifespan runs (migrate, sync, dispose) and every request carries a bearer token."""
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {make_token(app, Role.PLANNER)}"
        yield client
