"""Liveness and database reachability."""

from __future__ import annotations

from fastapi import APIRouter

from api.http.deps import SessionDep
from api.http.schemas.common import Health
from api.services.store import check_database

router = APIRouter(tags=["health"])


@router.get("/health", responses={503: {"description": "The database does not answer"}})
def read_health(session: SessionDep) -> Health:
    """``ok`` when the app is up and its database answers a trivial query; 503 otherwise."""
    check_database(session)
    return Health(status="ok", database="ok")
