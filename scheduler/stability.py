"""Re-optimising a week: start from the plan the planner has, and count what changed.

A stored plan knows stops, not candidate ids; ``hint_from_plan`` maps each stop back to the candidates of the new
problem (its lock, its requests, then the place's background slots in order) and keeps its nights at home, so the
search starts where the planner left off; the optimizer moves stops only when that gains ``Rules.replan_change_m``
a stop.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from scheduler.calendar import minute_of_week
from scheduler.plan import Plan, Route
from scheduler.problem import HOME, MINUTES_PER_DAY, CandidateVisit, Lock, Problem, Solution, Visit


@dataclass(frozen=True, slots=True)
class Changes:
    """Stops as (vehicle, date, place): kept, removed from the old plan and added by the new one."""

    kept: int
    removed: int
    added: int

    @property
    def changed(self) -> int:
        return self.removed + self.added


def hint_from_plan(problem: Problem, plan: Plan) -> Solution:
    free_slots: dict[tuple[str, str], list[CandidateVisit]] = defaultdict(list)
    """(place, site where the vehicle stands) → background slots: a train stop maps to its station's slots, a bus
    stop to the place's own, never one to the other's (the vehicle could not serve them)."""
    for c in problem.candidates:
        if not c.locked and not c.request_ids:
            for site in {c.bus_site_id, c.train_site_id} - {None}:
                free_slots[(c.place_id, str(site))].append(c)
    locks = {(c.vehicle_ids[0], c.dates[0], c.place_id): c.id for c in problem.candidates if c.locked}
    parts: dict[str, list[str]] = defaultdict(list)
    for c in problem.candidates:
        if c.request_ids and not c.locked:
            parts[c.request_ids[0]].append(c.id)
    chosen: dict[tuple[int, int], list[str]] = {}
    """(route, stop) → the candidates standing for the stop."""
    background: list[tuple[int, int]] = []
    for r, route in enumerate(plan.routes):
        for n, stop in enumerate(route.stops):
            lock = locks.pop((stop.vehicle_id, stop.date, stop.place_id), None)
            ids = [lock] if lock else []  # a locked stop is its lock candidate, requests included
            for rid in () if lock else stop.request_ids:
                ids += parts.pop(rid, [])
            chosen[(r, n)] = ids
            if not ids:
                background.append((r, n))
    # Stops served from a place's background slots choose in turn, the stop whose vehicle may serve the fewest of
    # them first: a vehicle that could serve any slot must not take the only ones another vehicle can serve.
    taken: set[str] = set()

    def choice(at: tuple[int, int]) -> int:
        stop = plan.routes[at[0]].stops[at[1]]
        return sum(stop.vehicle_id in c.vehicle_ids for c in free_slots[(stop.place_id, stop.site_id)])

    for r, n in sorted(background, key=choice):
        stop = plan.routes[r].stops[n]
        free = free_slots[(stop.place_id, stop.site_id)]
        chosen[(r, n)] = _slots_for(free, stop.expected_citizens, stop.vehicle_id, taken)
    routes = []
    for r, route in enumerate(plan.routes):
        visits = [
            Visit(cid, minute_of_week(problem.week_start, stop.arrive))
            for n, stop in enumerate(route.stops)
            for cid in chosen[(r, n)]
        ]
        routes.append((route.vehicle_id, _with_nights_at_home(problem, route, visits)))
    return Solution(tuple(routes), 0, 0.0)


def _with_nights_at_home(problem: Problem, route: Route, visits: list[Visit]) -> tuple[Visit, ...]:
    """``visits`` with a night at home wherever the plan's vehicle sleeps at its depot: without them the search
    starts from a week that pays lodging for those nights (0.13-3 % of the week's engine objective on the bundled
    week) and re-optimising moves stops to win back what the mapping lost."""
    if not route.stops:
        return tuple(visits)
    homes = [
        Visit(HOME, problem.day_start_min(night.date) + MINUTES_PER_DAY - 1)
        for night in route.overnights
        if night.at_depot
    ]
    merged = sorted([*visits, *homes], key=lambda v: v.start_min)  # stable: a day's visits keep their order
    return tuple(merged)


def _slots_for(free: list[CandidateVisit], citizens: int, vehicle_id: str, taken: set[str]) -> list[str]:
    """Take free slots ``vehicle_id`` may serve adding up to ``citizens`` (as it serves them: a vehicle without one
    of the services serves fewer): a stop's service time must stay what it was, or the day overflows and the hint
    is rejected. ``taken`` collects what earlier stops took.

    The most valuable slots go first (a place's later slots are worth less, the repeat decay), and of equal ones
    those the fewest vehicles may serve, so that a later stop whose vehicle can serve only some slots still finds
    them: taking slots in their listed order lost 2 % of the week's value on an unchanged re-optimisation."""
    mine = [c for c in free if c.id not in taken and vehicle_id in c.vehicle_ids]
    chosen: list[str] = []
    for slot in sorted(mine, key=lambda c: (-c.serving(vehicle_id).value_m, len(c.vehicle_ids))):
        size = slot.serving(vehicle_id).citizens
        if size <= citizens:
            chosen.append(slot.id)
            taken.add(slot.id)
            citizens -= size
    return chosen


def count_changes(before: Plan, after: Plan) -> Changes:
    old = {(s.vehicle_id, s.date, s.place_id) for s in before.stops}
    new = {(s.vehicle_id, s.date, s.place_id) for s in after.stops}
    return Changes(len(old & new), len(old - new), len(new - old))


def locks_from_plan(plan: Plan) -> tuple[Lock, ...]:
    """The planner's locked stops, as locks for the next solve."""
    return tuple(
        Lock(s.vehicle_id, s.date, s.place_id, s.expected_citizens, s.request_ids) for s in plan.stops if s.locked
    )
