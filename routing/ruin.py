"""Ruin and recreate around OR-Tools, and the short greedy descent (``polish``) that ends a search: nodes removed
near a random one come back where a descent finds room."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import replace

from routing.config import RECREATE_OPERATORS, SearchConfig, search_parameters
from routing.model import EngineProblem, EngineSolution, mandatory_penalty, objective_of, visits_all
from routing.ortools_model import OrToolsModel

RUIN_FIRST_SHARE = 0.25


RUIN_STEP_S = 0.1


RUIN_MIN_STEP_S = 0.01
"""Share of the budget for the first search, the most seconds a recreate descent may take (it usually settles
sooner, see ``RECREATE_OPERATORS``), and the least time left worth a step, when ruining."""


def ruin_and_recreate(
    problem: EngineProblem,
    config: SearchConfig,
    best: EngineSolution,
    started: float,
    time_limit_s: float,
    factor: float,
    seen: set[tuple[int, tuple[int, ...]]] | None = None,
) -> EngineSolution:
    """Large neighbourhood search around OR-Tools: the removed nodes come back where the descent finds room.

    A step removes a random half of the up to 2k visited nodes nearest a random node (visited or not), k at most
    ``config.ruin_size``: the k nearest alone, from visited seeds, are few enough distinct ruins for the search to
    try them all and stall (TOP p1.3.l stayed at 145 of 155 for 20 s); on the 24 weakest TOP instances at 5 s this
    took the mean gap from 4.49 % to 2.68 %. Mandatory visits are ruined too (a step that cannot bring one back
    is rejected): on eight weak Solomon instances at 10 s this took the mean gap from 4.52 % to 1.76 %.

    Each step builds a fresh model (a routing model that has searched once no longer reads routes reliably).
    Every recreated solution's routes go to ``seen``, for recombination: a rejected step can still hold a route
    that combines well.
    """
    rng = random.Random(len(problem.groups))
    mandatory = [g.nodes for g in problem.groups if g.prize is None]
    locked = {n for n, _ in problem.locks}
    removable = {n for g in problem.groups for n in g.nodes} - locked
    cost = problem.profiles[0].cost
    descent = replace(config, metaheuristic="GREEDY_DESCENT")
    penalty = mandatory_penalty(problem)
    end = started + time_limit_s
    history = list(best.history)
    while end - time.monotonic() > RUIN_MIN_STEP_S:
        visited = [n for r in best.routes for n in r if n in removable]
        if not visited:
            break
        # A seed may be an unvisited node: the nodes around it make way so that it can come in.
        seed = rng.choice(visited + sorted(removable.difference(visited)))
        size = rng.randint(1, config.ruin_size)
        near = sorted(visited, key=lambda n: int(cost[seed, n]) + int(cost[n, seed]))[: 2 * size]
        ruined = set(rng.sample(near, min(size, len(near))))
        kept = [[n for n in r if n not in ruined] for r in best.routes]
        recreated = descend(problem, kept, descent, factor, penalty, end)
        if recreated is not None and factor != 1.0:
            # The rescaled prizes leave a node out whose detour outweighs them; at the true prizes it fits.
            recreated = descend(problem, recreated[0], descent, 1.0, penalty, end) or recreated
        if recreated is None or not visits_all(recreated[0], mandatory):
            continue
        routes, starts = recreated
        if seen is not None:
            seen.update((v, r) for v, r in enumerate(routes) if r)
        objective = objective_of(problem, routes)
        if objective <= best.objective:
            if objective < best.objective:
                history.append((time.monotonic() - started, objective))
            best = EngineSolution(routes, starts, objective, best.seconds, tuple(history))
    return best


def descend(
    problem: EngineProblem,
    routes: Sequence[Sequence[int]],
    descent: SearchConfig,
    factor: float,
    mandatory_penalty: int,
    end: float,
) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]] | None:
    """A greedy descent with ``RECREATE_OPERATORS`` from ``routes`` until it settles or ``end`` (monotonic)."""
    left = end - time.monotonic()
    if left <= 0:
        return None
    model = OrToolsModel(problem, prize_factor=factor, mandatory_penalty=mandatory_penalty)
    params = search_parameters(descent, min(RUIN_STEP_S, left), only=RECREATE_OPERATORS)
    model.routing.CloseModelWithParameters(params)
    hint = model.routing.ReadAssignmentFromRoutes([list(r) for r in routes], True)
    assignment = model.routing.SolveFromAssignmentWithParameters(hint, params) if hint else None
    return None if assignment is None else model.decode(assignment)


def polish(problem: EngineProblem, routes: Sequence[Sequence[int]], *, time_limit_s: float) -> EngineSolution | None:
    """A short greedy descent at the true prizes from ``routes``; None when it finds nothing that keeps every
    mandatory visit. Recombination joins routes of different searches, and a search at rescaled prizes stops
    at its own optimum: either may leave out a visit that fits."""
    end = time.monotonic() + time_limit_s
    descent = SearchConfig(metaheuristic="GREEDY_DESCENT")
    found = descend(problem, routes, descent, 1.0, mandatory_penalty(problem), end)
    if found is None or not visits_all(found[0], [g.nodes for g in problem.groups if g.prize is None]):
        return None
    return EngineSolution(found[0], found[1], objective_of(problem, found[0]), 0.0)
