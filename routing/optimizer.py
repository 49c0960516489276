"""The weekly planner's adapter onto the routing engine: a ``Problem`` becomes an ``EngineProblem`` and back.

Nodes are one depot per vehicle, then the candidate visits: one node per candidate and vehicle profile allowed
to serve it, grouped so at most one is visited (a bus and the train keep their own service time and window).
Time runs in minutes from Monday 00:00 over the whole week, so a vehicle serves on several days and sleeps away
from its depot. A visit's prize is what the vehicle serving it achieves there (``Serving.value_m``, metres), against
an arc cost in metres: vehicles of one node profile but other services share the nodes and differ in cost profile,
whose arcs into a node carry what that vehicle gets less than the best one (so the objective counts its own value).
Each vehicle also has one optional "home" node per night at its own depot: skipping it (sleeping away)
costs ``Rules.lodging_m``, and at least ``nights - max_nights_away`` of them must be visited.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations

import numpy as np

from routing.config import SearchConfig
from routing.model import DailyTravel, EngineProblem, EngineVehicle, Profile, VisitGroup
from routing.one_stop import SiteOf, one_stop_a_day, site_days
from routing.ortools_model import RouteChecker
from routing.search import RouteFilter, SearchParams, earliest_starts, passes, solve
from scheduler.domain import Vehicle, VehicleKind
from scheduler.greedy import greedy_solution
from scheduler.objective import keeps_daily_drive, route_legs
from scheduler.ports import UNREACHABLE, ProgressCallback
from scheduler.problem import HOME, MINUTES_PER_DAY, NoSolution, Problem, Solution, Visit, max_citizens

ProfileKey = tuple[VehicleKind, int, int, int, tuple[date, ...]]
"""(kind, service start, service end, capacity, maintenance days): vehicles with equal keys share nodes."""


WEEK_SHARE = 0.9
"""The share of each worker's budget the weekly search (``routing/week_ls.py``) takes after guided local search."""

WEEK_PORTFOLIO = (
    SearchConfig(first_solution="PATH_CHEAPEST_ARC", gls_lambda=0.2, week_share=WEEK_SHARE),
    SearchConfig(first_solution="SAVINGS", gls_lambda=0.2, week_share=WEEK_SHARE),
)
"""Measured on the bundled week (7 s, one core): these two beat cheapest insertion by 5-7 % in objective. Both
start from the same week, where guided local search is deterministic: the dedicated weekly search (a seed per
worker) takes over for most of the budget."""

LOCKED_PORTFOLIO = (
    SearchConfig(first_solution="PARALLEL_CHEAPEST_INSERTION", gls_lambda=0.2, week_share=WEEK_SHARE),
    SearchConfig(first_solution="LOCAL_CHEAPEST_INSERTION", gls_lambda=0.2, week_share=WEEK_SHARE),
)
"""With locked (mandatory) stops: path-cheapest-arc and savings found no first solution for a single lock on the
bundled week; insertion heuristics place mandatory visits first."""


CostKey = tuple[ProfileKey, tuple[str, ...]]
"""A node profile and the services carried: vehicles with equal keys share one engine profile."""


def _cost_key(vehicle: Vehicle) -> CostKey:
    return (_key(vehicle), tuple(sorted(vehicle.services)))


def _key(vehicle: Vehicle) -> ProfileKey:
    return (
        vehicle.kind,
        vehicle.service_start_min,
        vehicle.service_end_min,
        vehicle.capacity_citizens_per_day,
        vehicle.maintenance_dates,
    )


@dataclass(frozen=True, slots=True)
class _Node:
    """A routing node: a vehicle's depot, or one candidate visit as served by one vehicle profile."""

    site_by_kind: dict[VehicleKind, str | None]
    candidate: int | None = None
    profile: ProfileKey | None = None
    home: tuple[int, int] | None = None
    """(vehicle, night): the vehicle back at its depot for that night."""


