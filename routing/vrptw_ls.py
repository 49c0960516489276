"""A ruin-and-recreate search built for plain VRPTW (Solomon's problem), with steps cheap enough to run tens of
thousands of times in a benchmark's budget.

The engine's own ruin and recreate (``ruin.py``) rebuilds an OR-Tools model per step (about 20 ms), so a slower
core loses most of its steps. Here a step works on plain arrays: per route, the earliest service start at each
position (forward) and the latest start that keeps every later window and the depot's closing (backward), so
whether a customer fits between two positions is a test of two numbers, and the load of each route for capacity.
A step removes strings of consecutive customers from routes near a random customer (SISR, slack induction by
string removals, Christiaens & Vanden Berghe 2020), puts them back one by one at their cheapest feasible position,
skipping each position with a small probability (blinks), and is accepted by simulated annealing. The hot loops are
compiled by numba (``routing/compiled.py``); without it the same code runs as plain Python, slowly.

``fits`` says which problems it takes: one depot, identical vehicles, every visit mandatory and a single node, at
most one window per node; nothing the weekly planner builds (it has ``week_ls``). ``search.py`` hands it the second
part of a worker's budget (``SearchConfig.vrptw_share``) from the OR-Tools search's best; the routes it meets join
the recombination.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.annealing import Annealing, batch_seed, mean_arc
from routing.compiled import compiled
from routing.model import EngineProblem, EngineSolution, EngineVehicle, Profile, VisitGroup, objective_of

IntArray = npt.NDArray[np.int64]

INF = 1 << 60


def fits(problem: EngineProblem) -> bool:
    """Whether the problem is plain VRPTW: identical vehicles from and to one depot with at most a capacity and the
    depot's opening hours, one profile, every visit mandatory and a single node with at most one window, no
    locks, links, shared capacities, vehicle restrictions or forbidden arcs."""
    if len(problem.profiles) != 1 or problem.allowed is not None or not problem.vehicles:
        return False
    if problem.locks or problem.linked or problem.at_least or problem.shared:
        return False
    if any(g.prize is not None or len(g.nodes) != 1 for g in problem.groups):
        return False
    first = problem.vehicles[0]
    if any(v != first for v in problem.vehicles) or first.start != first.end:
        return False
    if first.max_duration is not None or first.max_cost is not None:
        return False
    if problem.windows is not None and any(len(w) > 1 for w in problem.windows):
        return False
    customers = {g.nodes[0] for g in problem.groups}
    if first.start in customers or len(customers) != problem.n_nodes - 1:
        return False
    return problem.profiles[0].forbidden is None


@dataclass(frozen=True, slots=True)
class VrptwConfig(Annealing):
    """The shared defaults. First temperature tuned on the 19 even-indexed Solomon instances, 10 s, whole portfolio
    (share 0.9), machine shared: 0.4 1.09 % (RC208 stuck at 12 %), 1.0 0.33 %, 2.0 0.46 %."""


@dataclass(slots=True)
class State:
    """A solution as arrays: per route its nodes (depot at both ends), earliest and latest service starts per
    position, load and cost; per customer its route and position (-1 when out)."""

    nodes: IntArray
    size: IntArray
    early: IntArray
    late: IntArray
    load: IntArray
    cost: IntArray
    route_of: IntArray
    position: IntArray

    def arrays(self) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
        return (self.nodes, self.size, self.early, self.late, self.load, self.cost, self.route_of, self.position)

    def routes(self) -> list[tuple[int, ...]]:
        return [tuple(int(x) for x in self.nodes[r, 1 : self.size[r] + 1]) for r in range(len(self.size))]


@dataclass(frozen=True, slots=True)
class Instance:
    """The problem's numbers as arrays the compiled code reads."""

    cost: IntArray
    travel: IntArray
    service: IntArray
    ready: IntArray
    due: IntArray
    demand: IntArray
    capacity: int
    depot: int
    near: IntArray
    """Per customer and for the depot, every customer by increasing cost there and back (itself first)."""

    @staticmethod
    def of(problem: EngineProblem) -> Instance:
        profile = problem.profiles[0]
        vehicle = problem.vehicles[0]
        n = problem.n_nodes
        ready = np.zeros(n, dtype=np.int64)
        due = np.full(n, problem.horizon, dtype=np.int64)
        for node, windows in enumerate(problem.windows or ()):
            if windows:
                ready[node], due[node] = windows[0]
        ready[vehicle.start] = max(int(ready[vehicle.start]), vehicle.earliest_start)
        latest = problem.horizon if vehicle.latest_end is None else min(problem.horizon, vehicle.latest_end)
        due[vehicle.start] = min(int(due[vehicle.start]), latest)
        cost = profile.cost.astype(np.int64)
        customers = np.array([g.nodes[0] for g in problem.groups], dtype=np.int64)
        near = np.full((n, len(customers)), -1, dtype=np.int64)
        for c in [vehicle.start, *customers]:  # the depot's row: customers by distance from it
            near[c] = customers[np.argsort(cost[c, customers] + cost[customers, c], kind="stable")]
        return Instance(
            cost=cost,
            travel=profile.travel.astype(np.int64),
            service=np.array(profile.service, dtype=np.int64),
            ready=ready,
            due=due,
            demand=np.zeros(n, dtype=np.int64) if problem.demand is None else np.array(problem.demand, dtype=np.int64),
            capacity=INF if vehicle.capacity is None else vehicle.capacity,
            depot=vehicle.start,
            near=near,
        )


