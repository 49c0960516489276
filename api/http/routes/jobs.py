"""Background solve jobs: list them, poll one, or cancel it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.http.auth import PlannerDep
from api.http.deps import RunnerDep, SessionDep
from api.http.schemas.plans import Conflict, JobId, JobPublic
from api.services import jobs
from api.services.jobs import JobStatus

router = APIRouter(prefix="/jobs", tags=["jobs"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Only planners and admins"},
    404: {"description": "No job with that id"},
}


@router.get("", responses={401: _RESPONSES[401], 403: _RESPONSES[403]})
def list_jobs(
    session: SessionDep,
    _: PlannerDep,
    status: Annotated[JobStatus | None, Query(description="Only jobs in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many, newest first.")] = 100,
) -> list[JobPublic]:
    """The newest jobs first (at most ``limit``, of one ``status`` when given)."""
    return [JobPublic.of(job) for job in jobs.list_jobs(session, status=status, limit=limit)]


@router.get("/{job_id}", responses=_RESPONSES)
def read_job(job_id: JobId, session: SessionDep, _: PlannerDep) -> JobPublic:
    """The job's status, progress (0..1), best objective so far, message and, once it succeeded, its plan."""
    return JobPublic.of(jobs.read_job(session, job_id=job_id))


@router.delete(
    "/{job_id}",
    responses={**_RESPONSES, 409: {"model": Conflict, "description": "The job had already finished"}},
)
def cancel_job(job_id: JobId, runner: RunnerDep, _: PlannerDep) -> JobPublic:
    """Cancel the job: a queued job never starts, a running one's worker processes are stopped. No plan is
    stored by a cancelled job."""
    return JobPublic.of(jobs.cancel_job(runner, job_id=job_id))
