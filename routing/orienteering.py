"""An iterated local search built for prize collecting on length-limited paths (team orienteering).

OR-Tools' generic iterated search makes about 50 ruin-and-recreate steps a second on a 100-node TOP instance:
every step re-runs a full descent with every dimension checked. Plain orienteering needs far less per step (one
resource per path, no windows), so this search keeps each path's cheapest insertion of every node in numpy
arrays and makes a few hundred steps a second: remove some visits near a random node, refill them in a noisy
greedy order, then descend (2-opt and or-opt within paths, relocation between them, leaving out visits worth
less than their detour, swapping visits for better unvisited nodes, filling what fits) and accept by simulated
annealing.

It does not replace OR-Tools: from scratch it stalls far from the best-known scores on the larger TOP instances
(it keeps the cheap nodes a greedy fill picks first), but started from an OR-Tools search's best it finds the
last points that search misses. ``search.py`` runs it at the end of a worker's budget (``SearchConfig.
orienteering_share``), only where ``fits`` holds; its routes join the pool the recombination draws on.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.model import EngineProblem, EngineSolution, objective_of

IntArray = npt.NDArray[np.int64]


def fits(problem: EngineProblem) -> bool:
    """Whether the problem is plain orienteering: one profile whose cost is its travel time with no service,
    optional single-node visits, no windows, loads, locks, links or vehicle restrictions."""
    if len(problem.profiles) != 1 or problem.demand is not None or problem.allowed is not None:
        return False
    if problem.locks or problem.linked or problem.at_least or problem.shared:
        return False
    if problem.windows is not None and any(problem.windows):
        return False
    if any(g.prize is None or len(g.nodes) != 1 for g in problem.groups):
        return False
    profile = problem.profiles[0]
    if profile.forbidden is not None or any(profile.service):
        return False
    return bool(np.array_equal(profile.cost, profile.travel))


def path_limits(problem: EngineProblem) -> list[int]:
    """Per vehicle, the longest path in cost units its length, duration, end time and the horizon allow."""
    limits = []
    for vehicle in problem.vehicles:
        latest = problem.horizon if vehicle.latest_end is None else min(vehicle.latest_end, problem.horizon)
        bounds = [latest - vehicle.earliest_start]
        bounds += [b for b in (vehicle.max_cost, vehicle.max_duration) if b is not None]
        limits.append(min(bounds))
    return limits


@dataclass(frozen=True, slots=True)
class OrienteeringConfig:
    max_removed: int = 20
    """A step removes between one and this many visits."""
    string_share: float = 0.7
    """The share of steps that remove a run of one path rather than visits near a random node (whole portfolio on
    17 weak p4 and p7 TOP instances, 5 s: 0 1.15 %, 0.3 0.63 %, 0.7 0.59 %, 1 0.85 %)."""
    noise: float = 1.0
    """The refill ranks candidates by prize per added length times a random factor in 1 ± this."""
    temperature: float = 0.3
    """First annealing temperature as a share of the mean prize; it falls linearly to zero at the time limit."""


class Paths:
    """The current solution and, per path, every node's cheapest insertion (added length, position)."""

    def __init__(self, problem: EngineProblem, seed: int) -> None:
        self.cost: IntArray = problem.profiles[0].cost.astype(np.int64)
        self.n = problem.n_nodes
        self.prize = np.zeros(self.n, dtype=np.int64)
        for group in problem.groups:
            self.prize[group.nodes[0]] = group.prize or 0
        self.optional = self.prize > 0
        self.firsts = [v.start for v in problem.vehicles]
        self.lasts = [v.end for v in problem.vehicles]
        self.limit = np.array(path_limits(problem), dtype=np.int64)
        self.m = len(problem.vehicles)
        self.symmetric = bool(np.array_equal(self.cost, self.cost.T))
        self.rng = random.Random(seed)
        self.noise_rng = np.random.default_rng(seed)
        self.routes: list[list[int]] = [[] for _ in range(self.m)]
        self.length = np.zeros(self.m, dtype=np.int64)
        self.visited = np.zeros(self.n, dtype=bool)
        self.add = np.zeros((self.m, self.n), dtype=np.int64)
        self.where = np.zeros((self.m, self.n), dtype=np.int64)
        for r in range(self.m):
            self._refresh(r)

    def load(self, routes: Sequence[Sequence[int]]) -> None:
        self.routes = [list(r) for r in routes]
        self.visited[:] = False
        for route in self.routes:
            self.visited[route] = True
        for r in range(self.m):
            self._refresh(r)

    def collected(self) -> int:
        """Prizes collected less path lengths: the engine's objective negated, up to a constant."""
        return int(self.prize[self.visited].sum() - self.length.sum())

    def _sequence(self, r: int) -> IntArray:
        return np.array([self.firsts[r], *self.routes[r], self.lasts[r]], dtype=np.int64)

    def _refresh(self, r: int) -> None:
        """Recompute path ``r``'s length and every node's cheapest insertion into it."""
        s = self._sequence(r)
        a, b = s[:-1], s[1:]
        direct = self.cost[a, b]
        added = self.cost[a, :] + self.cost[:, b].T - direct[:, None]
        best = added.argmin(axis=0)
        self.where[r] = best
        self.add[r] = added[best, np.arange(self.n)]
        self.length[r] = direct.sum()

    def _savings(self, r: int) -> tuple[IntArray, IntArray]:
        """Path ``r``'s visits and the length each one's removal saves."""
        s = self._sequence(r)
        inner = s[1:-1]
        return inner, self.cost[s[:-2], inner] + self.cost[inner, s[2:]] - self.cost[s[:-2], s[2:]]

    def _insert(self, r: int, node: int) -> None:
        self.routes[r].insert(int(self.where[r, node]), node)
        self.visited[node] = True
        self._refresh(r)

    def remove(self, nodes: Sequence[int]) -> set[int]:
        """Take ``nodes`` out of their paths; the paths changed."""
        gone = set(nodes)
        touched = set()
        for r, route in enumerate(self.routes):
            if gone.intersection(route):
                self.routes[r] = [n for n in route if n not in gone]
                self._refresh(r)
                touched.add(r)
        self.visited[list(gone)] = False
        return touched

    def fill(self, noise: float) -> bool:
        """Insert the unvisited node worth most per added length while any fits and is worth its detour, that worth
        times a random factor in 1 ± ``noise`` drawn once per path and node for the whole fill (a draw per
        insertion cost time and reshuffled the ranking at every insertion)."""
        changed = False
        factor = 1.0 + noise * (2.0 * self.noise_rng.random((self.m, self.n)) - 1.0) if noise > 0 else None
        while True:
            room = (self.limit - self.length)[:, None]
            unvisited = (self.optional & ~self.visited)[None, :]
            fitting = (self.add <= room) & (self.add < self.prize[None, :]) & unvisited
            if not fitting.any():
                return changed
            worth = np.where(fitting, self.prize[None, :] / (np.maximum(self.add, 0) + 1.0), -1.0)
            if factor is not None:
                worth *= factor
            r, node = divmod(int(worth.argmax()), self.n)
            self._insert(r, node)
            changed = True

    def two_opt(self, r: int) -> None:
        """Shorten path ``r`` by reversing its best segment until no reversal helps (symmetric costs only)."""
        if not self.symmetric or len(self.routes[r]) < 2:
            return
        changed = False
        while True:
            s = self._sequence(r)
            a, b = s[:-1], s[1:]
            direct = self.cost[a, b]
            delta = self.cost[a[:, None], a[None, :]] + self.cost[b[:, None], b[None, :]]
            delta -= direct[:, None] + direct[None, :]
            delta = np.triu(delta, 1)
            k = int(delta.argmin())
            if delta.flat[k] >= 0:
                break
            i, j = divmod(k, len(a))
            self.routes[r][i:j] = self.routes[r][i:j][::-1]
            changed = True
        if changed:
            self._refresh(r)

    def or_opt(self, r: int) -> None:
        """Shorten path ``r`` by moving its best segment of one to three visits elsewhere in it, either way round."""
        improved = True
        while improved:
            improved = False
            for k in (1, 2, 3):
                s = self._sequence(r)
                size = len(s)
                if size - 2 < k + 1:
                    continue
                firsts = np.arange(1, size - k)
                lasts = firsts + k - 1
                save = self.cost[s[firsts - 1], s[firsts]] + self.cost[s[lasts], s[lasts + 1]]
                save -= self.cost[s[firsts - 1], s[lasts + 1]]
                a, b = s[:-1], s[1:]
                forward = self.cost[a[None, :], s[firsts][:, None]] + self.cost[s[lasts][:, None], b[None, :]]
                backward = self.cost[a[None, :], s[lasts][:, None]] + self.cost[s[firsts][:, None], b[None, :]]
                # Reversed, a segment's inner arcs cost the same only when the matrix is symmetric.
                reversal = backward < forward if self.symmetric else np.zeros_like(forward, dtype=bool)
                delta = np.where(reversal, backward, forward) - self.cost[a, b][None, :] - save[:, None]
                edges = np.arange(size - 1)[None, :]
                delta[(edges >= firsts[:, None] - 1) & (edges <= lasts[:, None])] = 0
                idx = int(delta.argmin())
                if delta.flat[idx] >= 0:
                    continue
                i, j = divmod(idx, size - 1)
                first, last = int(firsts[i]), int(lasts[i])
                segment = [int(x) for x in s[first : last + 1]]
                if reversal[i, j]:
                    segment.reverse()
                rest = [int(x) for x in s[:first]] + [int(x) for x in s[last + 1 :]]
                at = j + 1 if j < first else j + 1 - k
                self.routes[r] = rest[1:at] + segment + rest[at:-1]
                self._refresh(r)
                improved = True

    def relocate(self) -> set[int]:
        """Move visits to other paths where that shortens the two together, best move first; the paths changed."""
        changed: set[int] = set()
        while True:
            best: tuple[int, int, int, int] | None = None  # delta, from, node, to
            for r, route in enumerate(self.routes):
                if not route:
                    continue
                inner, save = self._savings(r)
                for r2 in range(self.m):
                    if r2 == r:
                        continue
                    added = self.add[r2, inner]
                    delta = added - save
                    delta[added + self.length[r2] > self.limit[r2]] = 0
                    i = int(delta.argmin())
                    if delta[i] < 0 and (best is None or delta[i] < best[0]):
                        best = (int(delta[i]), r, int(inner[i]), r2)
            if best is None:
                return changed
            _, r, node, r2 = best
            self.remove([node])
            self._insert(r2, node)
            changed |= {r, r2}

    def drop(self) -> set[int]:
        """Leave out the visits whose detour costs more than their prize, worst first; the paths changed."""
        changed: set[int] = set()
        while True:
            best: tuple[int, int] | None = None  # loss, node
            for r, route in enumerate(self.routes):
                if route:
                    inner, save = self._savings(r)
                    loss = self.prize[inner] - save
                    i = int(loss.argmin())
                    if loss[i] < 0 and (best is None or loss[i] < best[0]):
                        best = (int(loss[i]), int(inner[i]))
            if best is None:
                return changed
            changed |= self.remove([best[1]])

    def replace(self) -> bool:
        """Swap one visit for an unvisited node that fits in its path and gains more than its detour costs."""
        unvisited = np.flatnonzero(self.optional & ~self.visited)
        if len(unvisited) == 0:
            return False
        best: tuple[int, int, int, int] | None = None  # gain, path, out, in
        for r, route in enumerate(self.routes):
            if not route:
                continue
            inner, save = self._savings(r)
            # The insertion cost is that of the path with ``out`` still in it: checked exactly below.
            longer = self.add[r, unvisited][None, :] - save[:, None]
            gain = self.prize[unvisited][None, :] - self.prize[inner][:, None] - longer
            ok = (self.length[r] + longer <= self.limit[r]) & (gain > 0)
            if ok.any():
                i, j = divmod(int(np.where(ok, gain, -1).argmax()), len(unvisited))
                if best is None or gain[i, j] > best[0]:
                    best = (int(gain[i, j]), r, int(inner[i]), int(unvisited[j]))
        if best is None:
            return False
        _, r, out, node = best
        before, old_length = list(self.routes[r]), int(self.length[r])
        self.remove([out])
        new_length = int(self.add[r, node] + self.length[r])
        if new_length > self.limit[r] or self.prize[node] - self.prize[out] <= new_length - old_length:
            self.routes[r] = before
            self.visited[out] = True
            self._refresh(r)
            return False
        self._insert(r, node)
        return True

    def improve(self, changed: set[int] | None = None) -> None:
        """Descend: shorten, move and drop visits, then fill and swap, until nothing helps. Only the paths in
        ``changed`` (all by default) and those the descent changes are shortened: the others were shortened when
        they last changed, and shortening them again costs time and finds next to nothing. With the fill's noise
        drawn once per fill, from scratch on the 61 tuning instances of TOP sets 4, 5 and 7 (0.7 s, one core of a
        loaded machine): mean gap 2.47 % → 2.13 % (seed 0) and 2.64 % → 2.00 % (seeds 1 and 2)."""
        changed = set(range(self.m)) if changed is None else set(changed)
        while True:
            changed |= self.relocate() | self.drop()
            for r in changed:
                self.two_opt(r)
                self.or_opt(r)
            before = [list(r) for r in self.routes]
            if not (self.fill(0.0) | self.replace()):
                return
            changed = {r for r in range(self.m) if self.routes[r] != before[r]}

    def ruin(self, size: int, string_share: float) -> None:
        """Remove ``size`` visits: with probability ``string_share`` a run of consecutive visits of one path (the
        path may then take another way), else ``size`` of the ``2 · size`` visits nearest a random node (visited or
        not: the visits around an unvisited one make way for it)."""
        used = [r for r in range(self.m) if self.routes[r]]
        if not used:
            return
        if self.rng.random() < string_share:
            route = self.routes[self.rng.choice(used)]
            size = min(size, len(route))
            at = self.rng.randrange(len(route) - size + 1)
            self.remove(route[at : at + size])
            return
        visited = np.flatnonzero(self.visited)
        seed = self.rng.randrange(self.n)
        order = visited[np.argsort(self.cost[seed, visited] + self.cost[visited, seed])]
        near = [int(n) for n in order[: 2 * size]]
        self.remove(self.rng.sample(near, min(size, len(near))))