def new_state(inst: Instance, routes: Sequence[Sequence[int]], vehicles: int) -> State | None:
    """``routes`` as a state, or None when one of them breaks a window, the capacity or the depot's hours."""
    n = len(inst.cost)
    longest = max([len(r) for r in routes] + [0])
    width = max(n + 1, longest + 2)
    state = State(
        nodes=np.full((vehicles, width), inst.depot, dtype=np.int64),
        size=np.zeros(vehicles, dtype=np.int64),
        early=np.zeros((vehicles, width), dtype=np.int64),
        late=np.zeros((vehicles, width), dtype=np.int64),
        load=np.zeros(vehicles, dtype=np.int64),
        cost=np.zeros(vehicles, dtype=np.int64),
        route_of=np.full(n, -1, dtype=np.int64),
        position=np.full(n, -1, dtype=np.int64),
    )
    for r in range(vehicles):
        route = list(routes[r]) if r < len(routes) else []
        state.nodes[r, 1 : len(route) + 1] = route
        state.size[r] = len(route)
        if not _refresh(inst.cost, inst.travel, inst.service, inst.ready, inst.due, inst.demand, *state.arrays(), r):
            return None
    if int(state.load.max(initial=0)) > inst.capacity:
        return None
    return state


@compiled
def _refresh(
    cost: IntArray,
    travel: IntArray,
    service: IntArray,
    ready: IntArray,
    due: IntArray,
    demand: IntArray,
    nodes: IntArray,
    size: IntArray,
    early: IntArray,
    late: IntArray,
    load: IntArray,
    route_cost: IntArray,
    route_of: IntArray,
    position: IntArray,
    r: int,
) -> bool:
    """Recompute route ``r``'s starts, load, cost and its customers' places; False when it breaks a window."""
    last = size[r] + 1
    nodes[r, last] = nodes[r, 0]
    early[r, 0] = ready[nodes[r, 0]]
    ok = True
    total = 0
    carried = 0
    for k in range(1, last + 1):
        a = nodes[r, k - 1]
        b = nodes[r, k]
        early[r, k] = max(ready[b], early[r, k - 1] + service[a] + travel[a, b])
        if early[r, k] > due[b]:
            ok = False
        total += cost[a, b]
        if k < last:
            carried += demand[b]
            route_of[b] = r
            position[b] = k
    late[r, last] = due[nodes[r, last]]
    for k in range(last - 1, -1, -1):
        a = nodes[r, k]
        late[r, k] = min(due[a], late[r, k + 1] - service[a] - travel[a, nodes[r, k + 1]])
    load[r] = carried
    route_cost[r] = total
    return ok


