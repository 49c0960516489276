"""A compiled search over the whole period of a periodic VRP, with steps cheap enough to run hundreds of thousands
of times in the benchmark's budget (the Python annealing of ``pvrp_solver`` made a few thousand on the large
instances).

A solution is held as flat arrays: per day and route its customers (depot at both ends), load, duration in the
engine's integer units (travel and service rounded up, the limit rounded down, as ``pvrp_solver._State``: every
plan fits D in double precision) and length in double precision; per customer its combination as a day mask. A
step removes strings of customers from routes near a random customer (SISR, Christiaens & Vanden Berghe 2020),
on whatever days those routes run; a removed customer loses every visit. Each is put back, in a random, largest
demand·frequency first or farthest first order, with the allowed combination whose per-day cheapest feasible
insertions (capacity, duration, at most m routes a day; each position skipped with a small probability, the
blinks) cost least, so a customer may move to other days as well as other routes. Steps are accepted by simulated
annealing; the best plan met is kept. Compiled by numba (``routing/compiled.py``).
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
from routing.benchmarks.pvrp import SCALE, PvrpInstance
from routing.compiled import compiled

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


INF = 1 << 60


@dataclass(frozen=True, slots=True)
class LsConfig(Annealing):
    two_opt: bool = True
    """2-opt on every route a step changed, before the step is judged. Tuning instances p13, p19, p27, p31, pr03,
    pr07, pr09, 10 s, one chain, machine shared: mean gap 0.88 % and 0.96 % (seeds 1, 2) with it, 1.30 % and
    1.36 % without, for about 5 % fewer steps."""
    batch: int = 200


@dataclass(frozen=True, slots=True)
class Arrays:
    """The instance's numbers as arrays the compiled code reads."""

    dist: FloatArray
    travel: IntArray
    service: IntArray
    demand: IntArray
    capacity: IntArray
    """Per day."""
    limit: IntArray
    """Per day, in engine units; INF when D is unlimited."""
    masks: IntArray
    """All customers' allowed combinations as day masks (bit d for day index d), customer by customer."""
    first: IntArray
    """Customer c's combinations are ``masks[first[c]:first[c + 1]]``."""
    near: IntArray
    """Per customer, every customer by increasing distance (itself first); the depot's row lists them all."""
    customers: IntArray
    frequency: IntArray

    @staticmethod
    def of(inst: PvrpInstance) -> Arrays:
        xy = np.asarray(inst.coords, dtype=np.float64)
        dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        n = len(inst.coords)
        masks: list[int] = []
        first = [0]
        for c in range(n):
            if c > 0 and inst.frequency[c] > 0:
                masks.extend(sum(1 << (d - 1) for d in days) for days in inst.combinations[c])
            first.append(len(masks))
        customers = np.asarray([c for c in range(1, n) if inst.frequency[c] > 0], dtype=np.int64)
        near = np.full((n, len(customers)), -1, dtype=np.int64)
        for c in [0, *customers]:
            near[c] = customers[np.argsort(dist[c, customers], kind="stable")]
        return Arrays(
            dist=dist,
            travel=np.ceil(dist * SCALE).astype(np.int64),
            service=np.asarray([math.ceil(s * SCALE) for s in inst.service], dtype=np.int64),
            demand=np.asarray(inst.demand, dtype=np.int64),
            capacity=np.asarray(inst.capacity, dtype=np.int64),
            limit=np.asarray([math.floor(d * SCALE + 1e-6) if d > 0 else INF for d in inst.max_duration], np.int64),
            masks=np.asarray(masks, dtype=np.int64),
            first=np.asarray(first, dtype=np.int64),
            near=near,
            customers=customers,
            frequency=np.asarray(inst.frequency, dtype=np.int64),
        )


@dataclass(slots=True)
class State:
    """A plan as arrays: per day and route its nodes (depot at both ends), size, load, duration and length; per
    day and customer its route and position (-1 when not visited that day); per customer its day mask."""

    nodes: IntArray
    size: IntArray
    load: IntArray
    duration: IntArray
    length: FloatArray
    route_of: IntArray
    position: IntArray
    mask: IntArray

    def arrays(self) -> tuple[IntArray, IntArray, IntArray, IntArray, FloatArray, IntArray, IntArray, IntArray]:
        return (
            self.nodes,
            self.size,
            self.load,
            self.duration,
            self.length,
            self.route_of,
            self.position,
            self.mask,
        )

    def plan(self) -> list[list[list[int]]]:
        """Per day, its non-empty routes."""
        t, m = self.size.shape
        return [
            [[int(x) for x in self.nodes[d, r, 1 : self.size[d, r] + 1]] for r in range(m) if self.size[d, r]]
            for d in range(t)
        ]