def solve_orienteering(
    problem: EngineProblem,
    *,
    time_limit_s: float,
    initial_routes: Sequence[Sequence[int]] | None = None,
    seed: int | None = None,
    config: OrienteeringConfig | None = None,
    collect_routes: bool = False,
) -> EngineSolution:
    """The best solution the iterated search finds within ``time_limit_s``, from ``initial_routes`` (which must
    keep every path limit) or from a greedy fill; ``problem`` must ``fits``.

    Without a ``seed`` the search draws its own from the process id. The engine's workers hand over to this search
    without one, and on small instances they hand over the same routes (41 of the 45 tuning instances of TOP sets
    1, 2 and 6, 2.2 s per OR-Tools search): with one fixed seed both cores then ran the same search, and whether it
    reaches the best known depends on the seed (p1.2.i at 0.5 s: 3 seeds of 6), so the second core added nothing.
    """
    started = time.monotonic()
    config = config or OrienteeringConfig()
    paths = Paths(problem, os.getpid() if seed is None else seed)
    if initial_routes is not None:
        paths.load(initial_routes)
    paths.improve()
    current = best = paths.collected()
    best_routes = [list(r) for r in paths.routes]
    history = [(time.monotonic() - started, objective_of(problem, best_routes))]
    seen: set[tuple[int, tuple[int, ...]]] = set()
    prizes = paths.prize[paths.optional]
    first_temperature = config.temperature * float(prizes.mean()) if len(prizes) else 0.0
    while (now := time.monotonic() - started) < time_limit_s:
        saved = [list(r) for r in paths.routes]
        paths.ruin(paths.rng.randint(1, config.max_removed), config.string_share)
        paths.fill(config.noise)
        paths.improve({r for r in range(paths.m) if paths.routes[r] != saved[r]})
        value = paths.collected()
        temperature = first_temperature * (1.0 - now / time_limit_s)
        if value < current and (temperature <= 0 or paths.rng.random() >= math.exp((value - current) / temperature)):
            paths.load(saved)
            continue
        current = value
        if collect_routes:
            seen.update((v, tuple(r)) for v, r in enumerate(paths.routes) if r)
        if value > best:
            best, best_routes = value, [list(r) for r in paths.routes]
            history.append((now, objective_of(problem, best_routes)))
    routes = tuple(tuple(r) for r in best_routes)
    seen.update((v, r) for v, r in enumerate(routes) if r)
    starts = tuple(_arrivals(paths, problem, v, r) for v, r in enumerate(routes))
    return EngineSolution(
        routes, starts, objective_of(problem, routes), time.monotonic() - started, tuple(history), tuple(sorted(seen))
    )


def _arrivals(paths: Paths, problem: EngineProblem, v: int, route: Sequence[int]) -> tuple[int, ...]:
    """Arrival at each visit leaving at the vehicle's earliest start (no windows, no service: ``fits``)."""
    now, here, times = problem.vehicles[v].earliest_start, paths.firsts[v], []
    for node in route:
        now += int(paths.cost[here, node])
        times.append(now)
        here = node
    return tuple(times)
