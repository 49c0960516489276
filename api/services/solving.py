"""Plan a week, or re-optimise a stored plan: the week's inputs from the database (maintenance, open requests,
visit history), graph travel, OR-Tools, and the plan stored only when the validator finds nothing wrong.

The CLI and the job workers (``api.jobs``) both call ``plan_and_store``, so they plan the same way; hand edits and
publishing (``api.services.plans``) check a plan against the week's problem built from the same inputs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from api.errors import NotFound
from api.settings import get_settings
from data.calendar import public_holidays
from data.fleet import maintenance_days
from data.history import visit_history
from data.places import with_planner_edits
from data.plans import (
    get_plan,
    save_plan,
)
from data.reference_sync import sync_reference
from data.visit_requests import open_requests
from routing.optimizer import RoutingOptimizer
from routing.travel import GraphTravelModel
from scheduler.domain import Fleet, Network
from scheduler.granularity import Granularity
from scheduler.pipeline import PlanningParams, PlanningResult, WeekInputs, plan_week
from scheduler.ports import ProgressCallback
from scheduler.stability import Changes, count_changes, locks_from_plan


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


def blank_week_inputs(fleet: Fleet, week_start: date) -> WeekInputs:
    """A week with its public holidays and nothing stored: no maintenance, requests or history (the week bench)."""
    return WeekInputs(week_start, fleet, public_holidays(week_start))


def plan_and_store(
    *,
    sessions: sessionmaker[Session],
    network: Network,
    fleet: Fleet,
    time_limit_s: float,
    week_start: date | None = None,
    reoptimize: int | None = None,
    progress: ProgressCallback | None = None,
    on_stored: Callable[[Session, int], None] | None = None,
    granularity: Granularity | None = None,
) -> StoredPlan:
    """Plan the week of ``week_start``, or re-optimise stored plan ``reoptimize`` (its week, keeping its locked
    stops): exactly one of the two. The result is stored only if the validator finds nothing wrong.

    ``on_stored(session, plan_id)`` runs inside the transaction that stores the plan: a background job records
    its success there, and by raising it rolls the plan back (the job was cancelled meanwhile).
    """
    if (week_start is None) == (reoptimize is None):
        raise ValueError("plan_and_store: give exactly one of week_start and reoptimize")
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
        assert week_start is not None
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
