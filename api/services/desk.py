"""What the planner's desk shows of one week: a plan of it, the week's other versions, the published one to
compare against, the holidays, and the requests the plan's stops serve or leave out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from api.services.fleet import fleet_with_maintenance
from api.services.jobs import JobStatus, StoredJob, read_job
from api.services.plans import check_plan, plans_of, stored_plan
from api.services.requests import requests_by_id
from data.calendar import public_holidays
from data.plans import PlanState
from data.visit_requests import StoredRequest
from scheduler.calendar import next_week_start
from scheduler.domain import Fleet, Network
from scheduler.plan import Plan, Stop
from scheduler.stability import Changes, count_changes
from scheduler.validator import Violation


@dataclass(frozen=True, slots=True)
class DeskWeek:
    week_start: date
    plan: Plan | None
    """The plan shown: the one asked for, else the week's newest; None when the week has none."""
    state: PlanState | None
    versions: tuple[PlanState, ...]
    """Every plan of the week, newest first."""
    published: PlanState | None
    """The week's plan in force (published, not superseded), if any."""
    weeks: tuple[date, ...]
    """Weeks that have plans, newest first, and the coming week."""
    holidays: dict[date, str]
    requests: dict[str, StoredRequest]
    """The requests the plan's stops serve and those it leaves out, by id."""
    maintenance: dict[str, frozenset[date]]
    """Per vehicle, the maintenance days booked now (a plan may predate a booking: then they clash)."""


def desk_week(session: Session, *, today: date, week_start: date | None = None, plan_id: int | None = None) -> DeskWeek:
    """The week of ``plan_id`` if given (``UnknownPlan`` when there is none), else of ``week_start``, else the
    coming week."""
    plan: Plan | None = None
    state: PlanState | None = None
    if plan_id is not None:
        plan, state = stored_plan(session, plan_id=plan_id)
        week_start = plan.week_start
    week = week_start or next_week_start(today)
    versions = tuple(plans_of(session, week_start=week))
    if plan is None and versions:
        plan, state = stored_plan(session, plan_id=versions[0].plan_id)
    published = next((v for v in versions if v.published and v.superseded_at is None), None)
    weeks = tuple(sorted({s.week_start for s in plans_of(session)} | {next_week_start(today)}, reverse=True))
    ids: list[str] = []
    if plan is not None:
        ids = [rid for stop in plan.stops for rid in stop.request_ids] + [u.request_id for u in plan.unserved]
    requests = {r.id: r for r in requests_by_id(session, list(dict.fromkeys(ids)))}
    booked = {vehicle.id: frozenset(days) for vehicle, days in fleet_with_maintenance(session)}
    return DeskWeek(week, plan, state, versions, published, weeks, public_holidays(week), requests, booked)


@dataclass(frozen=True, slots=True)
class Checklist:
    """What a planner reads before publishing: rules broken (publishing is refused while there are any),
    stops on days a vehicle has since been booked for maintenance, and urgent requests the plan leaves out."""

    plan: Plan
    state: PlanState
    violations: tuple[Violation, ...]
    maintenance_clashes: tuple[tuple[str, date], ...]
    urgent_left_out: tuple[StoredRequest, ...]

    @property
    def clear(self) -> bool:
        return not (self.violations or self.maintenance_clashes)


def publish_checklist(*, sessions: sessionmaker[Session], network: Network, fleet: Fleet, plan_id: int) -> Checklist:
    with sessions() as session:
        plan, state = stored_plan(session, plan_id=plan_id)
        booked = {vehicle.id: set(days) for vehicle, days in fleet_with_maintenance(session)}
        left_out = requests_by_id(session, [u.request_id for u in plan.unserved])
    clashes = tuple(sorted({(s.vehicle_id, s.date) for s in plan.stops if s.date in booked.get(s.vehicle_id, set())}))
    violations = check_plan(sessions=sessions, network=network, fleet=fleet, plan=plan)
    urgent = tuple(r for r in left_out if r.priority == "urgent")
    return Checklist(plan, state, violations, clashes, urgent)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two plans side by side: stops (vehicle, date, place) kept, added by ``after``, removed from ``before``,
    and moved (a place served in both, by another vehicle or on another day)."""

    before: Plan
    after: Plan
    before_state: PlanState
    after_state: PlanState
    kept: int
    added: tuple[Stop, ...]
    removed: tuple[Stop, ...]
    moved: tuple[tuple[Stop, Stop], ...]


def compare_plans(session: Session, *, before_id: int, after_id: int) -> Comparison:
    before, before_state = stored_plan(session, plan_id=before_id)
    after, after_state = stored_plan(session, plan_id=after_id)

    def key(stop: Stop) -> tuple[str, date, str]:
        return (stop.vehicle_id, stop.date, stop.place_id)

    old = {key(s): s for s in before.stops}
    new = {key(s): s for s in after.stops}
    gone = [s for k, s in old.items() if k not in new]
    came = [s for k, s in new.items() if k not in old]
    moved: list[tuple[Stop, Stop]] = []
    for stop in list(gone):
        match = next((s for s in came if s.place_id == stop.place_id), None)
        if match is not None:
            moved.append((stop, match))
            gone.remove(stop)
            came.remove(match)
    kept = len(old.keys() & new.keys())
    return Comparison(before, after, before_state, after_state, kept, tuple(came), tuple(gone), tuple(moved))


@dataclass(frozen=True, slots=True)
class JobView:
    """A background solve as the desk follows it, and once it succeeded what it changed against its start."""

    job: StoredJob
    week_start: date
    changes: Changes | None


def job_view(session: Session, *, job_id: int) -> JobView:
    job = read_job(session, job_id=job_id)
    changes = None
    started_from = job.params.get("plan_id")
    if job.status == JobStatus.SUCCEEDED and job.plan_id is not None and started_from is not None:
        before, _ = stored_plan(session, plan_id=int(started_from))
        after, _ = stored_plan(session, plan_id=job.plan_id)
        changes = count_changes(before, after)
    return JobView(job, date.fromisoformat(str(job.params["week_start"])), changes)
