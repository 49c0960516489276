"""The service as it runs on PostgreSQL: ``sefer db upgrade`` once, ``sefer serve --workers 2`` and ``sefer
worker`` as real processes, a planner's token from ``sefer token create``, and solves through HTTP.

It proves, end to end, what the queue promises: a job queued by one API process runs in the worker; a cancel
received by either API process stops the solve; and a worker killed mid-solve (SIGKILL) leaves no solver behind,
its task is taken up by the next worker, and the job ends with exactly one plan, stored by the new attempt.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from api.jobs.queue import STALL_CHECK_S, STALLED_AFTER_S
from scheduler.calendar import BAKU, next_week_start
from tests.conftest import POSTGRES_URL_ENV, _drop_schema
from tests.console import SEFER, free_port, run_sefer

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    _drop_schema(url)
    environment = {"SEFER_DATABASE_URL": url, "SEFER_MAP_TILES": ""}
    upgraded = run_sefer("db", "upgrade", cwd=tmp_path, env=environment)
    assert upgraded.returncode == 0, upgraded.stderr
    try:
        yield environment
    finally:
        _drop_schema(url)


def _start(args: list[str], folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SEFER), *args],
        cwd=folder,
        env={"PATH": str(SEFER.parent), "HOME": str(folder), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own group: the test can stop it with everything it started
    )


def _stop(process: subprocess.Popen[str], sig: signal.Signals = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def _call(method: str, url: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _wait(base: str, token: str, job_id: int, until: set[str], deadline_s: float) -> dict[str, Any]:
    stop = time.monotonic() + deadline_s
    while True:
        status, job = _call("GET", f"{base}/jobs/{job_id}", token)
        assert status == 200, job
        if job["status"] in until:
            return job
        assert time.monotonic() < stop, f"job {job_id} still {job['status']} after {deadline_s} s"
        time.sleep(0.3)


def _ready(base: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:
                body: dict[str, Any] = json.loads(response.read())
                return body
        except OSError:
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.3)


def _solve_processes(worker_pid: int) -> list[int]:
    """Pids of the processes a worker started (its solve processes lead their own groups)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == worker_pid and fields[0] != "Z" and b"spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def test_two_api_processes_and_a_worker_run_cancel_and_survive_a_killed_worker(
    tmp_path: Path, env: dict[str, str]
) -> None:
    created = run_sefer("token", "create", "--role", "planner", "--name", "queue-test", cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    week = next_week_start(datetime.now(BAKU).date()).isoformat()
    server = _start(["serve", "--workers", "2", "--port", str(port)], tmp_path, env)
    worker = _start(["worker"], tmp_path, env)
    try:
        assert _ready(base)["queue"] == "postgresql"

        # 1. A job queued through HTTP runs in the worker and stores its plan.
        status, job = _call("POST", f"{base}/plans", token, {"week_start": week, "time_limit_s": 2})
        assert status == 202, job
        done = _wait(base, token, job["id"], {"succeeded", "failed"}, 180)
        assert done["status"] == "succeeded", done
        assert _ready(base)["solver_workers"] == 1

        # 2. A cancel stops a running solve, whichever API process receives it.
        status, job = _call("POST", f"{base}/plans", token, {"week_start": week, "time_limit_s": 120})
        _wait(base, token, job["id"], {"running"}, 60)
        time.sleep(2)
        assert _solve_processes(worker.pid)
        status, cancelled = _call("DELETE", f"{base}/jobs/{job['id']}", token)
        assert (status, cancelled["status"]) == (200, "cancelled")
        deadline = time.monotonic() + 15
        while _solve_processes(worker.pid):
            assert time.monotonic() < deadline, "the cancelled solve is still running"
            time.sleep(0.2)

        # 3. A worker killed mid-solve: its solve stops by itself, the next worker takes the job up, one plan.
        status, job = _call("POST", f"{base}/plans", token, {"week_start": week, "time_limit_s": 5})
        _wait(base, token, job["id"], {"running"}, 60)
        time.sleep(2)
        orphans = _solve_processes(worker.pid)
        assert orphans
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in orphans):
            assert time.monotonic() < deadline, "the killed worker's solve process is still running"
            time.sleep(0.2)
        worker = _start(["worker"], tmp_path, env)
        done = _wait(base, token, job["id"], {"succeeded", "failed"}, STALLED_AFTER_S + STALL_CHECK_S + 180)
        assert done["status"] == "succeeded", done
        status, plans = _call("GET", f"{base}/plans?week={week}", token)
        assert status == 200
        listed = plans if isinstance(plans, list) else plans.get("plans", plans.get("items", []))
        assert len(listed) == 2  # job 1's and job 3's: the cancelled job stored none, the retried job one
    finally:
        _stop(worker)
        _stop(server)
