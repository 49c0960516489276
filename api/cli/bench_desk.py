"""``sefer bench desk``: how fast the planner's desk answers on the bundled week.

A throw-away SQLite database in a temporary folder gets the coming week planned (a short solve) and a planner
account; the app is served by uvicorn on a free loopback port in this process and timed over real HTTP: the
board of that week (``GET /desk``), a lock round-trip (``POST`` the lock form, ``303``, ``GET`` the board) and a
move (a stop to another bus and back, answered with the board and the validator's verdict).
Prints the median and the slowest of each, with the machine line. Not a test: figures move with the machine.
"""

from __future__ import annotations

import http.cookiejar
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from api.app import create_app
from api.cli.support import free_port, machine_line
from api.services import accounts
from api.services.principals import Role
from api.services.solving import plan_and_store
from api.services.store import open_store
from api.settings import Settings
from scheduler.calendar import BAKU, next_week_start
from scheduler.domain import VehicleKind

_PASSWORD = "bench desk password"


def desk(
    runs: Annotated[int, typer.Option("--runs", min=3, max=200, help="Timed requests of each kind.")] = 20,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1.0, help="Solve budget for the week.")] = 5.0,
) -> None:
    """The desk's board and a lock round-trip on the bundled week over HTTP: median and slowest, in ms."""
    typer.echo(machine_line())
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        plan_id, stop, other = _planned_week(url, time_limit)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(Settings(database_url=url, map_tiles=None)), port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            while not server.started:
                time.sleep(0.05)
            base = f"http://127.0.0.1:{port}"
            browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            login = browser.open(f"{base}/login").read().decode()
            token = login.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            form = {"name": "bench", "password": _PASSWORD, "csrf": token}
            browser.open(f"{base}/login", urllib.parse.urlencode(form).encode())
            board_url = f"{base}/desk?plan={plan_id}"
            page = browser.open(board_url).read().decode()
            csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            board = [_ms(lambda: browser.open(board_url).read()) for _ in range(runs)]
            lock = []
            for n in range(runs + runs % 2):  # lock, unlock, ...: the stop ends unlocked, free to move
                version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
                form = {"csrf": csrf, "vehicle": stop[0], "day": stop[1], "version": version,
                        "locked": "true" if n % 2 == 0 else "false"}  # fmt: skip
                body = urllib.parse.urlencode(form).encode()
                started = time.perf_counter()
                page = browser.open(f"{base}/desk/plans/{plan_id}/lock", body).read().decode()
                if n < runs:
                    lock.append((time.perf_counter() - started) * 1000)
                if 'name="version"' not in page:
                    raise typer.Exit(1)
            move = []
            for n in range(runs):  # the stop to another vehicle's same day and back, the verdict on each
                version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
                here, there = (stop[0], other) if n % 2 == 0 else (other, stop[0])
                form = {"csrf": csrf, "vehicle": here, "day": stop[1], "place": stop[2], "to_vehicle": there,
                        "to_day": stop[1], "version": version}  # fmt: skip
                started = time.perf_counter()
                answer = browser.open(f"{base}/desk/plans/{plan_id}/move", urllib.parse.urlencode(form).encode())
                page = answer.read().decode()
                move.append((time.perf_counter() - started) * 1000)
                if 'id="verdict-title"' not in page:
                    typer.echo(f"error: the move was not stored ({answer.geturl()})", err=True)
                    raise typer.Exit(1)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    typer.echo(f"board       plan {plan_id}: median {statistics.median(board):.0f} ms, slowest {max(board):.0f} ms")
    typer.echo(f"lock+board  median {statistics.median(lock):.0f} ms, slowest {max(lock):.0f} ms (POST, 303, GET)")
    typer.echo(
        f"move+board  median {statistics.median(move):.0f} ms, slowest {max(move):.0f} ms (POST answered with the "
        "board and the validator's verdict)"
    )


def _planned_week(url: str, time_limit_s: float) -> tuple[int, tuple[str, str, str], str]:
    """Plan the coming week into ``url`` and add the bench's planner: the plan id, its first bus stop (vehicle,
    day, place) and another bus to move it to."""
    store = open_store(database_url=url, data_dir=None)
    try:
        week = next_week_start(datetime.now(BAKU).date())
        stored = plan_and_store(
            sessions=store.sessions, network=store.network, fleet=store.fleet, time_limit_s=time_limit_s,
            week_start=week,
        )  # fmt: skip
        with store.sessions() as session:
            accounts.create_user(
                session, network=store.network, role=Role.PLANNER, name="bench", places=(), password=_PASSWORD
            )
    finally:
        store.close()
    if stored.plan_id is None:
        raise typer.Exit(1)
    plan = stored.result.plan
    buses = [v.id for v in plan.vehicles if v.kind is VehicleKind.BUS]
    first = next(s for s in plan.stops if s.vehicle_id in buses)
    other = next(v for v in buses if v != first.vehicle_id)
    return stored.plan_id, (first.vehicle_id, first.date.isoformat(), first.place_id), other


def _ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000
