"""``sefer bench faults``: break the PostgreSQL service on purpose while planners use it, then check the history.

On an empty PostgreSQL database it plans and publishes a week and files a few requests (the CLI, as a planner
would), starts ``sefer serve --workers 2`` and two ``sefer worker`` processes, and then, for the run:

- a client queues ``--jobs`` short solves through HTTP at seeded moments, cancels some of them, and polls every job
  it was told about; every call is recorded with its start, end and answer;
- a seeded schedule injects ``--kills`` faults, each one of: SIGKILL of a solver worker mid-solve (restarted a
  second later, as a supervisor would), SIGKILL of an API process (uvicorn starts another), every database
  connection terminated (``pg_terminate_backend``), and a database outage of ``--outage-s`` (connections refused,
  then allowed again). Restarting the PostgreSQL server itself is left out: it would stop every other database of
  the machine.

When every job has ended (or ``--deadline`` passed) the history is checked: every job ends in exactly one final
state and keeps it; no plan without a succeeded job, and that job's plan is it; at most one plan per job; a
cancelled job has no plan; the published plan and every request are as they were; no job's progress went back.
Prints the faults, the client's calls by outcome and each check; exits 1 if a check fails. Traffic goes to
127.0.0.1 only.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from api.cli.support import fail, free_port, machine_line
from scheduler.calendar import BAKU, next_week_start

FAULTS = ("kill-worker", "kill-api", "terminate-connections", "db-outage")
FINAL = {"succeeded", "failed", "cancelled"}
SEFER = [sys.executable, "-c", "from api.cli.main import main; main()"]
PLANNERS = 4
"""The client's planners, taking turns: each may have 4 unfinished solves (the per-principal quota)."""


@dataclass
class Call:
    op: str
    job_id: int | None
    start: float
    end: float
    outcome: str
    """The HTTP status, or the exception's name when no answer came."""


@dataclass(frozen=True)
class Schedule:
    jobs: int
    kills: int
    duration: float
    """Seconds over which the submissions and the faults come."""
    outage: float
    """Seconds a database outage lasts."""


