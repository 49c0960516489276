"""The ``sefer`` command: demo, plan, reoptimize and serve here; the planner's, token and bench commands join it.
Bad input ends with one line on stderr and exit code 2."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.audit import audit_app
from api.cli.bench import bench_app
from api.cli.database import db_app
from api.cli.planner import register
from api.cli.processes import register_processes
from api.cli.support import in_session, use_case
from api.cli.tokens import token_app
from api.cli.users import user_app
from api.services.plans import check_week_open, stored_plan
from api.services.solving import StoredPlan, plan_and_store
from api.services.store import Store, open_store
from api.settings import get_settings
from maps.plan_map import render_plan_map
from scheduler.calendar import BAKU, next_week_start, parse_week_start
from scheduler.domain import Network
from scheduler.granularity import Granularity
from scheduler.plan import plan_to_dict

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Səfər: weekly routes for ASAN mobile services.")
app.add_typer(
    bench_app,
    name="bench",
    help="Benchmarks: the bundled week (week), Solomon VRPTW, team orienteering (top) and periodic VRP (pvrp).",
)
err = Console(stderr=True)
out = Console()
log = logging.getLogger("sefer")

T = TypeVar("T")


TimeLimit = Annotated[float, typer.Option("--time-limit", min=1.0, help="Solver time budget in seconds.")]
OutDir = Annotated[Path, typer.Option("--out", help="Folder for plan.json and plan.html.")]
Grain = Annotated[
    Granularity | None,
    typer.Option(
        "--granularity", help="A place is each settlement, or a whole unit at its centre (default: SEFER_GRANULARITY)."
    ),
]


@contextmanager
def _progress(time_limit_s: float) -> Iterator[Callable[[float, float | None], None]]:
    """A progress bar that advances with the clock and shows the best objective the solver reported."""
    best: list[float | None] = [None]
    done = threading.Event()
    with Progress(
        TextColumn("solving"),
        BarColumn(),
        TextColumn("{task.fields[best]}"),
        TimeElapsedColumn(),
        console=err,
    ) as bar:
        task = bar.add_task("solve", total=time_limit_s, best="")
        started = time.monotonic()

        def tick() -> None:
            while not done.wait(0.25):
                bar.update(task, completed=min(time_limit_s, time.monotonic() - started))

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()

        def report(fraction: float, objective: float | None) -> None:
            best[0] = objective if objective is not None else best[0]
            label = f"best objective {best[0]:,.0f}" if best[0] is not None else ""
            bar.update(task, best=label)

        try:
            yield report
        finally:
            done.set()
            ticker.join()
            bar.update(task, completed=time_limit_s)


def _run(
    week_start: date | None,
    time_limit_s: float,
    out_dir: Path,
    reoptimize: int | None = None,
    granularity: Granularity | None = None,
) -> None:
    settings = get_settings()
    store: Store = use_case(lambda: open_store(database_url=settings.database_url, data_dir=settings.data_dir))
    network = store.network
    try:
        what = f"re-optimising plan {reoptimize}" if week_start is None else f"planning the week of {week_start}"
        err.print(f"{what} for {len(store.fleet.vehicles)} vehicles")
        with _progress(time_limit_s) as report:
            stored = use_case(
                lambda: plan_and_store(
                    sessions=store.sessions,
                    network=network,
                    fleet=store.fleet,
                    week_start=week_start,
                    reoptimize=reoptimize,
                    time_limit_s=time_limit_s,
                    progress=report,
                    granularity=granularity,
                )
            )
    finally:
        store.close()
    use_case(lambda: _write(stored, network, out_dir))
    _print_kpis(stored, network, out_dir)
    if stored.plan_id is None:
        raise typer.Exit(1)


def _write(stored: StoredPlan, network: Network, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    document = plan_to_dict(stored.result.plan, network)
    document["plan_id"] = stored.plan_id
    document["violations"] = [
        {"code": v.code, "vehicle_id": v.vehicle_id, "message": v.message} for v in stored.result.violations
    ]
    (out_dir / "plan.json").write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    render_plan_map(stored.result.plan, network, tiles=get_settings().map_tiles).save(str(out_dir / "plan.html"))


def _print_kpis(stored: StoredPlan, network: Network, out_dir: Path) -> None:
    plan = stored.result.plan
    k = plan.kpis
    table = Table(title=f"Səfər plan for the week of {plan.week_start.isoformat()}", show_header=False)
    rows = [
        ("citizen-hours saved", f"{k.citizen_hours_saved:,.0f} h of travel to a fixed centre spared"),
        (
            "expected citizens",
            f"{k.expected_citizens:,} of {k.demand_citizens:,} ({k.demand_covered_pct:.1f} %)",
        ),
        ("stops / places visited", f"{len(plan.stops)} / {k.places_visited}"),
        ("vehicles used", f"{k.vehicles_used} of {len(plan.vehicles)}"),
        ("vehicle-days used", str(k.vehicle_days_used)),
        ("distance", f"{k.distance_km:,.0f} km"),
        ("service days", ", ".join(d.strftime("%a %d %b") for d in plan.service_dates)),
        ("holidays skipped", ", ".join(f"{d:%a %d %b} ({n})" for d, n in stored.holidays.items()) or "none"),
        ("solve time", f"{k.solve_seconds:.1f} s"),
        (
            "validator",
            "no violation" if not stored.result.violations else f"{len(stored.result.violations)} violations",
        ),
        ("stored as plan", str(stored.plan_id) if stored.plan_id is not None else "not stored"),
        ("written", f"{out_dir / 'plan.json'}, {out_dir / 'plan.html'}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    out.print(table)
    if stored.changes is not None:
        c = stored.changes
        out.print(
            f"changes against plan: {c.kept} stops kept, {c.removed} removed, {c.added} added ({c.changed} changed)"
        )
    for unserved in plan.unserved:
        out.print(
            f"unserved request {unserved.request_id}: {unserved.reason.value}: {unserved.message}", highlight=False
        )
    for place_id in plan.due_missed:
        out.print(f"due place not visited: {place_id}", highlight=False)
    for violation in stored.result.violations[:20]:
        err.print(f"violation {violation.code}: {violation.message}", highlight=False)


@app.command()
def demo(out_dir: OutDir = Path("out"), time_limit_s: TimeLimit = 30.0, granularity: Grain = None) -> None:
    """Load the bundled Azerbaijan data, plan next week for the whole fleet, write plan.json and plan.html."""
    _run(next_week_start(datetime.now(BAKU).date()), time_limit_s, out_dir, granularity=granularity)


@app.command()
def plan(
    week: Annotated[str, typer.Option("--week", help="Monday the week starts on, YYYY-MM-DD.")],
    out_dir: OutDir = Path("out"),
    time_limit_s: TimeLimit = 30.0,
    granularity: Grain = None,
) -> None:
    """Plan one week (starting on the Monday given; a current or coming week) and store it."""
    week_start = use_case(lambda: parse_week_start(week))
    use_case(lambda: check_week_open(week_start, datetime.now(BAKU).date()))
    _run(week_start, time_limit_s, out_dir, granularity=granularity)


@app.command()
def reoptimize(
    plan_id: Annotated[int, typer.Argument(help="The stored plan to start from; its locked stops are kept.")],
    out_dir: OutDir = Path("out"),
    time_limit_s: TimeLimit = 30.0,
    granularity: Grain = None,
) -> None:
    """Re-plan a stored week with today's requests and maintenance, keeping locked stops and changing few others."""
    in_session(lambda s: stored_plan(s, plan_id=plan_id))  # an unknown plan is one line, before any solve
    _run(None, time_limit_s, out_dir, reoptimize=plan_id, granularity=granularity)


register(app)
register_processes(app)
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(db_app, name="db")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
