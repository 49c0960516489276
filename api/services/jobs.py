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

from api.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from api.services.plans import check_week_open, stored_plan
from data import jobs as store
from data.jobs import JobStatus as JobStatus
from data.jobs import SolveQuota as SolveQuota
from data.jobs import StoredJob as StoredJob

MIN_TIME_LIMIT_S = 1.0
MAX_TIME_LIMIT_S = 600.0
"""A solve's time budget: at least a second, at most ten minutes (a longer search belongs to ``sefer bench``)."""
QUOTA_RETRY_AFTER_S = 30
"""What a 429 for a full solve quota asks the client to wait: about a short solve."""


class JobKind(StrEnum):
    PLAN = "plan"
    REOPTIMIZE = "reoptimize"


class JobQueue(Protocol):
    """What the use cases need of the runner: queue a job (for a principal, within its quota, counted in the
    transaction that stores the job), cancel one (stopping its worker)."""

    def submit(
        self, *, kind: str, params: dict[str, Any], principal_id: int | None = None, quota: SolveQuota | None = None
    ) -> StoredJob: ...

    def cancel(self, job_id: int) -> StoredJob | None: ...


def _check_time_limit(time_limit_s: float) -> None:
    if not MIN_TIME_LIMIT_S <= time_limit_s <= MAX_TIME_LIMIT_S:
        raise InvalidInput(
            "time_limit_s",
            f"time_limit_s must be {MIN_TIME_LIMIT_S:g} to {MAX_TIME_LIMIT_S:g} seconds, not {time_limit_s:g}",
            time_limit_s,
        )


def _submit(
    queue: JobQueue, *, kind: JobKind, params: dict[str, Any], principal_id: int | None, quota: SolveQuota | None
) -> StoredJob:
    """Queue the job; a principal whose quota is full gets ``TooManyRequests`` naming the limit."""
    try:
        return queue.submit(kind=kind, params=params, principal_id=principal_id, quota=quota)
    except store.SolveQuotaReached as full:
        q = full.quota
        raise TooManyRequests(
            f"you have {full.running} running and {full.queued} queued solves, and may have at most "
            f"{q.max_running} running and {q.max_queued} queued: wait for one to finish, or cancel one",
            limit="max_queued_solves_per_principal",
            allowed=q.max_queued,
            retry_after_s=QUOTA_RETRY_AFTER_S,
        ) from None


def queue_plan(
    queue: JobQueue,
    *,
    week_start: dt.date,
    time_limit_s: float,
    today: dt.date,
    principal_id: int | None = None,
    quota: SolveQuota | None = None,
) -> StoredJob:
    """Queue the planning of a current or coming week, for ``principal_id`` within its ``quota`` (the CLI: none)."""
    check_week_open(week_start, today)
    _check_time_limit(time_limit_s)
    params = {"week_start": week_start.isoformat(), "time_limit_s": time_limit_s}
    return _submit(queue, kind=JobKind.PLAN, params=params, principal_id=principal_id, quota=quota)


def queue_reoptimize(
    session: Session,
    queue: JobQueue,
    *,
    plan_id: int,
    time_limit_s: float,
    principal_id: int | None = None,
    quota: SolveQuota | None = None,
) -> StoredJob:
    """Queue the re-optimisation of stored plan ``plan_id`` (its week, its locked stops kept), for
    ``principal_id`` within its ``quota``."""
    plan, _ = stored_plan(session, plan_id=plan_id)
    _check_time_limit(time_limit_s)
    params = {"plan_id": plan_id, "week_start": plan.week_start.isoformat(), "time_limit_s": time_limit_s}
    return _submit(queue, kind=JobKind.REOPTIMIZE, params=params, principal_id=principal_id, quota=quota)


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
