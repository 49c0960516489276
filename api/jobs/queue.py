"""Background solves on procrastinate, a job queue that lives in the project's PostgreSQL database.

Why procrastinate (docs/operations.md): the queue's rows sit beside the job rows, so a job and its task are stored
in one transaction (no job without a task, no task without a job), and it brings what a home-made runner lacked:
workers on any machine that reaches the database, worker heartbeats, retries, abort.

- **API processes** use ``QueuedJobs`` (the use cases' ``JobQueue``): ``submit`` stores the job row and defers the
  task ``sefer.solve`` in one transaction; ``cancel`` marks the row ``cancelled`` and asks the queue to abort the
  task, in one transaction. Any API process may receive either.
- **Worker processes** (``sefer worker``, ``run_worker``) run the tasks. A task claims its job (raising the job's
  attempt, the fencing token) and runs the attempt in a child process leading its own process group
  (``api.jobs.worker.worker_main``), then watches it: the job's row stopping being ``running`` at this attempt (a
  cancel from any process) or the queue's abort kills the group; so does the deadline (``time_limit_s`` +
  ``GRACE_S``), which fails the job.
- **A lost worker** (killed, its machine gone) stops its heartbeat; every worker looks for such stalled tasks every
  ``STALL_CHECK_S`` and puts them back in the queue, and the next claim fences the lost attempt out. The lost
  worker's solve process sees its parent gone and kills its own group. After ``MAX_ATTEMPTS`` claims the job fails.
- **SIGTERM** to a worker drains it: it takes no new task and finishes the running ones (SIGKILL stops it at
  once; what was running is then a lost worker's, above).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import procrastinate
from procrastinate import JobContext
from procrastinate.exceptions import JobAborted
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from api.jobs.processes import KILL_WAIT_S, exit_text, kill_group
from api.jobs.worker import DATABASE_LOST_EXIT, Work, WorkOrder, run_job, worker_main
from api.logs import current_request_id, request_id_bound
from api.metrics import observe_solve
from data.jobs import (
    JobStatus,
    SolveQuota,
    StoredJob,
    claim_job,
    create_job,
    fail_dropped_by_queue,
    finish_job,
    get_job,
    set_queue_job,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

QUEUE = "solves"
TASK = "sefer.solve"
MAX_ATTEMPTS = 3
"""Claims of one job (a first run, then after lost workers or lost database connections) before it fails."""
GRACE_S = 120.0
"""An attempt may run ``time_limit_s + GRACE_S`` (start-up, problem building, storing) before it is killed."""
WATCH_S = 0.5
"""How often a task looks at its solve process and at the job's row."""
HEARTBEAT_S = 5.0
STALLED_AFTER_S = 20.0
"""A worker without a heartbeat for this long is lost: its tasks go back to the queue."""
STALL_CHECK_S = 10.0
RETRY_WRITE_S = 2.0
LOST_MESSAGE = "the solve was interrupted {n} times (a lost worker or database connection); giving up"
DROPPED_MESSAGE = "the job queue ended its task before the job finished (a database outage, say); try again"
DB_PATIENCE_S = 300.0
"""How long a task keeps trying to record an outcome while the database does not answer."""


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy ``postgresql+psycopg://`` URL."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True, slots=True)
class WorkerState:
    """What every task of a worker process shares (procrastinate hands it over as additional context)."""

    sessions: sessionmaker[Session]
    database_url: str
    data_dir: Path | None
    work: Work = run_job
    grace_s: float = GRACE_S


blueprint = procrastinate.Blueprint()


@blueprint.task(name=TASK, queue=QUEUE, pass_context=True)
def solve(context: JobContext, job_id: int, request_id: str | None = None) -> str:
    """The queue's task: job ``job_id``, logged under the id of the request that queued it."""
    state: WorkerState = context.additional_context["sefer"]

    def aborted() -> bool:
        return context.should_abort()

    with request_id_bound(request_id):
        outcome = run_attempt(state, job_id, aborted=aborted, request_id=request_id)
    if outcome == "cancelled":
        raise JobAborted(f"job {job_id} cancelled")
    return outcome


