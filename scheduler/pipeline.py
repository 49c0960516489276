"""The whole weekly planning flow on one screen: demand → candidates → problem → optimizer → plan → validator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from scheduler.assemble import build_plan
from scheduler.calendar import service_dates
from scheduler.demand import DemandParams, VisitRecord, estimate_demand
from scheduler.domain import Fleet, Network
from scheduler.explain import due_missed, explain_unserved
from scheduler.granularity import DEFAULT_GRANULARITY, Granularity, at_granularity, place_at
from scheduler.naming import place_label
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
    granularity: Granularity = DEFAULT_GRANULARITY
    """What a place is: each settlement, or a whole unit at its centre town (``scheduler.granularity``)."""


@dataclass(frozen=True, slots=True)
class PlanningResult:
    plan: Plan
    problem: Problem
    solution: Solution
    violations: tuple[Violation, ...]


@dataclass(frozen=True, slots=True)
class WeekInputs:
    """What a week is planned (and a stored plan checked) against, besides the network and its travel times."""

    week_start: date
    fleet: Fleet
    """The fleet with each vehicle's maintenance days."""
    holidays: Mapping[date, str] = field(default_factory=dict)
    """Public holidays of the week and their names: no service on them."""
    requests: tuple[VisitRequest, ...] = ()
    history: tuple[VisitRecord, ...] = ()


def plan_week(
    inputs: WeekInputs,
    *,
    network: Network,
    travel: TravelModel,
    optimizer: Optimizer,
    params: PlanningParams | None = None,
    locks: Sequence[Lock] = (),
    previous: Plan | None = None,
    progress: ProgressCallback | None = None,
) -> PlanningResult:
    """Plan one week. ``previous`` (the week's current plan) is where the search starts when re-optimising, so
    stops move only where the objective gains."""
    params = params or PlanningParams()
    grained = at_granularity(network, params.granularity)
    problem = _problem(inputs, network, grained, travel, params, locks)
    hint = None if previous is None else hint_from_plan(problem, previous)
    solution = optimizer.solve(problem, time_limit_s=params.time_limit_s, progress=progress, hint=hint)
    plan = build_plan(problem, solution, travel)
    named = explain_unserved(problem, plan, name=lambda place_id: place_label(network, place_id, "az"))
    plan = replace(plan, unserved=named, due_missed=due_missed(problem, plan))
    return PlanningResult(plan, problem, solution, validate(plan, problem=problem, network=grained))


def week_problem(
    inputs: WeekInputs,
    *,
    network: Network,
    travel: TravelModel,
    params: PlanningParams | None = None,
    locks: Sequence[Lock] = (),
) -> Problem:
    """Demand and candidates of one week: what ``plan_week`` solves, and what a hand-edited plan is checked against.
    ``network`` is the network as loaded (both grains); ``params.granularity`` picks the places."""
    params = params or PlanningParams()
    return _problem(inputs, network, at_granularity(network, params.granularity), travel, params, locks)


def _problem(
    inputs: WeekInputs,
    loaded: Network,
    network: Network,
    travel: TravelModel,
    params: PlanningParams,
    locks: Sequence[Lock],
) -> Problem:
    """The week's problem on ``network`` (``loaded`` at the plan's grain, applied once); a request or lock naming a
    place of the other grain (a village at unit grain) counts at the place that stands for it there."""
    dates = service_dates(inputs.week_start, inputs.holidays)
    demand = estimate_demand(network, travel, dates, history=inputs.history, params=params.demand)
    return build_problem(
        network=network,
        fleet=inputs.fleet,
        travel=travel,
        demand=demand,
        week_start=inputs.week_start,
        service_dates=dates,
        rules=params.rules,
        requests=tuple(replace(r, place_id=place_at(loaded, network, r.place_id)) for r in inputs.requests),
        locks=tuple(replace(lock, place_id=place_at(loaded, network, lock.place_id)) for lock in locks),
    )
