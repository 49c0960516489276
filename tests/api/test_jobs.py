"""Background solve jobs through the real app (lifespan, worker processes) on each available database.

Worker functions that crash or hang are module-level functions here: the runner starts its workers with
``spawn``, so the function it is given (``JobRunner.work``) must be importable in the worker process.
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.http.deps import get_today
from api.jobs.runner import RESTART_MESSAGE, SHUTDOWN_MESSAGE, JobRunner
from api.jobs.worker import WorkOrder
from api.services.principals import Role
from data.jobs import create_job, start_job
from data.plans import latest_plan_id
from tests.api.apps import app_on
from tests.api.tokens import make_token

WEEK = "2026-11-23"


@pytest.fixture(autouse=True)
def _the_week_is_still_to_come(app: FastAPI) -> None:
    """Today is the Friday before WEEK: POST /plans refuses a week that is over."""
    app.dependency_overrides[get_today] = lambda: date(2026, 11, 20)


"""A Monday with no public holiday in its week."""
DEADLINE_S = 120.0
"""Generous: the machine is shared, and a real job spawns an interpreter and builds the week before solving."""


# --- worker functions the tests hand to the runner (run in the worker process) ---


def raising_worker(order: WorkOrder) -> None:
    raise RuntimeError(f"injected failure in job {order.job_id}")


def dying_worker(order: WorkOrder) -> None:
    os._exit(3)  # a hard death: no exception, no chance to record anything


def sleeping_worker(order: WorkOrder) -> None:
    time.sleep(120)


# --- fixtures and helpers ---


def _runner(app: FastAPI) -> JobRunner:
    runner: JobRunner = app.state.job_runner
    return runner


def _poll(client: TestClient, job_id: int, until: set[str], deadline_s: float = DEADLINE_S) -> list[dict[str, Any]]:
    """GET the job every 0.1 s until its status is in ``until``; every answer seen, in order."""
    seen: list[dict[str, Any]] = []
    stop = time.monotonic() + deadline_s
    while time.monotonic() < stop:
        response = client.get(f"/jobs/{job_id}")
        assert response.status_code == 200
        seen.append(response.json())
        if seen[-1]["status"] in until:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {seen[-1]['status']} after {deadline_s} s: {seen[-1]}")


def _idle(runner: JobRunner, deadline_s: float = 30.0) -> bool:
    """Whether the runner has no worker left within ``deadline_s`` (a finished worker takes a moment to exit)."""
    stop = time.monotonic() + deadline_s
    while runner.running_pids():
        if time.monotonic() > stop:
            return False
        time.sleep(0.05)
    return True


def _group_size(pgid: int) -> int:
    """How many live processes are in process group ``pgid`` (Linux /proc)."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            count += 1
    return count


def _plan_count(app: FastAPI) -> int | None:
    factory: sessionmaker[Session] = app.state.session_factory
    with factory() as session:
        return latest_plan_id(session)


# --- tests ---