@compiled
def _remove(nodes: IntArray, size: IntArray, route_of: IntArray, position: IntArray, customer: int) -> int:
    """Take ``customer`` out of its route (starts not refreshed); returns the route."""
    r = route_of[customer]
    p = position[customer]
    for k in range(p, size[r]):
        nodes[r, k] = nodes[r, k + 1]
        position[nodes[r, k]] = k
    size[r] -= 1
    nodes[r, size[r] + 1] = nodes[r, 0]
    route_of[customer] = -1
    position[customer] = -1
    return int(r)


@compiled
def _ruin(
    cost: IntArray,
    travel: IntArray,
    service: IntArray,
    ready: IntArray,
    due: IntArray,
    demand: IntArray,
    near: IntArray,
    nodes: IntArray,
    size: IntArray,
    early: IntArray,
    late: IntArray,
    load: IntArray,
    route_cost: IntArray,
    route_of: IntArray,
    position: IntArray,
    mean_removed: int,
    max_string: int,
    removed: IntArray,
) -> int:
    """SISR: strings (or split strings) of customers from routes near a random customer; returns how many were
    removed into ``removed``, or -1 when a route left breaks a window."""
    used = 0
    total = 0
    for r in range(len(size)):
        if size[r] > 0:
            used += 1
            total += size[r]
    if used == 0:
        return 0
    depot = nodes[0, 0]
    longest = min(float(max_string), total / used)
    strings_max = 4.0 * mean_removed / (1.0 + longest) - 1.0
    strings = int(np.random.uniform(1.0, strings_max + 1.0))
    customers = near.shape[1]
    seed = near[near[depot, 0], np.random.randint(0, customers)]
    ruined = np.zeros(len(size), dtype=np.bool_)
    count = 0
    done = 0
    for i in range(customers):
        if done >= strings:
            break
        c = near[seed, i]
        r = route_of[c]
        if r < 0 or ruined[r]:
            continue
        ruined[r] = True
        done += 1
        length = int(np.random.uniform(1.0, min(float(size[r]), longest) + 1.0))
        length = max(1, min(length, size[r]))
        kept = 0
        if np.random.random() < 0.5 and size[r] > length:
            kept = np.random.randint(1, size[r] - length + 1)
        span = length + kept
        p = position[c]
        first = np.random.randint(max(1, p - span + 1), min(p, size[r] - span + 1) + 1)
        keep_from = first + np.random.randint(0, length + 1) if kept > 0 else first + span
        picked = 0
        for k in range(first, first + span):
            if kept > 0 and keep_from <= k < keep_from + kept:
                continue
            removed[count + picked] = nodes[r, k]
            picked += 1
        for j in range(count, count + picked):
            _remove(nodes, size, route_of, position, removed[j])
        count += picked
        # Truncated distances may break the triangle inequality by a tenth: a shortcut can arrive later.
        if not _refresh(
            cost, travel, service, ready, due, demand, nodes, size, early, late, load, route_cost, route_of, position, r
        ):
            return -1
    return count


