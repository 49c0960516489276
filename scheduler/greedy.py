"""The baseline a planner would build by hand: day by day, each vehicle goes to the neediest place it can reach.

For each service date, each vehicle in fleet order picks the site where it can collect the most value today (ties:
the shorter drive), serves the best candidates there up to its daily capacity and window, and moves on while the
day allows; it sleeps where it is. It keeps every hard rule the validator checks: allowed vehicles, dates,
maintenance, service inside the day, bus legs of at most ``Rules.max_bus_leg_min`` (also from the previous stop,
as the validator measures them), the daily driving limit, nights away, the needs the train and the buses share,
and a legal drive home by the end of the week from every site it goes to. Locked stops come first on their day;
the parts of a multi-day request (linked candidates) are left to the optimizer. The result is a ``Solution`` like
the optimizer's, for ``build_plan``."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from scheduler.domain import Vehicle, VehicleKind
from scheduler.objective import keeps_daily_drive, nights_away, plan_value, prize, route_legs
from scheduler.ports import UNREACHABLE
from scheduler.problem import HOME, CandidateVisit, Problem, Solution, Visit, max_citizens


@dataclass(slots=True)
class _State:
    """Where a vehicle is, what it has done, and what of the current day is still free."""

    vehicle: Vehicle
    depot: str
    visits: list[Visit] = field(default_factory=list)
    site: str = ""
    """Where its last stop was (its depot before the first)."""
    free_min: int | None = None
    """When its last stop ends; None before the first (it leaves its depot just in time)."""
    citizens_today: int = 0


class _Room:
    """What is left of each need the train and the buses share (``Problem.shared``)."""

    def __init__(self, problem: Problem) -> None:
        self.pool_of = {c: i for i, pool in enumerate(problem.shared) for c in pool.candidate_ids}
        self.left = [pool.citizens for pool in problem.shared]

    def fits(self, chosen: list[CandidateVisit], candidate: CandidateVisit) -> bool:
        pool = self.pool_of.get(candidate.id)
        if pool is None:
            return True
        used = sum(max_citizens(c) for c in chosen if self.pool_of.get(c.id) == pool)
        return used + max_citizens(candidate) <= self.left[pool]

    def take(self, candidate: CandidateVisit) -> None:
        if (pool := self.pool_of.get(candidate.id)) is not None:
            self.left[pool] -= max_citizens(candidate)


@dataclass(frozen=True, slots=True)
class _Move:
    site: str
    visits: tuple[Visit, ...]
    """HOME first when the vehicle goes home for the night before."""
    gain: int
    metres: int
    citizens: int
    end_min: int


def greedy_solution(problem: Problem) -> Solution:
    """The hand planner's week; ``Solution.objective`` is, as for the optimizer, unserved prize + driving + lodging."""
    started = time.monotonic()
    linked = {c for parts in problem.linked for c in parts}
    open_ = [c for c in problem.candidates if c.id not in linked]
    states = [_State(v, d, site=d) for v, d in zip(problem.vehicles, problem.depot_site_ids, strict=True)]
    served: set[str] = set()
    room = _Room(problem)
    by_id = {c.id: c for c in problem.candidates}
    for day in problem.service_dates:
        for state in states:
            state.citizens_today = 0
            if day in state.vehicle.maintenance_dates:
                continue
            while (move := _best_move(problem, state, day, [c for c in open_ if c.id not in served], room)) is not None:
                _apply(state, move)
                for visit in move.visits:
                    if visit.candidate_id != HOME:
                        served.add(visit.candidate_id)
                        room.take(by_id[visit.candidate_id])
    routes = tuple((s.vehicle.id, tuple(s.visits)) for s in states)
    solution = Solution(routes, 0, 0.0)
    total = sum(prize(c) for c in problem.candidates if not c.locked)
    return Solution(routes, total - plan_value(problem, solution), round(time.monotonic() - started, 3))


def _apply(state: _State, move: _Move) -> None:
    state.visits.extend(move.visits)
    state.site, state.free_min = move.site, move.end_min
    state.citizens_today += move.citizens