class RoutingOptimizer:
    """Solves a weekly ``Problem`` with the engine's portfolio search (both cores, then recombination)."""

    def __init__(self, *, workers: int = 2, seed: int = 0) -> None:
        self.workers = workers
        self.seed = seed

    def solve(
        self,
        problem: Problem,
        *,
        time_limit_s: float,
        progress: ProgressCallback | None = None,
        hint: Solution | None = None,
    ) -> Solution:
        # Before the clock starts: the first solve on a machine compiles the weekly search (numba, 15-30 s),
        # which would otherwise eat the planner's budget; later ones load it from numba's cache. Imported here:
        # numba takes a second to load, which commands that never solve should not pay.
        from routing import week_ls

        week_ls.warm_up()
        started = time.monotonic()
        nodes = _nodes(problem)
        engine_problem = to_engine(problem, nodes)
        # The search starts from the previous plan when re-optimising, else from the greedy week a planner would
        # build by hand: guided local search from it beats every first-solution heuristic tried on the bundled
        # week (path-cheapest-arc and savings spend nights at home before the first stop and ignore all-or-none
        # and at-least constraints).
        starting = hint if hint is not None else greedy_solution(problem)
        initial, days = _initial_routes(problem, nodes, engine_problem.allowed or (), starting)
        checker = RouteChecker(engine_problem)
        initial = _feasible_start(problem, nodes, engine_problem, checker, initial, days)
        deadline = started + REQUEST_INSERTION_SHARE * time_limit_s
        initial = _insert_requests(problem, nodes, engine_problem, checker, initial, days, deadline=deadline)
        offset = time.monotonic() - started

        def report(elapsed: float, objective: int) -> None:
            if progress is not None:
                progress(min(1.0, (offset + elapsed) / time_limit_s), float(objective))

        configs = LOCKED_PORTFOLIO if any(c.locked for c in problem.candidates) else WEEK_PORTFOLIO
        params = SearchParams(max(0.5, time_limit_s - offset), workers=self.workers, seed=self.seed, configs=configs)
        drive_ok = _daily_drive_filter(problem, nodes)
        result = solve(engine_problem, params, progress=report, initial_routes=initial, route_ok=drive_ok)
        if result is None:
            raise NoSolution(f"no feasible week found in {time_limit_s:g} s")
        site_of = _site_of(problem, nodes)
        gathered = one_stop_a_day(engine_problem, checker, site_of, MINUTES_PER_DAY, result.routes, drive_ok)
        objective = result.objective if gathered == list(map(list, result.routes)) else checker.objective(gathered)
        assert objective is not None, "one_stop_a_day keeps the model"
        if hint is not None:
            found = (gathered, objective)
            gathered, objective = _worth_changing(problem, engine_problem, checker, site_of, drive_ok, initial, found)
        routes = []
        for v, vehicle in enumerate(problem.vehicles):
            starts = earliest_starts(engine_problem, engine_problem.vehicles[v], gathered[v])
            assert starts is not None, "one_stop_a_day keeps the windows"
            visits = [Visit(_candidate_id(problem, nodes[n]), s) for n, s in zip(gathered[v], starts, strict=True)]
            routes.append((vehicle.id, tuple(visits)))
        return Solution(tuple(routes), objective, round(time.monotonic() - started, 3))


def _daily_drive_filter(problem: Problem, nodes: list[_Node]) -> RouteFilter:
    """The daily driving limit, which the engine's model does not hold (a day's driving is not one dimension's
    cumul): the search keeps only solutions and recombined routes whose every bus keeps it."""

    def route_ok(v: int, route: tuple[int, ...], starts: tuple[int, ...]) -> bool:
        vehicle = problem.vehicles[v]
        visits = [Visit(_candidate_id(problem, nodes[n]), start) for n, start in zip(route, starts, strict=True)]
        return keeps_daily_drive(problem, vehicle.kind, route_legs(problem, vehicle.id, visits))

    return route_ok


def _worth_changing(
    problem: Problem,
    engine: EngineProblem,
    checker: RouteChecker,
    site_of: SiteOf,
    drive_ok: RouteFilter,
    start: Sequence[Sequence[int]],
    found: tuple[list[list[int]], int],
) -> tuple[list[list[int]], int]:
    """The week the search found (routes, objective), or, when it gains less than ``Rules.replan_change_m`` per
    stop it adds or removes, the week it started from: the plan being re-optimised, kept to its locks and given
    the new requests."""
    found_routes, found_objective = found
    start_objective = checker.objective(start)
    if start_objective is None or not passes(engine, start, drive_ok):
        return found
    changed = len(_stops(engine, site_of, start) ^ _stops(engine, site_of, found_routes))
    if start_objective - found_objective >= problem.rules.replan_change_m * changed:
        return found
    return [list(r) for r in start], start_objective


