"""Optional adapters to other solvers, fed the very integer matrices the engine gets, for side-by-side figures.

PyVRP (``pyvrp``, MIT) and VROOM (``pyvroom``, BSD) are imported inside the functions, so this module imports
without them (they are the ``bench`` extra). Each function solves one instance within a wall-clock budget and
returns routes as customer-number lists in visiting order, depot left out, for the benchmark's own evaluator to
judge: their own feasibility verdicts and objective values are not used.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from routing.benchmarks import solomon, top
from routing.benchmarks.solomon import SolomonInstance
from routing.benchmarks.top import TopInstance

VROOM_THREADS = 2
"""VROOM's threads: as many as the engine's default search workers, so CPU budgets are comparable."""

VROOM_EXPLORATION = 5
"""VROOM's deepest search (0..5); the time limit stops it."""

VROOM_MAX_PRIORITY = 100
"""VROOM accepts job priorities 0..100 only."""


def solve_with_pyvrp(inst: SolomonInstance | TopInstance, time_limit_s: float, *, seed: int = 0) -> list[list[int]]:
    """PyVRP's iterated local search on the instance, stopped after ``time_limit_s`` seconds of runtime."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    model = pyvrp.Model()
    if isinstance(inst, SolomonInstance):
        matrix = solomon.tenths(inst)
        scale = solomon.SCALE
        locations = [model.add_location(x, y) for x, y in inst.coords]
        model.add_depot(locations[0], tw_early=inst.ready[0] * scale, tw_late=inst.due[0] * scale)
        customers = list(range(1, len(inst.coords)))
        for c in customers:
            model.add_client(
                locations[c],
                delivery=[inst.demand[c]],
                service_duration=inst.service[c] * scale,
                tw_early=inst.ready[c] * scale,
                tw_late=inst.due[c] * scale,
            )
        model.add_vehicle_type(
            inst.vehicles, capacity=[inst.capacity], tw_early=inst.ready[0] * scale, tw_late=inst.due[0] * scale
        )
    else:
        matrix = top.cost_matrix(inst)
        limit = top.budget(inst)
        weight = inst.m * limit + 1  # as in top.to_engine: one point of score outweighs any distance
        locations = [model.add_location(x, y) for x, y in inst.points]
        start = model.add_depot(locations[0])
        end = model.add_depot(locations[-1])
        customers = list(inst.customers)
        for c in customers:
            model.add_client(locations[c], prize=inst.scores[c] * weight, required=False)
        model.add_vehicle_type(inst.m, start_depot=start, end_depot=end, max_distance=limit, shift_duration=limit)
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            model.add_edge(frm, to, distance=int(matrix[i, j]), duration=int(matrix[i, j]))
    result = model.solve(MaxRuntime(time_limit_s), seed=seed, display=False)
    return [[customers[a.idx] for a in route if a.is_client()] for route in result.best.routes()]


def solve_with_vroom(inst: SolomonInstance | TopInstance, time_limit_s: float) -> list[list[int]]:
    """VROOM on a custom duration matrix (its cost): Solomon as jobs with windows, TOP as jobs with priorities.

    VROOM ranks solutions by the sum of priorities of the jobs served before anything else, so the TOP maps on
    it exactly when every score is a whole number in 0..100 (true of the Chao sets: at most 50); otherwise it
    raises ``NotImplementedError`` rather than distort the scores.
    """
    import vroom

    problem = vroom.Input()
    if isinstance(inst, SolomonInstance):
        scale = solomon.SCALE
        matrix = solomon.tenths(inst)
        depot_window = vroom.TimeWindow(inst.ready[0] * scale, inst.due[0] * scale)
        for k in range(inst.vehicles):
            problem.add_vehicle(vroom.Vehicle(k, start=0, end=0, capacity=[inst.capacity], time_window=depot_window))
        for c in range(1, len(inst.coords)):
            problem.add_job(
                vroom.Job(
                    c,
                    location=c,
                    default_service=inst.service[c] * scale,
                    delivery=vroom.Amount([inst.demand[c]]),
                    time_windows=[vroom.TimeWindow(inst.ready[c] * scale, inst.due[c] * scale)],
                )
            )
    else:
        if any(not 0 <= s <= VROOM_MAX_PRIORITY for s in inst.scores):
            raise NotImplementedError(f"{inst.name}: VROOM priorities stop at {VROOM_MAX_PRIORITY}")
        matrix = top.cost_matrix(inst)
        limit = top.budget(inst)
        for k in range(inst.m):
            problem.add_vehicle(vroom.Vehicle(k, start=0, end=inst.n - 1, max_travel_time=limit))
        for c in inst.customers:
            problem.add_job(vroom.Job(c, location=c, priority=inst.scores[c]))
    problem.set_durations_matrix(profile="car", matrix_input=matrix.tolist())
    solution = problem.solve(
        exploration_level=VROOM_EXPLORATION, nb_threads=VROOM_THREADS, timeout=timedelta(seconds=time_limit_s)
    )
    return _vroom_routes(solution)


def _vroom_routes(solution: Any) -> list[list[int]]:
    """Job ids per vehicle, in visiting order (the ids are the customer numbers)."""
    frame = solution.routes
    if "id" not in frame.columns:  # no job served at all
        return []
    routes: dict[int, list[int]] = {}
    for vehicle, kind, job in zip(frame["vehicle_id"], frame["type"], frame["id"], strict=True):
        steps = routes.setdefault(int(vehicle), [])
        if kind == "job":
            steps.append(int(job))
    return [routes[v] for v in sorted(routes)]
