"""The whole weekly planning flow on one screen: demand → candidates → problem → optimizer → plan → validator."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from scheduler.assemble import build_plan
from scheduler.calendar import service_dates
from scheduler.demand import DemandParams, estimate_demand
from scheduler.domain import Fleet, Network
from scheduler.plan import Plan
from scheduler.ports import ProgressCallback, TravelModel
from scheduler.problem import Optimizer, Problem, Rules, build_problem
from scheduler.validator import Violation, validate


@dataclass(frozen=True, slots=True)
class PlanningParams:
    time_limit_s: float = 30.0
    demand: DemandParams = field(default_factory=DemandParams)
    rules: Rules = field(default_factory=Rules)


@dataclass(frozen=True, slots=True)
class PlanningResult:
    plan: Plan
    problem: Problem
    violations: tuple[Violation, ...]


def plan_week(
    *,
    network: Network,
    fleet: Fleet,
    week_start: date,
    holidays: Collection[date],
    travel: TravelModel,
    optimizer: Optimizer,
    params: PlanningParams | None = None,
    progress: ProgressCallback | None = None,
) -> PlanningResult:
    params = params or PlanningParams()
    dates = service_dates(week_start, holidays)
    demand = estimate_demand(network, travel, params.demand)
    problem = build_problem(
        network=network,
        fleet=fleet,
        travel=travel,
        demand=demand,
        week_start=week_start,
        service_dates=dates,
        rules=params.rules,
    )
    solution = optimizer.solve(problem, time_limit_s=params.time_limit_s, progress=progress)
    plan = build_plan(problem, solution, travel)
    return PlanningResult(plan, problem, validate(plan, problem=problem, network=network))