@pytest.mark.slow
def test_plan_job_runs_to_a_stored_plan_with_rising_progress(app: FastAPI, client: TestClient) -> None:
    """POST /plans answers 202 with a queued job at once; polling shows it running with progress that never goes
    down, then succeeded with progress 1, a best objective and the stored plan's id, which GET /plans serves."""
    started = time.monotonic()
    response = client.post("/plans", json={"week_start": WEEK, "time_limit_s": 1})
    assert time.monotonic() - started < 5, "the request must not wait for the solve"
    assert response.status_code == 202
    job = response.json()
    assert response.headers["location"] == f"/jobs/{job['id']}"
    assert (job["status"], job["progress"], job["kind"], job["plan_id"]) == ("queued", 0.0, "plan", None)
    assert job["params"] == {"week_start": WEEK, "time_limit_s": 1.0}

    seen = _poll(client, job["id"], {"succeeded", "failed", "cancelled"})
    final = seen[-1]
    assert final["status"] == "succeeded", final
    assert "running" in [s["status"] for s in seen]
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress), progress
    assert any(0 < p < 1 for p in progress), progress
    assert final["progress"] == 1.0
    assert final["best_objective"] is not None
    plan = client.get(f"/plans/{final['plan_id']}")
    assert plan.status_code == 200
    assert plan.json()["week_start"] == WEEK
    assert (plan.json()["version"], plan.json()["published"]) == (1, False)
    assert _idle(_runner(app))


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="counts processes through /proc")
def test_cancelling_a_running_job_stops_its_processes_and_stores_no_plan(app: FastAPI, client: TestClient) -> None:
    """DELETE /jobs/{id} on a running solve answers cancelled; the worker and the solver processes it started
    (its process group) are gone, the job stays cancelled and no plan is stored."""
    job = client.post("/plans", json={"week_start": WEEK, "time_limit_s": 60}).json()
    _poll(client, job["id"], {"running"})
    pid = _runner(app).running_pids()[job["id"]]
    assert pid is not None
    stop = time.monotonic() + DEADLINE_S
    while _group_size(pid) < 2:  # the solver's search processes have started: the worker is deep in the solve
        assert time.monotonic() < stop, "the solver never started its search processes"
        time.sleep(0.1)

    response = client.delete(f"/jobs/{job['id']}")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    stop = time.monotonic() + 10
    while _group_size(pid) > 0:  # killed processes take a moment to be reaped on a loaded machine
        assert time.monotonic() < stop, "the solve's processes outlived the cancel"
        time.sleep(0.1)
    time.sleep(1)
    assert client.get(f"/jobs/{job['id']}").json()["status"] == "cancelled"
    assert _plan_count(app) is None
    assert client.delete(f"/jobs/{job['id']}").json()["status"] == "cancelled", "cancelling again is harmless"


def test_a_queued_job_cancelled_never_starts(app: FastAPI, client: TestClient) -> None:
    """One job runs at a time: the second waits queued; cancelled there, it never runs."""
    _runner(app).work = sleeping_worker
    first = client.post("/plans", json={"week_start": WEEK, "time_limit_s": 60}).json()
    second = client.post("/plans", json={"week_start": WEEK, "time_limit_s": 60}).json()
    _poll(client, first["id"], {"running"})
    assert client.get(f"/jobs/{second['id']}").json()["status"] == "queued"

    assert client.delete(f"/jobs/{second['id']}").json()["status"] == "cancelled"
    assert client.delete(f"/jobs/{first['id']}").json()["status"] == "cancelled"
    time.sleep(0.5)  # the dispatcher had time to start the next job, if it were going to
    assert client.get(f"/jobs/{second['id']}").json()["status"] == "cancelled"
    assert _idle(_runner(app))


@pytest.mark.parametrize(
    ("worker", "message"),
    [
        (raising_worker, "the worker failed: RuntimeError: injected failure in job"),
        (dying_worker, "the worker process exited with code 3 before finishing"),
    ],
)
def test_a_crashing_worker_fails_the_job_with_a_message(
    app: FastAPI, client: TestClient, worker: Any, message: str
) -> None:
    """A worker that raises, or dies without a word, leaves the job failed with a message and no plan."""
    _runner(app).work = worker
    job = client.post("/plans", json={"week_start": WEEK, "time_limit_s": 5}).json()
    final = _poll(client, job["id"], {"succeeded", "failed", "cancelled"})[-1]
    assert final["status"] == "failed"
    assert message in final["message"]
    assert final["plan_id"] is None
    assert _plan_count(app) is None


def test_a_job_past_its_deadline_is_killed_and_failed(app: FastAPI, client: TestClient) -> None:
    """A worker still running after time_limit_s + grace_s is killed: failed, "timed out"."""
    runner = _runner(app)
    runner.work = sleeping_worker
    runner.grace_s = 0.5
    job = client.post("/plans", json={"week_start": WEEK, "time_limit_s": 1}).json()
    final = _poll(client, job["id"], {"succeeded", "failed", "cancelled"}, deadline_s=30)[-1]
    assert final["status"] == "failed"
    assert final["message"].startswith("timed out")
    assert _idle(runner)


