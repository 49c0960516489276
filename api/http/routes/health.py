"""Liveness (``/livez``: the process answers), readiness (``/readyz``: the database answers and its schema is at
the newest migration) and the older ``/health`` (the database answers)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.errors import Unavailable
from api.http.deps import SessionDep, SettingsDep
from api.http.schemas.common import Health, Live, Ready
from api.jobs.queue import STALLED_AFTER_S
from api.services.jobs import live_solver_workers
from api.services.store import check_database, check_schema

router = APIRouter(tags=["health"])

READY_RETRY_AFTER_S = 5
"""What a 503 from ``/readyz`` asks a load balancer to wait before asking again."""


@router.get("/health", responses={503: {"description": "The database does not answer"}})
def read_health(session: SessionDep) -> Health:
    """``ok`` when the app is up and its database answers a trivial query; 503 otherwise."""
    check_database(session)
    return Health(status="ok", database="ok")


@router.get("/livez")
async def read_livez() -> Live:
    """``ok`` while the process answers; touches no database (a restart does not mend a database outage)."""
    return Live(status="ok")


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"description": "The database or its schema is not ready", "model": Ready}},
)
def read_readyz(session: SessionDep, settings: SettingsDep) -> Ready | JSONResponse:
    """``ok`` when the database answers and its schema is at the newest migration; otherwise 503 naming the failed
    check (``database`` or ``schema``). With the PostgreSQL job queue it also counts the live solver workers."""
    try:
        check_database(session)
    except Unavailable as exc:
        return _not_ready(Ready(status="unavailable", database="unavailable", schema="unknown", detail=exc.message))
    try:
        check_schema(session)
    except Unavailable as exc:
        return _not_ready(Ready(status="unavailable", database="ok", schema="behind", detail=exc.message))
    if settings.resolved_job_queue == "local":
        return Ready(status="ok", database="ok", schema="ok", queue="local")
    workers = live_solver_workers(session, within_s=STALLED_AFTER_S)
    return Ready(status="ok", database="ok", schema="ok", queue="postgresql", solver_workers=workers)


def _not_ready(body: Ready) -> JSONResponse:
    return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": str(READY_RETRY_AFTER_S)})
