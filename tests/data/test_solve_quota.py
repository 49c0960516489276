"""The per-principal solve quota in the database: counted per principal over queued and running jobs, in the
transaction that inserts the job, with the principal's row locked so that concurrent submissions (threads on
PostgreSQL, standing in for API processes) let exactly the allowed number in."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.db import make_session_factory
from data.jobs import JobStatus, SolveQuota, SolveQuotaReached, create_job, finish_job, start_job
from data.models import JobRow
from data.principals import add_principal

QUOTA = SolveQuota(max_running=1, max_queued=3)
PARAMS = {"week_start": "2026-11-23", "time_limit_s": 5}


def _principal(session: Session, name: str) -> int:
    principal_id = add_principal(session, name=name, role="planner", places=(), token_sha256=name * 8)
    session.commit()
    return principal_id


def test_a_principal_gets_running_plus_queued_jobs_and_no_more(session: Session) -> None:
    """1 running + 3 queued fill the quota; the fifth is refused with the counts, and nothing is stored."""
    mine = _principal(session, "aaaaaaaa")
    first = create_job(session, kind="plan", params=PARAMS, principal_id=mine, quota=QUOTA)
    assert first.principal_id == mine
    assert start_job(session, job_id=first.id)
    for _ in range(3):
        create_job(session, kind="plan", params=PARAMS, principal_id=mine, quota=QUOTA)
    session.commit()
    with pytest.raises(SolveQuotaReached) as refused:
        create_job(session, kind="plan", params=PARAMS, principal_id=mine, quota=QUOTA)
    assert (refused.value.running, refused.value.queued) == (1, 3)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(JobRow)) == 4


def test_finished_jobs_free_room_and_others_are_not_counted(session: Session) -> None:
    """A finished job no longer counts; another principal's jobs and the CLI's (no principal) never do."""
    mine, theirs = _principal(session, "bbbbbbbb"), _principal(session, "cccccccc")
    jobs = [create_job(session, kind="plan", params=PARAMS, principal_id=mine, quota=QUOTA) for _ in range(4)]
    for _ in range(5):
        create_job(session, kind="plan", params=PARAMS)  # the CLI's: no principal, no quota
    create_job(session, kind="plan", params=PARAMS, principal_id=theirs, quota=QUOTA)
    session.commit()
    with pytest.raises(SolveQuotaReached):
        create_job(session, kind="plan", params=PARAMS, principal_id=mine, quota=QUOTA)
    session.rollback()
    assert finish_job(session, job_id=jobs[0].id, status=JobStatus.CANCELLED, message="cancelled")
    create_job(session, kind="plan", params=PARAMS, principal_id=mine, quota=QUOTA)
    session.commit()


def test_concurrent_submissions_let_exactly_the_quota_in(engine: Engine) -> None:
    """Twelve threads, each its own connection and transaction, submit at once for one principal: exactly
    ``max_running + max_queued`` jobs are stored and the rest are refused. Without the row lock the counts
    race (each transaction sees the others' jobs only after they commit) and more get in."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time; the race is a server database's")
    sessions = make_session_factory(engine)
    with sessions() as session:
        mine = _principal(session, "dddddddd")
    threads = 12
    start = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit() -> None:
        start.wait()
        try:
            with sessions.begin() as session:
                create_job(session, kind="plan", params=PARAMS, principal_id=mine, quota=QUOTA)
            outcome = "stored"
        except SolveQuotaReached:
            outcome = "refused"
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=submit) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(outcomes) == ["refused"] * 8 + ["stored"] * 4
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(JobRow).where(JobRow.principal_id == mine))
    assert stored == 4