def _stops(engine: EngineProblem, site_of: SiteOf, routes: Sequence[Sequence[int]]) -> set[tuple[int, str, int]]:
    """(vehicle, site, day) of every stop of ``routes``."""
    return {
        (v, site, d)
        for v, route in enumerate(routes)
        for _, site, d in site_days(engine, site_of, MINUTES_PER_DAY, v, route)
    }


def _site_of(problem: Problem, nodes: list[_Node]) -> SiteOf:
    """Where a vehicle stands for a node; a night at home is no stop."""

    def site_of(v: int, node: int) -> str | None:
        return None if nodes[node].candidate is None else nodes[node].site_by_kind[problem.vehicles[v].kind]

    return site_of


def _candidate_id(problem: Problem, node: _Node) -> str:
    return HOME if node.candidate is None else problem.candidates[node.candidate].id


def _nodes(problem: Problem) -> list[_Node]:
    def at(kind: VehicleKind, site: str | None) -> dict[VehicleKind, str | None]:
        return {k: site if k is kind else None for k in VehicleKind}

    nodes = [_Node(at(v.kind, site)) for v, site in zip(problem.vehicles, problem.depot_site_ids, strict=True)]
    for c, candidate in enumerate(problem.candidates):
        for key in sorted({_key(problem.vehicle(vid)) for vid in candidate.vehicle_ids}, key=repr):
            nodes.append(_Node(at(key[0], candidate.site_id(key[0])), c, key))
    for v, (vehicle, site) in enumerate(zip(problem.vehicles, problem.depot_site_ids, strict=True)):
        for night in range(len(problem.nights())):
            nodes.append(_Node(at(vehicle.kind, site), None, _key(vehicle), (v, night)))
    return nodes


