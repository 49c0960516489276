"""``sefer bench week``: the optimizer's week beside a proven upper bound and a hand planner's greedy week.

It plans the bundled Azerbaijan week (no database), then prints the plan's value (prize − driving − lodging, in
metres, ``scheduler.objective``), the LP bound on any plan's value (``routing.bound``), the ratio between them, and
the same for the greedy week (``scheduler.greedy``), which goes through ``build_plan`` and the validator like any
plan. Bad input ends with one line on stderr starting ``error:`` and exit code 2.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.support import fail, machine_line
from api.services.solving import blank_week_inputs
from api.services.store import BadData, reference_data
from routing.bound import BoundError, upper_bound
from routing.optimizer import RoutingOptimizer
from routing.travel import GraphTravelModel
from scheduler.assemble import build_plan
from scheduler.calendar import BAKU, WeekError, next_week_start, parse_week_start
from scheduler.explain import due_missed, explain_unserved
from scheduler.granularity import DEFAULT_GRANULARITY, Granularity
from scheduler.greedy import greedy_solution
from scheduler.objective import PlanValue, value_breakdown
from scheduler.pipeline import PlanningParams, plan_week
from scheduler.plan import Plan, plan_to_dict
from scheduler.problem import NoSolution, Problem
from scheduler.stability import count_changes
from scheduler.validator import Violation, validate


def _check_json_target(path: Path) -> None:
    """Refuse an unwritable ``--json`` before a minute of solving, not after."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise fail(f"--json: folder {folder} does not exist")
    if path.is_dir():
        raise fail(f"--json: {path} is a folder")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise fail(f"--json: cannot write {path}")


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


def _violations(found: tuple[Violation, ...]) -> list[dict[str, str | None]]:
    return [{"code": v.code, "vehicle_id": v.vehicle_id, "message": v.message} for v in found]


def _parts(value: PlanValue) -> str:
    return f"prize {value.prize_m:,} - driving {value.driving_m:,} - lodging {value.lodging_m:,}"


def week(
    week_text: Annotated[
        str | None, typer.Option("--week", help="Monday the week starts on, YYYY-MM-DD (default: next week).")
    ] = None,
    time_limit_s: Annotated[float, typer.Option("--time-limit", help="Optimizer time budget in seconds.")] = 60.0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the figures and the plan to this file.")
    ] = None,
    granularity: Annotated[
        Granularity, typer.Option("--granularity", help="A place is each settlement, or a whole unit.")
    ] = DEFAULT_GRANULARITY,
    seed: Annotated[int, typer.Option("--seed", min=0, help="The optimizer's random seed.")] = 0,
    reoptimize: Annotated[
        bool,
        typer.Option(
            "--reoptimize",
            help="Then re-optimise the unchanged week from its plan, as the desk's button does, with the same "
            "time limit: a planner expects it never to be worse.",
        ),
    ] = False,
) -> None:
    """The bundled Azerbaijan week: optimizer value, proven upper bound, ratio, and a greedy hand-made week."""
    if not time_limit_s > 0:
        raise fail(f"--time-limit must be positive, got {time_limit_s:g}")
    try:
        week_start = parse_week_start(week_text) if week_text is not None else next_week_start(_today())
    except WeekError as exc:
        raise fail(str(exc)) from None
    if json_out is not None:
        _check_json_target(json_out)
    try:
        network, fleet = reference_data(None)
    except BadData as exc:
        raise fail(str(exc)) from None
    travel = GraphTravelModel(network)
    typer.echo(
        f"planning the week of {week_start.isoformat()} at {granularity.value} grain: optimizer {time_limit_s:g} s",
        err=True,
    )
    try:
        result = plan_week(
            blank_week_inputs(fleet, week_start),
            network=network,
            travel=travel,
            optimizer=RoutingOptimizer(seed=seed),
            params=PlanningParams(time_limit_s=time_limit_s, granularity=granularity),
        )
    except WeekError as exc:
        raise fail(str(exc)) from None
    except NoSolution as exc:
        raise fail(str(exc), code=1) from None
    problem = result.problem
    typer.echo("greedy week and upper bound", err=True)
    greedy = greedy_solution(problem)
    greedy_plan = build_plan(problem, greedy, travel)
    greedy_plan = replace(
        greedy_plan, unserved=explain_unserved(problem, greedy_plan), due_missed=due_missed(problem, greedy_plan)
    )
    greedy_violations = validate(greedy_plan, problem=problem, network=network)
    try:
        bound = upper_bound(problem)
    except BoundError as exc:
        raise fail(f"upper bound: {exc}", code=1) from None
    value, greedy_value = value_breakdown(problem, result.solution), value_breakdown(problem, greedy)
    objective, greedy_objective = value.value, greedy_value.value
    gain = _pct(objective - greedy_objective, abs(greedy_objective))
    machine = machine_line()
    lines = [
        f"objective           {objective:,} m ({_parts(value)})",
        f"upper bound         {bound.value:,} m (LP, {bound.variables:,} variables, {bound.seconds:.1f} s)",
        f"ratio               {_pct(objective, bound.value):.1f} %",
        f"greedy objective    {greedy_objective:,} m ({_parts(greedy_value)})",
        f"greedy ratio        {_pct(greedy_objective, bound.value):.1f} %",
        f"optimizer vs greedy: {gain:+.1f} %",
        f"validator           optimizer {len(result.violations)} violations, greedy {len(greedy_violations)}",
    ]
    figures = {
        "optimizer": _figures(problem, result.plan, value),
        "greedy": _figures(problem, greedy_plan, greedy_value),
    }
    for name, f in figures.items():
        lines.append(
            f"{name:<19} {f['citizen_hours_saved']:,.0f} citizen-hours saved, {f['citizens_served']:,} citizens, "
            f"{f['places_served']} places, top-20 need {f['top20_need_served']}/20, {f['km']:,.0f} km, "
            f"{f['nights_away']} nights away"
        )
    margin = figures["optimizer"]["citizen_hours_saved"] - figures["greedy"]["citizen_hours_saved"]
    lines.append(f"citizen-hours saved, optimizer vs greedy: {margin:+,.0f} h")
    reference = REFERENCE if REFERENCE is not None and REFERENCE.holds_for(week_start, granularity) else None
    if reference is not None:
        lines.append(
            f"reference value     {reference.value:,} m ({reference.note}); "
            f"this run {_pct(objective, reference.value):.1f} %"
        )
    reoptimized: dict[str, Any] | None = None
    if reoptimize:
        typer.echo("re-optimising the unchanged week from its plan", err=True)
        again = plan_week(
            blank_week_inputs(fleet, week_start),
            network=network,
            travel=travel,
            optimizer=RoutingOptimizer(seed=seed),
            params=PlanningParams(time_limit_s=time_limit_s, granularity=granularity),
            previous=result.plan,
        )
        again_value = value_breakdown(again.problem, again.solution)
        changes = count_changes(result.plan, again.plan)
        reoptimized = {
            "objective": again_value.value,
            "citizen_hours_saved": round(again.plan.kpis.citizen_hours_saved),
            "stops_changed": changes.changed,
            "violations": len(again.violations),
        }
        change = _pct(again_value.value - objective, abs(objective))
        lines.append(
            f"re-optimised        {again_value.value:,} m ({change:+.2f} %), "
            f"{again.plan.kpis.citizen_hours_saved:,.0f} citizen-hours saved, {changes.changed} stops changed, "
            f"{len(again.violations)} violations"
        )
    lines.append(result.plan.summary())
    lines.insert(0, machine)
    for line in lines:
        typer.echo(line)
    if json_out is not None:
        document: dict[str, Any] = {
            "machine": machine,
            "week_start": week_start.isoformat(),
            "time_limit_s": time_limit_s,
            "seed": seed,
            "objective": objective,
            "upper_bound": bound.value,
            "ratio": round(objective / bound.value, 4) if bound.value else None,
            "greedy_objective": greedy_objective,
            "greedy_ratio": round(greedy_objective / bound.value, 4) if bound.value else None,
            "optimizer_vs_greedy_pct": round(gain, 2),
            "breakdown": {"optimizer": _breakdown(value), "greedy": _breakdown(greedy_value)},
            "bound": {"lp_value": bound.lp_value, "variables": bound.variables, "seconds": bound.seconds},
            "greedy_violations": _violations(greedy_violations),
            "plan": {**plan_to_dict(result.plan, network), "violations": _violations(result.violations)},
            "granularity": granularity.value,
            "citizen_hours_saved": figures["optimizer"]["citizen_hours_saved"],
            "greedy_citizen_hours_saved": figures["greedy"]["citizen_hours_saved"],
            "top20_need_served": figures["optimizer"]["top20_need_served"],
            "greedy_top20_need_served": figures["greedy"]["top20_need_served"],
            "figures": figures,
            "reference_value": reference.value if reference is not None else None,
            "reoptimized": reoptimized,
        }
        try:
            json_out.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise fail(f"--json: cannot write {json_out}: {exc.strerror or exc}") from None


