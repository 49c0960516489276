"""The PostgreSQL job queue (procrastinate): what an API process stores, and what one attempt of a queue worker
does with it, in this process (``run_attempt``) against the real database. The whole topology (``sefer serve
--workers 2``, ``sefer worker``, a killed worker) is ``tests/api/test_queue_processes.py``.

Work functions are module-level: the attempt starts its solve process with ``spawn``.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.jobs.queue import LOST_MESSAGE, MAX_ATTEMPTS, QueuedJobs, WorkerState, run_attempt
from api.jobs.worker import Work, WorkOrder
from api.logs import request_id_bound
from api.services import accounts
from api.services.jobs import JobKind
from api.services.principals import Role
from api.services.store import Store, open_store
from api.settings import Settings
from data.jobs import JobStatus, SolveQuota, claim_job, fail_dropped_by_queue, finish_job, get_job, report_progress
from data.principals import add_principal
from tests.conftest import POSTGRES_URL_ENV, _drop_schema

PARAMS = {"week_start": "2026-11-23", "time_limit_s": 2.0}


def sleeping_work(order: WorkOrder) -> None:
    time.sleep(120)


def dying_work(order: WorkOrder) -> None:
    os._exit(3)


def succeeding_work(order: WorkOrder) -> None:
    """Records success the way ``run_job`` does (at its attempt), without solving."""
    store = open_store(database_url=order.database_url, data_dir=order.data_dir, prepare=False)
    try:
        with store.sessions.begin() as session:
            finish_job(
                session,
                job_id=order.job_id,
                status=JobStatus.SUCCEEDED,
                message="done",
                only_from=(JobStatus.RUNNING,),
                attempt=order.attempt,
            )
    finally:
        store.close()


def flaky_database_work(order: WorkOrder) -> None:
    """Loses its database connection on the first attempt (as when PostgreSQL terminates it), then succeeds."""
    if order.attempt == 1:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
    succeeding_work(order)


@pytest.fixture
def store() -> Iterator[Store]:
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    _drop_schema(url)
    opened = open_store(database_url=url, data_dir=None)
    try:
        yield opened
    finally:
        opened.close()
        _drop_schema(url)


def _url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _queue(store: Store) -> QueuedJobs:
    return QueuedJobs(sessions=store.sessions, database_url=_url(store))


def _state(store: Store, work: Work) -> WorkerState:
    return WorkerState(sessions=store.sessions, database_url=_url(store), data_dir=None, work=work)


def _task_status(sessions: sessionmaker[Session], queue_job_id: int | None) -> str:
    with sessions() as session:
        return str(
            session.execute(text("SELECT status FROM procrastinate_jobs WHERE id = :id"), {"id": queue_job_id}).scalar()
        )


def test_submit_stores_the_job_and_its_queue_task_together(store: Store) -> None:
    """One transaction stores both; the task carries the queuing request's id for the worker's log lines."""
    with request_id_bound("req-0123"):
        job = _queue(store).submit(kind=JobKind.PLAN, params=PARAMS)
    assert job.status is JobStatus.QUEUED
    assert job.queue_job_id is not None
    assert _task_status(store.sessions, job.queue_job_id) == "todo"
    with store.sessions() as session:
        args = session.execute(
            text("SELECT task_name, queue_name, args FROM procrastinate_jobs WHERE id = :id"), {"id": job.queue_job_id}
        ).one()
    assert tuple(args) == ("sefer.solve", "solves", {"job_id": job.id, "request_id": "req-0123"})


def test_a_failed_submit_leaves_neither_job_nor_task(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The job row and the task share one transaction: a failure in between stores neither."""
    queue = _queue(store)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected")

    monkeypatch.setattr("api.jobs.queue.set_queue_job", broken)
    with pytest.raises(RuntimeError, match="injected"):
        queue.submit(kind=JobKind.PLAN, params=PARAMS)
    with store.sessions() as session:
        assert session.execute(text("SELECT count(*) FROM jobs")).scalar() == 0
        assert session.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar() == 0


def test_a_queued_job_cancelled_never_runs(store: Store) -> None:
    queue = _queue(store)
    job = queue.submit(kind=JobKind.PLAN, params=PARAMS)
    cancelled = queue.cancel(job.id)
    assert cancelled is not None and cancelled.status is JobStatus.CANCELLED
    assert _task_status(store.sessions, job.queue_job_id) == "cancelled"
    assert run_attempt(_state(store, sleeping_work), job.id) == "not runnable"
    with store.sessions() as session:
        after = get_job(session, job_id=job.id)
    assert after is not None and after.status is JobStatus.CANCELLED and after.attempt == 0


