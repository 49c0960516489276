"""Composition root of a weekly solve: bundled data, stored requests, history and maintenance, graph travel,
OR-Tools, then store the plan.

The CLI and (later) the API's background jobs call these, so both plan the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy.orm import Session, sessionmaker

from data.calendar import public_holidays
from data.repository import (
    get_plan,
    maintenance_days,
    open_requests,
    save_plan,
    sync_reference,
    visit_history,
)
from routing.optimizer import RoutingOptimizer
from routing.travel import GraphTravelModel
from scheduler.domain import Fleet, Network
from scheduler.pipeline import PlanningParams, PlanningResult, plan_week
from scheduler.ports import ProgressCallback
from scheduler.stability import Changes, count_changes, locks_from_plan


@dataclass(frozen=True, slots=True)
class StoredPlan:
    plan_id: int | None
    """None when the plan broke a rule and was not stored (the previous plan stays the latest)."""
    result: PlanningResult
    holidays: dict[date, str]
    changes: Changes | None = None
    """For a re-optimisation: what changed against the plan it started from."""


class UnknownPlan(LookupError):
    """No stored plan has that id."""


def plan_and_store(
    *,
    sessions: sessionmaker[Session],
    network: Network,
    fleet: Fleet,
    week_start: date,
    time_limit_s: float,
    progress: ProgressCallback | None = None,
    reoptimize: int | None = None,
) -> StoredPlan:
    """Plan the week (or re-optimise stored plan ``reoptimize``, keeping its locked stops) and store the result,
    only if the validator finds nothing wrong."""
    params = PlanningParams(time_limit_s=time_limit_s)
    holidays = public_holidays(week_start)
    with sessions.begin() as session:
        sync_reference(session, network=network, fleet=fleet)
        previous = None
        if reoptimize is not None:
            previous = get_plan(session, plan_id=reoptimize)
            if previous is None:
                raise UnknownPlan(f"no plan {reoptimize}")
            week_start = previous.week_start
        maintenance = maintenance_days(session)
        requests = open_requests(session, first=week_start, last=week_start + timedelta(days=6))
        history = visit_history(session, before=week_start, weeks=params.demand.history_weeks)
    fleet = Fleet(tuple(replace(v, maintenance_dates=maintenance.get(v.id, ())) for v in fleet.vehicles))
    result = plan_week(
        network=network,
        fleet=fleet,
        week_start=week_start,
        holidays=holidays,
        travel=GraphTravelModel(network),
        optimizer=RoutingOptimizer(),
        params=params,
        requests=requests,
        history=history,
        locks=() if previous is None else locks_from_plan(previous),
        previous=previous,
        progress=progress,
    )
    changes = None if previous is None else count_changes(previous, result.plan)
    if result.violations:
        return StoredPlan(None, result, holidays, changes)
    with sessions.begin() as session:
        plan_id = save_plan(session, plan=result.plan)
    return StoredPlan(plan_id, result, holidays, changes)