def new_state(arr: Arrays, m: int, routes: Sequence[Sequence[Sequence[int]]]) -> State | None:
    """Per day, its routes as a state; None when a day has more than ``m`` routes or a route breaks the capacity
    or the duration limit. Customers' masks are the days they are visited; those visited on none are pending, and
    the search places them first."""
    t = len(routes)
    n = len(arr.dist)
    width = n + 2
    state = State(
        nodes=np.zeros((t, m, width), dtype=np.int64),
        size=np.zeros((t, m), dtype=np.int64),
        load=np.zeros((t, m), dtype=np.int64),
        duration=np.zeros((t, m), dtype=np.int64),
        length=np.zeros((t, m), dtype=np.float64),
        route_of=np.full((t, n), -1, dtype=np.int64),
        position=np.full((t, n), -1, dtype=np.int64),
        mask=np.zeros(n, dtype=np.int64),
    )
    for d, day in enumerate(routes):
        used = [r for r in day if r]
        if len(used) > m:
            return None
        for r, route in enumerate(used):
            state.nodes[d, r, 1 : len(route) + 1] = route
            state.size[d, r] = len(route)
            _refresh(arr.dist, arr.travel, arr.service, arr.demand, *state.arrays()[:7], d, r)
            if state.load[d, r] > arr.capacity[d] or state.duration[d, r] > arr.limit[d]:
                return None
            for c in route:
                state.mask[c] |= 1 << d
    return state


@compiled
def _refresh(
    dist: FloatArray,
    travel: IntArray,
    service: IntArray,
    demand: IntArray,
    nodes: IntArray,
    size: IntArray,
    load: IntArray,
    duration: IntArray,
    length: FloatArray,
    route_of: IntArray,
    position: IntArray,
    d: int,
    r: int,
) -> None:
    """Recompute route ``r`` of day ``d``: its load, duration, length and its customers' places."""
    last = size[d, r] + 1
    nodes[d, r, last] = 0
    carried = 0
    busy = 0
    total = 0.0
    for k in range(1, last + 1):
        a = nodes[d, r, k - 1]
        b = nodes[d, r, k]
        busy += travel[a, b]
        total += dist[a, b]
        if k < last:
            carried += demand[b]
            busy += service[b]
            route_of[d, b] = r
            position[d, b] = k
    load[d, r] = carried
    duration[d, r] = busy
    length[d, r] = total


@compiled
def _remove_customer(
    nodes: IntArray, size: IntArray, route_of: IntArray, position: IntArray, mask: IntArray, c: int, touched: BoolArray
) -> None:
    """Take every visit of ``c`` out of its routes (routes not refreshed), marking them in ``touched``."""
    t = size.shape[0]
    for d in range(t):
        r = route_of[d, c]
        if r < 0:
            continue
        p = position[d, c]
        for k in range(p, size[d, r]):
            nodes[d, r, k] = nodes[d, r, k + 1]
            position[d, nodes[d, r, k]] = k
        size[d, r] -= 1
        nodes[d, r, size[d, r] + 1] = 0
        route_of[d, c] = -1
        position[d, c] = -1
        touched[d, r] = True
    mask[c] = 0


@compiled
def _two_opt(
    dist: FloatArray, travel: IntArray, limit: int, nodes: IntArray, size: IntArray, duration: IntArray, d: int, r: int
) -> bool:
    """Reverse segments of route ``r`` of day ``d`` while one shortens it within the duration limit (first
    improvement); True when the route changed (the caller refreshes it)."""
    changed = False
    improved = True
    n = size[d, r]
    busy = duration[d, r]
    while improved:
        improved = False
        for i in range(0, n - 1):
            a = nodes[d, r, i]
            b = nodes[d, r, i + 1]
            for j in range(i + 2, n + 1):
                c = nodes[d, r, j]
                e = nodes[d, r, j + 1]
                gain = dist[a, b] + dist[c, e] - dist[a, c] - dist[b, e]
                if gain <= 1e-9:
                    continue
                extra = travel[a, c] + travel[b, e] - travel[a, b] - travel[c, e]
                if busy + extra > limit:
                    continue
                busy += extra
                lo = i + 1
                hi = j
                while lo < hi:
                    x = nodes[d, r, lo]
                    nodes[d, r, lo] = nodes[d, r, hi]
                    nodes[d, r, hi] = x
                    lo += 1
                    hi -= 1
                changed = True
                improved = True
                b = nodes[d, r, i + 1]
    return changed


