"""The app as the API tests build it: the bundled data, no map tiles and, where a test needs one, a fixed today."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI

from api.app import create_app
from api.http.deps import get_today
from api.settings import Settings

MONDAY = date(2026, 11, 16)
"""The day tests that depend on today run on, as if it were this Monday in Baku."""


def app_on(database_url: str, today: date | None = None) -> FastAPI:
    """A fresh app on ``database_url``; its lifespan migrates and syncs when a ``TestClient`` opens it, and runs
    its jobs in its own local runner (``tests/api/test_job_queue.py`` tests the PostgreSQL queue)."""
    app = create_app(Settings(database_url=database_url, map_tiles=None, job_queue="local", migrate_on_start=True))
    if today is not None:
        app.dependency_overrides[get_today] = lambda: today
    return app