@dataclass
class History:
    calls: list[Call] = field(default_factory=list)
    seen: dict[int, list[tuple[float, str, float]]] = field(default_factory=dict)
    owner: dict[int, str] = field(default_factory=dict)
    """Job id → the token of the planner who queued it (who polls and cancels it)."""
    """Job id → every (time, status, progress) a poll saw."""
    faults: list[tuple[float, str, str]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    """Why each failed job failed, as stored."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)


class Service:
    """The processes under test: two API processes (one uvicorn) and two solver workers."""

    def __init__(self, folder: Path, env: dict[str, str], port: int) -> None:
        self.folder, self.env, self.port = folder, env, port
        self.server = self._start(["serve", "--workers", "2", "--port", str(port)])
        self.workers = [self._start(["worker"]) for _ in range(2)]

    def _start(self, args: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*SEFER, *args],
            cwd=self.folder,
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def kill_worker(self, rng: random.Random) -> str:
        index = rng.randrange(len(self.workers))
        victim = self.workers[index]
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        time.sleep(1.0)
        self.workers[index] = self._start(["worker"])
        return f"worker {victim.pid}"

    def kill_api(self, rng: random.Random) -> str:
        children = _children(self.server.pid)
        if not children:
            return "no API process found"
        victim = rng.choice(children)
        os.kill(victim, signal.SIGKILL)
        return f"API process {victim}"

    def stop(self) -> None:
        for process in [*self.workers, self.server]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*self.workers, self.server]:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _call(base: str, token: str, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[str, Any]:
    request = urllib.request.Request(
        f"{base}{path}", data=None if body is None else json.dumps(body).encode(), method=method
    )
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        # Bandit's B310 warns of file: URLs; this one is http://127.0.0.1, built here.
        with urllib.request.urlopen(request, timeout=30) as response:  # nosec B310
            return str(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return str(error.code), None
    except OSError as error:
        return type(error).__name__, None


def faults(
    jobs: Annotated[int, typer.Option("--jobs", min=1, max=500, help="Solves the client queues.")] = 12,
    kills: Annotated[int, typer.Option("--kills", min=0, max=200, help="Faults injected.")] = 6,
    seed: Annotated[int, typer.Option("--seed", help="Seeds the client's and the faults' schedule.")] = 1,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="An empty PostgreSQL database (default: SEFER_DATABASE_URL)."),
    ] = None,
    duration: Annotated[
        float, typer.Option("--duration", min=5.0, help="Seconds over which jobs and faults come.")
    ] = 60.0,
    deadline: Annotated[
        float, typer.Option("--deadline", min=30.0, help="Seconds to wait for the jobs to end.")
    ] = 300.0,
    outage: Annotated[float, typer.Option("--outage-s", min=1.0, max=600.0, help="A database outage's length.")] = 5,
) -> None:
    """Faults injected into a running service on PostgreSQL; the history of jobs, plans and requests checked."""
    url = database_url or os.environ.get("SEFER_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        raise fail("--database-url must name a PostgreSQL database (the faults are PostgreSQL's and processes')")
    typer.echo(machine_line())
    rng = random.Random(seed)
    env = {"SEFER_DATABASE_URL": url, "SEFER_MAP_TILES": ""}
    engine = create_engine(url, poolclass=NullPool)  # a fresh connection per look: the faults terminate them
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            tokens, before = _prepare(folder, env, engine)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            service = Service(folder, env, port)
            history = History()
            try:
                _wait_ready(base)
                _run(base, tokens, service, engine, history, rng, Schedule(jobs, kills, duration, outage))
                _settle(history, deadline)
            finally:
                service.stop()
            failures = _check(engine, history, before)
    finally:
        engine.dispose()
    _report(history, failures)
    if any(failures.values()):
        raise typer.Exit(1)


def _prepare(folder: Path, env: dict[str, str], engine: Engine) -> tuple[list[str], dict[str, Any]]:
    """Migrate; refuse a database that holds plans or jobs; plan, publish, file requests; planners' tokens."""

    def sefer(*args: str) -> str:
        done = subprocess.run([*SEFER, *args], cwd=folder, env={**os.environ, **env}, capture_output=True, text=True)
        if done.returncode != 0:
            raise fail(f"sefer {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    sefer("db", "upgrade")
    with engine.connect() as connection:
        used = connection.execute(text("SELECT (SELECT count(*) FROM plans) + (SELECT count(*) FROM jobs)")).scalar()
    if used:
        raise fail("--database-url must name an empty database: this one holds plans or jobs")
    week = next_week_start(datetime.now(BAKU).date()).isoformat()
    sefer("plan", "--week", week, "--time-limit", "3", "--out", str(folder / "out"))
    sefer("publish", "1")
    for place, citizens in (("AZ-QAB", 40), ("AZ-SAK", 25), ("AZ-LAN", 30)):
        sefer("request", "add", "--place", place, "--from", week, "--to", week, "--citizens", str(citizens))
    tokens = [
        sefer("token", "create", "--role", "planner", "--name", f"fault-bench-{n}").strip().splitlines()[-1]
        for n in range(PLANNERS)
    ]
    return tokens, _snapshot(engine)


def _snapshot(engine: Engine) -> dict[str, Any]:
    """What must survive: the published plan (id, version, stops) and every request as stored."""
    with engine.connect() as connection:
        published = connection.execute(
            text("SELECT id, version FROM plans WHERE published_at IS NOT NULL ORDER BY id")
        ).all()
        stops = connection.execute(
            text(
                "SELECT plan_id, count(*) FROM stops"
                " WHERE plan_id IN (SELECT id FROM plans WHERE published_at IS NOT NULL) GROUP BY plan_id"
            )
        ).all()
        requests = connection.execute(text("SELECT * FROM visit_requests ORDER BY id")).all()
    return {
        "published": [tuple(r) for r in published],
        "stops": sorted(tuple(r) for r in stops),
        "requests": [tuple(r) for r in requests],
    }


def _run(
    base: str,
    tokens: list[str],
    service: Service,
    engine: Engine,
    history: History,
    rng: random.Random,
    schedule: Schedule,
) -> None:
    """The client's calls and the faults, at seeded moments within ``duration`` seconds."""
    week = next_week_start(datetime.now(BAKU).date()).isoformat()
    duration = schedule.duration
    events: list[tuple[float, str]] = [(rng.uniform(0, duration), "submit") for _ in range(schedule.jobs)]
    events += [(rng.uniform(2, duration), rng.choice(FAULTS)) for _ in range(schedule.kills)]
    events.sort()
    started = time.monotonic()
    poller = threading.Thread(target=_poll, args=(base, history, started + duration), daemon=True)
    poller.start()
    accepted: list[int] = []
    for at, what in events:
        time.sleep(max(0.0, started + at - time.monotonic()))
        if what == "submit":
            token = tokens[len(accepted) % len(tokens)]  # planners take turns: each has its solve quota
            t0 = time.monotonic()
            solve = {"week_start": week, "time_limit_s": round(rng.uniform(2, 5), 1)}
            outcome, body = _call(base, token, "POST", "/plans", solve)
            job_id = body["id"] if outcome == "202" else None
            history.record(Call("submit", job_id, t0, time.monotonic(), outcome))
            if job_id is not None:
                accepted.append(job_id)
                with history.lock:
                    history.seen.setdefault(job_id, [])
                    history.owner[job_id] = token
            if accepted and rng.random() < 0.3:
                victim = rng.choice(accepted)
                t0 = time.monotonic()
                outcome, _ = _call(base, history.owner[victim], "DELETE", f"/jobs/{victim}")
                history.record(Call("cancel", victim, t0, time.monotonic(), outcome))
            continue
        history.faults.append((time.monotonic() - started, what, _inject(what, service, engine, rng, schedule.outage)))
    poller.join()


def _inject(what: str, service: Service, engine: Engine, rng: random.Random, outage: float) -> str:
    if what == "kill-worker":
        return service.kill_worker(rng)
    if what == "kill-api":
        return service.kill_api(rng)
    database = make_url(str(engine.url)).database
    admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    terminate = text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
    )
    try:
        with admin.connect() as connection:
            if what == "terminate-connections":
                killed = connection.execute(terminate, {"db": database}).scalar()
                return f"{killed} connections terminated"
            try:
                connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
                killed = connection.execute(terminate, {"db": database}).scalar()
                time.sleep(outage)
            finally:
                connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
            return f"{outage:g} s outage, {killed} connections terminated"
    finally:
        admin.dispose()


def _poll(base: str, history: History, until: float) -> None:
    """Poll every job the client knows of until they have all ended (and the submitting is over)."""
    while True:
        with history.lock:
            pending = [j for j, seen in history.seen.items() if not seen or seen[-1][1] not in FINAL]
        if not pending and time.monotonic() > until:
            return
        for job_id in pending:
            outcome, body = _call(base, history.owner[job_id], "GET", f"/jobs/{job_id}")
            if outcome == "200":
                with history.lock:
                    history.seen[job_id].append((time.monotonic(), body["status"], body["progress"]))
        time.sleep(0.5)


def _settle(history: History, deadline: float) -> None:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        with history.lock:
            if all(seen and seen[-1][1] in FINAL for seen in history.seen.values()):
                return
        time.sleep(1.0)


def _check(engine: Engine, history: History, before: dict[str, Any]) -> dict[str, list[str]]:
    """Each invariant → what breaks it (empty when it holds)."""
    with engine.connect() as connection:
        jobs = {r.id: r for r in connection.execute(text("SELECT id, status, plan_id, attempt, message FROM jobs"))}
        plans = connection.execute(text("SELECT id, job_id FROM plans WHERE job_id IS NOT NULL")).all()
    plans_of: Counter[int] = Counter(p.job_id for p in plans)
    checks: dict[str, list[str]] = {
        "every job ended, in one final state it kept": [],
        "no plan without a succeeded job, and that job's plan is it": [],
        "at most one plan per job": [f"job {j}: {n} plans" for j, n in plans_of.items() if n > 1],
        "a cancelled job has no plan": [],
        "the published plan and every request survived": [],
        "no job's progress went back": [],
    }
    for job in jobs.values():
        if job.status not in FINAL:
            checks["every job ended, in one final state it kept"].append(f"job {job.id}: {job.status}")
        if job.status == "cancelled" and plans_of[job.id]:
            checks["a cancelled job has no plan"].append(f"job {job.id}")
    for plan in plans:
        owner = jobs.get(plan.job_id)
        if owner is None or owner.status != "succeeded" or owner.plan_id != plan.id:
            checks["no plan without a succeeded job, and that job's plan is it"].append(f"plan {plan.id}")
    for job_id, seen in history.seen.items():
        finals = {status for _, status, _ in seen if status in FINAL}
        if len(finals) > 1:
            checks["every job ended, in one final state it kept"].append(f"job {job_id} seen as {sorted(finals)}")
        progress = [p for _, _, p in seen]
        if any(b < a for a, b in itertools.pairwise(progress)):
            checks["no job's progress went back"].append(f"job {job_id}: {progress}")
    history.failed = [f"job {j.id} (attempt {j.attempt}): {j.message}" for j in jobs.values() if j.status == "failed"]
    after = _snapshot(engine)
    for key in before:
        if after[key] != before[key]:
            checks["the published plan and every request survived"].append(f"{key} changed")
    return checks


def _report(history: History, checks: dict[str, list[str]]) -> None:
    typer.echo(f"faults injected: {len(history.faults)}")
    for at, what, detail in history.faults:
        typer.echo(f"  {at:6.1f} s  {what:22} {detail}")
    outcomes = Counter((c.op, c.outcome) for c in history.calls)
    typer.echo("client calls: " + ", ".join(f"{op} {outcome}: {n}" for (op, outcome), n in sorted(outcomes.items())))
    final = Counter(seen[-1][1] if seen else "never seen" for seen in history.seen.values())
    typer.echo("jobs the client was told of, as they ended: " + ", ".join(f"{s} {n}" for s, n in sorted(final.items())))
    for line in history.failed:
        typer.echo(f"  failed: {line}")
    for name, broken in checks.items():
        typer.echo(f"{'ok  ' if not broken else 'FAIL'} {name}" + (f": {'; '.join(broken[:5])}" if broken else ""))


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            # Bandit's B310 warns of file: URLs; this one is http://127.0.0.1, built here.
            with urllib.request.urlopen(f"{base}/readyz", timeout=5):  # nosec B310
                return
        except OSError:
            time.sleep(0.3)
    raise fail("the server did not become ready within 60 s")
