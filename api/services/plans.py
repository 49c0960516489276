"""A stored plan's life: read and list plans, hand edits (lock, unlock, move a stop) and publishing, with one
set of rules.

A week's plans are drafts until one is published; publishing supersedes the week's previous published plan and is
refused for a plan with violations, of a past week, or older than the week's published plan (unless forced). An
edit to a published plan is stored as a new draft. Every change names the version it read and raises it by one,
so of two planners editing the same version one wins and the other gets ``StaleVersion``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from api.errors import Conflict, InvalidInput, NotFound, RefusedByRules
from api.services.solving import UnknownPlan, checking_params, travel_model, week_inputs
from data.plans import (
    PlanState,
    bump_plan_version,
    get_plan,
    list_plans,
    plan_state,
    publish_plan,
    published_plan_of_week,
    replace_plan_routes,
    save_plan,
    set_locked,
)
from scheduler.domain import Fleet, Network
from scheduler.edits import EditError, is_stop, move_stop
from scheduler.edits import StopEdit as StopEdit
from scheduler.pipeline import WeekInputs, week_problem
from scheduler.plan import Plan
from scheduler.requests import VisitRequest
from scheduler.stability import locks_from_plan
from scheduler.validator import Violation, validate


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


def plans_of(session: Session, *, week_start: date | None = None) -> list[PlanState]:
    """Stored plans (of one week when given), newest first, with their status, version and warnings."""
    return list_plans(session, week_start=week_start)


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
        try:
            edited = move_stop(plan, edit, problem=problem, travel=travel)
        except EditError as exc:
            raise (EditRefused(str(exc)) if exc.field is None else BadEdit(exc.field, str(exc))) from exc
    else:
        locked = edit.action == "lock"
        edited = replace(
            plan,
            routes=tuple(
                replace(r, stops=tuple(replace(s, locked=locked) if is_stop(s, key) else s for s in r.stops))
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


@dataclass(frozen=True, slots=True)
class PlanWithWeek:
    """A stored plan with what its map shows beside it: the week's need per place and its open requests."""

    plan: Plan
    demand: dict[str, float]
    requests: tuple[VisitRequest, ...]


def plan_with_week(session: Session, *, network: Network, fleet: Fleet, plan_id: int) -> PlanWithWeek:
    """The stored plan, the weekly need of each place and the week's open requests, as the database says today."""
    plan, _ = stored_plan(session, plan_id=plan_id)
    inputs = week_inputs(session, fleet=fleet, week_start=plan.week_start, params=checking_params())
    problem = week_problem(inputs, network=network, travel=travel_model(network), params=checking_params())
    return PlanWithWeek(plan, {d.place_id: float(d.weekly_citizens) for d in problem.demand}, inputs.requests)


@dataclass(frozen=True, slots=True)
class LockOutcome:
    plan_id: int
    """The plan the locks are in: the plan itself, or the new draft of a published plan."""
    version: int
    stops: int


def lock_vehicle_day(
    *,
    sessions: sessionmaker[Session],
    network: Network,
    fleet: Fleet,
    plan_id: int,
    vehicle_id: str,
    day: date,
    place_id: str | None = None,
    locked: bool = True,
    version: int | None = None,
) -> LockOutcome:
    """Lock (or unlock) the stops of a vehicle on a day (at one place, or all), each an edit at the plan's
    current version; a published plan's first edit makes the new draft the rest go to. ``version``, when given,
    is the version the caller read: a plan changed since is ``StaleVersion``, not overwritten."""
    with sessions() as session:
        plan, state = stored_plan(session, plan_id=plan_id)
    if version is not None and version != state.version:
        raise StaleVersion(plan_id, state.version, version)
    stops = [s for s in plan.stops if s.vehicle_id == vehicle_id and s.date == day and place_id in (None, s.place_id)]
    if not stops:
        at = f" at {place_id}" if place_id else ""
        raise UnknownStop(f"plan {plan_id} has no stop of {vehicle_id} on {day}{at}")
    target, version = plan_id, state.version
    for stop in stops:
        edit = StopEdit(vehicle_id, day, stop.place_id, "lock" if locked else "unlock")
        outcome = edit_stop(sessions=sessions, network=network, fleet=fleet, plan_id=target, version=version, edit=edit)
        target, version = outcome.plan_id or target, outcome.version
    return LockOutcome(target, version, len(stops))
