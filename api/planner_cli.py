"""Planner commands on stored data: visit requests, maintenance days, locks and publishing.

Each command opens the configured database, changes one thing in one transaction and prints one line. Bad input
(unknown place, vehicle or plan; bad dates; a window that ends before it starts) is one ``error:`` line, exit 2.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import Annotated, TypeVar

import typer
from sqlalchemy.orm import Session

from api.settings import get_settings
from data.bundled import DataError, load_fleet, load_network
from data.db import DatabaseUnavailable, make_engine, make_session_factory, migrate
from data.repository import (
    add_maintenance,
    add_request,
    get_plan,
    open_requests,
    publish_plan,
    set_locked,
    sync_reference,
)
from scheduler.requests import Priority, VisitRequest

T = TypeVar("T")

request_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Visit requests from regional offices.")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    return typer.Exit(2)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{option} must be a date as YYYY-MM-DD, got {text!r}") from None


def _in_session(action: Callable[[Session], T]) -> T:
    """Run ``action`` in one transaction on the configured database, the reference data synced first."""
    settings = get_settings()
    try:
        network = load_network(settings.data_dir)
        fleet = load_fleet(settings.data_dir)
        engine = make_engine(settings.database_url)
        migrate(engine)
    except (DataError, DatabaseUnavailable, OSError) as exc:
        raise _fail(str(exc)) from None
    try:
        with make_session_factory(engine).begin() as session:
            sync_reference(session, network=network, fleet=fleet)
            return action(session)
    finally:
        engine.dispose()


@request_app.command("add")
def request_add(
    place: Annotated[str, typer.Option("--place", help="Place id, e.g. AZ-QAB.")],
    window_from: Annotated[str, typer.Option("--from", help="First acceptable date, YYYY-MM-DD.")],
    window_to: Annotated[str, typer.Option("--to", help="Last acceptable date, YYYY-MM-DD.")],
    citizens: Annotated[int, typer.Option("--citizens", min=1, max=10_000, help="Citizens expected.")],
    services: Annotated[str, typer.Option("--services", help="Comma-separated service codes.")] = "",
    priority: Annotated[Priority, typer.Option("--priority")] = Priority.NORMAL,
    office: Annotated[str | None, typer.Option("--office", help="The requesting office.")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """Record a visit request; the next `sefer plan` of a week overlapping its window considers it."""
    start, end = _date(window_from, "--from"), _date(window_to, "--to")
    if end < start:
        raise _fail(f"--to {end} is before --from {start}")
    codes = tuple(c.strip() for c in services.split(",") if c.strip())
    network = load_network(get_settings().data_dir)
    if not network.has_place(place):
        raise _fail(f"--place: no place {place!r} (see GET /places)")
    unknown = sorted(set(codes) - {s.code for s in network.services})
    if unknown:
        raise _fail(f"--services: unknown service code(s) {', '.join(unknown)}")
    request = VisitRequest(f"REQ-{secrets.token_hex(4)}", place, start, end, citizens, codes, priority, office)
    _in_session(lambda s: add_request(s, request=request, note=note))
    typer.echo(request.id)


@request_app.command("list")
def request_list(
    window_from: Annotated[str, typer.Option("--from", help="First date, YYYY-MM-DD.")] = "2000-01-01",
    window_to: Annotated[str, typer.Option("--to", help="Last date, YYYY-MM-DD.")] = "2100-12-31",
) -> None:
    """Open requests whose window overlaps the dates given."""
    start, end = _date(window_from, "--from"), _date(window_to, "--to")
    for r in _in_session(lambda s: open_requests(s, first=start, last=end)):
        services = ",".join(r.services) or "-"
        typer.echo(
            f"{r.id} {r.place_id} {r.window_start}..{r.window_end} {r.expected_citizens} {services} {r.priority}"
        )


def maintenance(
    vehicle: Annotated[str, typer.Argument(help="Vehicle id, e.g. BUS-03.")],
    day: Annotated[str, typer.Argument(help="Date, YYYY-MM-DD.")],
) -> None:
    """Book a maintenance day: the vehicle serves nobody that day."""
    when = _date(day, "DAY")
    if vehicle not in {v.id for v in load_fleet(get_settings().data_dir).vehicles}:
        raise _fail(f"no vehicle {vehicle!r}")
    _in_session(lambda s: add_maintenance(s, vehicle_id=vehicle, day=when))
    typer.echo(f"{vehicle} in maintenance on {when}")


def lock(
    plan_id: Annotated[int, typer.Argument(help="Stored plan id.")],
    vehicle: Annotated[str, typer.Option("--vehicle")],
    day: Annotated[str, typer.Option("--date", help="YYYY-MM-DD.")],
    place: Annotated[str | None, typer.Option("--place", help="One stop; without it, the whole vehicle-day.")] = None,
    unlock: Annotated[bool, typer.Option("--unlock", help="Remove the lock instead.")] = False,
) -> None:
    """Lock (or unlock) stops of a stored plan; `sefer reoptimize` keeps locked stops."""
    when = _date(day, "--date")
    count = _in_session(
        lambda s: set_locked(s, plan_id=plan_id, vehicle_id=vehicle, day=when, place_id=place, locked=not unlock)
    )
    if count == 0:
        raise _fail(f"plan {plan_id} has no stop of {vehicle} on {when}" + (f" at {place}" if place else ""))
    typer.echo(f"{'unlocked' if unlock else 'locked'} {count} stop(s)")


def publish(plan_id: Annotated[int, typer.Argument(help="Stored plan id.")]) -> None:
    """Publish a plan: its stops become visit history and the requests it serves become scheduled."""
    if not _in_session(lambda s: publish_plan(s, plan_id=plan_id)):
        raise _fail(f"no plan {plan_id}")
    typer.echo(f"plan {plan_id} published")


def plan_exists(plan_id: int) -> bool:
    return _in_session(lambda s: get_plan(s, plan_id=plan_id) is not None)


def register(app: typer.Typer) -> None:
    app.add_typer(request_app, name="request")
    app.command()(maintenance)
    app.command()(lock)
    app.command()(publish)
