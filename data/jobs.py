"""Background jobs in the database: what the job runner and its worker processes store.

Every status change is a conditional update (``... WHERE status IN (...)``), so the web process (cancel, restart)
and a worker process (progress, result) never overwrite each other's decision: a job cancelled while its worker
was storing a plan stays cancelled, and the worker's transaction, which checks the status, rolls the plan back.

Like every ``data`` module: keyword-only functions taking a ``Session``; they flush but never commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import BigInteger, CursorResult, case, func, select, text, update
from sqlalchemy.orm import Session

from data.models import JobRow, PlanRow, PrincipalRow


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING)


@dataclasses.dataclass(frozen=True, slots=True)
class StoredJob:
    id: int
    kind: str
    """``plan`` or ``reoptimize``."""
    params: dict[str, Any]
    status: JobStatus
    progress: float
    """0 when queued, 1 when succeeded; in between an estimate from the solver's clock."""
    best_objective: float | None
    plan_id: int | None
    """The stored plan, once succeeded."""
    message: str
    created_at: datetime
    updated_at: datetime
    attempt: int = 0
    """The fencing token: 0 until the job first starts, raised by every start (a retry too)."""
    queue_job_id: int | None = None
    """Its task in the PostgreSQL job queue; None with the local runner."""
    principal_id: int | None = None
    """Who queued it; None for a job the CLI started."""


@dataclasses.dataclass(frozen=True, slots=True)
class SolveQuota:
    """How many solves one principal may have at once: ``max_running`` running and ``max_queued`` waiting."""

    max_running: int
    max_queued: int


class SolveQuotaReached(Exception):
    """The principal already has as many unfinished solves as its quota allows; nothing was stored."""

    def __init__(self, quota: SolveQuota, running: int, queued: int) -> None:
        super().__init__(f"{running} running and {queued} queued")
        self.quota = quota
        self.running = running
        self.queued = queued


def _job(row: JobRow) -> StoredJob:
    return StoredJob(
        id=row.id,
        kind=row.kind,
        params=dict(row.params),
        status=JobStatus(row.status),
        progress=row.progress,
        best_objective=row.best_objective,
        plan_id=row.plan_id,
        message=row.message,
        created_at=row.created_at,
        updated_at=row.updated_at,
        attempt=row.attempt,
        queue_job_id=row.queue_job_id,
        principal_id=row.principal_id,
    )


def _changed(session: Session, statement: Any) -> int:
    """Run an UPDATE and return how many rows it changed."""
    result = cast(CursorResult[Any], session.execute(statement, execution_options={"synchronize_session": False}))
    return result.rowcount


# --- jobs ---


def check_solve_quota(session: Session, *, principal_id: int, quota: SolveQuota) -> None:
    """Raise ``SolveQuotaReached`` when the principal already has ``max_running + max_queued`` unfinished jobs.

    Locks the principal's row first (``SELECT ... FOR NO KEY UPDATE``; SQLite ignores it, and has one writer
    anyway), so two processes queuing for the same principal count one after the other: call it in the
    transaction that inserts the job, and the lock lasts until that transaction ends."""
    # FOR NO KEY UPDATE: two submissions for the principal wait for each other, but rows that merely reference
    # the principal (its request counts, its requests) are not held up.
    session.execute(select(PrincipalRow.id).where(PrincipalRow.id == principal_id).with_for_update(key_share=True))
    counts = dict(
        session.execute(
            select(JobRow.status, func.count())
            .where(JobRow.principal_id == principal_id, JobRow.status.in_([s.value for s in UNFINISHED]))
            .group_by(JobRow.status)
        ).all()
    )
    running, queued = counts.get(JobStatus.RUNNING.value, 0), counts.get(JobStatus.QUEUED.value, 0)
    if running + queued >= quota.max_running + quota.max_queued:
        raise SolveQuotaReached(quota, running, queued)


def create_job(
    session: Session,
    *,
    kind: str,
    params: dict[str, Any],
    principal_id: int | None = None,
    quota: SolveQuota | None = None,
) -> StoredJob:
    """A new ``queued`` job, queued by ``principal_id`` (None: the CLI); with a ``quota``, refused with
    ``SolveQuotaReached`` when that principal has no room left (``check_solve_quota``)."""
    if principal_id is not None and quota is not None:
        check_solve_quota(session, principal_id=principal_id, quota=quota)
    now = datetime.now(UTC)
    row = JobRow(
        kind=kind,
        params=params,
        principal_id=principal_id,
        status=JobStatus.QUEUED.value,
        progress=0.0,
        best_objective=None,
        plan_id=None,
        message="queued",
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return _job(row)


def get_job(session: Session, *, job_id: int) -> StoredJob | None:
    row = session.get(JobRow, job_id, populate_existing=True)
    return None if row is None else _job(row)


def start_job(session: Session, *, job_id: int) -> bool:
    """``queued`` → ``running``, raising the job's ``attempt``; False when the job is no longer queued (e.g.
    cancelled meanwhile)."""
    return (
        _changed(
            session,
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED.value)
            .values(
                status=JobStatus.RUNNING.value,
                message="running",
                attempt=JobRow.attempt + 1,
                updated_at=datetime.now(UTC),
            ),
        )
        == 1
    )