@compiled
def _step(
    dist: FloatArray,
    travel: IntArray,
    service: IntArray,
    demand: IntArray,
    capacity: IntArray,
    limit: IntArray,
    masks: IntArray,
    first: IntArray,
    near: IntArray,
    frequency: IntArray,
    nodes: IntArray,
    size: IntArray,
    load: IntArray,
    duration: IntArray,
    length: FloatArray,
    route_of: IntArray,
    position: IntArray,
    mask: IntArray,
    touched: BoolArray,
    removed: IntArray,
    mean_removed: int,
    max_string: int,
    blink: float,
    two_opt: bool,
) -> int:
    """One ruin and recreate on the arrays in place, marking the routes it changed in ``touched``. Removed and
    pending customers (mask 0) are put back; returns how many stay pending because no combination fits, or -1
    when a route left by the ruin breaks the duration limit (the caller restores the touched routes)."""
    t, m = size.shape
    customers = near.shape[1]
    used = 0
    total = 0
    for d in range(t):
        for r in range(m):
            if size[d, r] > 0:
                used += 1
                total += size[d, r]
    longest = min(float(max_string), total / max(1, used))
    strings_max = 4.0 * mean_removed / (1.0 + longest) - 1.0
    strings = int(np.random.uniform(1.0, max(1.0, strings_max) + 1.0))
    seed = near[0, np.random.randint(0, customers)]
    ruined = np.zeros((t, m), dtype=np.bool_)
    out = np.zeros(len(mask), dtype=np.bool_)
    count = 0
    done = 0
    for i in range(customers):
        if done >= strings:
            break
        c = near[seed, i]
        if out[c]:
            continue
        # one of the days c is visited on, at random
        days = 0
        for d in range(t):
            if route_of[d, c] >= 0:
                days += 1
        if days == 0:
            continue
        pick = np.random.randint(0, days)
        day = -1
        for d in range(t):
            if route_of[d, c] >= 0:
                if pick == 0:
                    day = d
                    break
                pick -= 1
        r = route_of[day, c]
        if ruined[day, r]:
            continue
        ruined[day, r] = True
        done += 1
        n_r = size[day, r]
        length_s = int(np.random.uniform(1.0, min(float(n_r), longest) + 1.0))
        length_s = max(1, min(length_s, n_r))
        p = position[day, c]
        start = np.random.randint(max(1, p - length_s + 1), min(p, n_r - length_s + 1) + 1)
        for k in range(start, start + length_s):
            x = nodes[day, r, k]
            if not out[x]:
                out[x] = True
                removed[count] = x
                count += 1
    for j in range(count):
        _remove_customer(nodes, size, route_of, position, mask, removed[j], touched)
    for d in range(t):
        for r in range(m):
            if touched[d, r]:
                _refresh(dist, travel, service, demand, nodes, size, load, duration, length, route_of, position, d, r)
                if duration[d, r] > limit[d]:
                    return -1  # rounding up may break the triangle inequality by a unit: a shortcut is longer
    for i in range(customers):
        c = near[0, i]
        if mask[c] == 0 and not out[c]:
            out[c] = True
            removed[count] = c
            count += 1
    order = removed[:count].copy()
    keys = np.empty(count, dtype=np.float64)
    draw = np.random.random()
    for j in range(count):
        c = order[j]
        if draw < 0.4:
            keys[j] = np.random.random()
        elif draw < 0.7:
            keys[j] = -float(demand[c] * frequency[c])
        else:
            keys[j] = -dist[0, c]
    order = order[np.argsort(keys)]
    pending = 0
    cost = np.empty(t, dtype=np.float64)
    where_r = np.empty(t, dtype=np.int64)
    where_k = np.empty(t, dtype=np.int64)
    for j in range(count):
        c = order[j]
        allowed = 0
        for i in range(first[c], first[c + 1]):
            allowed |= masks[i]
        for d in range(t):
            cost[d] = np.inf
            where_r[d] = -1
            where_k[d] = -1
            if not allowed >> d & 1 or demand[c] > capacity[d]:
                continue
            empty_tried = False
            for r in range(m):
                if load[d, r] + demand[c] > capacity[d]:
                    continue
                if size[d, r] == 0:
                    if empty_tried:
                        continue
                    empty_tried = True
                room = limit[d] - duration[d, r] - service[c]
                for k in range(size[d, r] + 1):
                    if blink > 0.0 and np.random.random() < blink:
                        continue
                    a = nodes[d, r, k]
                    b = nodes[d, r, k + 1]
                    delta = dist[a, c] + dist[c, b] - dist[a, b]
                    if delta >= cost[d]:
                        continue
                    if travel[a, c] + travel[c, b] - travel[a, b] > room:
                        continue
                    cost[d] = delta
                    where_r[d] = r
                    where_k[d] = k
        best = np.inf
        best_mask = 0
        for i in range(first[c], first[c + 1]):
            combo = masks[i]
            total_cost = 0.0
            for d in range(t):
                if combo >> d & 1:
                    total_cost += cost[d]
            if total_cost < best:
                best = total_cost
                best_mask = combo
        if best_mask == 0:
            pending += 1
            continue
        for d in range(t):
            if best_mask >> d & 1:
                r = where_r[d]
                k = where_k[d]
                for q in range(size[d, r] + 1, k + 1, -1):
                    nodes[d, r, q] = nodes[d, r, q - 1]
                nodes[d, r, k + 1] = c
                size[d, r] += 1
                touched[d, r] = True
                _refresh(dist, travel, service, demand, nodes, size, load, duration, length, route_of, position, d, r)
        mask[c] = best_mask
    if two_opt:
        for d in range(t):
            for r in range(m):
                if touched[d, r] and size[d, r] > 2 and _two_opt(dist, travel, limit[d], nodes, size, duration, d, r):
                    _refresh(
                        dist, travel, service, demand, nodes, size, load, duration, length, route_of, position, d, r
                    )
    return pending


