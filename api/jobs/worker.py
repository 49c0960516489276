"""A worker process's side of a background solve: plan the week (or re-optimise a plan) with
``api.services.solving.plan_and_store``, write progress and the best objective to the job's row, and store the
plan and the job's success in one transaction. Expected failures become a ``failed`` job with one line.

Each worker leads its own process group (so killing the group also stops the solver's search processes) and stops
itself when the web process that started it is gone.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from api.errors import SeferError
from api.logs import configure_logging, request_id_bound
from api.services.jobs import JobKind
from api.services.solving import plan_and_store
from api.services.store import DatabaseDown, open_store
from api.settings import get_settings
from data.db import DatabaseUnavailable, make_engine, make_session_factory
from data.jobs import JobStatus, finish_job, report_progress
from scheduler.calendar import WeekError
from scheduler.problem import NoSolution

log = logging.getLogger(__name__)

REPORT_EVERY_S = 0.5
"""How often a worker writes its progress to the job's row."""
STARTUP_ALLOWANCE_S = 3.0
"""A worker's own start (imports, data, demand, problem) before the solver's clock starts; only for the progress
estimate."""
DATABASE_LOST_EXIT = 75
"""A solve process's exit code when it lost its database connection (EX_TEMPFAIL): the attempt is worth running
again, and nothing was recorded (the database could not take it)."""
ORPHAN_CHECK_S = 1.0
"""How often a worker checks that the web process that started it is still there."""


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """Everything a worker process needs, picklable: it opens its own database connection."""

    job_id: int
    kind: str
    params: dict[str, Any]
    database_url: str
    data_dir: Path | None
    attempt: int
    """The job's attempt when it was started: the fencing token its result must still carry."""
    request_id: str | None = None
    """The id of the request that queued the job: the solve process's log lines carry it."""


Work = Callable[[WorkOrder], None]


class JobCancelled(Exception):
    """The job stopped being ``running`` before its plan was stored: roll the plan back."""


class _Reporter:
    """A worker's progress: a clock-based estimate (the solver reports only between its phases), raised by what
    the solver reports, never lowered, written to the job's row every ``REPORT_EVERY_S``."""

    def __init__(self, sessions: sessionmaker[Session], job_id: int, attempt: int, expected_s: float) -> None:
        self._sessions = sessions
        self._job_id = job_id
        self._attempt = attempt
        self._expected_s = expected_s
        self._started = time.monotonic()
        self._progress = 0.0
        self._objective: float | None = None
        self._lock = threading.Lock()
        self._failing = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-progress", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def solver(self, fraction: float, objective: float | None) -> None:
        """The ``ProgressCallback`` handed to the solver."""
        with self._lock:
            self._progress = max(self._progress, 0.95 * min(1.0, fraction))
            if objective is not None:
                self._objective = objective if self._objective is None else min(self._objective, objective)

    @property
    def best_objective(self) -> float | None:
        with self._lock:
            return self._objective

    def _run(self) -> None:
        while not self._done.wait(REPORT_EVERY_S):
            with self._lock:
                clock = 0.95 * min(1.0, (time.monotonic() - self._started) / self._expected_s)
                self._progress = max(self._progress, clock)
                progress, objective = self._progress, self._objective
            try:
                with self._sessions.begin() as session:
                    report_progress(
                        session, job_id=self._job_id, progress=progress, best_objective=objective, attempt=self._attempt
                    )
            except Exception as exc:  # a missed report is not worth failing the solve for
                # One line per outage, not one traceback every half second.
                if not self._failing:
                    log.warning("job %s: could not record progress (%s)", self._job_id, type(exc).__name__)
                self._failing = True
            else:
                self._failing = False

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()


