"""Composition root of a weekly solve: bundled data, stored requests, history and maintenance, graph travel,
OR-Tools, then store the plan; and the planner's hand edits and publishing of a stored plan.

The CLI and the API's background jobs (``api/jobs.py``) call ``plan_and_store``, so both plan the same way; a hand
edit and a publish check the plan with the independent validator against the week's problem built from the same
inputs (``scheduler.pipeline.week_problem``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from api.errors import Conflict, InvalidInput, NotFound, RefusedByRules
from api.settings import get_settings
from data.calendar import public_holidays
from data.fleet_store import with_planner_edits
from data.repository import (
    PlanState,
    bump_plan_version,
    get_plan,
    maintenance_days,
    open_requests,
    plan_state,
    publish_plan,
    published_plan_of_week,
    replace_plan_routes,
    save_plan,
    set_locked,
    sync_reference,
    visit_history,
)
from routing.optimizer import RoutingOptimizer
from routing.travel import GraphTravelModel
from scheduler.assemble import legs_for, overnights_for
from scheduler.calendar import BAKU
from scheduler.domain import Fleet, Network, VehicleKind
from scheduler.granularity import Granularity
from scheduler.pipeline import PlanningParams, PlanningResult, WeekInputs, plan_week, week_problem
from scheduler.plan import Plan, Route, Stop, compute_kpis
from scheduler.ports import ProgressCallback, TravelModel
from scheduler.problem import Problem
from scheduler.stability import Changes, count_changes, locks_from_plan
from scheduler.validator import Violation, validate


@dataclass(frozen=True, slots=True)
class StoredPlan:
    plan_id: int | None
    """None when the plan broke a rule and was not stored (the previous plan stays the latest)."""
    result: PlanningResult
    holidays: Mapping[date, str]
    changes: Changes | None = None
    """For a re-optimisation: what changed against the plan it started from."""


@functools.lru_cache(maxsize=4)
def travel_model(network: Network) -> GraphTravelModel:
    """The road and rail graphs of a network, built once per process."""
    return GraphTravelModel(network)


def checking_params() -> PlanningParams:
    """The parameters a stored plan is planned and checked with: the configured granularity (``SEFER_GRANULARITY``)."""
    return PlanningParams(granularity=get_settings().granularity)


class UnknownPlan(NotFound):
    """No stored plan has that id."""


def week_inputs(session: Session, *, fleet: Fleet, week_start: date, params: PlanningParams) -> WeekInputs:
    """Maintenance days, open requests of the week and the visit history before it."""
    maintenance = maintenance_days(session)
    requests = open_requests(session, first=week_start, last=week_start + timedelta(days=6))
    history = visit_history(session, before=week_start, weeks=params.demand.history_weeks)
    return WeekInputs(
        week_start=week_start,
        fleet=Fleet(tuple(replace(v, maintenance_dates=maintenance.get(v.id, ())) for v in fleet.vehicles)),
        holidays=public_holidays(week_start),
        requests=tuple(requests),
        history=tuple(history),
    )


def plan_and_store(
    *,
    sessions: sessionmaker[Session],
    network: Network,
    fleet: Fleet,
    week_start: date,
    time_limit_s: float,
    progress: ProgressCallback | None = None,
    reoptimize: int | None = None,
    on_stored: Callable[[Session, int], None] | None = None,
    granularity: Granularity | None = None,
) -> StoredPlan:
    """Plan the week (or re-optimise stored plan ``reoptimize``, keeping its locked stops) and store the result,
    only if the validator finds nothing wrong.

    ``on_stored(session, plan_id)`` runs inside the transaction that stores the plan: a background job records
    its success there, and by raising it rolls the plan back (the job was cancelled meanwhile).
    """
    configured = checking_params()
    params = replace(configured, time_limit_s=time_limit_s, granularity=granularity or configured.granularity)
    with sessions.begin() as session:
        sync_reference(session, network=network, fleet=fleet)
        previous = None
        if reoptimize is not None:
            previous = get_plan(session, plan_id=reoptimize)
            if previous is None:
                raise UnknownPlan(f"no plan {reoptimize}")
            week_start = previous.week_start
        inputs = week_inputs(session, fleet=fleet, week_start=week_start, params=params)
        network = with_planner_edits(session, network)
    result = plan_week(
        inputs,
        network=network,
        travel=travel_model(network),
        optimizer=RoutingOptimizer(),
        params=params,
        locks=() if previous is None else locks_from_plan(previous),
        previous=previous,
        progress=progress,
    )
    changes = None if previous is None else count_changes(previous, result.plan)
    if result.violations:
        return StoredPlan(None, result, inputs.holidays, changes)
    with sessions.begin() as session:
        plan_id = save_plan(session, plan=result.plan)
        if on_stored is not None:
            on_stored(session, plan_id)
    return StoredPlan(plan_id, result, inputs.holidays, changes)


# --- hand edits and publishing ---


class StaleVersion(Conflict):
    """The plan changed since the caller read it (409)."""

    def __init__(self, plan_id: int, current: int, sent: int) -> None:
        super().__init__(f"plan {plan_id} is at version {current}, not {sent}: reload it and try again")
        self.current = current


class UnknownStop(NotFound):
    """The plan has no stop of that vehicle on that date at that place (404)."""


class EditRefused(Conflict):
    """An edit that cannot be applied as asked, e.g. moving a locked stop (409)."""


class BadEdit(InvalidInput):
    """An edit naming something outside the plan: a vehicle it does not have, a date outside its week (422)."""


class PlanBreaksRules(RefusedByRules):
    """The validator finds violations, so the plan cannot be published (409)."""

    def __init__(self, plan_id: int, violations: tuple[Violation, ...]) -> None:
        super().__init__(f"plan {plan_id} breaks {len(violations)} rule(s) and cannot be published", violations)


class PublishRefused(Conflict):
    """A lifecycle rule refuses the publication: the week is over, or a newer plan of the week is published."""


class PastWeek(InvalidInput):
    """A week that has ended cannot be planned."""

    def __init__(self, week_start: date, today: date) -> None:
        super().__init__(
            "week_start", f"week_start: the week of {week_start} ended before {today}; plan a current week"
        )


def week_is_over(week_start: date, today: date) -> bool:
    return week_start + timedelta(days=7) <= today


def check_week_open(week_start: date, today: date) -> None:
    """A new plan is for a current or coming week (the CLI and ``POST /plans`` ask before a solve is queued)."""
    if week_is_over(week_start, today):
        raise PastWeek(week_start, today)


@dataclass(frozen=True, slots=True)
class StopEdit:
    """Which stop (vehicle, date, place) and what to do with it."""

    vehicle_id: str
    date: dt.date
    place_id: str
    action: Literal["lock", "unlock", "move"]
    to_vehicle_id: str | None = None
    to_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class EditOutcome:
    version: int
    violations: tuple[Violation, ...]
    """What the validator finds in the edited plan (it is stored all the same; publishing waits for none)."""
    plan_id: int | None = None
    """The plan the edit was stored in: the plan itself while a draft, a new draft when it was published (the
    public keeps seeing the published plan until the draft is published)."""


@dataclass(frozen=True, slots=True)
class Published:
    version: int
    published_at: datetime


def stored_plan(session: Session, *, plan_id: int) -> tuple[Plan, PlanState]:
    """The stored plan with its version and publication; ``UnknownPlan`` when there is none."""
    plan = get_plan(session, plan_id=plan_id)
    state = plan_state(session, plan_id=plan_id)
    if plan is None or state is None:
        raise UnknownPlan(f"plan {plan_id} not found")
    return plan, state


def _current(sessions: sessionmaker[Session], plan_id: int, version: int) -> tuple[Plan, PlanState]:
    with sessions() as session:
        plan, state = stored_plan(session, plan_id=plan_id)
    if state.version != version:
        raise StaleVersion(plan_id, state.version, version)
    return plan, state


def _inputs(sessions: sessionmaker[Session], fleet: Fleet, week_start: date) -> WeekInputs:
    with sessions() as session:
        return week_inputs(session, fleet=fleet, week_start=week_start, params=checking_params())


def _commit_version(session: Session, plan_id: int, version: int) -> int:
    new = bump_plan_version(session, plan_id=plan_id, expected=version)
    if new is None:
        state = plan_state(session, plan_id=plan_id)
        raise StaleVersion(plan_id, state.version if state else version, version)
    return new


def edit_stop(
    *,
    sessions: sessionmaker[Session],
    network: Network,
    fleet: Fleet,
    plan_id: int,
    version: int,
    edit: StopEdit,
) -> EditOutcome:
    """Lock, unlock or move one stop of stored plan ``plan_id`` read at ``version``; store it as ``version + 1``
    (a published or superseded plan: as a new draft plan, leaving it untouched) and report what the validator
    finds in the edited plan.

    The version is checked again in the storing transaction, so of two planners editing the same version one
    wins and the other gets ``StaleVersion``.
    """
    plan, state = _current(sessions, plan_id, version)
    key = (edit.vehicle_id, edit.date, edit.place_id)
    if not any((s.vehicle_id, s.date, s.place_id) == key for s in plan.stops):
        raise UnknownStop(f"plan {plan_id} has no stop of {edit.vehicle_id} on {edit.date} at {edit.place_id}")
    inputs = _inputs(sessions, fleet, plan.week_start)
    travel = travel_model(network)
    if edit.action == "move":
        # A locked stop never moves, so the edited plan has the same locks as the stored one.
        problem = week_problem(
            inputs, network=network, travel=travel, params=checking_params(), locks=locks_from_plan(plan)
        )
        edited = move_stop(plan, edit, problem=problem, travel=travel)
    else:
        locked = edit.action == "lock"
        edited = replace(
            plan,
            routes=tuple(
                replace(r, stops=tuple(replace(s, locked=locked) if _is(s, key) else s for s in r.stops))
                for r in plan.routes
            ),
        )
        problem = week_problem(
            inputs, network=network, travel=travel, params=checking_params(), locks=locks_from_plan(edited)
        )
    violations = validate(edited, problem=problem, network=network)
    if state.published:
        with sessions.begin() as session:
            _commit_version(session, plan_id, version)  # the edit is refused if someone else changed it meanwhile
            draft = save_plan(session, plan=edited)
        return EditOutcome(1, violations, draft)
    with sessions.begin() as session:
        new_version = _commit_version(session, plan_id, version)
        if edit.action == "move":
            replace_plan_routes(session, plan_id=plan_id, plan=edited)
        else:
            set_locked(
                session,
                plan_id=plan_id,
                vehicle_id=edit.vehicle_id,
                day=edit.date,
                place_id=edit.place_id,
                locked=edit.action == "lock",
            )
    return EditOutcome(new_version, violations, plan_id)


def check_plan(*, sessions: sessionmaker[Session], network: Network, fleet: Fleet, plan: Plan) -> tuple[Violation, ...]:
    """What the validator finds in ``plan`` against its week as the database says today."""
    travel = travel_model(network)
    inputs = _inputs(sessions, fleet, plan.week_start)
    problem = week_problem(
        inputs, network=network, travel=travel, params=checking_params(), locks=locks_from_plan(plan)
    )
    return validate(plan, problem=problem, network=network)


def publish(
    *,
    sessions: sessionmaker[Session],
    network: Network,
    fleet: Fleet,
    plan_id: int,
    version: int,
    today: date,
    force: bool = False,
) -> Published:
    """Publish plan ``plan_id`` read at ``version``: it supersedes the week's published plan, its requests become
    scheduled or declined, and the version rises. Refused when the validator finds a violation, when the week is
    over, or when the plan is older than the week's published plan (unless ``force``: going back on purpose)."""
    plan, _ = _current(sessions, plan_id, version)
    if week_is_over(plan.week_start, today):
        raise PublishRefused(f"plan {plan_id} is for the week of {plan.week_start}, which is over")
    with sessions() as session:
        current = published_plan_of_week(session, week_start=plan.week_start)
    if current is not None and current > plan_id and not force:
        raise PublishRefused(
            f"plan {plan_id} is older than plan {current}, the week's published plan; publish it with force to go back"
        )
    violations = check_plan(sessions=sessions, network=network, fleet=fleet, plan=plan)
    if violations:
        raise PlanBreaksRules(plan_id, violations)
    with sessions.begin() as session:
        new_version = _commit_version(session, plan_id, version)
        publish_plan(session, plan_id=plan_id)
        state = plan_state(session, plan_id=plan_id)
    assert state is not None and state.published_at is not None
    return Published(new_version, state.published_at)


