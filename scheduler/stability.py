"""Re-optimising a week: start from the plan the planner has, and count what changed.

A stored plan knows stops, not candidate ids; ``hint_from_plan`` maps each stop back to the candidates of the new
problem (its lock, its requests, then the place's background slots in order), so the search starts where the
planner left off and moves a stop only when the objective gains from it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from scheduler.calendar import minute_of_week
from scheduler.plan import Plan
from scheduler.problem import CandidateVisit, Lock, Problem, Solution, Visit


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
    taken: set[str] = set()
    locks = {(c.vehicle_ids[0], c.dates[0], c.place_id): c.id for c in problem.candidates if c.locked}
    parts: dict[str, list[str]] = defaultdict(list)
    for c in problem.candidates:
        if c.request_ids and not c.locked:
            parts[c.request_ids[0]].append(c.id)
    routes = []
    for route in plan.routes:
        visits: list[Visit] = []
        for stop in route.stops:
            start = minute_of_week(problem.week_start, stop.arrive)
            lock = locks.pop((stop.vehicle_id, stop.date, stop.place_id), None)
            ids = [lock] if lock else []  # a locked stop is its lock candidate, requests included
            for rid in () if lock else stop.request_ids:
                ids += parts.pop(rid, [])
            if not ids:
                free = free_slots[(stop.place_id, stop.site_id)]
                ids = _slots_for(free, stop.expected_citizens, stop.vehicle_id, taken)
            visits += [Visit(cid, start) for cid in ids]
        routes.append((route.vehicle_id, tuple(visits)))
    return Solution(tuple(routes), 0, 0.0)


def _slots_for(free: list[CandidateVisit], citizens: int, vehicle_id: str, taken: set[str]) -> list[str]:
    """Take free slots ``vehicle_id`` may serve adding up to ``citizens``: a stop's service time must stay what it
    was, or the day overflows and the hint is rejected. ``taken`` collects what earlier stops took."""
    chosen: list[str] = []
    for slot in sorted(free, key=lambda c: -c.expected_citizens):
        if slot.id not in taken and vehicle_id in slot.vehicle_ids and slot.expected_citizens <= citizens:
            chosen.append(slot.id)
            taken.add(slot.id)
            citizens -= slot.expected_citizens
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