def run_attempt(
    state: WorkerState, job_id: int, *, aborted: Callable[[], bool] = lambda: False, request_id: str | None = None
) -> str:
    """Claim the job and run it in a solve process, again (a new claim, a new attempt) when the process lost its
    database connection, up to ``MAX_ATTEMPTS`` claims in all; what happened, in a word (for the queue's log)."""

    def claim() -> StoredJob | None:
        with state.sessions.begin() as session:
            return claim_job(session, job_id=job_id)

    while True:
        job = _patiently(claim, what=f"job {job_id}: claim")
        if job is None:
            return "not runnable"  # finished or cancelled before this task started
        if job.attempt > MAX_ATTEMPTS:
            _fail(state, job, LOST_MESSAGE.format(n=job.attempt - 1))
            return "failed"
        started = time.monotonic()
        outcome = _supervise(state, job, aborted, request_id)
        observe_solve(kind=job.kind, outcome=outcome, seconds=time.monotonic() - started)
        if outcome != "database lost":
            return outcome
        log.warning("job %s: attempt %s lost its database connection; trying again", job.id, job.attempt)
        time.sleep(RETRY_WRITE_S)


def _supervise(state: WorkerState, job: StoredJob, aborted: Callable[[], bool], request_id: str | None) -> str:
    """Run one attempt in a solve process and watch it until it ends, is cancelled or overruns."""
    order = WorkOrder(job.id, job.kind, job.params, state.database_url, state.data_dir, job.attempt, request_id)
    process = mp.get_context("spawn").Process(
        target=worker_main, args=(state.work, order), name=f"sefer-job-{job.id}", daemon=False
    )
    process.start()
    started = time.monotonic()
    deadline = started + float(job.params.get("time_limit_s", 0.0)) + state.grace_s
    while True:
        process.join(WATCH_S)
        if not process.is_alive():
            break
        current = _current(state, job)
        if current is not None and current.attempt == job.attempt and current.status is JobStatus.RUNNING:
            if aborted():
                kill_group(process)
                return "cancelled"
            if time.monotonic() > deadline:
                kill_group(process)
                _fail(state, job, f"timed out: still running after {time.monotonic() - started:.0f} s")
                return "failed"
            continue
        if current is not None and current.attempt == job.attempt and current.status in _RECORDED:
            process.join(KILL_WAIT_S)  # it recorded its result and is closing
            kill_group(process)
            return current.status.value
        kill_group(process)  # cancelled from some API process, or a newer attempt took over
        return "cancelled"
    code = process.exitcode
    process.close()
    if code == DATABASE_LOST_EXIT:
        return "database lost"
    # A solve process that ended on its own has recorded its result; this changes nothing then.
    _fail(state, job, f"the solve process {exit_text(code)} before finishing")
    final = _current(state, job)
    return final.status.value if final is not None else "gone"


_RECORDED = (JobStatus.SUCCEEDED, JobStatus.FAILED)
"""What the solve process itself writes when it ends."""


def _current(state: WorkerState, job: StoredJob) -> StoredJob | None:
    """The job's row now; on a database hiccup the row as this attempt last knew it (a hiccup is not a cancel)."""
    try:
        with state.sessions() as session:
            return get_job(session, job_id=job.id)
    except Exception:
        log.warning("job %s: could not read its row", job.id, exc_info=True)
        return job


def _fail(state: WorkerState, job: StoredJob, message: str) -> None:
    """Fail this attempt (if it is still running), waiting out a database outage of up to ``DB_PATIENCE_S``."""

    def write() -> None:
        with state.sessions.begin() as session:
            finish_job(
                session,
                job_id=job.id,
                status=JobStatus.FAILED,
                message=message,
                only_from=(JobStatus.RUNNING,),
                attempt=job.attempt,
            )

    _patiently(write, what=f"job {job.id}: record '{message}'")


def _patiently(write: Callable[[], T], *, what: str) -> T:
    """``write()``, retried every few seconds while the database is unreachable, for up to ``DB_PATIENCE_S``."""
    give_up = time.monotonic() + DB_PATIENCE_S
    while True:
        try:
            return write()
        except OperationalError:
            if time.monotonic() > give_up:
                raise
            log.warning("%s: the database does not answer; trying again", what)
            time.sleep(RETRY_WRITE_S)


# --- the API process's side ---