def _is(stop: Stop, key: tuple[str, date, str]) -> bool:
    return (stop.vehicle_id, stop.date, stop.place_id) == key


def move_stop(plan: Plan, edit: StopEdit, *, problem: Problem, travel: TravelModel) -> Plan:
    """The plan with the stop moved to another vehicle and/or date, at the same times of day; the routes it
    leaves and joins get new legs and overnights. Nothing is checked here but the edit itself: the validator
    judges the result."""
    key = (edit.vehicle_id, edit.date, edit.place_id)
    stop = next(s for s in plan.stops if _is(s, key))
    if stop.locked:
        raise EditRefused(f"the stop of {stop.vehicle_id} on {stop.date} at {stop.place_id} is locked: unlock it first")
    vehicles = {v.id: v for v in plan.vehicles}
    to_vehicle = edit.to_vehicle_id or stop.vehicle_id
    if to_vehicle not in vehicles:
        raise BadEdit("to_vehicle_id", f"to_vehicle_id: the plan has no vehicle {to_vehicle!r}")
    retired = sorted({stop.vehicle_id, to_vehicle} - {v.id for v in problem.vehicles})
    if retired:
        raise EditRefused(f"{retired[0]} is not in the fleet: its route cannot be redrawn; re-optimise instead")
    to_date = edit.to_date or stop.date
    if not plan.week_start <= to_date < plan.week_start + timedelta(days=7):
        raise BadEdit("to_date", f"to_date: {to_date} is outside the plan's week from {plan.week_start}")
    shift = to_date - stop.date
    moved = replace(
        stop,
        vehicle_id=to_vehicle,
        date=to_date,
        arrive=(stop.arrive + shift).astimezone(BAKU),
        depart=(stop.depart + shift).astimezone(BAKU),
    )
    kind = vehicles[to_vehicle].kind
    if kind is not vehicles[stop.vehicle_id].kind:
        moved = _at_site_for(moved, kind, problem, travel)
    routes = {r.vehicle_id: r for r in plan.routes}
    for vehicle_id in (stop.vehicle_id, to_vehicle):
        if vehicle_id not in routes:
            routes[vehicle_id] = Route(vehicle_id, (), ())
    source = routes[stop.vehicle_id]
    remaining = list(source.stops)
    remaining.remove(stop)
    routes[stop.vehicle_id] = _rebuilt(problem, travel, source, remaining)
    target = routes[to_vehicle]
    routes[to_vehicle] = _rebuilt(problem, travel, target, [*target.stops, moved])
    order = [r.vehicle_id for r in plan.routes]
    order += [v for v in routes if v not in order]
    new_routes = tuple(routes[v] for v in order)
    kpis = compute_kpis(new_routes, demand_citizens=plan.kpis.demand_citizens, solve_seconds=plan.kpis.solve_seconds)
    return replace(plan, routes=new_routes, kpis=kpis)


