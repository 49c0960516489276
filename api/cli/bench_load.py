"""``sefer bench load``: how many citizens the public page and feeds serve, over real HTTP, from several API
processes on PostgreSQL.

Brings the schema up with ``sefer db upgrade``, makes sure a plan is published with stops still to come (reusing
the public one when it has some, otherwise planning this week, or the coming one from Saturday on, with a short
solve and publishing it), starts ``uvicorn api.app:create_app --factory --workers N`` on a free loopback port,
waits for every process, then runs locust headless (``bench_load_locustfile.py``) for the given users, spawn rate
and duration. Prints the machine line and, per endpoint, requests/s, p50/p95/p99 and failures. Exits 1 when any
request failed. Traffic goes only to 127.0.0.1. Give it a database of its own: it may publish a plan there, and
it refuses one with unfinished jobs (each API process fails them as it starts). Not a test: figures move with
the machine and its other load.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from api.cli.support import fail, free_port, machine_line, use_case
from api.services.metrics import job_figures
from api.services.plans import publish, stored_plan
from api.services.public import upcoming_public_stops
from api.services.solving import plan_and_store
from api.services.store import Store, open_store
from api.settings import get_settings
from scheduler.calendar import BAKU, next_week_start

LOCUSTFILE = Path(__file__).with_name("bench_load_locustfile.py")
_START_TIMEOUT_S = 120.0


def load(
    users: Annotated[int, typer.Option("--users", min=1, max=5000, help="Simulated citizens at full load.")] = 50,
    spawn_rate: Annotated[
        float, typer.Option("--spawn-rate", min=0.1, help="Citizens started per second until --users.")
    ] = 10.0,
    duration_s: Annotated[int, typer.Option("--duration", min=1, max=3600, help="Seconds of load.")] = 30,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="A PostgreSQL database of the bench's own (it may publish a plan there); default SEFER_DATABASE_URL.",
        ),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=16, help="API processes (uvicorn workers).")] = 2,
    think_s: Annotated[
        float, typer.Option("--think-time", min=0.0, help="Mean seconds a citizen waits between requests; 0: none.")
    ] = 1.0,
    time_limit_s: Annotated[
        float, typer.Option("--time-limit", min=1.0, help="Solve budget when a week must be planned.")
    ] = 5.0,
) -> None:
    """The public page, its feeds (with and without If-None-Match) and /livez under locust: per endpoint."""
    url = database_url or get_settings().database_url
    if not url.startswith("postgresql"):
        raise fail(f"--database-url: the load bench needs PostgreSQL (several API processes), got {url.split(':')[0]}")
    typer.echo(machine_line())
    env = {**os.environ, "SEFER_DATABASE_URL": url, "SEFER_LOG_FORMAT": "text"}
    _upgrade(env)
    plan_id, stops, server_version = use_case(lambda: _published_plan(url, time_limit_s))
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        log = Path(folder) / "uvicorn.log"
        multiproc = Path(folder) / "metrics"
        multiproc.mkdir()
        server = _serve(port, workers, {**env, "PROMETHEUS_MULTIPROC_DIR": str(multiproc)}, log)
        try:
            _wait_started(server, log, port, workers)
            typer.echo(
                f"load: {users} users (spawn {spawn_rate:g}/s), {duration_s} s, think time {think_s:g} s; "
                f"{workers} API processes on PostgreSQL {server_version}; published plan {plan_id}, "
                f"{stops} upcoming stops"
            )
            rows = _locust(port, users, spawn_rate, duration_s, think_s, Path(folder))
        finally:
            _stop(server)
    failed = _report(rows)
    if failed:
        raise typer.Exit(1)


def _upgrade(env: dict[str, str]) -> None:
    """``sefer db upgrade`` in its own process, as an operator would run it."""
    command = [sys.executable, "-c", "from api.cli.main import main; main()", "db", "upgrade"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        typer.echo(done.stderr.strip(), err=True)
        raise typer.Exit(done.returncode)
    typer.echo(done.stdout.strip())


def _published_plan(url: str, time_limit_s: float) -> tuple[int, int, str]:
    """The public plan's id and its stops still to come: the one published if it has some, otherwise a week
    planned and published now. With the PostgreSQL server's version."""
    store = open_store(database_url=url, data_dir=None)
    try:
        today = datetime.now(BAKU).date()
        with store.sessions() as session:
            jobs = job_figures(session, now=datetime.now(UTC))
            public = upcoming_public_stops(session, network=store.network, today=today)
        unfinished = jobs.queued + jobs.by_state["running"]
        if unfinished:
            raise fail(
                f"--database-url: the database has {unfinished} unfinished jobs, which the bench's API processes "
                "would fail as they start; give the bench a database of its own"
            )
        if public.plan_id is not None and public.stops:
            typer.echo(f"reusing published plan {public.plan_id}")
            plan_id, count = public.plan_id, len(public.stops)
        else:
            plan_id, count = _plan_and_publish(store, today, time_limit_s)
        info = store.engine.dialect.server_version_info or ()
        return plan_id, count, ".".join(str(part) for part in info) or "?"
    finally:
        store.close()


