"""Liveness and database reachability."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy.exc import SQLAlchemyError

from api.deps import SessionDep
from api.schemas import Health
from data.repository import ping

router = APIRouter(tags=["health"])


@router.get("/health", responses={503: {"description": "The database does not answer"}})
def read_health(session: SessionDep) -> Health:
    """``ok`` when the app is up and its database answers a trivial query; 503 otherwise."""
    try:
        ping(session)
    except SQLAlchemyError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="database unavailable") from exc
    return Health(status="ok", database="ok")
