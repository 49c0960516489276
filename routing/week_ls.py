"""A ruin-and-recreate search for the weekly planner's model, with steps as cheap as ``vrptw_ls``'s.

The weekly model is prize collecting (a visit is optional and worth its prize), every node may have several
windows (one per service day), vehicles have their own depots, hours and profiles (a bus and the train move on
different matrices, forbidden arcs included), nights at home are optional nodes worth the lodging they save,
and the shared need of a catchment caps the citizens of the visits that draw on it. OR-Tools' guided local search
holds all of that but moves one visit at a time; from the greedy week it settles within seconds and the second
core, started from the same week, repeats it. This search makes thousands of SISR steps a second instead: remove
strings of visits from routes near a random node, put each back (with unvisited nodes near it and the ruined
vehicles' nights at home) at its cheapest feasible position when that is worth its prize, accept by simulated
annealing.

Feasibility of an insertion is two comparisons, as in ``vrptw_ls``: per route the earliest service start at each
position (forward) and the latest start that keeps every later window (backward). With several windows per node
both stay exact: the earliest start is the first window open at the arrival, the latest the last window that can
still be left in time, and an earlier start is never worse. The daily driving limit (``DailyTravel``), which the
OR-Tools model cannot hold, is recomputed with a route's times after each change, as ``scheduler.objective``
counts it; the search's results still pass the planner's own filter before they count.

What it leaves alone: mandatory visits (locks) are never removed, the parts of linked requests are never moved,
and a vehicle keeps at least the nights at home the rules ask for. Without numba (the tests' plain-Python runs)
the same code runs uncompiled and slowly.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from routing.annealing import Annealing, batch_seed, mean_arc
from routing.compiled import compiled
from routing.model import EngineProblem, EngineSolution, EngineVehicle, Profile, VisitGroup, objective_of

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

BIG = 1 << 40
"""Travel time of a forbidden arc: no window reaches past it, and sums of a few stay far from overflow."""

NONE = -1


def fits(problem: EngineProblem) -> bool:
    """Whether the search can hold every constraint: no loads, route duration or cost limits (the week has none)."""
    if problem.demand is not None and any(problem.demand):
        return False
    if any(v.capacity is not None or v.max_duration is not None or v.max_cost is not None for v in problem.vehicles):
        return False
    return bool(problem.vehicles) and any(g.prize is not None for g in problem.groups)


@dataclass(frozen=True, slots=True)
class WeekConfig(Annealing):
    mean_removed: int = 15
    """Tuned with ``max_string`` on the bundled week of 2026-12-07 (10 s, one core, seed 1, engine objective from the
    greedy week 198.03 M): 8 and 6 193.72 M, 4 and 6 193.99 M, 15 and 10 190.12 M, 25 and 15 190.54 M, 40 and 20
    190.58 M; a whole day (a string of a day's visits and the night after) has to go at once for a bus to move to
    another region."""
    extra: int = 8
    """Unvisited nodes nearest the ruin's seed offered to the recreate besides the removed visits."""
    first_temperature: float = 0.5
    batch: int = 50


@dataclass(frozen=True, slots=True)
class Instance:
    """The problem's numbers as arrays the compiled code reads."""

    cost: IntArray  # [profile, node, node]
    travel: IntArray  # [profile, node, node], forbidden arcs BIG
    service: IntArray  # [profile, node]
    wstart: IntArray  # [node, window]
    wend: IntArray
    wcount: IntArray
    allowed: BoolArray  # [node, vehicle]
    vprofile: IntArray
    vstart: IntArray
    vend: IntArray
    vready: IntArray
    vdue: IntArray
    group_of: IntArray  # per node, its group or -1
    prize: IntArray  # per group; -1 when mandatory
    movable: BoolArray  # per group: the search may remove and insert it
    pool_of: IntArray  # per group, its shared capacity or -1
    size: IntArray  # per group, what it draws on its pool
    pool_cap: IntArray
    set_of: IntArray  # per group, its at-least set or -1
    set_need: IntArray
    drive_limit: IntArray  # per vehicle; BIG when unlimited
    rest: BoolArray  # per node: a night's stop (a leg out of it departs as late as it can)
    day: int
    near: IntArray  # per node, the group nodes by increasing travel there and back
    rests_of: IntArray  # per vehicle, its rest nodes (padded with -1)

    @staticmethod
    def of(problem: EngineProblem) -> Instance:
        n, vehicles = problem.n_nodes, problem.vehicles
        travel = np.stack([_travel(p) for p in problem.profiles])
        windows = problem.windows or ((),) * n
        width = max([len(w) for w in windows] + [1])
        wstart = np.zeros((n, width), dtype=np.int64)
        wend = np.zeros((n, width), dtype=np.int64)
        wcount = np.ones(n, dtype=np.int64)
        for node, node_windows in enumerate(windows):
            spans = sorted(node_windows) or [(0, problem.horizon)]
            wcount[node] = len(spans)
            for w, (lo, hi) in enumerate(spans):
                wstart[node, w], wend[node, w] = lo, hi
        allowed = np.ones((n, len(vehicles)), dtype=np.bool_)
        for node, who in enumerate(problem.allowed or ()):
            if who is not None:
                allowed[node] = False
                allowed[node, list(who)] = True
        groups = problem.groups
        group_of = np.full(n, NONE, dtype=np.int64)
        for g, group in enumerate(groups):
            group_of[list(group.nodes)] = g
        movable = np.array([g.prize is not None for g in groups], dtype=np.bool_)
        for linked in problem.linked:
            movable[list(linked)] = False
        pool_of = np.full(len(groups), NONE, dtype=np.int64)
        size = np.zeros(len(groups), dtype=np.int64)
        for q, (members, sizes, _) in enumerate(problem.shared):
            for g, s in zip(members, sizes, strict=True):
                if pool_of[g] != NONE:  # in two pools: the search leaves it as it is
                    movable[g] = False
                pool_of[g], size[g] = q, s
        set_of = np.full(len(groups), NONE, dtype=np.int64)
        for s, (members, _) in enumerate(problem.at_least):
            for g in members:
                if set_of[g] != NONE:
                    movable[g] = False
                set_of[g] = s
        daily = problem.daily_travel
        rest = np.zeros(n, dtype=np.bool_)
        limits = np.full(len(vehicles), BIG, dtype=np.int64)
        if daily is not None:
            rest[list(daily.rests)] = True
            for v, limit in enumerate(daily.limits):
                if limit is not None:
                    limits[v] = limit
        visitable = np.flatnonzero(group_of >= 0)
        there_and_back = travel.min(axis=0)
        there_and_back = there_and_back + there_and_back.T
        near = np.full((n, len(visitable)), NONE, dtype=np.int64)
        for node in range(n):
            near[node] = visitable[np.argsort(there_and_back[node, visitable], kind="stable")]
        rests: list[list[int]] = [[] for _ in vehicles]
        for rest_node in np.flatnonzero(rest):
            for owner in np.flatnonzero(allowed[rest_node]):
                rests[int(owner)].append(int(rest_node))
        rests_of = np.full((len(vehicles), max([len(r) for r in rests] + [1])), NONE, dtype=np.int64)
        for v, nodes in enumerate(rests):
            rests_of[v, : len(nodes)] = nodes
        return Instance(
            cost=np.stack([p.cost.astype(np.int64) for p in problem.profiles]),
            travel=travel,
            service=np.array([p.service for p in problem.profiles], dtype=np.int64),
            wstart=wstart,
            wend=wend,
            wcount=wcount,
            allowed=allowed,
            vprofile=np.array([v.profile for v in vehicles], dtype=np.int64),
            vstart=np.array([v.start for v in vehicles], dtype=np.int64),
            vend=np.array([v.end for v in vehicles], dtype=np.int64),
            vready=np.array([v.earliest_start for v in vehicles], dtype=np.int64),
            vdue=np.array([_latest(problem, v) for v in vehicles], dtype=np.int64),
            group_of=group_of,
            prize=np.array([NONE if g.prize is None else g.prize for g in groups], dtype=np.int64),
            movable=movable,
            pool_of=pool_of,
            size=size,
            pool_cap=np.array([cap for _, _, cap in problem.shared] or [0], dtype=np.int64),
            set_of=set_of,
            set_need=np.array([k for _, k in problem.at_least] or [0], dtype=np.int64),
            drive_limit=limits,
            rest=rest,
            day=daily.day if daily is not None else 1,
            near=near,
            rests_of=rests_of,
        )

    def arrays(self) -> tuple[Any, ...]:
        """The arrays in the order the compiled functions take them."""
        return (
            self.cost, self.travel, self.service, self.wstart, self.wend, self.wcount, self.allowed, self.vprofile,
            self.vready, self.vdue, self.group_of, self.prize, self.movable, self.pool_of, self.size,
            self.pool_cap, self.set_of, self.set_need, self.drive_limit, self.rest, self.day, self.near,
            self.rests_of,
        )  # fmt: skip


def _travel(profile: Profile) -> IntArray:
    travel = profile.travel.astype(np.int64)  # a copy: astype copies by default
    if profile.forbidden is not None:
        travel[profile.forbidden] = BIG
    return travel


def _latest(problem: EngineProblem, vehicle: EngineVehicle) -> int:
    return problem.horizon if vehicle.latest_end is None else min(problem.horizon, vehicle.latest_end)


@dataclass(slots=True)
class State:
    """A week as arrays: per route its nodes (the vehicle's start and end at both ends), earliest and latest service
    starts per position and cost; per node its route and position (-1 when not visited); per group the node that
    visits it; per shared capacity what it carries; per at-least set how many of its groups are visited."""

    nodes: IntArray
    count: IntArray
    early: IntArray
    late: IntArray
    cost: IntArray
    route_of: IntArray
    position: IntArray
    visit: IntArray
    pool_load: IntArray
    set_count: IntArray

    def arrays(self) -> tuple[IntArray, ...]:
        return (
            self.nodes, self.count, self.early, self.late, self.cost, self.route_of, self.position, self.visit,
            self.pool_load, self.set_count,
        )  # fmt: skip

    def routes(self) -> tuple[tuple[int, ...], ...]:
        return _routes(self.nodes, self.count)


def new_state(inst: Instance, problem: EngineProblem, routes: Sequence[Sequence[int]]) -> State | None:
    """``routes`` as a state, or None when they break a window, the daily limit, a shared capacity, an at-least
    set, or leave a mandatory group out."""
    n, vehicles = problem.n_nodes, len(problem.vehicles)
    width = max([len(r) for r in routes] + [0]) + 2 + n
    state = State(
        nodes=np.zeros((vehicles, width), dtype=np.int64),
        count=np.zeros(vehicles, dtype=np.int64),
        early=np.zeros((vehicles, width), dtype=np.int64),
        late=np.zeros((vehicles, width), dtype=np.int64),
        cost=np.zeros(vehicles, dtype=np.int64),
        route_of=np.full(n, NONE, dtype=np.int64),
        position=np.full(n, NONE, dtype=np.int64),
        visit=np.full(len(problem.groups), NONE, dtype=np.int64),
        pool_load=np.zeros(len(inst.pool_cap), dtype=np.int64),
        set_count=np.zeros(len(inst.set_need), dtype=np.int64),
    )
    for r in range(vehicles):
        route = list(routes[r]) if r < len(routes) else []
        state.nodes[r, 0], state.nodes[r, len(route) + 1] = inst.vstart[r], inst.vend[r]
        state.nodes[r, 1 : len(route) + 1] = route
        state.count[r] = len(route)
        for node in route:
            g = inst.group_of[node]
            if g < 0 or state.visit[g] != NONE or not inst.allowed[node, r]:
                return None
            state.visit[g] = node
            if inst.pool_of[g] >= 0:
                state.pool_load[inst.pool_of[g]] += inst.size[g]
            if inst.set_of[g] >= 0:
                state.set_count[inst.set_of[g]] += 1
        if not _refresh(
            inst.cost, inst.travel, inst.service, inst.wstart, inst.wend, inst.wcount, inst.vprofile, inst.vready,
            inst.vdue, inst.drive_limit, inst.rest, inst.day, state.nodes, state.count, state.early, state.late,
            state.cost, state.route_of, state.position, r,
        ):  # fmt: skip
            return None
    if np.any(state.pool_load > inst.pool_cap) or np.any(state.set_count < inst.set_need):
        return None
    if np.any((inst.prize < 0) & (state.visit == NONE)):
        return None
    return state


@compiled
def _earliest(wstart: IntArray, wend: IntArray, wcount: IntArray, node: int, arrive: int) -> int:
    """The earliest service start at ``node`` for an arrival at ``arrive``; BIG when every window has closed."""
    for w in range(wcount[node]):
        if arrive <= wend[node, w]:
            return int(max(arrive, wstart[node, w]))
    return BIG


@compiled
def _refresh(
    cost: IntArray, travel: IntArray, service: IntArray, wstart: IntArray, wend: IntArray, wcount: IntArray,
    vprofile: IntArray, vready: IntArray, vdue: IntArray, drive_limit: IntArray, rest: BoolArray, day: int,
    nodes: IntArray, count: IntArray, early: IntArray, late: IntArray, route_cost: IntArray, route_of: IntArray,
    position: IntArray, r: int,
) -> bool:  # fmt: skip
    """Recompute route ``r``'s starts, cost and its nodes' places; False when it breaks a window, the vehicle's
    hours or the daily driving limit."""
    p = vprofile[r]
    last = count[r] + 1
    early[r, 0] = vready[r]
    ok = True
    total = 0
    for k in range(1, last + 1):
        a = nodes[r, k - 1]
        b = nodes[r, k]
        arrive = early[r, k - 1] + service[p, a] + travel[p, a, b]
        if k == last:
            early[r, k] = arrive
            if arrive > vdue[r]:
                ok = False
        else:
            early[r, k] = _earliest(wstart, wend, wcount, b, arrive)
            if early[r, k] >= BIG:
                ok = False
                early[r, k] = BIG
            route_of[b] = r
            position[b] = k
        total += cost[p, a, b]
    late[r, last] = vdue[r]
    for k in range(last - 1, 0, -1):
        a = nodes[r, k]
        deadline = late[r, k + 1] - service[p, a] - travel[p, a, nodes[r, k + 1]]
        latest = -BIG
        for w in range(wcount[a] - 1, -1, -1):
            if wstart[a, w] <= deadline:
                latest = min(wend[a, w], deadline)
                break
        late[r, k] = latest
    late[r, 0] = late[r, 1] - service[p, nodes[r, 0]] - travel[p, nodes[r, 0], nodes[r, 1]]
    route_cost[r] = total if count[r] > 0 else 0
    if ok and drive_limit[r] < BIG and count[r] > 0:
        ok = _keeps_daily(travel, service, rest, day, drive_limit[r], nodes, early, p, r, last)
    return ok


@compiled
def _keeps_daily(
    travel: IntArray,
    service: IntArray,
    rest: BoolArray,
    day: int,
    limit: int,
    nodes: IntArray,
    early: IntArray,
    p: int,
    r: int,
    last: int,
) -> bool:
    """Minutes driven per day within ``limit``, legs timed as ``scheduler.objective.route_legs`` times them: out of
    the start or a night at home a leg departs as late as it can, else when the stop before it ends."""
    days = early[r, last] // day + 2
    driven = np.zeros(days, dtype=np.int64)
    resting = True
    leave = 0
    for k in range(last):
        a = nodes[r, k]
        b = nodes[r, k + 1]
        t = travel[p, a, b]
        if k + 1 == last or rest[b]:
            if t == 0:
                continue  # already there: no leg
            driven[max(0, leave) // day] += t
            resting = True
            continue
        depart = early[r, k + 1] - t if resting else leave
        driven[max(0, depart) // day] += t
        resting = False
        leave = early[r, k + 1] + service[p, b]
    return bool(np.all(driven <= limit))


@compiled
def _take_out(nodes: IntArray, count: IntArray, route_of: IntArray, position: IntArray, node: int) -> int:
    """Take ``node`` out of its route (times not refreshed); returns the route."""
    r = route_of[node]
    for k in range(position[node], count[r] + 1):
        nodes[r, k] = nodes[r, k + 1]
        position[nodes[r, k]] = k
    count[r] -= 1
    route_of[node] = NONE
    position[node] = NONE
    return int(r)


@compiled
def _put_in(nodes: IntArray, count: IntArray, r: int, k: int, node: int) -> None:
    """Put ``node`` after position ``k`` of route ``r`` (times not refreshed)."""
    for j in range(count[r] + 1, k, -1):
        nodes[r, j + 1] = nodes[r, j]
    nodes[r, k + 1] = node
    count[r] += 1


@compiled
def _steps(
    cost: IntArray, travel: IntArray, service: IntArray, wstart: IntArray, wend: IntArray, wcount: IntArray,
    allowed: BoolArray, vprofile: IntArray, vready: IntArray, vdue: IntArray, group_of: IntArray, prize: IntArray,
    movable: BoolArray, pool_of: IntArray, size: IntArray, pool_cap: IntArray, set_of: IntArray,
    set_need: IntArray, drive_limit: IntArray, rest: BoolArray, day: int, near: IntArray, rests_of: IntArray,
    nodes: IntArray, count: IntArray, early: IntArray, late: IntArray, route_cost: IntArray, route_of: IntArray,
    position: IntArray, visit: IntArray, pool_load: IntArray, set_count: IntArray,
    best_nodes: IntArray, best_count: IntArray, steps: int, temperature: float, mean_removed: int,
    max_string: int, extra: int, blink: float, seed: int,
) -> tuple[int, int]:  # fmt: skip
    """``steps`` ruin-and-recreate steps from the current week (the state arrays, updated to the last accepted
    step), accepted by simulated annealing at ``temperature``; the best met is copied to ``best_*``. Returns
    (current value, best value): route costs less the prizes collected."""
    np.random.seed(seed)
    vehicles = len(count)
    n = len(route_of)
    t_nodes = nodes.copy()
    t_count = count.copy()
    t_early = early.copy()
    t_late = late.copy()
    t_cost = route_cost.copy()
    t_route_of = route_of.copy()
    t_position = position.copy()
    t_visit = visit.copy()
    t_pool = pool_load.copy()
    t_sets = set_count.copy()
    current = _value(prize, route_cost, visit)
    best = _value_of_routes(cost, vprofile, group_of, prize, best_nodes, best_count)
    removed = np.empty(n, dtype=np.int64)
    offered = np.zeros(n, dtype=np.bool_)
    saved_row = np.empty(nodes.shape[1], dtype=np.int64)
    for _ in range(steps):
        # ruin: strings of movable visits from routes near a random node
        seed_node = near[0, np.random.randint(0, near.shape[1])] if near.shape[1] > 0 else -1
        if seed_node < 0:
            break
        used = 0
        total = 0
        for r in range(vehicles):
            if t_count[r] > 0:
                used += 1
                total += t_count[r]
        longest = min(float(max_string), total / max(1, used))
        strings = int(np.random.uniform(1.0, 4.0 * mean_removed / (1.0 + longest))) if used > 0 else 0
        ruined = np.zeros(vehicles, dtype=np.bool_)
        gone = 0
        done = 0
        for i in range(near.shape[1]):
            if done >= strings:
                break
            c = near[seed_node, i]
            r = t_route_of[c]
            if r < 0 or ruined[r]:
                continue
            ruined[r] = True
            done += 1
            length = max(1, min(int(np.random.uniform(1.0, min(float(t_count[r]), longest) + 1.0)), t_count[r]))
            at = t_position[c]
            first = np.random.randint(max(1, at - length + 1), min(at, t_count[r] - length + 1) + 1)
            saved_row[: t_count[r] + 2] = t_nodes[r, : t_count[r] + 2]
            saved_count = t_count[r]
            picked = 0
            for k in range(first, first + length):
                x = t_nodes[r, k]
                g = group_of[x]
                if not movable[g]:
                    continue
                s = set_of[g]
                if s >= 0 and t_sets[s] <= set_need[s]:
                    continue
                if s >= 0:
                    t_sets[s] -= 1
                removed[gone + picked] = x
                picked += 1
            for j in range(gone, gone + picked):
                _take_out(t_nodes, t_count, t_route_of, t_position, removed[j])
            if _refresh(
                cost, travel, service, wstart, wend, wcount, vprofile, vready, vdue, drive_limit, rest, day,
                t_nodes, t_count, t_early, t_late, t_cost, t_route_of, t_position, r,
            ):  # fmt: skip
                for j in range(gone, gone + picked):
                    g = group_of[removed[j]]
                    t_visit[g] = NONE
                    if pool_of[g] >= 0:
                        t_pool[pool_of[g]] -= size[g]
                gone += picked
            else:  # a shortcut the removal made is forbidden or later: the string stays
                for j in range(gone, gone + picked):
                    s = set_of[group_of[removed[j]]]
                    if s >= 0:
                        t_sets[s] += 1
                t_count[r] = saved_count
                t_nodes[r, : saved_count + 2] = saved_row[: saved_count + 2]
                _refresh(
                    cost, travel, service, wstart, wend, wcount, vprofile, vready, vdue, drive_limit, rest, day,
                    t_nodes, t_count, t_early, t_late, t_cost, t_route_of, t_position, r,
                )  # fmt: skip
        # recreate: the removed visits, unvisited nodes near the seed and the ruined vehicles' nights at home
        offers = gone
        for j in range(gone):
            offered[removed[j]] = True  # offered once: ``removed`` holds at most every node once
        for i in range(near.shape[1]):
            if offers >= gone + extra:
                break
            c = near[seed_node, i]
            if t_route_of[c] < 0 and movable[group_of[c]] and not offered[c]:
                removed[offers] = c
                offered[c] = True
                offers += 1
        for r in range(vehicles):
            if ruined[r]:
                for j in range(rests_of.shape[1]):
                    c = rests_of[r, j]
                    if c >= 0 and t_route_of[c] < 0 and movable[group_of[c]] and not offered[c]:
                        removed[offers] = c
                        offered[c] = True
                        offers += 1
        for j in range(offers):
            offered[removed[j]] = False
        order = removed[:offers].copy()
        keys = np.empty(offers, dtype=np.float64)
        draw = np.random.random()
        for j in range(offers):
            c = order[j]
            if draw < 0.5:
                keys[j] = np.random.random()
            elif draw < 0.8:
                keys[j] = -prize[group_of[c]]
            else:
                keys[j] = -travel[vprofile[0], seed_node, c] if travel[vprofile[0], seed_node, c] < BIG else 0
        order = order[np.argsort(keys)]
        for j in range(offers):
            c = order[j]
            g = group_of[c]
            if t_visit[g] != NONE:
                continue
            q = pool_of[g]
            if q >= 0 and t_pool[q] + size[g] > pool_cap[q]:
                continue
            skip_r = -1
            skip_k = -1
            for attempt in range(2):  # a best place that breaks the daily limit: once more, elsewhere
                best_delta = prize[g]
                best_r = -1
                best_k = -1
                for r in range(vehicles):
                    if not allowed[c, r]:
                        continue
                    p = vprofile[r]
                    for k in range(t_count[r] + 1):
                        if np.random.random() < blink:
                            continue
                        a = t_nodes[r, k]
                        b = t_nodes[r, k + 1]
                        delta = cost[p, a, c] + cost[p, c, b] - cost[p, a, b]
                        if delta >= best_delta or (attempt == 1 and r == skip_r and k == skip_k):
                            continue
                        arrive = t_early[r, k] + service[p, a] + travel[p, a, c]
                        start = _earliest(wstart, wend, wcount, c, arrive)
                        if start >= BIG or start + service[p, c] + travel[p, c, b] > t_late[r, k + 1]:
                            continue
                        best_delta = delta
                        best_r = r
                        best_k = k
                if best_r < 0:
                    break
                _put_in(t_nodes, t_count, best_r, best_k, c)
                if _refresh(
                    cost, travel, service, wstart, wend, wcount, vprofile, vready, vdue, drive_limit, rest, day,
                    t_nodes, t_count, t_early, t_late, t_cost, t_route_of, t_position, best_r,
                ):  # fmt: skip
                    t_visit[g] = c
                    if q >= 0:
                        t_pool[q] += size[g]
                    s = set_of[g]
                    if s >= 0:
                        t_sets[s] += 1
                    break
                _take_out(t_nodes, t_count, t_route_of, t_position, c)
                _refresh(
                    cost, travel, service, wstart, wend, wcount, vprofile, vready, vdue, drive_limit, rest, day,
                    t_nodes, t_count, t_early, t_late, t_cost, t_route_of, t_position, best_r,
                )  # fmt: skip
                skip_r = best_r
                skip_k = best_k
        feasible = True
        for s in range(len(set_need)):
            if t_sets[s] < set_need[s]:
                feasible = False
        value = _value(prize, t_cost, t_visit)
        if feasible and value <= current - temperature * math.log(np.random.random() + 1e-300):
            current = value
            nodes[:] = t_nodes
            count[:] = t_count
            early[:] = t_early
            late[:] = t_late
            route_cost[:] = t_cost
            route_of[:] = t_route_of
            position[:] = t_position
            visit[:] = t_visit
            pool_load[:] = t_pool
            set_count[:] = t_sets
            if value < best:
                best = value
                best_nodes[:] = t_nodes
                best_count[:] = t_count
        else:
            t_nodes[:] = nodes
            t_count[:] = count
            t_early[:] = early
            t_late[:] = late
            t_cost[:] = route_cost
            t_route_of[:] = route_of
            t_position[:] = position
            t_visit[:] = visit
            t_pool[:] = pool_load
            t_sets[:] = set_count
    return current, best


@compiled
def _value(prize: IntArray, route_cost: IntArray, visit: IntArray) -> int:
    """Route costs less the prizes of the optional groups visited (the engine's objective less a constant)."""
    total = route_cost.sum()
    for g in range(len(visit)):
        if visit[g] != NONE and prize[g] > 0:
            total -= prize[g]
    return int(total)


@compiled
def _value_of_routes(
    cost: IntArray, vprofile: IntArray, group_of: IntArray, prize: IntArray, nodes: IntArray, count: IntArray
) -> int:
    total = 0
    for r in range(len(count)):
        if count[r] == 0:
            continue
        p = vprofile[r]
        for k in range(count[r] + 1):
            total += cost[p, nodes[r, k], nodes[r, k + 1]]
        for k in range(1, count[r] + 1):
            g = group_of[nodes[r, k]]
            if prize[g] > 0:
                total -= prize[g]
    return int(total)


@functools.cache  # once per process: the planner and the search both ask
def warm_up() -> None:
    """Compile (the first run on a machine) or load from numba's cache the compiled steps in this process, so that
    worker processes forked after it inherit them instead of each loading them within its budget."""
    cost = np.array([[0, 2, 2, 3], [2, 0, 1, 2], [2, 1, 0, 2], [3, 2, 2, 0]], dtype=np.int64)
    problem = EngineProblem(
        n_nodes=4,
        profiles=(Profile(cost, cost, (0, 1, 1, 1)),),
        vehicles=(EngineVehicle(0, 0, latest_end=100),),
        groups=(VisitGroup((1,), 10), VisitGroup((2,), 10), VisitGroup((3,), 1)),
        windows=((), ((0, 50), (60, 100)), ((0, 100),), ((0, 100),)),
        horizon=100,
    )
    solve_week(problem, time_limit_s=0.0, initial_routes=[[1]])


def solve_week(
    problem: EngineProblem,
    *,
    time_limit_s: float,
    initial_routes: Sequence[Sequence[int]],
    seed: int = 0,
    config: WeekConfig | None = None,
    collect_routes: bool = False,
    on_steps: Callable[[int], None] | None = None,
) -> EngineSolution | None:
    """The best week the search finds within ``time_limit_s`` from ``initial_routes`` (one per vehicle); None when
    they are not a feasible week by this search's checks. ``problem`` must ``fits``.

    ``on_steps`` receives the number of steps made, once at the end (for the steps-per-second figure)."""
    started = time.monotonic()
    config = config or WeekConfig()
    inst = Instance.of(problem)
    state = new_state(inst, problem, initial_routes)
    if state is None:
        return None
    best_nodes, best_count = state.nodes.copy(), state.count.copy()
    arc = mean_arc(float(state.cost.sum()), state.count)
    best_value = int(_value(inst.prize, state.cost, state.visit))
    history = [(time.monotonic() - started, objective_of(problem, state.routes()))]
    seen: set[tuple[int, tuple[int, ...]]] = set()
    steps, batch = 0, 0
    while (now := time.monotonic() - started) < time_limit_s or batch == 0:
        temperature = config.temperature(arc, now, time_limit_s)
        _, value = cast(Callable[..., tuple[int, int]], _steps)(
            *inst.arrays(), *state.arrays(), best_nodes, best_count, config.batch if time_limit_s > 0 else 1,
            temperature, config.mean_removed, config.max_string, config.extra, config.blink,
            batch_seed(seed, batch),
        )  # fmt: skip
        steps += config.batch
        batch += 1
        if value < best_value:
            best_value = int(value)
            routes = _routes(best_nodes, best_count)
            history.append((time.monotonic() - started, objective_of(problem, routes)))
            if collect_routes:  # each new best's routes: every accepted step's would swamp the recombination
                seen.update((v, r) for v, r in enumerate(routes) if r)
    if on_steps is not None:
        on_steps(steps)
    routes = _routes(best_nodes, best_count)
    final = new_state(inst, problem, routes)
    if final is None:  # the arrays disagree with a plain recomputation: a bug, never a solution
        raise AssertionError("week_ls produced routes that break the week's rules")
    seen.update((v, r) for v, r in enumerate(routes) if r)
    starts = tuple(tuple(int(x) for x in final.early[r, 1 : final.count[r] + 1]) for r in range(len(routes)))
    return EngineSolution(
        routes, starts, objective_of(problem, routes), time.monotonic() - started, tuple(history), tuple(sorted(seen))
    )


def _routes(nodes: IntArray, count: IntArray) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(x) for x in nodes[r, 1 : count[r] + 1]) for r in range(len(count)))