def _initial_routes(
    problem: Problem, nodes: list[_Node], allowed: Sequence[tuple[int, ...] | None], hint: Solution
) -> tuple[list[list[int]], list[list[int]]]:
    """A previous solution's visits as engine nodes, and the day (of the week) of each; visits whose candidate no
    longer exists, or that the vehicle may no longer serve, are dropped."""
    index = {c.id: i for i, c in enumerate(problem.candidates)}
    node_of: dict[tuple[int | None, ProfileKey | None], int] = {
        (n.candidate, n.profile): i for i, n in enumerate(nodes) if n.candidate is not None
    }
    home_of = {n.home: i for i, n in enumerate(nodes) if n.home is not None}
    night_of_day = {(evening - problem.week_start).days: i for i, (evening, _) in enumerate(problem.nights())}
    vehicle_index = {v.id: i for i, v in enumerate(problem.vehicles)}
    routes: list[list[int]] = [[] for _ in problem.vehicles]
    days: list[list[int]] = [[] for _ in problem.vehicles]
    used: set[int] = set()
    for vehicle_id, visits in hint.routes:
        v = vehicle_index.get(vehicle_id)
        if v is None:
            continue
        key = _key(problem.vehicles[v])
        for visit in visits:
            if visit.candidate_id == HOME:
                night = night_of_day.get(visit.start_min // MINUTES_PER_DAY)
                node = None if night is None else home_of.get((v, night))
            else:
                node = node_of.get((index.get(visit.candidate_id), key))
            if node is not None and node not in used and v in (allowed[node] or ()):
                routes[v].append(node)
                days[v].append(visit.start_min // MINUTES_PER_DAY)
                used.add(node)
    return routes, days


def _feasible_start(
    problem: Problem,
    nodes: list[_Node],
    engine_problem: EngineProblem,
    checker: RouteChecker,
    routes: list[list[int]],
    days: list[list[int]],
) -> list[list[int]]:
    """Make a starting solution keep the constraints first-solution heuristics cannot repair: the parts of a
    request all or none, shared needs (the least valuable visits go), and the nights at home a vehicle must spend;
    a vehicle whose week cannot keep them keeps only its locks. When even that fails, the routes are returned as
    they are, for the search to repair."""
    group_of = {n: g for g, group in enumerate(engine_problem.groups) for n in group.nodes}
    for groups, sizes, capacity in engine_problem.shared:
        size_of = dict(zip(groups, sizes, strict=True))
        visiting = sorted(
            (
                (engine_problem.groups[group_of[n]].prize or 0, v, n)
                for v, r in enumerate(routes)
                for n in r
                if group_of.get(n) in size_of
            ),
            reverse=True,
        )
        load = sum(size_of[group_of[n]] for _, _, n in visiting)
        while load > capacity and visiting:
            _, v, n = visiting.pop()
            load -= size_of[group_of[n]]
            keep = [i for i, x in enumerate(routes[v]) if x != n]
            routes[v], days[v] = [routes[v][i] for i in keep], [days[v][i] for i in keep]
    for linked in engine_problem.linked:
        members = {n for g in linked for n in engine_problem.groups[g].nodes}
        on_route = [{n for n in route if n in members} for route in routes]
        visited = {group_of[n] for found in on_route for n in found}
        if visited and visited != set(linked):
            for v, found in enumerate(on_route):
                keep = [i for i, n in enumerate(routes[v]) if n not in found]
                routes[v], days[v] = [routes[v][i] for i in keep], [days[v][i] for i in keep]
    if checker.objective(routes) is not None:
        return routes
    night_of = {n: node.home for n, node in enumerate(nodes) if node.home is not None}
    homes = {v: [n for n, (owner, _) in night_of.items() if owner == v] for v in range(len(routes))}
    evenings = [(evening - problem.week_start).days for evening, _ in problem.nights()]
    locked = {n for group in engine_problem.groups if group.prize is None for n in group.nodes}
    Route = tuple[list[int], list[int]]

    def arranged(v: int, visits: list[tuple[int, int]], skipped: frozenset[int]) -> Route:
        """``visits`` (node, day) with a night at home after each day's visits, but for the nights ``skipped``."""
        nights = [(n, evenings[night_of[n][1]]) for n in homes[v] if n not in skipped]
        pairs = sorted(visits + nights, key=lambda pair: (pair[1], pair[0] in night_of))
        return [n for n, _ in pairs], [d for _, d in pairs]

    def with_homes(v: int, visits: list[tuple[int, int]], others: list[Route]) -> Route | None:
        """The ``visits`` with the most nights at home the rules allow that keep the week feasible beside
        ``others`` (a night at home can be out of reach, e.g. for the train after a far station); None if none."""
        for skipped in _skips(homes[v], problem.rules.max_nights_away):
            trial = arranged(v, visits, skipped)
            if checker.objective([trial[0] if u == v else others[u][0] for u in range(len(routes))]) is not None:
                return trial
        return None

    visits = [
        [(n, d) for n, d in zip(routes[v], days[v], strict=True) if n not in night_of] for v in range(len(routes))
    ]
    locks_only = [[(n, d) for n, d in visits[v] if n in locked] for v in range(len(routes))]
    week: list[Route] = [arranged(v, locks_only[v], frozenset()) for v in range(len(routes))]
    for _ in range(2):  # each vehicle's locks and nights, beside the others' (settles in two rounds)
        for v in range(len(routes)):
            week[v] = with_homes(v, locks_only[v], week) or week[v]
    for v in range(len(routes)):  # then its whole week where that keeps the rest feasible; else its locks only
        week[v] = with_homes(v, visits[v], week) or week[v]
    if checker.objective([r for r, _ in week]) is None:
        return routes
    for v, (route, route_days) in enumerate(week):
        routes[v], days[v] = route, route_days
    return routes


def _skips(homes: list[int], most: int) -> Iterator[frozenset[int]]:
    """Sets of home nights to leave out, fewest first (none, then one, ...), at most ``most`` of them."""
    for k in range(min(most, len(homes)) + 1):
        for combo in combinations(homes, k):
            yield frozenset(combo)


REQUEST_INSERTION_SHARE = 0.3
"""The share of a solve's time limit that placing requested visits before the search may take."""


def _insert_requests(
    problem: Problem,
    nodes: list[_Node],
    engine_problem: EngineProblem,
    checker: RouteChecker,
    routes: list[list[int]],
    days: list[list[int]],
    *,
    deadline: float,
) -> list[list[int]]:
    """Give each request the previous plan does not serve the vehicle-day whose visits are worth least.

    Local search moves one visit at a time; a far-away request only fits where a whole day is cleared, so this
    tries, for every capable vehicle and day of the window, to replace that day's visits with the request, and
    keeps the replacement that costs the objective least (if any improves it). The search then refills.
    Each trial is a whole-week evaluation (tens of ms), so with hundreds of requests it stops at ``deadline``
    (``time.monotonic()``), most valuable requests first, and leaves the rest to the search.
    """
    best = checker.objective(routes)
    if best is None:
        return routes
    placed = {n for route in routes for n in route}
    waiting: dict[int, list[int]] = {}
    for n, node in enumerate(nodes):
        if node.candidate is None:
            continue
        candidate = problem.candidates[node.candidate]
        if candidate.request_ids and not candidate.locked:
            waiting.setdefault(node.candidate, []).append(n)
    order = sorted(waiting, key=lambda c: -problem.candidates[c].best_value_m)
    for c in order:
        if time.monotonic() > deadline:
            break
        if placed.intersection(waiting[c]):
            continue
        dates = problem.candidates[c].dates or problem.service_dates
        wanted_days = {(d - problem.week_start).days for d in dates}
        choice: tuple[int, int, list[int], list[int]] | None = None
        for n in waiting[c]:
            for v in (engine_problem.allowed or [None] * len(nodes))[n] or ():
                for day in sorted(wanted_days):
                    before = [(x, d) for x, d in zip(routes[v], days[v], strict=True) if d < day]
                    after = [(x, d) for x, d in zip(routes[v], days[v], strict=True) if d > day]
                    route = [x for x, _ in before] + [n] + [x for x, _ in after]
                    trial = [route if u == v else r for u, r in enumerate(routes)]
                    objective = checker.objective(trial)
                    if objective is not None and objective < (choice[0] if choice else best):
                        route_days = [d for _, d in before] + [day] + [d for _, d in after]
                        choice = (objective, v, route, route_days)
        if choice is not None:
            best, v, routes[v], days[v] = choice
            placed = {n for route in routes for n in route}
    return routes


def to_engine(problem: Problem, nodes: list[_Node]) -> EngineProblem:
    earliest, latest = problem.week_bounds()
    keys: list[CostKey] = []
    for vehicle in problem.vehicles:
        if _cost_key(vehicle) not in keys:
            keys.append(_cost_key(vehicle))
    profiles = tuple(_profile(problem, nodes, [v for v in problem.vehicles if _cost_key(v) == key]) for key in keys)
    vehicles = tuple(
        EngineVehicle(
            start=v, end=v, profile=keys.index(_cost_key(vehicle)), earliest_start=earliest, latest_end=latest
        )
        for v, vehicle in enumerate(problem.vehicles)
    )
    vehicle_index = {v.id: i for i, v in enumerate(problem.vehicles)}
    members: dict[int, list[int]] = {}
    windows: list[tuple[tuple[int, int], ...]] = []
    allowed: list[tuple[int, ...] | None] = []
    homes: list[tuple[int, int]] = []
    locks: list[tuple[int, int]] = []
    for n, node in enumerate(nodes):
        if node.home is not None:
            v, night = node.home
            vehicle = problem.vehicles[v]
            evening, morning = problem.nights()[night]
            windows.append(
                (
                    (
                        problem.day_start_min(evening) + vehicle.service_end_min,
                        problem.day_start_min(morning) + vehicle.service_start_min,
                    ),
                )
            )
            allowed.append((v,))
            homes.append((v, n))
            continue
        if node.candidate is None or node.profile is None:
            windows.append(())
            allowed.append(None)
            continue
        candidate = problem.candidates[node.candidate]
        serving = [vehicle_index[vid] for vid in candidate.vehicle_ids]
        serving = [v for v in serving if _key(problem.vehicles[v]) == node.profile]
        vehicle = problem.vehicles[serving[0]]
        duration = problem.service_min(vehicle, candidate.expected_citizens)
        node_windows = problem.start_windows(vehicle, duration, candidate.dates)
        windows.append(node_windows)
        allowed.append(tuple(serving) if node_windows else ())
        members.setdefault(node.candidate, []).append(n)
        if candidate.locked:
            locks.append((n, serving[0]))
    groups = [
        VisitGroup(tuple(nodes_of), None if problem.candidates[c].locked else problem.candidates[c].best_value_m)
        for c, nodes_of in members.items()
    ]
    group_of_candidate = {problem.candidates[c].id: g for g, c in enumerate(members)}
    at_least = []
    for v in range(len(problem.vehicles)):
        first = len(groups)
        groups += [VisitGroup((n,), problem.rules.lodging_m) for owner, n in homes if owner == v]
        must = len(groups) - first - problem.rules.max_nights_away
        if must > 0:
            at_least.append((tuple(range(first, len(groups))), must))
    linked = tuple(
        tuple(group_of_candidate[c] for c in parts)
        for parts in problem.linked
        if all(c in group_of_candidate for c in parts)
    )
    by_id = {c.id: c for c in problem.candidates}
    shared = tuple(
        (tuple(group_of_candidate[c] for c in present), tuple(max_citizens(by_id[c]) for c in present), pool.citizens)
        for pool in problem.shared
        if (present := [c for c in pool.candidate_ids if c in group_of_candidate])
    )
    return EngineProblem(
        n_nodes=len(nodes),
        profiles=profiles,
        vehicles=vehicles,
        groups=tuple(groups),
        windows=tuple(windows),
        allowed=tuple(allowed),
        horizon=latest + 1,
        locks=tuple(locks),
        linked=linked,
        at_least=tuple(at_least),
        shared=shared,
        daily_travel=DailyTravel(
            limits=tuple(
                problem.rules.daily_drive_limit_min if vehicle.kind is VehicleKind.BUS else None
                for vehicle in problem.vehicles
            ),
            rests=tuple(n for _, n in homes),
            day=MINUTES_PER_DAY,
        ),
    )


def _profile(problem: Problem, nodes: list[_Node], alike: list[Vehicle]) -> Profile:
    """Metres, minutes and service minutes between all nodes, for the vehicles ``alike`` (one cost key); an arc
    into a visit also costs what these vehicles get there less than the best vehicle would."""
    vehicle = alike[0]
    kind, key = vehicle.kind, _key(vehicle)
    matrix = problem.matrix(kind)
    rows = np.array(
        [
            matrix.index(site)
            if (site := node.site_by_kind.get(kind)) is not None and node.profile in (None, key)
            else -1
            for node in nodes
        ]
    )
    valid = rows >= 0
    safe = np.where(valid, rows, 0)
    minutes = matrix.duration_min[np.ix_(safe, safe)]
    metres = matrix.distance_m[np.ix_(safe, safe)]
    forbidden = ~(valid[:, None] & valid[None, :]) | (minutes == UNREACHABLE)
    too_long = minutes > problem.max_leg_min(kind)
    if kind is VehicleKind.TRAIN:  # the train's first run out and last run home: bound by the week's hours only
        depots = len(problem.vehicles)
        too_long[:depots, :] = False
        too_long[:, :depots] = False
    forbidden |= too_long
    np.fill_diagonal(forbidden, False)
    service = tuple(
        problem.service_min(vehicle, problem.candidates[n.candidate].expected_citizens)
        if n.candidate is not None
        else 0
        for n in nodes
    )
    zero = np.zeros_like(minutes)
    cost = np.where(forbidden, zero, metres).astype(np.int64)
    ids = {v.id for v in alike}
    for n, node in enumerate(nodes):
        if node.candidate is None or node.profile != key:
            continue
        candidate = problem.candidates[node.candidate]
        mine = next((vid for vid in candidate.vehicle_ids if vid in ids), None)
        if mine is not None and not candidate.locked:
            shortfall = candidate.best_value_m - candidate.serving(mine).value_m
            cost[:, n] += np.where(forbidden[:, n], 0, shortfall)
    return Profile(
        cost=cost,
        travel=np.where(forbidden, zero, minutes).astype(np.int64),
        service=service,
        forbidden=forbidden,
    )
