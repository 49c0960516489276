"""Planner commands on stored data: visit requests, maintenance days, locks and publishing.

Each command opens the configured database, changes one thing in one transaction and prints one line. Bad input
(unknown place, vehicle or plan; bad dates; a window that ends before it starts) is one ``error:`` line, exit 2.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from api.cli_support import fail, in_session, parse_date, with_store
from api.planning import StopEdit, UnknownStop, edit_stop, stored_plan
from api.planning import publish as publish_plan_use_case
from api.settings import get_settings
from data.bundled import load_fleet, load_network
from data.repository import add_maintenance, add_request, get_plan, list_plans, open_requests
from scheduler.calendar import BAKU
from scheduler.domain import Fleet, Network
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
    """Lock (or unlock) stops of a stored plan, each a new version (a published plan: a new draft plan);
    `sefer reoptimize` keeps locked stops."""
    when = parse_date(day, "--date")

    def run(sessions: sessionmaker[Session], network: Network, fleet: Fleet) -> tuple[int, int, int]:
        with sessions() as session:
            plan, state = stored_plan(session, plan_id=plan_id)
        stops = [s for s in plan.stops if s.vehicle_id == vehicle and s.date == when and place in (None, s.place_id)]
        if not stops:
            raise UnknownStop(f"plan {plan_id} has no stop of {vehicle} on {when}" + (f" at {place}" if place else ""))
        target, version = plan_id, state.version
        for stop in stops:
            edit = StopEdit(vehicle, when, stop.place_id, "unlock" if unlock else "lock")
            outcome = edit_stop(
                sessions=sessions, network=network, fleet=fleet, plan_id=target, version=version, edit=edit
            )
            target, version = outcome.plan_id or target, outcome.version
        return len(stops), target, version

    count, target, version = with_store(run)
    where = f"plan {target}" + (f" (a new draft of published plan {plan_id})" if target != plan_id else "")
    typer.echo(f"{'unlocked' if unlock else 'locked'} {count} stop(s) in {where}, version {version}")


def publish(
    plan_id: Annotated[int, typer.Argument(help="Stored plan id.")],
    force: Annotated[
        bool, typer.Option("--force", help="Publish although a newer plan of the week is published (go back).")
    ] = False,
) -> None:
    """Publish a plan (it supersedes the week's published plan): its stops become visit history and the requests
    it serves become scheduled. Refused when the validator finds violations, the week is over, or a newer plan of
    the week is published (unless --force)."""

    def run(sessions: sessionmaker[Session], network: Network, fleet: Fleet) -> int:
        with sessions() as session:
            _, state = stored_plan(session, plan_id=plan_id)
        today = datetime.now(BAKU).date()
        return publish_plan_use_case(
            sessions=sessions,
            network=network,
            fleet=fleet,
            plan_id=plan_id,
            version=state.version,
            today=today,
            force=force,
        ).version

    version = with_store(run)
    typer.echo(f"plan {plan_id} published (version {version})")


plans_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Stored plans.")


@plans_app.command("list")
def plans_list(
    week: Annotated[str | None, typer.Option("--week", help="Only this week's plans (its Monday, YYYY-MM-DD).")] = None,
) -> None:
    """Stored plans, newest first: id, week, status, version, citizen-hours saved, warnings."""
    week_start = parse_date(week, "--week") if week is not None else None
    for state in in_session(lambda s: list_plans(s, week_start=week_start)):
        hours = state.kpis.get("citizen_hours_saved", 0)
        warnings = f"  ! {'; '.join(state.warnings)}" if state.warnings else ""
        typer.echo(
            f"{state.plan_id} {state.week_start} {state.status.value} v{state.version} {hours:,.0f} h saved{warnings}"
        )


def plan_exists(plan_id: int) -> bool:
    return in_session(lambda s: get_plan(s, plan_id=plan_id) is not None)


def register(app: typer.Typer) -> None:
    app.add_typer(request_app, name="request")
    app.add_typer(plans_app, name="plans")
    app.command()(maintenance)
    app.command()(lock)
    app.command()(publish)