def test_shutdown_fails_running_jobs(database_url: str) -> None:
    """Stopping the app kills a running worker and fails its job ("interrupted by a server shutdown")."""
    app = app_on(database_url, date(2026, 11, 20))
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {make_token(app, Role.PLANNER)}"
        _runner(app).work = sleeping_worker
        job = client.post("/plans", json={"week_start": WEEK, "time_limit_s": 60}).json()
        _poll(client, job["id"], {"running"})
    restarted = app_on(database_url, date(2026, 11, 20))
    with TestClient(restarted) as client:
        client.headers["Authorization"] = f"Bearer {make_token(restarted, Role.PLANNER)}"
        final = client.get(f"/jobs/{job['id']}").json()
    assert (final["status"], final["message"]) == ("failed", SHUTDOWN_MESSAGE)


def test_start_up_fails_jobs_a_previous_server_left_unfinished(database_url: str) -> None:
    """Jobs left queued or running (the server died) are failed at the next start-up, finished ones untouched."""
    app = app_on(database_url, date(2026, 11, 20))
    with TestClient(app):
        factory: sessionmaker[Session] = app.state.session_factory
        with factory.begin() as session:
            queued = create_job(session, kind="plan", params={"week_start": WEEK, "time_limit_s": 5}).id
            running = create_job(session, kind="plan", params={"week_start": WEEK, "time_limit_s": 5}).id
            assert start_job(session, job_id=running)
    restarted = app_on(database_url, date(2026, 11, 20))
    with TestClient(restarted) as client:
        client.headers["Authorization"] = f"Bearer {make_token(restarted, Role.PLANNER)}"
        for job_id in (queued, running):
            job = client.get(f"/jobs/{job_id}").json()
            assert (job["status"], job["message"]) == ("failed", RESTART_MESSAGE)


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"week_start": "2026-11-24", "time_limit_s": 30}, "week_start", "must be a Monday; 2026-11-24 is a Tuesday"),
        ({"week_start": "2026-13-01"}, "week_start", "date"),
        ({"week_start": WEEK, "time_limit_s": 0}, "time_limit_s", "greater than or equal to 1"),
        ({"week_start": WEEK, "time_limit_s": 601}, "time_limit_s", "less than or equal to 600"),
        ({"time_limit_s": 30}, "week_start", "Field required"),
    ],
)
def test_bad_plan_request_is_422_naming_the_field(
    app: FastAPI, client: TestClient, body: dict[str, Any], field: str, text: str
) -> None:
    """A week that is not a Monday, a malformed date or a time limit outside 1..600 is refused; no job is made."""
    response = client.post("/plans", json=body)
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["loc"] == ["body", field]
    assert text in error["msg"]
    assert _idle(_runner(app))


def test_unknown_job_is_404(client: TestClient) -> None:
    """GET and DELETE of a job that does not exist answer 404 naming it."""
    assert client.get("/jobs/999").json() == {"detail": "job 999 not found"}
    assert client.delete("/jobs/999").status_code == 404


def test_cancelling_a_finished_job_is_409(app: FastAPI, client: TestClient) -> None:
    """A job that already failed cannot be cancelled: 409 saying what it is."""
    _runner(app).work = raising_worker
    job = client.post("/plans", json={"week_start": WEEK, "time_limit_s": 5}).json()
    _poll(client, job["id"], {"failed"})
    response = client.delete(f"/jobs/{job['id']}")
    assert response.status_code == 409
    assert response.json() == {"detail": f"job {job['id']} already failed"}


def test_jobs_need_a_planner_token(app: FastAPI, client: TestClient) -> None:
    """Without a token 401; an office's token 403; for submitting, polling and cancelling alike."""
    office = {"Authorization": f"Bearer {make_token(app, Role.OFFICE, ('AZ-QAB',))}"}
    body = {"week_start": WEEK, "time_limit_s": 5}
    for method, path in (("POST", "/plans"), ("GET", "/jobs/1"), ("DELETE", "/jobs/1")):
        anonymous = client.request(method, path, json=body, headers={"Authorization": ""})
        assert anonymous.status_code == 401, (method, path)
        assert client.request(method, path, json=body, headers=office).status_code == 403, (method, path)
    assert client.get("/jobs/1").status_code == 404, "nothing was submitted"