@pytest.mark.slow
def test_an_attempt_runs_its_work_and_keeps_what_it_recorded(store: Store) -> None:
    job = _queue(store).submit(kind=JobKind.PLAN, params=PARAMS)
    assert run_attempt(_state(store, succeeding_work), job.id) == "succeeded"
    with store.sessions() as session:
        after = get_job(session, job_id=job.id)
    assert after is not None and (after.status, after.attempt, after.message) == (JobStatus.SUCCEEDED, 1, "done")


@pytest.mark.slow
def test_an_attempt_that_lost_its_database_connection_runs_again(store: Store) -> None:
    """A dropped connection is not the planner's problem: the job is claimed again (a new attempt) and runs."""
    job = _queue(store).submit(kind=JobKind.PLAN, params=PARAMS)
    assert run_attempt(_state(store, flaky_database_work), job.id) == "succeeded"
    with store.sessions() as session:
        after = get_job(session, job_id=job.id)
    assert after is not None and (after.status, after.attempt) == (JobStatus.SUCCEEDED, 2)


@pytest.mark.slow
def test_a_solve_process_that_dies_fails_its_job_with_the_exit(store: Store) -> None:
    job = _queue(store).submit(kind=JobKind.PLAN, params=PARAMS)
    assert run_attempt(_state(store, dying_work), job.id) == "failed"
    with store.sessions() as session:
        after = get_job(session, job_id=job.id)
    assert after is not None and after.status is JobStatus.FAILED
    assert after.message == "the solve process exited with code 3 before finishing"


@pytest.mark.slow
def test_a_cancel_from_another_process_stops_a_running_attempt(store: Store) -> None:
    """The cancel reaches the attempt through the job's row, whatever API process wrote it: the solve process is
    killed within a few polls and the job stays cancelled."""
    queue = _queue(store)
    job = queue.submit(kind=JobKind.PLAN, params=PARAMS)
    outcome: list[str] = []
    attempt = threading.Thread(target=lambda: outcome.append(run_attempt(_state(store, sleeping_work), job.id)))
    attempt.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with store.sessions() as session:
            current = get_job(session, job_id=job.id)
        if current is not None and current.status is JobStatus.RUNNING:
            break
        time.sleep(0.05)
    time.sleep(1.0)  # the solve process is up
    started = time.monotonic()
    queue.cancel(job.id)
    attempt.join(30)
    assert not attempt.is_alive()
    assert outcome == ["cancelled"]
    assert time.monotonic() - started < 10
    # No queue worker fetched the task here (the test ran the attempt itself), so the queue cancelled it outright.
    assert _task_status(store.sessions, job.queue_job_id) == "cancelled"
    with store.sessions() as session:
        after = get_job(session, job_id=job.id)
    assert after is not None and after.status is JobStatus.CANCELLED


def test_a_new_claim_fences_the_lost_attempt_out(store: Store) -> None:
    """A retried task claims the job again: the attempt rises, and the lost attempt can neither report progress
    nor record an outcome."""
    job = _queue(store).submit(kind=JobKind.PLAN, params=PARAMS)
    with store.sessions.begin() as session:
        first = claim_job(session, job_id=job.id)
        assert first is not None and first.attempt == 1
        assert report_progress(session, job_id=job.id, progress=0.5, best_objective=None, attempt=1)
    with store.sessions.begin() as session:
        second = claim_job(session, job_id=job.id)
        assert second is not None and second.attempt == 2
        assert not report_progress(session, job_id=job.id, progress=0.9, best_objective=None, attempt=1)
        assert report_progress(session, job_id=job.id, progress=0.1, best_objective=None, attempt=2)
        stale = finish_job(session, job_id=job.id, status=JobStatus.SUCCEEDED, message="stale", attempt=1)
        assert not stale
        current = get_job(session, job_id=job.id)
    assert current is not None and current.status is JobStatus.RUNNING
    assert current.progress == 0.5  # never moved back by the new attempt's first report


def test_a_job_claimed_too_often_fails(store: Store) -> None:
    job = _queue(store).submit(kind=JobKind.PLAN, params=PARAMS)
    for _ in range(MAX_ATTEMPTS):
        with store.sessions.begin() as session:
            claim_job(session, job_id=job.id)
    assert run_attempt(_state(store, sleeping_work), job.id) == "failed"
    with store.sessions() as session:
        after = get_job(session, job_id=job.id)
    assert after is not None and after.status is JobStatus.FAILED
    assert after.message == LOST_MESSAGE.format(n=MAX_ATTEMPTS)


