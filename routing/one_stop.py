"""One stop per site a day: a vehicle that serves one site twice in a day, with other stops between, serves it in
one go instead.

The objective allows such a route (each visit is its own candidate with its own prize), and a short search can
end on one: Şəmkir, the village Kür, Şəmkir again, all on a Tuesday. No crew would drive it, and the plan would
show the public two stops of one bus in one town on one day. After the search, each such later visit moves up to right
after the earlier one (or the earlier down to right before the later), where the route then keeps every rule, and
where neither can, the later visit (or the earlier, if the later is a lock) is left out: the plan names each stop
by vehicle, date and place, so a planner could not address either of the two. Visits at one site one after the
other on one day are one stop in the plan (``scheduler.assemble``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from routing.model import EngineProblem
from routing.ortools_model import RouteChecker
from routing.search import RouteFilter, earliest_starts

SiteOf = Callable[[int, int], str | None]
"""(vehicle, node) → the site where the vehicle serves the node, or None for a node that is no stop (a night)."""


def site_days(
    problem: EngineProblem, site_of: SiteOf, day: int, v: int, route: Sequence[int]
) -> Iterator[tuple[int, str, int]]:
    """(position, site, day) of each visit of vehicle ``v``'s route that is a stop (a night at home is none), on
    the day its earliest start falls in; nothing for a route the windows refuse."""
    starts = earliest_starts(problem, problem.vehicles[v], route) or ()
    for position, (node, start) in enumerate(zip(route, starts, strict=False)):
        site = site_of(v, node)
        if site is not None:
            yield position, site, start // day


def split_stops(
    problem: EngineProblem, site_of: SiteOf, day: int, v: int, route: Sequence[int]
) -> list[tuple[int, int]]:
    """Positions (i, j), i + 1 < j, of visits to one site on one day with other nodes between them."""
    last: dict[tuple[str, int], int] = {}
    split = []
    for j, site, d in site_days(problem, site_of, day, v, route):
        i = last.get((site, d), j)
        if i + 1 < j:
            split.append((i, j))
        last[(site, d)] = j
    return split


def one_stop_a_day(
    problem: EngineProblem,
    checker: RouteChecker,
    site_of: SiteOf,
    day: int,
    routes: Sequence[Sequence[int]],
    route_ok: RouteFilter | None = None,
) -> list[list[int]]:
    """``routes`` with each vehicle's split visits gathered where the model (``checker``) and ``route_ok`` allow,
    else one of the two visits left out; a split of two visits the model needs (locks) stays, and the caller's
    validator still checks the week."""
    current = [list(r) for r in routes]
    for v in range(len(current)):
        tried: set[tuple[int, int]] = set()
        for _ in range(len(current[v])):  # a move can push later visits into the next day: bound the rounds
            pending = [p for p in split_stops(problem, site_of, day, v, current[v]) if p not in tried]
            if not pending:
                break
            i, j = pending[0]
            tried.add((i, j))
            route = current[v]
            options = (
                [*route[: i + 1], route[j], *route[i + 1 : j], *route[j + 1 :]],  # the later visit moves up
                [*route[:i], *route[i + 1 : j], route[i], *route[j:]],  # the earlier one moves down
                [*route[:j], *route[j + 1 :]],  # else the later visit goes (its citizens are explained as unserved)
                [*route[:i], *route[i + 1 :]],  # or the earlier one, when the later is a lock
            )
            for option in options:
                if _keeps(problem, checker, route_ok, [*current[:v], option, *current[v + 1 :]], v):
                    current[v] = option
                    tried.clear()
                    break
    return current


def _keeps(
    problem: EngineProblem, checker: RouteChecker, route_ok: RouteFilter | None, routes: list[list[int]], v: int
) -> bool:
    starts = earliest_starts(problem, problem.vehicles[v], routes[v])
    if starts is None or checker.objective(routes) is None:
        return False
    return route_ok is None or route_ok(v, tuple(routes[v]), starts)