@compiled
def _recreate(
    cost: IntArray,
    travel: IntArray,
    service: IntArray,
    ready: IntArray,
    due: IntArray,
    demand: IntArray,
    capacity: int,
    nodes: IntArray,
    size: IntArray,
    early: IntArray,
    late: IntArray,
    load: IntArray,
    route_cost: IntArray,
    route_of: IntArray,
    position: IntArray,
    removed: IntArray,
    count: int,
    blink: float,
) -> bool:
    """Put the removed customers back, each at its cheapest feasible position (skipping each with probability
    ``blink``), in an order drawn as SISR does; False when one fits nowhere."""
    depot = nodes[0, 0]
    order = removed[:count].copy()
    draw = np.random.random()
    keys = np.empty(count, dtype=np.float64)
    for j in range(count):
        c = order[j]
        if draw < 4.0 / 11.0:
            keys[j] = np.random.random()
        elif draw < 8.0 / 11.0:
            keys[j] = -demand[c]
        elif draw < 10.0 / 11.0:
            keys[j] = -cost[depot, c]
        else:
            keys[j] = cost[depot, c]
    order = order[np.argsort(keys)]
    routes = len(size)
    for j in range(count):
        c = order[j]
        best = INF
        best_r = -1
        best_k = -1
        empty_tried = False
        for r in range(routes):
            if load[r] + demand[c] > capacity:
                continue
            if size[r] == 0:
                if empty_tried:
                    continue
                empty_tried = True
            for k in range(size[r] + 1):
                if np.random.random() < blink:
                    continue
                a = nodes[r, k]
                b = nodes[r, k + 1]
                delta = cost[a, c] + cost[c, b] - cost[a, b]
                if delta >= best:
                    continue
                start = max(ready[c], early[r, k] + service[a] + travel[a, c])
                if start > due[c] or start + service[c] + travel[c, b] > late[r, k + 1]:
                    continue
                best = delta
                best_r = r
                best_k = k
        if best_r < 0:
            return False
        r = best_r
        for k in range(size[r] + 1, best_k + 1, -1):
            nodes[r, k] = nodes[r, k - 1]
        nodes[r, best_k + 1] = c
        size[r] += 1
        if not _refresh(
            cost, travel, service, ready, due, demand, nodes, size, early, late, load, route_cost, route_of, position, r
        ):
            return False  # never, when the slack test is right (the tests check it): a guard, not a path
    return True


@compiled
def _steps(
    cost: IntArray,
    travel: IntArray,
    service: IntArray,
    ready: IntArray,
    due: IntArray,
    demand: IntArray,
    capacity: int,
    near: IntArray,
    cur_nodes: IntArray,
    cur_size: IntArray,
    cur_early: IntArray,
    cur_late: IntArray,
    cur_load: IntArray,
    cur_cost: IntArray,
    cur_route_of: IntArray,
    cur_position: IntArray,
    best_nodes: IntArray,
    best_size: IntArray,
    steps: int,
    temperature: float,
    mean_removed: int,
    max_string: int,
    blink: float,
    seed: int,
) -> tuple[int, int]:
    """``steps`` ruin-and-recreate steps from the current solution, accepted by simulated annealing at
    ``temperature``; the best met is copied to ``best_*``. Returns (current total cost, best total cost)."""
    np.random.seed(seed)
    nodes = cur_nodes.copy()
    size = cur_size.copy()
    early = cur_early.copy()
    late = cur_late.copy()
    load = cur_load.copy()
    route_cost = cur_cost.copy()
    route_of = cur_route_of.copy()
    position = cur_position.copy()
    removed = np.empty(len(route_of), dtype=np.int64)
    current = cur_cost.sum()
    best = 0
    for r in range(len(best_size)):
        for k in range(best_size[r] + 1):
            best += cost[best_nodes[r, k], best_nodes[r, k + 1]]
    for _ in range(steps):
        count = _ruin(
            cost, travel, service, ready, due, demand, near, nodes, size, early, late, load, route_cost,
            route_of, position, mean_removed, max_string, removed,
        )  # fmt: skip
        ok = count >= 0 and _recreate(
            cost, travel, service, ready, due, demand, capacity, nodes, size, early, late, load, route_cost,
            route_of, position, removed, count, blink,
        )  # fmt: skip
        value = route_cost.sum()
        if ok and value <= current - temperature * math.log(np.random.random() + 1e-300):
            current = value
            cur_nodes[:] = nodes
            cur_size[:] = size
            cur_early[:] = early
            cur_late[:] = late
            cur_load[:] = load
            cur_cost[:] = route_cost
            cur_route_of[:] = route_of
            cur_position[:] = position
            if value < best:
                best = value
                best_nodes[:] = nodes
                best_size[:] = size
        else:
            nodes[:] = cur_nodes
            size[:] = cur_size
            early[:] = cur_early
            late[:] = cur_late
            load[:] = cur_load
            route_cost[:] = cur_cost
            route_of[:] = cur_route_of
            position[:] = cur_position
    return current, best


