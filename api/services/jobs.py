"""Background solves as use cases: queue a plan or a re-optimisation, read, list and cancel jobs.

The queue itself is infrastructure (``api.jobs.JobRunner`` in the web process); these functions apply the rules
(a week that is over is not planned, a re-optimisation names a stored plan, the time budget is bounded) and leave
the running to it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.orm import Session

from api.errors import Conflict, InvalidInput, NotFound
from api.services.plans import check_week_open, stored_plan
from data import jobs as store
from data.jobs import JobStatus as JobStatus
from data.jobs import StoredJob as StoredJob

MIN_TIME_LIMIT_S = 1.0
MAX_TIME_LIMIT_S = 600.0
"""A solve's time budget: at least a second, at most ten minutes (a longer search belongs to ``sefer bench``)."""


class JobKind(StrEnum):
    PLAN = "plan"
    REOPTIMIZE = "reoptimize"


class JobQueue(Protocol):
    """What the use cases need of the runner: queue a job, cancel one (stopping its worker)."""

    def submit(self, *, kind: str, params: dict[str, Any]) -> StoredJob: ...

    def cancel(self, job_id: int) -> StoredJob | None: ...


def _check_time_limit(time_limit_s: float) -> None:
    if not MIN_TIME_LIMIT_S <= time_limit_s <= MAX_TIME_LIMIT_S:
        raise InvalidInput(
            "time_limit_s",
            f"time_limit_s must be {MIN_TIME_LIMIT_S:g} to {MAX_TIME_LIMIT_S:g} seconds, not {time_limit_s:g}",
            time_limit_s,
        )


def queue_plan(queue: JobQueue, *, week_start: dt.date, time_limit_s: float, today: dt.date) -> StoredJob:
    """Queue the planning of a current or coming week."""
    check_week_open(week_start, today)
    _check_time_limit(time_limit_s)
    return queue.submit(kind=JobKind.PLAN, params={"week_start": week_start.isoformat(), "time_limit_s": time_limit_s})


def queue_reoptimize(session: Session, queue: JobQueue, *, plan_id: int, time_limit_s: float) -> StoredJob:
    """Queue the re-optimisation of stored plan ``plan_id`` (its week, its locked stops kept)."""
    plan, _ = stored_plan(session, plan_id=plan_id)
    _check_time_limit(time_limit_s)
    return queue.submit(
        kind=JobKind.REOPTIMIZE,
        params={"plan_id": plan_id, "week_start": plan.week_start.isoformat(), "time_limit_s": time_limit_s},
    )


def read_job(session: Session, *, job_id: int) -> StoredJob:
    job = store.get_job(session, job_id=job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


def list_jobs(session: Session, *, status: JobStatus | None = None, limit: int = 100) -> list[StoredJob]:
    """The newest ``limit`` jobs (of one status when given), newest first."""
    return store.list_jobs(session, status=status, limit=limit)


def live_solver_workers(session: Session, *, within_s: float) -> int:
    """How many queue workers gave a sign of life in the last ``within_s`` (PostgreSQL queue only)."""
    return store.live_queue_workers(session, within_s=within_s)


def cancel_job(queue: JobQueue, *, job_id: int) -> StoredJob:
    """Cancel a queued or running job (its worker is stopped; no plan is stored); a finished job is a conflict."""
    job = queue.cancel(job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    if job.status is not JobStatus.CANCELLED:
        raise Conflict(f"job {job_id} already {job.status.value}")
    return job