def test_a_job_whose_task_ended_without_it_is_failed(store: Store) -> None:
    """The safety net: a task that ended (failed, say, in a database outage) while its job is still running."""
    queue = _queue(store)
    running, waiting = (queue.submit(kind=JobKind.PLAN, params=PARAMS) for _ in range(2))
    with store.sessions.begin() as session:
        claim_job(session, job_id=running.id)
        session.execute(
            text("UPDATE procrastinate_jobs SET status = 'failed' WHERE id = :id"), {"id": running.queue_job_id}
        )
    with store.sessions.begin() as session:
        assert fail_dropped_by_queue(session, message="dropped") == [running.id]
    with store.sessions() as session:
        dropped, untouched = get_job(session, job_id=running.id), get_job(session, job_id=waiting.id)
    assert dropped is not None and (dropped.status, dropped.message) == (JobStatus.FAILED, "dropped")
    assert untouched is not None and untouched.status is JobStatus.QUEUED


def test_queue_tables_are_not_the_models(store: Store) -> None:
    """The queue's tables exist beside the project's (migration 0009) and the schema check still passes."""
    with store.sessions() as session:
        names = set(
            session.scalars(text("SELECT tablename FROM pg_tables WHERE tablename LIKE 'procrastinate%'")).all()
        )
    assert {"procrastinate_jobs", "procrastinate_workers", "procrastinate_events"} <= names


def test_the_desk_says_when_no_solver_worker_would_run_a_queued_job(store: Store) -> None:
    """On the PostgreSQL queue a job waits for a `sefer worker`: its page says so while none is alive, and stops
    saying so once one sends heartbeats."""
    app = create_app(Settings(database_url=_url(store), map_tiles=None, job_queue="procrastinate"))
    with TestClient(app) as browser:
        with app.state.session_factory() as session:
            accounts.create_user(
                session, network=app.state.network, role=Role.PLANNER, name="p", places=(), password="long password 1"
            )
        page = browser.get("/login?lang=en").text
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token is not None
        form = {"name": "p", "password": "long password 1", "csrf": token.group(1)}
        assert browser.post("/login?lang=en", data=form, follow_redirects=False).status_code == 303
        job = app.state.job_runner.submit(kind=JobKind.PLAN, params=PARAMS)
        warning = "No solver worker (sefer worker) is running"
        assert warning in browser.get(f"/desk/jobs/{job.id}?lang=en").text
        with store.sessions.begin() as session:
            session.execute(text("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (NOW())"))
        assert warning not in browser.get(f"/desk/jobs/{job.id}?lang=en").text


def test_one_principal_s_solves_take_its_queue_lock(store: Store) -> None:
    """With a quota of one running solve, a principal's tasks share a queue lock (the queue runs them one at a
    time); another principal's and the CLI's tasks do not."""
    with store.sessions.begin() as session:
        first = add_principal(session, name="a", role="planner", places=(), token_sha256="a" * 64)
        second = add_principal(session, name="b", role="planner", places=(), token_sha256="b" * 64)
    quota = SolveQuota(max_running=1, max_queued=3)
    queue = _queue(store)
    jobs = [
        queue.submit(kind=JobKind.PLAN, params=PARAMS, principal_id=first, quota=quota),
        queue.submit(kind=JobKind.PLAN, params=PARAMS, principal_id=first, quota=quota),
        queue.submit(kind=JobKind.PLAN, params=PARAMS, principal_id=second, quota=quota),
        queue.submit(kind=JobKind.PLAN, params=PARAMS),
    ]
    with store.sessions() as session:
        locks = [
            session.execute(text("SELECT lock FROM procrastinate_jobs WHERE id = :id"), {"id": j.queue_job_id}).scalar()
            for j in jobs
        ]
    assert locks == [f"principal-{first}", f"principal-{first}", f"principal-{second}", None]


def test_metrics_count_the_live_solver_workers(store: Store) -> None:
    """On the PostgreSQL queue the scrape reports the workers with a recent heartbeat."""
    app = create_app(Settings(database_url=_url(store), map_tiles=None, job_queue="procrastinate", metrics_public=True))
    with TestClient(app) as client:
        assert "sefer_solver_workers_alive 0.0" in client.get("/metrics").text
        with store.sessions.begin() as session:
            session.execute(text("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (NOW())"))
            session.execute(
                text("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (NOW() - interval '1 hour')")
            )
        assert "sefer_solver_workers_alive 1.0" in client.get("/metrics").text