def queue_app(database_url: str) -> procrastinate.App:
    """The queue as an API process uses it: every query runs on a connection it is handed (the job's session's),
    so the connector's own pool is never opened."""
    app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo(database_url)))
    app.add_tasks_from(blueprint, namespace="")
    return app


class QueuedJobs:
    """The ``JobQueue`` of API processes on PostgreSQL: jobs go to the queue, in the transaction that stores them."""

    def __init__(self, *, sessions: sessionmaker[Session], database_url: str) -> None:
        self.sessions = sessions
        self.app = queue_app(database_url)

    def submit(
        self, *, kind: str, params: dict[str, Any], principal_id: int | None = None, quota: SolveQuota | None = None
    ) -> StoredJob:
        """Store the job (within the principal's ``quota``) and its task. With a quota of one running solve, the
        task takes the principal's queue lock: the queue then runs that principal's solves one after another,
        whichever workers are free."""
        with self.sessions.begin() as session:
            job = create_job(session, kind=kind, params=params, principal_id=principal_id, quota=quota)
            one_at_a_time = principal_id is not None and quota is not None and quota.max_running == 1
            task = self.app.tasks[TASK].configure(
                connection=_driver_connection(session), lock=f"principal-{principal_id}" if one_at_a_time else None
            )
            # The task carries the request id, so the worker's log lines of this job can be found by it.
            queue_job_id = task.defer(job_id=job.id, request_id=current_request_id())
            set_queue_job(session, job_id=job.id, queue_job_id=queue_job_id)
        return self.get(job.id) or job

    def get(self, job_id: int) -> StoredJob | None:
        with self.sessions() as session:
            return get_job(session, job_id=job_id)

    def cancel(self, job_id: int) -> StoredJob | None:
        with self.sessions.begin() as session:
            cancelled = finish_job(session, job_id=job_id, status=JobStatus.CANCELLED, message="cancelled")
            job = get_job(session, job_id=job_id)
            if cancelled and job is not None and job.queue_job_id is not None:
                # A task not yet started is cancelled; a running one is asked to abort (its worker also sees the
                # row, which is what stops it when the abort request is missed).
                self.app.job_manager.cancel_job_by_id(
                    job.queue_job_id, abort=True, connection=_driver_connection(session)
                )
        return self.get(job_id)


def _driver_connection(session: Session) -> Any:
    """The psycopg connection under the session's transaction."""
    return session.connection().connection.driver_connection


# --- the worker process's side ---


def worker_app(database_url: str) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url)))
    app.add_tasks_from(blueprint, namespace="")
    return app


async def _look_after(app: procrastinate.App, state: WorkerState, stop: asyncio.Event) -> None:
    """Every ``STALL_CHECK_S`` until ``stop``: put the tasks of lost workers back in the queue, and fail the jobs
    whose task ended without them (``fail_dropped_by_queue``)."""
    while not stop.is_set():
        try:
            for job in await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=STALLED_AFTER_S):
                log.warning("task %s of a lost worker goes back to the queue", job.id)
                try:
                    await app.job_manager.retry_job(job)
                except Exception:  # another worker retried it first
                    log.info("task %s: already retried", job.id)
            dropped = await asyncio.to_thread(_fail_dropped, state)
            if dropped:
                log.warning("jobs %s: their queue task ended before them; failed", dropped)
        except Exception:
            log.warning("could not look after the queue", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), STALL_CHECK_S)


def _fail_dropped(state: WorkerState) -> list[int]:
    with state.sessions.begin() as session:
        return fail_dropped_by_queue(session, message=DROPPED_MESSAGE)


async def run_worker_async(state: WorkerState, *, concurrency: int, name: str) -> None:
    """Run solve tasks, ``concurrency`` at once, until SIGTERM/SIGINT; look after lost workers' tasks too."""
    app = worker_app(state.database_url)
    async with app.open_async():
        stop = asyncio.Event()
        janitor = asyncio.create_task(_look_after(app, state, stop))
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                name=name,
                additional_context={"sefer": state},
                update_heartbeat_interval=HEARTBEAT_S,
                stalled_worker_timeout=STALLED_AFTER_S,
            )
        finally:
            stop.set()
            await janitor
