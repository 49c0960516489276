"""The value of a week as the benchmark measures it: collected prize minus driving minus lodging, in metres.

A served visit's prize is what its vehicle achieves there (``Serving.value_m``: citizen-hours of travel spared,
weighted, in metres); ``docs/model.md`` states the model and its units.

It reads only a ``Solution``'s visits and the problem's matrices and rules, never the engine, so the optimizer's
plan, the greedy one and a hand-made one are measured by one ruler. Legs and nights follow ``assemble.build_plan``:
a vehicle drives on right after a stop, leaves its depot just in time for its next stop, and sleeps where the last
leg it starts before midnight ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from scheduler.domain import VehicleKind
from scheduler.problem import HOME, MINUTES_PER_DAY, CandidateVisit, Problem, Solution, Visit


@dataclass(frozen=True, slots=True)
class RouteLeg:
    """One drive of a route, leaving ``origin`` at ``depart_min`` (minute of week)."""

    origin: str
    target: str
    depart_min: int
    minutes: int
    metres: int


@dataclass(frozen=True, slots=True)
class PlanValue:
    """The three parts of a week's value, so a report can say where the metres go."""

    prize_m: int
    driving_m: int
    lodging_m: int
    nights_away: int
    citizen_hours_saved: float = 0.0
    """Hours of travel to a fixed centre, there and back, that the citizens served are spared (unweighted)."""

    @property
    def value(self) -> int:
        return self.prize_m - self.driving_m - self.lodging_m


def prize(candidate: CandidateVisit, vehicle_id: str | None = None) -> int:
    """A served candidate's worth in metres when ``vehicle_id`` serves it (as the optimizer counts it); without a
    vehicle, the most any vehicle gets from it."""
    return candidate.best_value_m if vehicle_id is None else candidate.serving(vehicle_id).value_m


def route_legs(problem: Problem, vehicle_id: str, visits: Sequence[Visit]) -> tuple[RouteLeg, ...]:
    """Depot → stops (→ depot for a night → stops) → depot, timed as ``assemble`` times them."""
    vehicle = problem.vehicle(vehicle_id)
    depot = problem.depot_site(vehicle_id)
    items: list[tuple[str, int, int] | None] = []  # (site, start, end) of a stop; None: a night at the depot
    for visit in visits:
        if visit.candidate_id == HOME:
            items.append(None)
            continue
        candidate = problem.candidate(visit.candidate_id)
        site = candidate.site_id(vehicle.kind)
        if site is None:
            raise ValueError(f"{vehicle_id} cannot stop at {candidate.id}")
        end = visit.start_min + problem.service_min(vehicle, candidate.expected_citizens)
        last = items[-1] if items else None
        if last is not None and last[0] == site and last[1] // MINUTES_PER_DAY == visit.start_min // MINUTES_PER_DAY:
            items[-1] = (site, last[1], end)  # one after the other at one site on one day: one stop, as ``assemble``
        else:
            items.append((site, visit.start_min, end))
    if all(item is None for item in items):
        return ()
    while items[-1] is None:
        items.pop()  # already home after the last stop
    legs: list[RouteLeg] = []
    origin, leave = depot, None  # leave None: at the depot, leaving just in time
    for n, item in enumerate([*items, None]):
        target = item[0] if item is not None else depot
        if item is None and n < len(items) and target == origin:
            continue  # a night at home when already there
        minutes = problem.travel_min(vehicle.kind, origin, target)
        if leave is None:
            assert item is not None
            leave = item[1] - minutes
        legs.append(RouteLeg(origin, target, leave, minutes, problem.travel_m(vehicle.kind, origin, target)))
        origin, leave = (item[0], item[2]) if item is not None else (depot, None)
    return tuple(legs)


def nights_away(problem: Problem, vehicle_id: str, legs: Sequence[RouteLeg]) -> int:
    """Nights after a service date (but the last) at whose midnight the vehicle is, or is driving to, elsewhere
    than its depot: where the last leg it starts before midnight ends."""
    depot = problem.depot_site(vehicle_id)
    away = 0
    for evening, _ in problem.nights():
        midnight = problem.day_start_min(evening) + MINUTES_PER_DAY
        before = [leg for leg in legs if leg.depart_min < midnight]
        if before and before[-1].target != depot:
            away += 1
    return away


def keeps_daily_drive(problem: Problem, kind: VehicleKind, legs: Sequence[RouteLeg]) -> bool:
    """A bus drives at most ``Rules.daily_drive_limit_min`` per calendar day (the day a leg departs); the train,
    which runs on rails with its own crew rules (``Rules.max_train_leg_min``), is not limited so."""
    if kind is not VehicleKind.BUS:
        return True
    per_day: dict[int, int] = defaultdict(int)
    for leg in legs:
        per_day[leg.depart_min // MINUTES_PER_DAY] += leg.minutes
    return all(minutes <= problem.rules.daily_drive_limit_min for minutes in per_day.values())


def value_breakdown(problem: Problem, solution: Solution) -> PlanValue:
    """Prize of the candidates served (each once), metres driven, and lodging for every night away."""
    served: dict[str, str] = {}
    for vehicle_id, visits in solution.routes:
        for visit in visits:
            if visit.candidate_id != HOME:
                served.setdefault(visit.candidate_id, vehicle_id)
    servings = [problem.candidate(c).serving(v) for c, v in served.items()]
    prize_m = sum(s.value_m for s in servings)
    hours = sum(s.saved_citizen_min for s in servings) / 60
    driving = nights = 0
    for vehicle_id, visits in solution.routes:
        legs = route_legs(problem, vehicle_id, visits)
        driving += sum(leg.metres for leg in legs)
        nights += nights_away(problem, vehicle_id, legs)
    return PlanValue(prize_m, driving, nights * problem.rules.lodging_m, nights, round(hours, 1))


def plan_value(problem: Problem, solution: Solution) -> int:
    """The week's value to maximise, in metres of driving: prize − driving − lodging."""
    return value_breakdown(problem, solution).value
