"""Background solves on the embedded default (SQLite, one server process): a job per request, run in its own
worker process, never in the web process. On PostgreSQL the queue in the database does this instead
(``api.jobs.queue``), so that several API processes and workers can share the database.

``JobRunner`` lives in the web process (started and stopped by the app's lifespan). ``submit`` stores a ``queued``
job; a dispatcher thread starts at most ``max_running`` worker processes at once (one by default: the solver
already uses both cores of a small server) and watches them. A worker (``api.jobs.worker.run_job``) opens its own
database connection, plans with ``api.services.solving.plan_and_store`` and writes its progress and best objective
to the job's row; the plan and the job's success are stored in one transaction.

What can go wrong, and what the job then says:

- the solve fails, or the plan breaks a rule: ``failed`` with the reason; nothing is stored;
- the worker raises or dies (a crash, a kill): ``failed`` with the error or the exit code;
- it runs past ``time_limit_s + grace_s``: its processes are killed, ``failed`` ("timed out");
- ``cancel``: a queued job never starts; a running one's processes are killed; ``cancelled``;
- the server stops: running jobs are killed and ``failed``; a server that died leaves them ``queued``/``running``,
  so start-up marks those ``failed`` ("interrupted by a server restart"), and its orphaned workers stop themselves.
  One API process per database, then: which is why the runner serves SQLite only by default.

The worker's side is ``api.jobs.worker``.

Tests replace ``JobRunner.work`` (a module-level function of one ``WorkOrder`` argument, importable by the worker
process, which is started with ``spawn``) with one that crashes or sleeps.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.jobs.processes import exit_text, kill_group
from api.jobs.worker import Work, WorkOrder, run_job, worker_main
from data.jobs import JobStatus, SolveQuota, StoredJob, create_job, fail_unfinished, finish_job, get_job, start_job

log = logging.getLogger(__name__)

RESTART_MESSAGE = "interrupted by a server restart"
SHUTDOWN_MESSAGE = "interrupted by a server shutdown"


@dataclass(frozen=True, slots=True)
class _Running:
    process: BaseProcess
    started: float
    deadline: float


class JobRunner:
    """Queues jobs and runs each in a worker process, at most ``max_running`` at once."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        database_url: str,
        data_dir: Path | None,
        max_running: int = 1,
        grace_s: float = 120.0,
        work: Work = run_job,
        poll_s: float = 0.1,
    ) -> None:
        if max_running < 1:
            raise ValueError(f"max_running must be at least 1, got {max_running}")
        self.sessions = sessions
        self.database_url = database_url
        self.data_dir = data_dir
        self.max_running = max_running
        self.grace_s = grace_s
        """A job may run ``time_limit_s + grace_s`` seconds (start-up, problem building, storing) before it is
        killed as timed out."""
        self.work = work
        self.poll_s = poll_s
        self._context = mp.get_context("spawn")  # a fresh interpreter: no inherited threads, sockets or engine
        self._queue: deque[int] = deque()
        self._running: dict[int, _Running] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def start(self) -> None:
        """Fail the jobs a previous server left unfinished, then start dispatching."""
        with self.sessions.begin() as session:
            interrupted = fail_unfinished(session, message=RESTART_MESSAGE)
        if interrupted:
            log.warning("jobs %s were interrupted by a server restart", interrupted)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._dispatch, name="sefer-job-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop dispatching; kill running workers; fail what was running or queued."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            running = list(self._running.items())
            queued = list(self._queue)
            self._running.clear()
            self._queue.clear()
        for _, job in running:
            kill_group(job.process)
        with self.sessions.begin() as session:
            for job_id in [*(j for j, _ in running), *queued]:
                finish_job(session, job_id=job_id, status=JobStatus.FAILED, message=SHUTDOWN_MESSAGE)

    # --- what the routes call ---

    def submit(
        self, *, kind: str, params: dict[str, Any], principal_id: int | None = None, quota: SolveQuota | None = None
    ) -> StoredJob:
        """Store a queued job (within the principal's ``quota``) and wake the dispatcher; returns at once."""
        with self.sessions.begin() as session:
            job = create_job(session, kind=kind, params=params, principal_id=principal_id, quota=quota)
        with self._lock:
            self._queue.append(job.id)
        self._wake.set()
        return job

    def get(self, job_id: int) -> StoredJob | None:
        with self.sessions() as session:
            return get_job(session, job_id=job_id)

    def cancel(self, job_id: int) -> StoredJob | None:
        """Cancel a queued or running job (killing its worker); a finished job is returned unchanged."""
        with self.sessions.begin() as session:
            cancelled = finish_job(session, job_id=job_id, status=JobStatus.CANCELLED, message="cancelled")
        if cancelled:
            with self._lock:
                if job_id in self._queue:
                    self._queue.remove(job_id)
                running = self._running.pop(job_id, None)
            if running is not None:
                kill_group(running.process)
        return self.get(job_id)

    def running_pids(self) -> dict[int, int | None]:
        """Job id → worker pid of the running jobs (for tests and diagnostics)."""
        with self._lock:
            return {job_id: r.process.pid for job_id, r in self._running.items()}

    # --- the dispatcher thread ---

    def _dispatch(self) -> None:
        while not self._stopping.is_set():
            try:
                self._reap()
                self._launch()
            except Exception:  # keep dispatching: one bad job or a database hiccup must not stop the runner
                log.exception("job runner")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _reap(self) -> None:
        now = time.monotonic()
        ended: list[tuple[int, str]] = []
        overdue: list[BaseProcess] = []
        with self._lock:
            for job_id, job in list(self._running.items()):
                if not job.process.is_alive():
                    job.process.join()
                    ended.append((job_id, f"the worker process {exit_text(job.process.exitcode)} before finishing"))
                    job.process.close()
                elif now > job.deadline:
                    overdue.append(job.process)
                    ended.append((job_id, f"timed out: still running after {now - job.started:.0f} s"))
                else:
                    continue
                del self._running[job_id]
        for process in overdue:
            kill_group(process)
        for job_id, message in ended:
            with self.sessions.begin() as session:
                # A worker that finished on its own has already recorded its result; this changes nothing then.
                finish_job(
                    session, job_id=job_id, status=JobStatus.FAILED, message=message, only_from=(JobStatus.RUNNING,)
                )

    def _launch(self) -> None:
        with self._lock:
            while self._queue and len(self._running) < self.max_running and not self._stopping.is_set():
                job_id = self._queue.popleft()
                with self.sessions.begin() as session:
                    if not start_job(session, job_id=job_id):
                        continue  # cancelled while queued: it never starts
                    job = get_job(session, job_id=job_id)
                assert job is not None
                order = WorkOrder(job.id, job.kind, job.params, self.database_url, self.data_dir, job.attempt)
                process = self._context.Process(
                    target=worker_main, args=(self.work, order), name=f"sefer-job-{job.id}", daemon=False
                )
                process.start()
                limit = float(job.params.get("time_limit_s", 0.0))
                now = time.monotonic()
                self._running[job_id] = _Running(process, now, now + limit + self.grace_s)
