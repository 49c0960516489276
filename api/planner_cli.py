"""Planner commands on stored data: visit requests, maintenance days, locks and publishing.

Each command opens the configured database, changes one thing in one transaction and prints one line. Bad input
(unknown place, vehicle or plan; bad dates; a window that ends before it starts) is one ``error:`` line, exit 2.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import typer

from api.cli_support import fail, in_session, parse_date
from api.settings import get_settings
from data.bundled import load_fleet, load_network
from data.repository import (
    add_maintenance,
    add_request,
    get_plan,
    open_requests,
    publish_plan,
    set_locked,
)
from scheduler.requests import Priority, VisitRequest

request_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Visit requests from regional offices.")


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
    start, end = parse_date(window_from, "--from"), parse_date(window_to, "--to")
    if end < start:
        raise fail(f"--to {end} is before --from {start}")
    codes = tuple(c.strip() for c in services.split(",") if c.strip())
    network = load_network(get_settings().data_dir)
    if not network.has_place(place):
        raise fail(f"--place: no place {place!r} (see GET /places)")
    unknown = sorted(set(codes) - {s.code for s in network.services})
    if unknown:
        raise fail(f"--services: unknown service code(s) {', '.join(unknown)}")
    request = VisitRequest(f"REQ-{secrets.token_hex(4)}", place, start, end, citizens, codes, priority, office)
    in_session(lambda s: add_request(s, request=request, note=note))
    typer.echo(request.id)


@request_app.command("list")
def request_list(
    window_from: Annotated[str, typer.Option("--from", help="First date, YYYY-MM-DD.")] = "2000-01-01",
    window_to: Annotated[str, typer.Option("--to", help="Last date, YYYY-MM-DD.")] = "2100-12-31",
) -> None:
    """Open requests whose window overlaps the dates given."""
    start, end = parse_date(window_from, "--from"), parse_date(window_to, "--to")
    for r in in_session(lambda s: open_requests(s, first=start, last=end)):
        services = ",".join(r.services) or "-"
        typer.echo(
            f"{r.id} {r.place_id} {r.window_start}..{r.window_end} {r.expected_citizens} {services} {r.priority}"
        )


def maintenance(
    vehicle: Annotated[str, typer.Argument(help="Vehicle id, e.g. BUS-03.")],
    day: Annotated[str, typer.Argument(help="Date, YYYY-MM-DD.")],
) -> None:
    """Book a maintenance day: the vehicle serves nobody that day."""
    when = parse_date(day, "DAY")
    if vehicle not in {v.id for v in load_fleet(get_settings().data_dir).vehicles}:
        raise fail(f"no vehicle {vehicle!r}")
    in_session(lambda s: add_maintenance(s, vehicle_id=vehicle, day=when))
    typer.echo(f"{vehicle} in maintenance on {when}")


def lock(
    plan_id: Annotated[int, typer.Argument(help="Stored plan id.")],
    vehicle: Annotated[str, typer.Option("--vehicle")],
    day: Annotated[str, typer.Option("--date", help="YYYY-MM-DD.")],
    place: Annotated[str | None, typer.Option("--place", help="One stop; without it, the whole vehicle-day.")] = None,
    unlock: Annotated[bool, typer.Option("--unlock", help="Remove the lock instead.")] = False,
) -> None:
    """Lock (or unlock) stops of a stored plan; `sefer reoptimize` keeps locked stops."""
    when = parse_date(day, "--date")
    count = in_session(
        lambda s: set_locked(s, plan_id=plan_id, vehicle_id=vehicle, day=when, place_id=place, locked=not unlock)
    )
    if count == 0:
        raise fail(f"plan {plan_id} has no stop of {vehicle} on {when}" + (f" at {place}" if place else ""))
    typer.echo(f"{'unlocked' if unlock else 'locked'} {count} stop(s)")


def publish(plan_id: Annotated[int, typer.Argument(help="Stored plan id.")]) -> None:
    """Publish a plan: its stops become visit history and the requests it serves become scheduled."""
    if not in_session(lambda s: publish_plan(s, plan_id=plan_id)):
        raise fail(f"no plan {plan_id}")
    typer.echo(f"plan {plan_id} published")


def plan_exists(plan_id: int) -> bool:
    return in_session(lambda s: get_plan(s, plan_id=plan_id) is not None)


def register(app: typer.Typer) -> None:
    app.add_typer(request_app, name="request")
    app.command()(maintenance)
    app.command()(lock)
    app.command()(publish)