def run_job(order: WorkOrder) -> None:
    """The work of a worker process: plan the week (or re-optimise the plan) and store it, recording the result
    on the job's row. Expected failures become a ``failed`` job with a one-line message."""
    store = open_store(database_url=order.database_url, data_dir=order.data_dir, prepare=False)
    sessions = store.sessions
    time_limit_s = float(order.params["time_limit_s"])
    reporter = _Reporter(sessions, order.job_id, order.attempt, time_limit_s + STARTUP_ALLOWANCE_S)
    reporter.start()

    def succeed(session: Session, plan_id: int) -> None:
        if not finish_job(
            session,
            job_id=order.job_id,
            status=JobStatus.SUCCEEDED,
            message=f"plan {plan_id} stored",
            plan_id=plan_id,
            best_objective=reporter.best_objective,
            only_from=(JobStatus.RUNNING,),
            attempt=order.attempt,
        ):
            raise JobCancelled(order.job_id)

    message: str | None = None
    try:
        reoptimize = order.params.get("plan_id") if order.kind == JobKind.REOPTIMIZE else None
        stored = plan_and_store(
            sessions=sessions,
            network=store.network,
            fleet=store.fleet,
            week_start=date.fromisoformat(order.params["week_start"]) if reoptimize is None else None,
            reoptimize=reoptimize,
            time_limit_s=time_limit_s,
            progress=reporter.solver,
            on_stored=succeed,
        )
        if stored.plan_id is None:
            violations = stored.result.violations
            first = violations[0]
            message = (
                f"the plan breaks {len(violations)} rule(s) and was not stored; first: {first.code}: {first.message}"
            )
    except JobCancelled:
        pass
    except (NoSolution, WeekError) as exc:
        message = f"{exc}; the stored plans are unchanged"
    except SeferError as exc:
        message = f"{exc.message}; the stored plans are unchanged"
    finally:
        reporter.stop()
    try:
        if message is not None:
            with sessions.begin() as session:
                finish_job(
                    session,
                    job_id=order.job_id,
                    status=JobStatus.FAILED,
                    message=message,
                    best_objective=reporter.best_objective,
                    only_from=(JobStatus.RUNNING,),
                    attempt=order.attempt,
                )
    finally:
        store.close()


def worker_main(work: Work, order: WorkOrder) -> None:
    """Entry point of a worker process: lead a process group (so a kill reaches the solver's processes too), run
    ``work``; an unexpected error fails the job with its message."""
    if hasattr(os, "setpgrp"):
        os.setpgrp()
    configure_logging(get_settings().log_format)
    threading.Thread(target=_orphan_watch, args=(os.getppid(),), name="orphan-watch", daemon=True).start()
    try:
        with request_id_bound(order.request_id):
            work(order)
    except (DBAPIError, DatabaseDown) as exc:
        log.warning("job %s: the database connection failed (%s)", order.job_id, type(exc).__name__)
        raise SystemExit(DATABASE_LOST_EXIT) from None
    except Exception as exc:
        log.exception("job %s failed", order.job_id)
        first_line = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        _record_crash(order, f"the worker failed: {type(exc).__name__}: {first_line}")
        raise SystemExit(1) from None


def _orphan_watch(parent_pid: int) -> None:
    """If the web process dies (a crash, SIGKILL), nobody would stop this worker and its solver: stop them all.
    The next start-up fails the job, and a worker finishing later could not store its plan anyway."""
    while os.getppid() == parent_pid:
        time.sleep(ORPHAN_CHECK_S)
    log.warning("the server is gone: stopping the worker")
    if hasattr(os, "killpg"):
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(1)


def _record_crash(order: WorkOrder, message: str) -> None:
    try:
        engine = make_engine(order.database_url)
    except DatabaseUnavailable:
        return  # the runner sees the process end and fails the job itself
    try:
        with make_session_factory(engine).begin() as session:
            finish_job(
                session,
                job_id=order.job_id,
                status=JobStatus.FAILED,
                message=message,
                only_from=(JobStatus.RUNNING,),
                attempt=order.attempt,
            )
    finally:
        engine.dispose()
