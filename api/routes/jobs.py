"""Background solve jobs: poll one, or cancel it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from api.auth import PlannerDep
from api.jobs import RunnerDep
from api.plan_schemas import Conflict, JobId, JobPublic
from data.job_store import JobStatus

router = APIRouter(prefix="/jobs", tags=["jobs"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Only planners and admins"},
    404: {"description": "No job with that id"},
}


@router.get("/{job_id}", responses=_RESPONSES)
def read_job(job_id: JobId, runner: RunnerDep, _: PlannerDep) -> JobPublic:
    """The job's status, progress (0..1), best objective so far, message and, once it succeeded, its plan."""
    job = runner.get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"job {job_id} not found")
    return JobPublic.of(job)


@router.delete(
    "/{job_id}",
    responses={**_RESPONSES, 409: {"model": Conflict, "description": "The job had already finished"}},
)
def cancel_job(job_id: JobId, runner: RunnerDep, _: PlannerDep) -> JobPublic:
    """Cancel the job: a queued job never starts, a running one's worker processes are stopped. No plan is
    stored by a cancelled job."""
    job = runner.cancel(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"job {job_id} not found")
    if job.status is not JobStatus.CANCELLED:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"job {job_id} already {job.status.value}")
    return JobPublic.of(job)