@functools.cache  # once per process: the planner and the search both ask
def warm_up() -> None:
    """Compile (the first run on a machine) or load from numba's cache the compiled steps in this process, so that
    worker processes forked after it inherit them instead of each loading them (about half a second under load)
    within its budget."""
    cost = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=np.int64)
    problem = EngineProblem(
        n_nodes=3,
        profiles=(Profile(cost, cost, (0, 0, 0)),),
        vehicles=(EngineVehicle(0, 0, capacity=10, latest_end=100),) * 2,
        groups=(VisitGroup((1,), None), VisitGroup((2,), None)),
        demand=(0, 1, 1),
        windows=((), ((0, 100),), ((0, 100),)),
        horizon=100,
    )
    inst = Instance.of(problem)
    state = new_state(inst, [[1], [2]], 2)
    assert state is not None
    _steps(
        inst.cost, inst.travel, inst.service, inst.ready, inst.due, inst.demand, inst.capacity, inst.near,
        *state.arrays(), state.nodes.copy(), state.size.copy(), 1, 1.0, 10, 10, 0.01, 0,
    )  # fmt: skip


def solve_vrptw(
    problem: EngineProblem,
    *,
    time_limit_s: float,
    initial_routes: Sequence[Sequence[int]],
    seed: int = 0,
    config: VrptwConfig | None = None,
    collect_routes: bool = False,
    on_steps: Callable[[int], None] | None = None,
) -> EngineSolution | None:
    """The best solution the search finds within ``time_limit_s`` from ``initial_routes`` (one per vehicle at
    most, visiting every customer); None when they are not a feasible solution. ``problem`` must ``fits``.

    ``on_steps`` receives the number of steps made, once at the end (for the steps-per-second figure)."""
    started = time.monotonic()
    config = config or VrptwConfig()
    inst = Instance.of(problem)
    vehicles = len(problem.vehicles)
    used = [list(r) for r in initial_routes if r]
    if len(used) > vehicles or sorted(n for r in used for n in r) != sorted(g.nodes[0] for g in problem.groups):
        return None
    state = new_state(inst, used, vehicles)
    if state is None:
        return None
    best_nodes, best_size = state.nodes.copy(), state.size.copy()
    arc = mean_arc(float(state.cost.sum()), state.size)
    best_value = int(state.cost.sum())
    history = [(time.monotonic() - started, best_value)]
    seen: set[tuple[int, tuple[int, ...]]] = set()
    steps, batch = 0, 0
    while (now := time.monotonic() - started) < time_limit_s:
        temperature = config.temperature(arc, now, time_limit_s)
        _, value = _steps(
            inst.cost, inst.travel, inst.service, inst.ready, inst.due, inst.demand, inst.capacity, inst.near,
            *state.arrays(), best_nodes, best_size, config.batch, temperature, config.mean_removed,
            config.max_string, config.blink, batch_seed(seed, batch),
        )  # fmt: skip
        steps += config.batch
        batch += 1
        if value < best_value:
            best_value = int(value)
            history.append((time.monotonic() - started, best_value))
            if collect_routes:  # each new best's routes: every accepted step's would swamp the recombination
                seen.update(
                    (v, tuple(int(x) for x in best_nodes[v, 1 : best_size[v] + 1]))
                    for v in range(vehicles)
                    if best_size[v]
                )
    if on_steps is not None:
        on_steps(steps)
    routes = tuple(tuple(int(x) for x in best_nodes[r, 1 : best_size[r] + 1]) for r in range(vehicles))
    final = new_state(inst, routes, vehicles)
    if final is None:  # the arrays disagree with a plain recomputation: a bug, never a solution
        raise AssertionError("vrptw_ls produced routes that break a window or the capacity")
    seen.update((v, r) for v, r in enumerate(routes) if r)
    starts = tuple(tuple(int(x) for x in final.early[r, 1 : final.size[r] + 1]) for r in range(vehicles))
    return EngineSolution(
        routes, starts, objective_of(problem, routes), time.monotonic() - started, tuple(history), tuple(sorted(seen))
    )
