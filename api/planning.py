"""Composition root of a weekly solve: bundled data, graph travel, OR-Tools, then store the plan.

The CLI and (later) the API's background jobs call this, so both plan the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from data.calendar import public_holidays
from data.repository import save_plan, sync_reference
from routing.optimizer import RoutingOptimizer
from routing.travel import GraphTravelModel
from scheduler.domain import Fleet, Network
from scheduler.pipeline import PlanningParams, PlanningResult, plan_week
from scheduler.ports import ProgressCallback


@dataclass(frozen=True, slots=True)
class StoredPlan:
    plan_id: int | None
    """None when the plan broke a rule and was not stored (the previous plan stays the latest)."""
    result: PlanningResult
    holidays: dict[date, str]


def plan_and_store(
    *,
    sessions: sessionmaker[Session],
    network: Network,
    fleet: Fleet,
    week_start: date,
    time_limit_s: float,
    progress: ProgressCallback | None = None,
) -> StoredPlan:
    """Plan the week and store it, only if the validator finds nothing wrong."""
    holidays = public_holidays(week_start)
    result = plan_week(
        network=network,
        fleet=fleet,
        week_start=week_start,
        holidays=holidays,
        travel=GraphTravelModel(network),
        optimizer=RoutingOptimizer(),
        params=PlanningParams(time_limit_s=time_limit_s),
        progress=progress,
    )
    if result.violations:
        return StoredPlan(None, result, holidays)
    with sessions.begin() as session:
        sync_reference(session, network=network, fleet=fleet)
        plan_id = save_plan(session, plan=result.plan)
    return StoredPlan(plan_id, result, holidays)