@dataclass(frozen=True, slots=True)
class Reference:
    """The value a long run reached on the bundled week (10 minutes, two seeds), to judge a short run by."""

    value: int
    note: str
    week_start: date
    granularity: Granularity

    def holds_for(self, week_start: date, granularity: Granularity) -> bool:
        """Only the week and grain it was measured on: another week's holidays make another problem."""
        return (week_start, granularity) == (self.week_start, self.granularity)


REFERENCE: Reference | None = Reference(
    60_206_059,
    "10-minute run, seed 0, settlement grain, week of 2026-12-07, with the weekly search (routing/week_ls.py) of "
    "2026-12-05, measured on 2 cores shared with the test suite",
    date(2026, 12, 7),
    Granularity.SETTLEMENT,
)
"""Measured with ``sefer bench week --week 2026-12-07 --time-limit 600 --seed 0``; valid for that week, the bundled
data and the model and search of its date only: a change to the model or the data needs a new reference (the one
before, 53,952,544 m, was guided local search's, which a 60-second run of the weekly search now passes)."""


def top_need(problem: Problem, count: int = 20) -> tuple[str, ...]:
    """The places in greatest need: the week's need × the access deficit (how far the citizens are from a centre)."""
    ranked = sorted(problem.demand, key=lambda d: (-d.weekly_citizens * d.deficit, d.place_id))
    return tuple(d.place_id for d in ranked[:count])


def _figures(problem: Problem, plan: Plan, value: PlanValue) -> dict[str, Any]:
    """What a planner reads a week by: citizen-hours saved, citizens, places, the neediest places served, km."""
    top = top_need(problem)
    served = {s.place_id for s in plan.stops}
    return {
        "citizen_hours_saved": plan.kpis.citizen_hours_saved,
        "citizens_served": plan.kpis.expected_citizens,
        "places_served": len(served),
        "top20_need_served": sum(1 for p in top if p in served),
        "km": plan.kpis.distance_km,
        "nights_away": value.nights_away,
    }


def _breakdown(value: PlanValue) -> dict[str, int]:
    return {
        "prize_m": value.prize_m,
        "driving_m": value.driving_m,
        "lodging_m": value.lodging_m,
        "nights_away": value.nights_away,
    }


def _today() -> date:
    return datetime.now(BAKU).date()
