"""The fencing token on jobs: only the attempt that is still current may store its plan, and a job has at most
one stored plan, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.jobs import JobStatus, create_job, finish_job, get_job, start_job
from data.models import JobRow, PlanRow

WEEK = "2026-11-23"


def _plan(session: Session) -> int:
    row = PlanRow(
        week_start=date(2026, 11, 23),
        created_at=datetime.now(UTC),
        service_dates=[],
        vehicle_ids=[],
        route_vehicle_ids=[],
        kpis={},
        unserved=[],
        due_missed=[],
        overnights=[],
    )
    session.add(row)
    session.flush()
    return row.id


def _requeue(session: Session, job_id: int) -> None:
    """What a retry does: the job is queued again (its worker died)."""
    row = session.get(JobRow, job_id)
    assert row is not None
    row.status = JobStatus.QUEUED.value
    session.flush()


def test_every_start_raises_the_attempt(session: Session) -> None:
    job = create_job(session, kind="plan", params={"week_start": WEEK, "time_limit_s": 5})
    assert job.attempt == 0
    assert start_job(session, job_id=job.id)
    assert (stored := get_job(session, job_id=job.id)) is not None and stored.attempt == 1
    _requeue(session, job.id)
    assert start_job(session, job_id=job.id)
    assert (stored := get_job(session, job_id=job.id)) is not None and stored.attempt == 2


def test_a_stale_attempt_cannot_store_its_plan(session: Session) -> None:
    """Attempt 1 is overtaken by a retry (attempt 2); its success changes nothing; attempt 2's is recorded."""
    job = create_job(session, kind="plan", params={"week_start": WEEK, "time_limit_s": 5})
    assert start_job(session, job_id=job.id)
    _requeue(session, job.id)
    assert start_job(session, job_id=job.id)
    session.commit()

    stale = _plan(session)
    assert not finish_job(session, job_id=job.id, status=JobStatus.SUCCEEDED, message="stale", plan_id=stale, attempt=1)
    session.rollback()  # what the worker does: its plan goes with its transaction
    current = _plan(session)
    assert finish_job(session, job_id=job.id, status=JobStatus.SUCCEEDED, message="ok", plan_id=current, attempt=2)
    session.commit()

    stored = get_job(session, job_id=job.id)
    assert stored is not None and (stored.status, stored.plan_id, stored.attempt) == (JobStatus.SUCCEEDED, current, 2)
    assert session.scalar(select(func.count()).select_from(PlanRow).where(PlanRow.job_id == job.id)) == 1
    assert session.scalar(select(func.count()).select_from(PlanRow)) == 1  # the stale plan was rolled back


def test_a_job_stores_at_most_one_plan(session: Session) -> None:
    """Even past the status check, the unique ``plans.job_id`` refuses a second plan for the same job."""
    job = create_job(session, kind="plan", params={"week_start": WEEK, "time_limit_s": 5})
    assert start_job(session, job_id=job.id)
    first = _plan(session)
    assert finish_job(session, job_id=job.id, status=JobStatus.SUCCEEDED, message="ok", plan_id=first, attempt=1)
    session.commit()
    second = _plan(session)
    with pytest.raises(IntegrityError):
        session.execute(
            PlanRow.__table__.update().where(PlanRow.id == second).values(job_id=job.id)  # type: ignore[attr-defined]
        )
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(PlanRow).where(PlanRow.job_id == job.id)) == 1
