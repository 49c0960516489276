"""Why a plan leaves a visit request unserved, or a due place unvisited: reasons a regional office can act on.

The checks run from the most to the least fundamental: no vehicle offers the services; no service day in the
window; no capable vehicle reaches the place; more citizens than the capable vehicles can serve in the window;
an open centre near enough that a visit spares no travel; otherwise the capable vehicles were busy with visits the
objective valued more, and those visits are named.
"""

from __future__ import annotations

from collections.abc import Callable

from scheduler.plan import Plan, Stop
from scheduler.problem import Problem
from scheduler.requests import Reason, Unserved, VisitRequest

NAMED_DISPLACERS = 5


def explain_unserved(problem: Problem, plan: Plan, name: Callable[[str], str] = str) -> tuple[Unserved, ...]:
    """One reason per request the plan leaves out; ``name`` says a place id as people read it ("Bum (Qəbələ)")."""
    served = {rid for stop in plan.stops for rid in stop.request_ids}
    return tuple(_explain(problem, plan, r, name) for r in problem.requests if r.id not in served)


def due_missed(problem: Problem, plan: Plan) -> tuple[str, ...]:
    """Places due this week under ``Rules.min_visit_every_weeks`` with no stop in the plan."""
    every = problem.rules.min_visit_every_weeks
    if every is None:
        return ()
    visited = {stop.place_id for stop in plan.stops}
    due = [
        d.place_id
        for d in problem.demand
        if (d.weeks_since_visit is None or d.weeks_since_visit >= every - 1) and d.place_id not in visited
    ]
    return tuple(sorted(due))


def _explain(problem: Problem, plan: Plan, request: VisitRequest, name: Callable[[str], str]) -> Unserved:
    def unserved(reason: Reason, message: str, displaced_by: tuple[str, ...] = ()) -> Unserved:
        return Unserved(request.id, reason, f"{request.id} ({name(request.place_id)}): {message}", displaced_by)

    offering = [v for v in problem.vehicles if v.offers(request.services)]
    if not offering:
        missing = sorted(set(request.services) - {s for v in problem.vehicles for s in v.services})
        lacking = ", ".join(missing) or ", ".join(request.services)
        return unserved(Reason.NO_VEHICLE_OFFERS_SERVICES, f"no vehicle offers all of: {lacking}")
    window_days = [d for d in problem.service_dates if request.covers(d)]
    if not window_days:
        return unserved(
            Reason.NO_SERVICE_DAY,
            f"{request.window_start}..{request.window_end} has no service day this week "
            "(weekend, public holiday or outside the week)",
        )
    parts = [c for c in problem.candidates if request.id in c.request_ids and not c.locked]
    capable_ids = sorted({vid for c in parts for vid in c.vehicle_ids})
    capable = [problem.vehicle(vid) for vid in capable_ids]
    # Maintenance counts for the vehicles that can serve the place: one in maintenance leaves the request without a
    # service day even when a vehicle on the other side of the country (or of the exclave border) is free.
    open_days = [d for d in window_days if any(d not in v.maintenance_dates for v in capable or offering)]
    if not open_days:
        return unserved(Reason.NO_SERVICE_DAY, "every capable vehicle is in maintenance on the window's service days")
    if not capable_ids:
        return unserved(Reason.UNREACHABLE, "no vehicle offering its services can reach the place")
    capacity = sum(v.capacity_citizens_per_day for v in capable for d in open_days if d not in v.maintenance_dates)
    if request.expected_citizens > capacity:
        return unserved(
            Reason.CAPACITY,
            f"{request.expected_citizens} citizens exceed the {capacity} the capable vehicles "
            f"({', '.join(capable_ids)}) can serve in the window",
        )
    savings = [s.saved_citizen_min for c in parts for s in c.servings]
    if savings and not any(savings):
        return unserved(Reason.CENTRE_NEARBY, _centre_nearby(problem, request))
    busy = sorted(
        (s for s in plan.stops if s.vehicle_id in capable_ids and s.date in open_days),
        key=lambda s: (-s.expected_citizens, s.vehicle_id, s.date),
    )
    if not busy:
        return unserved(
            Reason.UNREACHABLE,
            f"{', '.join(capable_ids)} cannot get there and back within the window and the driving rules",
        )
    names = tuple(_label(s, name) for s in busy[:NAMED_DISPLACERS])
    return unserved(
        Reason.DISPLACED,
        f"the vehicles able to serve it ({', '.join(capable_ids)}) serve visits worth more in the window: "
        + "; ".join(names),
        names,
    )


def _centre_nearby(problem: Problem, request: VisitRequest) -> str:
    demand = next((d for d in problem.demand if d.place_id == request.place_id), None)
    trips = dict(demand.trip_min) if demand is not None else {}
    known = [minutes for code in request.services if (minutes := trips.get(code)) is not None]
    reach = f"within {max(known)} min by road" if known and len(known) == len(request.services) else "within reach"
    services = ", ".join(request.services) or "its services"
    return (
        f"an open fixed centre offering {services} is {reach}, so a visit would spare its citizens no travel; "
        "the office can direct them there"
    )


def _label(stop: Stop, name: Callable[[str], str]) -> str:
    return f"{stop.vehicle_id} {stop.date.isoformat()} {name(stop.place_id)} ({stop.expected_citizens} citizens)"
