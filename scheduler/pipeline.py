"""The whole weekly planning flow on one screen: demand → candidates → problem → optimizer → plan → validator."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from scheduler.assemble import build_plan
from scheduler.calendar import service_dates
from scheduler.demand import DemandParams, VisitRecord, estimate_demand
from scheduler.domain import Fleet, Network
from scheduler.explain import due_missed, explain_unserved
from scheduler.plan import Plan
from scheduler.ports import ProgressCallback, TravelModel
from scheduler.problem import Lock, Optimizer, Problem, Rules, Solution, build_problem
from scheduler.requests import VisitRequest
from scheduler.stability import hint_from_plan
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
    solution: Solution
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
    requests: Sequence[VisitRequest] = (),
    history: Sequence[VisitRecord] = (),
    locks: Sequence[Lock] = (),
    previous: Plan | None = None,
    progress: ProgressCallback | None = None,
) -> PlanningResult:
    """Plan one week. ``previous`` (the week's current plan) is where the search starts when re-optimising, so
    stops move only where the objective gains."""
    params = params or PlanningParams()
    problem = week_problem(
        network=network,
        fleet=fleet,
        week_start=week_start,
        holidays=holidays,
        travel=travel,
        params=params,
        requests=requests,
        history=history,
        locks=locks,
    )
    hint = None if previous is None else hint_from_plan(problem, previous)
    solution = optimizer.solve(problem, time_limit_s=params.time_limit_s, progress=progress, hint=hint)
    plan = build_plan(problem, solution, travel)
    plan = replace(plan, unserved=explain_unserved(problem, plan), due_missed=due_missed(problem, plan))
    return PlanningResult(plan, problem, solution, validate(plan, problem=problem, network=network))


def week_problem(
    *,
    network: Network,
    fleet: Fleet,
    week_start: date,
    holidays: Collection[date],
    travel: TravelModel,
    params: PlanningParams,
    requests: Sequence[VisitRequest] = (),
    history: Sequence[VisitRecord] = (),
    locks: Sequence[Lock] = (),
) -> Problem:
    """Demand and candidates of one week: what ``plan_week`` solves, and what a hand-edited plan is checked against."""
    dates = service_dates(week_start, holidays)
    demand = estimate_demand(network, travel, dates, history=history, params=params.demand)
    return build_problem(
        network=network,
        fleet=fleet,
        travel=travel,
        demand=demand,
        week_start=week_start,
        service_dates=dates,
        rules=params.rules,
        requests=requests,
        locks=locks,
    )
