"""Planner commands on stored data: visit requests, maintenance days, locks, publishing, plans and jobs.

Each command runs one use case (``api.services``) on the configured database and prints one line per result.
Bad input is one ``error:`` line and exit code 2, a refusal by the plan's state exit code 1.
"""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.support import in_session, parse_date, today, with_store
from api.services import fleet, jobs, plans, requests
from api.services.jobs import JobStatus
from api.services.limits import MAX_CITIZENS
from api.services.requests import RequestFields, RequestStatus
from api.services.store import Store
from scheduler.requests import Priority

request_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Visit requests from regional offices.")


@request_app.command("add")
def request_add(
    window_from: Annotated[str, typer.Option("--from", help="First acceptable date, YYYY-MM-DD.")],
    window_to: Annotated[str, typer.Option("--to", help="Last acceptable date, YYYY-MM-DD.")],
    citizens: Annotated[int, typer.Option("--citizens", help=f"Citizens expected, 1 to {MAX_CITIZENS}.")],
    place: Annotated[str | None, typer.Option("--place", help="Place id, e.g. AZ-QAB.")] = None,
    settlement: Annotated[str | None, typer.Option("--settlement", help="Or a town or village name.")] = None,
    services: Annotated[str, typer.Option("--services", help="Comma-separated service codes.")] = "",
    priority: Annotated[Priority, typer.Option("--priority")] = Priority.NORMAL,
    office: Annotated[str | None, typer.Option("--office", help="The requesting office.")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
) -> None:
    """Record a visit request (the same rules as POST /requests); the next plan of a week overlapping its window
    considers it."""
    given = RequestFields(
        place_id=place,
        settlement=settlement,
        window_start=parse_date(window_from, "--from"),
        window_end=parse_date(window_to, "--to"),
        expected_citizens=citizens,
        services=tuple(c.strip() for c in services.split(",") if c.strip()),
        priority=priority,
        note=note,
    )

    def run(store: Store) -> str:
        with store.sessions() as session:
            stored, _ = requests.file_request(
                session, caller=None, network=store.network, today=today(), given=given, office=office
            )
            return stored.id

    typer.echo(with_store(run))


@request_app.command("list")
def request_list(
    status: Annotated[RequestStatus | None, typer.Option("--status", help="Only requests in this state.")] = None,
    place: Annotated[str | None, typer.Option("--place", help="Only requests for this place id.")] = None,
) -> None:
    """Requests, oldest first: id, status, place, window, citizens, services, priority."""
    for r in in_session(lambda s: requests.list_requests(s, caller=None, status=status, place_id=place)):
        codes = ",".join(r.services) or "-"
        typer.echo(
            f"{r.id} {r.status.value} {r.place_id} {r.window_start}..{r.window_end} {r.expected_citizens} "
            f"{codes} {r.priority}"
        )


@request_app.command("cancel")
def request_cancel(request_id: Annotated[str, typer.Argument(help="The request id, e.g. REQ-1a2b3c4d.")]) -> None:
    """Cancel a request; one a published plan scheduled flags that plan for the planner."""
    cancelled = in_session(lambda s: requests.cancel_request(s, caller=None, request_id=request_id))
    typer.echo(f"{cancelled.id} {cancelled.status.value}")


def maintenance(
    vehicle: Annotated[str, typer.Argument(help="Vehicle id, e.g. BUS-03.")],
    day: Annotated[str, typer.Argument(help="Date, YYYY-MM-DD.")],
    cancel: Annotated[bool, typer.Option("--cancel", help="Cancel the booked day instead.")] = False,
) -> None:
    """Book a maintenance day (today or up to a year ahead): the vehicle serves nobody that day."""
    when = parse_date(day, "DAY")
    if cancel:
        in_session(lambda s: fleet.cancel_maintenance(s, vehicle_id=vehicle, day=when))
        typer.echo(f"{vehicle} maintenance on {when} cancelled")
        return
    new = in_session(lambda s: fleet.book_maintenance(s, vehicle_id=vehicle, day=when, today=today()))
    typer.echo(f"{vehicle} in maintenance on {when}" + ("" if new else " (already booked)"))


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

    def run(store: Store) -> plans.LockOutcome:
        return plans.lock_vehicle_day(
            sessions=store.sessions,
            network=store.network,
            fleet=store.fleet,
            plan_id=plan_id,
            vehicle_id=vehicle,
            day=when,
            place_id=place,
            locked=not unlock,
        )

    done = with_store(run)
    where = f"plan {done.plan_id}" + (f" (a new draft of published plan {plan_id})" if done.plan_id != plan_id else "")
    typer.echo(f"{'unlocked' if unlock else 'locked'} {done.stops} stop(s) in {where}, version {done.version}")


def publish(
    plan_id: Annotated[int, typer.Argument(help="Stored plan id.")],
    force: Annotated[
        bool, typer.Option("--force", help="Publish although a newer plan of the week is published (go back).")
    ] = False,
) -> None:
    """Publish a plan (it supersedes the week's published plan): its stops become visit history and the requests
    it serves become scheduled. Refused when the validator finds violations, the week is over, or a newer plan of
    the week is published (unless --force)."""

    def run(store: Store) -> int:
        with store.sessions() as session:
            _, state = plans.stored_plan(session, plan_id=plan_id)
        return plans.publish(
            sessions=store.sessions,
            network=store.network,
            fleet=store.fleet,
            plan_id=plan_id,
            version=state.version,
            today=today(),
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
    for state in in_session(lambda s: plans.plans_of(s, week_start=week_start)):
        hours = state.kpis.get("citizen_hours_saved", 0)
        warnings = f"  ! {'; '.join(state.warnings)}" if state.warnings else ""
        typer.echo(
            f"{state.plan_id} {state.week_start} {state.status.value} v{state.version} {hours:,.0f} h saved{warnings}"
        )


jobs_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Background solve jobs (sefer serve).")


@jobs_app.command("list")
def jobs_list(
    status: Annotated[JobStatus | None, typer.Option("--status", help="Only jobs in this state.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most this many, newest first.")] = 20,
) -> None:
    """Jobs, newest first: id, kind, status, progress, plan, message."""
    for job in in_session(lambda s: jobs.list_jobs(s, status=status, limit=limit)):
        plan = f"plan {job.plan_id}" if job.plan_id is not None else "-"
        typer.echo(
            f"{job.id} {job.kind} {job.status.value} {job.progress:.0%} {plan} {job.created_at:%Y-%m-%d %H:%M} "
            f"{job.message}".rstrip()
        )


def register(app: typer.Typer) -> None:
    app.add_typer(request_app, name="request")
    app.add_typer(plans_app, name="plans")
    app.add_typer(jobs_app, name="jobs")
    app.command()(maintenance)
    app.command()(lock)
    app.command()(publish)
