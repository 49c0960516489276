"""An ``EngineProblem`` as an OR-Tools routing model (one ``add_*`` method per constraint family), and the check of
given routes against every constraint of it."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp

from routing.config import SearchConfig, search_parameters
from routing.model import EngineProblem, Routes


class OrToolsModel:
    """The OR-Tools routing model of an ``EngineProblem``; one ``add_*`` method per constraint family."""

    def __init__(
        self, problem: EngineProblem, *, prize_factor: float = 1.0, mandatory_penalty: int | None = None
    ) -> None:
        self.problem = problem
        self.prize_factor = prize_factor
        self.mandatory_penalty = mandatory_penalty
        """When set, a mandatory group may go unvisited at this cost: a recreate starts from ruined routes."""
        starts = [v.start for v in problem.vehicles]
        ends = [v.end for v in problem.vehicles]
        self.manager = pywrapcp.RoutingIndexManager(problem.n_nodes, len(problem.vehicles), starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        self.time: pywrapcp.RoutingDimension | None = None
        self._register_matrices()
        self.add_time()
        self.add_capacity()
        self.add_route_cost_limit()
        self.add_visit_groups()
        self.add_allowed_vehicles()
        self.add_locks()
        self.add_group_links()

    def _register_matrices(self) -> None:
        infeasible = self.problem.horizon * 4 + 1
        self.cost_cb: list[int] = []
        self.time_cb: list[int] = []
        for p, profile in enumerate(self.problem.profiles):
            transit = profile.travel + np.asarray(profile.service, dtype=np.int64)[:, None]
            np.fill_diagonal(transit, 0)
            cost = profile.cost.copy()
            if profile.forbidden is not None:
                transit[profile.forbidden] = infeasible
                cost[profile.forbidden] = 0
            # A vehicle left unused goes straight from its start to its end: that costs nothing and takes no time,
            # even where its start and end depots are far apart (an orienteering path that cannot start at all).
            for vehicle in self.problem.vehicles:
                if vehicle.profile == p:
                    transit[vehicle.start, vehicle.end] = cost[vehicle.start, vehicle.end] = 0
            self.cost_cb.append(self.routing.RegisterTransitMatrix(cost.tolist()))
            self.time_cb.append(self.routing.RegisterTransitMatrix(transit.tolist()))
        for v, vehicle in enumerate(self.problem.vehicles):
            self.routing.SetArcCostEvaluatorOfVehicle(self.cost_cb[vehicle.profile], v)

    def add_time(self) -> None:
        horizon = self.problem.horizon
        self.routing.AddDimensionWithVehicleTransits(
            [self.time_cb[v.profile] for v in self.problem.vehicles], horizon, horizon, False, "time"
        )
        self.time = self.routing.GetDimensionOrDie("time")
        for v, vehicle in enumerate(self.problem.vehicles):
            start = self.time.CumulVar(self.routing.Start(v))
            end = self.time.CumulVar(self.routing.End(v))
            start.SetMin(vehicle.earliest_start)
            end.SetMax(vehicle.latest_end if vehicle.latest_end is not None else horizon)
            if vehicle.max_duration is not None:
                self.routing.solver().Add(end - start <= vehicle.max_duration)
            self.routing.AddVariableMaximizedByFinalizer(start)
            self.routing.AddVariableMinimizedByFinalizer(end)
        for node, windows in enumerate(self.problem.windows or ()):
            if not windows or self._is_depot(node):
                continue
            cumul = self.time.CumulVar(self.manager.NodeToIndex(node))
            cumul.SetRange(windows[0][0], windows[-1][1])
            for (_, prev_hi), (next_lo, _) in pairwise(windows):
                if next_lo - 1 >= prev_hi + 1:
                    cumul.RemoveInterval(prev_hi + 1, next_lo - 1)

    def add_capacity(self) -> None:
        demand = self.problem.demand
        if demand is None:
            return
        callback = self.routing.RegisterUnaryTransitVector(list(demand))
        capacities = [v.capacity if v.capacity is not None else sum(demand) for v in self.problem.vehicles]
        self.routing.AddDimensionWithVehicleCapacity(callback, 0, capacities, True, "load")

    def add_route_cost_limit(self) -> None:
        limits = [v.max_cost for v in self.problem.vehicles]
        if all(limit is None for limit in limits):
            return
        unbounded = int(max(int(p.cost.sum()) for p in self.problem.profiles)) + 1
        self.routing.AddDimensionWithVehicleTransitAndCapacity(
            [self.cost_cb[v.profile] for v in self.problem.vehicles],
            0,
            [limit if limit is not None else unbounded for limit in limits],
            True,
            "length",
        )

    def add_visit_groups(self) -> None:
        for group in self.problem.groups:
            indices = [self.manager.NodeToIndex(n) for n in group.nodes]
            if group.prize is None and self.mandatory_penalty is not None:
                self.routing.AddDisjunction(indices, self.mandatory_penalty, 1)
            elif group.prize is None:
                self.routing.AddDisjunction(indices)
            else:
                self.routing.AddDisjunction(indices, max(1, round(group.prize * self.prize_factor)), 1)

    def add_allowed_vehicles(self) -> None:
        for node, allowed in enumerate(self.problem.allowed or ()):
            if allowed is None or self._is_depot(node):
                continue
            vehicle_var = self.routing.VehicleVar(self.manager.NodeToIndex(node))
            # SetAllowedVehiclesForIndex does not accept a Python list in this OR-Tools build.
            vehicle_var.SetValues([-1, *allowed] if allowed else [-1])

    def add_locks(self) -> None:
        for node, vehicle in self.problem.locks:
            self.routing.VehicleVar(self.manager.NodeToIndex(node)).SetValue(vehicle)

    def add_group_links(self) -> None:
        """All-or-none, at-least-k and shared-capacity constraints on whether groups are visited."""
        solver = self.routing.solver()

        def visited(g: int) -> Any:
            nodes = self.problem.groups[g].nodes
            return solver.Sum([self.routing.ActiveVar(self.manager.NodeToIndex(n)) for n in nodes])

        for linked in self.problem.linked:
            first = visited(linked[0])
            for g in linked[1:]:
                solver.Add(visited(g) == first)
        for groups, k in self.problem.at_least:
            solver.Add(solver.Sum([visited(g) for g in groups]) >= k)
        for groups, sizes, capacity in self.problem.shared:
            solver.Add(solver.Sum([visited(g) * size for g, size in zip(groups, sizes, strict=True)]) <= capacity)

    def _is_depot(self, node: int) -> bool:
        return any(node in (v.start, v.end) for v in self.problem.vehicles)

    def current_routes(self) -> Routes:
        """Per vehicle, the visited nodes of the solution a solution callback reports."""
        return tuple(tuple(self.manager.IndexToNode(i) for i in self._current_path(v)) for v in self._vehicles())

    def current_starts(self) -> Routes:
        """Per vehicle, the service starts at the visited nodes of the solution a solution callback reports."""
        assert self.time is not None
        cumul = self.time.CumulVar
        return tuple(tuple(int(cumul(i).Min()) for i in self._current_path(v)) for v in self._vehicles())

    def _vehicles(self) -> range:
        return range(len(self.problem.vehicles))

    def _current_path(self, v: int) -> list[int]:
        indices = []
        index = self.routing.NextVar(self.routing.Start(v)).Value()
        while not self.routing.IsEnd(index):
            indices.append(index)
            index = self.routing.NextVar(index).Value()
        return indices

    def decode(
        self, assignment: pywrapcp.Assignment
    ) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
        routes: list[tuple[int, ...]] = []
        starts: list[tuple[int, ...]] = []
        assert self.time is not None
        for v in range(len(self.problem.vehicles)):
            nodes: list[int] = []
            times: list[int] = []
            index = assignment.Value(self.routing.NextVar(self.routing.Start(v)))
            while not self.routing.IsEnd(index):
                nodes.append(self.manager.IndexToNode(index))
                times.append(int(assignment.Min(self.time.CumulVar(index))))
                index = assignment.Value(self.routing.NextVar(index))
            routes.append(tuple(nodes))
            starts.append(tuple(times))
        return tuple(routes), tuple(starts)


class RouteChecker:
    """The objective of given routes under every constraint of the model, or None when they break one.

    For repair heuristics outside the search: the model is built once, each check restores an assignment.
    """

    def __init__(self, problem: EngineProblem) -> None:
        self._model = OrToolsModel(problem)
        self._model.routing.CloseModelWithParameters(search_parameters(SearchConfig(), 1.0))

    def objective(self, routes: Sequence[Sequence[int]]) -> int | None:
        assignment = self._model.routing.ReadAssignmentFromRoutes([list(r) for r in routes], True)
        return None if assignment is None else int(assignment.ObjectiveValue())