def _at_site_for(stop: Stop, kind: VehicleKind, problem: Problem, travel: TravelModel) -> Stop:
    """A stop handed to a vehicle of the other kind stands where that kind serves the place (the bus at the
    centre, the train at the station within its catchment); with no such site it keeps its own and the validator
    says why."""
    site_id = next(
        (s for c in problem.candidates if c.place_id == stop.place_id and (s := c.site_id(kind)) is not None),
        stop.place_id if kind is VehicleKind.BUS else None,
    )
    site = next((s for s in travel.sites(kind) if s.id == site_id), None)
    if site is None:
        return stop
    return replace(stop, site_id=site.id, lat=site.lat, lon=site.lon)


def _rebuilt(problem: Problem, travel: TravelModel, old: Route, stops: list[Stop]) -> Route:
    """``old`` with ``stops`` (in time order): legs depot → stops → depot, home for the nights ``old`` spent at
    the depot (a vehicle that had no stops goes home every night)."""
    stops = sorted(stops, key=lambda s: s.arrive)
    if not stops:
        return Route(old.vehicle_id, (), (), overnights_for(problem, old.vehicle_id, ()))
    home_nights = {o.date for o in old.overnights if o.at_depot} if old.stops else set(problem.service_dates)
    items: list[Stop | None] = [stops[0]]
    for before, after in pairwise(stops):
        if any(before.date <= night < after.date for night in home_nights):
            items.append(None)
        items.append(after)
    legs = legs_for(problem, old.vehicle_id, items, travel)
    return Route(old.vehicle_id, tuple(stops), legs, overnights_for(problem, old.vehicle_id, legs))