def _plan_and_publish(store: Store, today: date, time_limit_s: float) -> tuple[int, int]:
    """This week while it has working days left (Monday to Friday), else the coming one: planned, published."""
    week = next_week_start(today) if today.weekday() >= 5 else today - timedelta(days=today.weekday())
    typer.echo(f"planning the week of {week} ({time_limit_s:g} s) and publishing it")
    stored = plan_and_store(
        sessions=store.sessions, network=store.network, fleet=store.fleet, time_limit_s=time_limit_s, week_start=week
    )
    if stored.plan_id is None:
        raise fail("the planned week broke a rule and was not stored; nothing to publish")
    with store.sessions() as session:
        _, state = stored_plan(session, plan_id=stored.plan_id)
    publish(
        sessions=store.sessions, network=store.network, fleet=store.fleet, plan_id=stored.plan_id,
        version=state.version, today=today,
    )  # fmt: skip
    with store.sessions() as session:
        public = upcoming_public_stops(session, network=store.network, today=today)
    return stored.plan_id, len(public.stops)


def _serve(port: int, workers: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """uvicorn with ``workers`` processes, in its own process group (stopped as one)."""
    command = [
        sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "info", "--no-access-log",
    ]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_started(server: subprocess.Popen[bytes], log: Path, port: int, workers: int) -> None:
    """Until every worker has finished its start-up and the server answers /readyz."""
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        started = log.read_text(encoding="utf-8", errors="replace").count("Application startup complete")
        if started >= workers and _ready(port):
            return
        time.sleep(0.2)
    tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
    typer.echo("\n".join(tail), err=True)
    raise fail(f"the server did not start within {_START_TIMEOUT_S:g} s")


def _ready(port: int) -> bool:
    try:
        # Bandit's B310 warns of file: URLs; this one is http://127.0.0.1, built here.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:  # nosec B310
            return int(answer.status) == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _locust(
    port: int, users: int, spawn_rate: float, duration_s: int, think_s: float, folder: Path
) -> list[dict[str, str]]:
    """Run locust headless against the loopback server; its per-endpoint stats (CSV rows, the total last)."""
    prefix = folder / "load"
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", f"http://127.0.0.1:{port}",
        "--users", str(users), "--spawn-rate", f"{spawn_rate:g}", "--run-time", f"{duration_s}s",
        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    env = {**os.environ, "SEFER_LOAD_THINK_S": f"{think_s:g}"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=duration_s + 120, check=False)
    stats = Path(f"{prefix}_stats.csv")
    if done.returncode != 0 or not stats.exists():
        typer.echo(done.stderr.strip()[-2000:], err=True)
        raise fail(f"locust ended with exit code {done.returncode}")
    for row in _rows(Path(f"{prefix}_failures.csv"))[:5]:
        typer.echo(f"failure: {row['Method']} {row['Name']}: {row['Error']} ({row['Occurrences']}x)", err=True)
    return _rows(stats)


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as lines:
        return list(csv.DictReader(lines))


def _report(rows: list[dict[str, str]]) -> int:
    """Print one line per endpoint and the total; the number of failed requests."""
    head = ("requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "failures")
    typer.echo(f"{'endpoint':<44} " + " ".join(f"{h:>8}" for h in head))
    failed = 0
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        name = "total" if row["Name"] == "Aggregated" else row["Name"]
        if name == "total":
            failed = int(row["Failure Count"])
        typer.echo(
            f"{name:<44} {int(row['Request Count']):>8} {float(row['Requests/s']):>8.1f} {_ms(row['50%']):>8} "
            f"{_ms(row['95%']):>8} {_ms(row['99%']):>8} {int(row['Failure Count']):>8}"
        )
    return failed


def _ms(value: str) -> str:
    return "-" if value in ("", "N/A") else f"{float(value):.0f}"