@compiled
def _steps(
    dist: FloatArray,
    travel: IntArray,
    service: IntArray,
    demand: IntArray,
    capacity: IntArray,
    limit: IntArray,
    masks: IntArray,
    first: IntArray,
    near: IntArray,
    frequency: IntArray,
    nodes: IntArray,
    size: IntArray,
    load: IntArray,
    duration: IntArray,
    length: FloatArray,
    route_of: IntArray,
    position: IntArray,
    mask: IntArray,
    best_nodes: IntArray,
    best_size: IntArray,
    best_value: float,
    penalty: float,
    steps: int,
    temperature: float,
    mean_removed: int,
    max_string: int,
    blink: float,
    two_opt: bool,
    seed: int,
) -> tuple[float, float, int]:
    """``steps`` steps from the current plan (the arrays, kept in place), accepted by simulated annealing at
    ``temperature``; the best met is copied to ``best_*``. Returns (current length, best length, accepted)."""
    np.random.seed(seed)
    t, m = size.shape
    w_nodes = nodes.copy()
    w_size = size.copy()
    w_load = load.copy()
    w_duration = duration.copy()
    w_length = length.copy()
    w_route_of = route_of.copy()
    w_position = position.copy()
    w_mask = mask.copy()
    touched = np.zeros((t, m), dtype=np.bool_)
    removed = np.empty(len(mask), dtype=np.int64)
    current = length.sum()
    for c in near[0]:
        if mask[c] == 0:
            current += penalty
    best = best_value
    accepted = 0
    for _ in range(steps):
        touched[:] = False
        pending = _step(
            dist, travel, service, demand, capacity, limit, masks, first, near, frequency, w_nodes, w_size, w_load,
            w_duration, w_length, w_route_of, w_position, w_mask, touched, removed, mean_removed, max_string, blink,
            two_opt,
        )  # fmt: skip
        value = w_length.sum() + penalty * pending
        take = pending >= 0 and value <= current - temperature * math.log(np.random.random() + 1e-300)
        # Copy the touched routes one way or the other, and the places of the customers they hold or held.
        for d in range(t):
            for r in range(m):
                if not touched[d, r]:
                    continue
                if take:
                    for k in range(1, size[d, r] + 1):
                        route_of[d, nodes[d, r, k]] = -1
                    nodes[d, r, :] = w_nodes[d, r, :]
                    size[d, r] = w_size[d, r]
                    load[d, r] = w_load[d, r]
                    duration[d, r] = w_duration[d, r]
                    length[d, r] = w_length[d, r]
                else:
                    for k in range(1, w_size[d, r] + 1):
                        w_route_of[d, w_nodes[d, r, k]] = -1
                    w_nodes[d, r, :] = nodes[d, r, :]
                    w_size[d, r] = size[d, r]
                    w_load[d, r] = load[d, r]
                    w_duration[d, r] = duration[d, r]
                    w_length[d, r] = length[d, r]
        for d in range(t):
            for r in range(m):
                if not touched[d, r]:
                    continue
                for k in range(1, size[d, r] + 1):
                    x = nodes[d, r, k]
                    route_of[d, x] = r
                    position[d, x] = k
                    w_route_of[d, x] = r
                    w_position[d, x] = k
        if take:
            mask[:] = w_mask
            current = value
            accepted += 1
            if value < best - 1e-9:
                best = value
                best_nodes[:] = nodes
                best_size[:] = size
        else:
            w_mask[:] = mask
    return current, best, accepted


