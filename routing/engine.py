"""One OR-Tools search of an ``EngineProblem`` within a time limit: guided local search (or OR-Tools' own iterated
local search) from a first solution or given routes, optionally followed by ruin and recreate; ``search.py`` runs
several of them over the cores and recombines what they met.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from routing.config import SearchConfig, search_parameters, with_native_ruin
from routing.model import EngineProblem, EngineSolution, ProgressFn, Routes, objective_of, prize_factor
from routing.ortools_model import OrToolsModel
from routing.ruin import RUIN_FIRST_SHARE, ruin_and_recreate


def solve_once(
    problem: EngineProblem,
    *,
    time_limit_s: float,
    config: SearchConfig | None = None,
    initial_routes: Sequence[Sequence[int]] | None = None,
    on_solution: ProgressFn | None = None,
    collect_routes: bool = False,
) -> EngineSolution | None:
    """One OR-Tools search within ``time_limit_s``; None when it finds no feasible solution."""
    started = time.monotonic()
    config = config or SearchConfig()
    if config.native_ruin > 0 and initial_routes is not None:
        raise ValueError("native_ruin searches from OR-Tools' own first solution: it takes no initial routes")
    model = OrToolsModel(problem, prize_factor=prize_factor(problem, config.prize_scale))
    search_s = time_limit_s * RUIN_FIRST_SHARE if config.ruin_size > 0 else time_limit_s
    params = search_parameters(config, search_s)
    history: list[tuple[float, int]] = []
    seen: set[tuple[int, tuple[int, ...]]] = set()
    rescaled = model.prize_factor != 1.0
    truest: list[tuple[int, Routes, Routes]] = []
    """With rescaled prizes, the best (true objective, routes, starts) reported: the search returns the best at
    the prizes it sees, which need not be the best at the true ones."""

    def record() -> None:
        objective = int(model.routing.CostVar().Value())
        if rescaled or collect_routes:
            routes = model.current_routes()
        if collect_routes:
            seen.update((v, r) for v, r in enumerate(routes) if r)
        if rescaled:
            objective = objective_of(problem, routes)
            if not truest or objective < truest[0][0]:
                truest[:] = [(objective, routes, model.current_starts())]
        elapsed = time.monotonic() - started
        history.append((elapsed, objective))
        if on_solution is not None:
            on_solution(elapsed, objective)

    model.routing.AddAtSolutionCallback(record)
    if config.native_ruin > 0:
        assignment = model.routing.SolveWithIteratedLocalSearch(with_native_ruin(params, config.native_ruin))
    elif initial_routes is not None:
        model.routing.CloseModelWithParameters(params)
        hint = model.routing.ReadAssignmentFromRoutes([list(r) for r in initial_routes], True)
        assignment = model.routing.SolveFromAssignmentWithParameters(hint, params) if hint else None
        if assignment is None:
            assignment = model.routing.SolveWithParameters(params)
    else:
        assignment = model.routing.SolveWithParameters(params)
    if assignment is None:
        return None
    routes, starts = model.decode(assignment)
    objective = objective_of(problem, routes) if rescaled else int(assignment.ObjectiveValue())
    if truest and truest[0][0] < objective:
        objective, routes, starts = truest[0]
    solution = EngineSolution(routes, starts, objective, time.monotonic() - started, tuple(history))
    if config.ruin_size > 0:
        pool = seen if collect_routes else None
        solution = ruin_and_recreate(problem, config, solution, started, time_limit_s, model.prize_factor, pool)
        seen.update((v, r) for v, r in enumerate(solution.routes) if r)
    return replace(solution, seconds=time.monotonic() - started, seen_routes=tuple(sorted(seen)))