def _best_move(problem: Problem, state: _State, day: date, open_: list[CandidateVisit], room: _Room) -> _Move | None:
    vehicle = state.vehicle
    by_site: dict[str, list[CandidateVisit]] = defaultdict(list)
    for c in open_:
        site = c.site_id(vehicle.kind)
        if site is None or vehicle.id not in c.vehicle_ids or (c.dates and day not in c.dates):
            continue
        by_site[site].append(c)
    locked = {site for site, cs in by_site.items() if any(c.locked and c.dates == (day,) for c in cs)}
    best: _Move | None = None
    for site, candidates in by_site.items():
        if locked and site not in locked:
            continue
        for via_home in (False, True):
            move = _move(problem, state, day, site, candidates, room, via_home=via_home)
            if move is not None:
                if best is None or (move.gain, -move.metres) > (best.gain, -best.metres):
                    best = move
                break
    return best


def _move(
    problem: Problem,
    state: _State,
    day: date,
    site: str,
    candidates: list[CandidateVisit],
    room: _Room,
    *,
    via_home: bool,
) -> _Move | None:
    """Drive to ``site`` (via a night at home when ``via_home``) and serve what fits today, if every rule holds."""
    vehicle, rules = state.vehicle, problem.rules
    kind = vehicle.kind
    if via_home and (state.free_min is None or state.site == state.depot):
        return None
    origin = state.depot if via_home else state.site
    # The train's first run out and last run home are bound by the week's hours only (as in the validator).
    first_run = state.free_min is None
    leg_min = _legal(problem, kind, origin, site, limited=kind is VehicleKind.BUS or not first_run)
    if leg_min is None or _legal(problem, kind, site, state.depot, limited=kind is VehicleKind.BUS) is None:
        return None
    if not first_run and _legal(problem, kind, state.site, site) is None:
        return None  # the validator measures the leg between consecutive stops, nights at home or not
    if via_home and _legal(problem, kind, state.site, state.depot) is None:
        return None  # a night at home: the run there is one leg too
    earliest, latest = problem.week_bounds()
    prefix: list[Visit] = []
    if state.free_min is None:
        ready = earliest + leg_min
    elif via_home:
        home = state.free_min + problem.travel_min(kind, state.site, state.depot)
        prefix.append(Visit(HOME, home))
        ready = max(home + leg_min, state.free_min + problem.travel_min(kind, state.site, site))
    else:
        ready = state.free_min + leg_min
    base = problem.day_start_min(day)
    start = max(base + vehicle.service_start_min, ready)
    close = base + vehicle.service_end_min
    visits: list[Visit] = []
    gain = citizens = 0
    clock = start
    chosen: list[CandidateVisit] = []
    for c in sorted(candidates, key=lambda c: (not c.locked, -prize(c, vehicle.id), c.id)):
        minutes = problem.service_min(vehicle, c.expected_citizens)
        if clock + minutes > close or state.citizens_today + citizens + c.expected_citizens > (
            vehicle.capacity_citizens_per_day
        ):
            continue
        if not room.fits(chosen, c):
            continue
        chosen.append(c)
        visits.append(Visit(c.id, clock))
        clock += minutes
        gain += prize(c, vehicle.id)
        citizens += c.expected_citizens
    if not visits or clock + problem.travel_min(kind, site, state.depot) > latest:
        return None
    tentative = [*state.visits, *prefix, *visits]
    legs = route_legs(problem, vehicle.id, tentative)
    if nights_away(problem, vehicle.id, legs) > rules.max_nights_away:
        return None
    if not keeps_daily_drive(problem, kind, legs):
        return None
    metres = problem.travel_m(kind, origin, site)
    return _Move(site, (*prefix, *visits), gain, metres, citizens, clock)


def _legal(problem: Problem, kind: VehicleKind, origin: str, target: str, *, limited: bool = True) -> int | None:
    """Minutes of a drive a vehicle of ``kind`` may make in one leg (within ``Problem.max_leg_min`` when
    ``limited``); None when it may not."""
    matrix = problem.matrix(kind)
    if origin not in matrix.site_ids or target not in matrix.site_ids:
        return None
    minutes = int(matrix.duration_min[matrix.index(origin), matrix.index(target)])
    if minutes == UNREACHABLE or (limited and minutes > problem.max_leg_min(kind)):
        return None
    return minutes