def search(
    inst: PvrpInstance,
    routes: Sequence[Sequence[Sequence[int]]],
    seconds: float,
    *,
    seed: int = 0,
    config: LsConfig | None = None,
    on_steps: Callable[[int], None] | None = None,
) -> list[list[list[int]]] | None:
    """The best plan (per day, its routes) the search finds within ``seconds`` from ``routes``, which may leave
    customers out (the search places them first, and may leave some when it cannot) but must otherwise be
    feasible; None when it is not. ``on_steps`` receives the number of
    steps made, once at the end."""
    started = time.monotonic()
    config = config or LsConfig()
    arr = Arrays.of(inst)
    state = new_state(arr, inst.m, routes)
    if state is None or len(arr.customers) == 0:
        return None
    best_nodes, best_size = state.nodes.copy(), state.size.copy()
    # More than any insertion can cost: a plan with fewer customers left out always wins.
    penalty = 4 * float(arr.dist.max()) * inst.t + 1
    length = float(state.length.sum())
    best_value = length + penalty * int(np.count_nonzero(state.mask[arr.customers] == 0))
    arc = mean_arc(length, state.size)
    steps = batch = 0
    while (now := time.monotonic() - started) < seconds:
        temperature = config.temperature(arc, now, seconds)
        _, best_value, _ = _steps(
            arr.dist, arr.travel, arr.service, arr.demand, arr.capacity, arr.limit, arr.masks, arr.first, arr.near,
            arr.frequency, *state.arrays(), best_nodes, best_size, best_value, penalty, config.batch,
            temperature,
            config.mean_removed, config.max_string, config.blink, config.two_opt, batch_seed(seed, batch),
        )  # fmt: skip
        steps += config.batch
        batch += 1
    if on_steps is not None:
        on_steps(steps)
    t, m = best_size.shape
    return [
        [[int(x) for x in best_nodes[d, r, 1 : best_size[d, r] + 1]] for r in range(m) if best_size[d, r]]
        for d in range(t)
    ]


@functools.cache  # once per process: the planner and the search both ask
def warm_up() -> None:
    """Compile (the first run on a machine) or load from numba's cache the compiled steps in this process, so that
    worker processes forked after it inherit them instead of each loading them within its budget."""
    inst = PvrpInstance(
        name="warm-up",
        m=1,
        t=2,
        max_duration=(0.0, 100.0),
        capacity=(10, 10),
        coords=((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)),
        service=(0.0, 0.0, 0.0),
        demand=(0, 1, 1),
        frequency=(0, 1, 2),
        combinations=((), ((1,), (2,)), ((1, 2),)),
    )
    arr = Arrays.of(inst)
    state = new_state(arr, inst.m, [[[1, 2]], [[2]]])
    assert state is not None
    _steps(
        arr.dist, arr.travel, arr.service, arr.demand, arr.capacity, arr.limit, arr.masks, arr.first, arr.near,
        arr.frequency, *state.arrays(), state.nodes.copy(), state.size.copy(), 1e9, 1e3, 2, 1.0, 10, 10, 0.01,
        True, 0,
    )  # fmt: skip
