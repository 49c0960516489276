"""Recombination: CP-SAT picks the best set of routes among those the searches met (set partitioning)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from routing.model import EngineProblem


@dataclass(frozen=True, slots=True)
class Column:
    """A route that recombination may pick: who drives it, what it visits, what it costs."""

    vehicle: int
    nodes: tuple[int, ...]
    cost: int


def recombine(
    problem: EngineProblem,
    columns: Sequence[Column],
    *,
    time_limit_s: float,
    class_sizes: dict[int, int],
    incumbent: Sequence[int] = (),
) -> list[Column] | None:
    """Set partitioning in CP-SAT over routes the searches met: the best combination of routes.

    ``Column.vehicle`` names a vehicle class (its first vehicle); ``class_sizes`` caps the routes per class.

    Minimises route cost plus the prizes of the groups left unvisited; every mandatory group exactly once,
    every optional group at most once. ``incumbent`` (column indices) is a hint, so the result is never worse.
    """
    model = cp_model.CpModel()
    pick = [model.new_bool_var(f"c{i}") for i in range(len(columns))]
    group_of = {node: g for g, group in enumerate(problem.groups) for node in group.nodes}
    covering: dict[int, list[int]] = {}
    # A column's weight is its cost less the prizes of the optional groups it visits: at most one column visits
    # a group, so this equals route costs plus prizes lost, less a constant, and builds in linear time (a sum of
    # per-group "prize × (1 - visited)" terms took longer than CP-SAT's budget on 3 000 TOP routes).
    weight = [column.cost for column in columns]
    for i, column in enumerate(columns):
        for g in {group_of[n] for n in column.nodes if n in group_of}:
            covering.setdefault(g, []).append(i)
            weight[i] -= problem.groups[g].prize or 0
    for g, group in enumerate(problem.groups):
        chosen = [pick[i] for i in covering.get(g, [])]
        if group.prize is None:
            if not chosen:
                return None
            model.add_exactly_one(chosen)
        elif chosen:
            model.add_at_most_one(chosen)
    for linked in problem.linked:
        first = cp_model.LinearExpr.sum([pick[i] for i in covering.get(linked[0], [])])
        for g in linked[1:]:
            model.add(cp_model.LinearExpr.sum([pick[i] for i in covering.get(g, [])]) == first)
    for groups, k in problem.at_least:
        model.add(cp_model.LinearExpr.sum([pick[i] for g in groups for i in covering.get(g, [])]) >= k)
    for groups, sizes, capacity in problem.shared:
        terms = [(pick[i], size) for g, size in zip(groups, sizes, strict=True) for i in covering.get(g, [])]
        model.add(cp_model.LinearExpr.weighted_sum([p for p, _ in terms], [w for _, w in terms]) <= capacity)
    for representative, size in class_sizes.items():
        members = [pick[i] for i, c in enumerate(columns) if c.vehicle == representative]
        model.add(cp_model.LinearExpr.sum(members) <= size)
    model.minimize(cp_model.LinearExpr.weighted_sum(pick, weight))
    hinted = set(incumbent)
    for i, var in enumerate(pick):  # a complete hint: CP-SAT starts from the incumbent instead of completing it
        model.add_hint(var, i in hinted)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [c for i, c in enumerate(columns) if solver.value(pick[i])]