def claim_job(session: Session, *, job_id: int) -> StoredJob | None:
    """A queue worker takes the job: ``queued`` → ``running``, or ``running`` → ``running`` when the worker that
    ran it was lost (the queue retries a stalled task), raising ``attempt`` either way so the lost attempt can no
    longer store anything. None when the job is finished (cancelled meanwhile, say)."""
    changed = _changed(
        session,
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.status.in_([s.value for s in UNFINISHED]))
        .values(
            status=JobStatus.RUNNING.value,
            message="running",
            attempt=JobRow.attempt + 1,
            updated_at=datetime.now(UTC),
        ),
    )
    return get_job(session, job_id=job_id) if changed == 1 else None


def set_queue_job(session: Session, *, job_id: int, queue_job_id: int) -> None:
    """Record the job's task in the queue (in the transaction that queued it)."""
    _changed(session, update(JobRow).where(JobRow.id == job_id).values(queue_job_id=queue_job_id))


def report_progress(
    session: Session, *, job_id: int, progress: float, best_objective: float | None, attempt: int | None = None
) -> bool:
    """Record a running job's progress (0..1; never lowered, so a retried attempt does not move it back) and best
    objective so far; False once it is no longer running (or, with ``attempt``, no longer at that attempt)."""
    value = min(1.0, max(0.0, progress))
    values: dict[str, Any] = {
        "progress": case((JobRow.progress < value, value), else_=JobRow.progress),
        "updated_at": datetime.now(UTC),
    }
    if best_objective is not None:
        values["best_objective"] = best_objective
    statement = update(JobRow).where(JobRow.id == job_id, JobRow.status == JobStatus.RUNNING.value)
    if attempt is not None:
        statement = statement.where(JobRow.attempt == attempt)
    return _changed(session, statement.values(**values)) == 1


def finish_job(
    session: Session,
    *,
    job_id: int,
    status: JobStatus,
    message: str,
    plan_id: int | None = None,
    best_objective: float | None = None,
    only_from: Iterable[JobStatus] = UNFINISHED,
    attempt: int | None = None,
) -> bool:
    """Move the job to a final ``status`` if it is still in one of ``only_from`` (and, when ``attempt`` is given,
    still at that attempt: a stale attempt changes nothing); False when it was not.

    A success sets progress to 1, records ``plan_id`` and marks the plan as this job's; the plans' unique
    ``job_id`` makes a second plan for the same job fail with an ``IntegrityError`` (call it in the transaction
    that stores the plan, so the plan is rolled back with it).
    """
    values: dict[str, Any] = {"status": status.value, "message": message, "updated_at": datetime.now(UTC)}
    if status is JobStatus.SUCCEEDED:
        values["progress"] = 1.0
        values["plan_id"] = plan_id
    if best_objective is not None:
        values["best_objective"] = best_objective
    allowed = [s.value for s in only_from]
    statement = update(JobRow).where(JobRow.id == job_id, JobRow.status.in_(allowed))
    if attempt is not None:
        statement = statement.where(JobRow.attempt == attempt)
    if _changed(session, statement.values(**values)) != 1:
        return False
    if status is JobStatus.SUCCEEDED and plan_id is not None:
        _changed(session, update(PlanRow).where(PlanRow.id == plan_id).values(job_id=job_id))
        session.flush()
    return True


def fail_unfinished(session: Session, *, message: str) -> list[int]:
    """Mark every ``queued`` or ``running`` job failed with ``message`` (a server restart); their ids."""
    ids = list(
        session.scalars(select(JobRow.id).where(JobRow.status.in_([s.value for s in UNFINISHED])).order_by(JobRow.id))
    )
    for job_id in ids:
        finish_job(session, job_id=job_id, status=JobStatus.FAILED, message=message)
    return ids


def fail_dropped_by_queue(session: Session, *, message: str) -> list[int]:
    """Fail every unfinished job whose queue task has ended (PostgreSQL, procrastinate's ``procrastinate_jobs``):
    whatever went wrong between the two (a database outage as the attempt ended, a task that crashed), the job
    must not stay ``queued`` or ``running`` for good. Safe to run at any time: a task ends only after its job's row
    was finished by the attempt, or cancelled by an API process in the transaction that cancelled the task."""
    ended = text(
        "SELECT id FROM procrastinate_jobs WHERE status IN ('succeeded', 'failed', 'aborted', 'cancelled')"
    ).columns(id=BigInteger)
    ids = list(
        session.scalars(
            select(JobRow.id)
            .where(
                JobRow.status.in_([s.value for s in UNFINISHED]), JobRow.queue_job_id.in_(select(ended.subquery().c.id))
            )
            .order_by(JobRow.id)
        )
    )
    for job_id in ids:
        finish_job(session, job_id=job_id, status=JobStatus.FAILED, message=message)
    return ids


def live_queue_workers(session: Session, *, within_s: float) -> int:
    """Queue workers (procrastinate's ``procrastinate_workers``) whose last heartbeat is at most ``within_s`` old."""
    query = text(
        "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > NOW() - make_interval(secs => :within)"
    )
    return int(session.execute(query, {"within": within_s}).scalar_one())


def list_jobs(session: Session, *, status: JobStatus | None = None, limit: int = 100) -> list[StoredJob]:
    """The newest ``limit`` jobs, of one status when given, newest first."""
    query = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
    if status is not None:
        query = query.where(JobRow.status == status.value)
    return [_job(row) for row in session.scalars(query)]
