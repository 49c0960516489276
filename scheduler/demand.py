"""Demand model: how many citizens would come to a mobile stop in a place on each service day of the week.

Three parts (the model and its calibration: docs/model.md, "Need, per place and service"):

- **Flow.** ASAN centres took about 61 million applications from about 10 million people over ten years: about
  0.6 applications per inhabitant and year. A share ``mobile_uptake`` of those living far from a fixed centre waits
  for a mobile unit. Per service, the *access deficit* is the road time to the nearest fixed ASAN or DOST centre that
  is open on that date and offers the service, divided by ``full_deficit_min`` (capped at 1). A place's flow on a
  date is its population × the yearly rate ÷ 260 working days × uptake × the mean deficit over the services.
- **Backlog.** Need left unmet carries over: each week a share ``backlog_retention`` of what waited is still
  waiting, the week's flow joins it, and what published plans served leaves it (visit history). With no history
  the backlog is that of a place never visited in the ``history_weeks`` looked back.
- **Weeks since the last visit** feed equity in the problem (a place unvisited for long weighs more).

Per service, the week's need is split in proportion to share × deficit (what each service adds to the flow), and
the one-way road minutes to the nearest open centre offering it are kept: a mobile visit is worth the trips it
spares (``docs/model.md``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from scheduler.domain import CentreStatus, Network, ServiceCentre, VehicleKind
from scheduler.ports import UNREACHABLE, TravelModel

WORKING_DAYS_PER_YEAR = 260


@dataclass(frozen=True, slots=True)
class DemandParams:
    applications_per_person_year: float = 0.6
    mobile_uptake: float = 0.5
    full_deficit_min: int = 120
    backlog_retention: float = 0.5
    """Share of a week's unmet need still waiting a week later (the rest travels to a centre or gives up)."""
    history_weeks: int = 8
    """How many weeks of visit history the backlog and the weeks-since-visit look back."""
    service_shares: Mapping[str, float] | None = None
    """Share of applications per service code; None spreads them evenly over the network's services."""


@dataclass(frozen=True, slots=True)
class VisitRecord:
    """A past stop of a published plan: what was served where and when (the visit history)."""

    place_id: str
    date: date
    citizens: int


@dataclass(frozen=True, slots=True)
class Demand:
    """Expected citizens at a mobile stop in ``place_id`` this week, and why."""

    place_id: str
    daily_citizens: tuple[int, ...]
    """Flow per service date of the week (same order as the problem's ``service_dates``)."""
    backlog_citizens: int
    """Need carried over from earlier weeks, after what published plans served."""
    access_min: int | None
    """Road minutes to the nearest open fixed centre (any service) on the first service date; None: none reachable."""
    deficit: float
    """Mean access deficit over the services on the first service date (0 = centre in town, 1 = far away)."""
    weeks_since_visit: int | None = None
    """Whole weeks since the last mobile visit within the history looked back; None: none in that time."""
    service_need: tuple[tuple[str, int], ...] = ()
    """The week's need (flow and backlog) split per service code, in proportion to share × deficit."""
    trip_min: tuple[tuple[str, int | None], ...] = ()
    """Per service code, road minutes one way to the nearest fixed centre open on the first service date that
    offers it; None: none reachable."""

    def need_for(self, services: tuple[str, ...] | frozenset[str]) -> int:
        """Citizens of the week's need for any of ``services``."""
        return sum(n for code, n in self.service_need if code in services)

    @property
    def weekly_citizens(self) -> int:
        return self.backlog_citizens + sum(self.daily_citizens)


def centre_open_on(centre: ServiceCentre, day: date) -> bool:
    """Open centres with an unknown opening date count as open; a year alone counts from its 1 January."""
    if centre.status is not CentreStatus.OPEN:
        return False
    text = centre.opened.strip()
    if not text or text == "unknown":
        return True
    try:
        opened = date.fromisoformat(text) if len(text) > 4 else date(int(text), 1, 1)
    except ValueError:
        return True
    return opened <= day


def estimate_demand(
    network: Network,
    travel: TravelModel,
    dates: Sequence[date],
    *,
    history: Sequence[VisitRecord] = (),
    params: DemandParams | None = None,
) -> tuple[Demand, ...]:
    """Demand for every place with a known population on each of ``dates``, largest weekly need first."""
    params = params or DemandParams()
    place_ids = tuple(p.id for p in network.places)
    matrix = travel.matrix(VehicleKind.BUS, place_ids)
    shares = _shares(network, params)
    week_start = dates[0] - timedelta(days=dates[0].weekday())
    demands = []
    for row, place in enumerate(network.places):
        if not place.population:
            continue
        per_day = place.population * params.applications_per_person_year / WORKING_DAYS_PER_YEAR
        per_day *= params.mobile_uptake
        minutes = {pid: int(matrix.duration_min[row, col]) for col, pid in enumerate(place_ids)}
        deficits = [_deficit(network, minutes, day, shares, params) for day in dates]
        trips = _trips(network, minutes, dates[0])
        daily = tuple(math.floor(per_day * deficit) for deficit, _ in deficits)
        weekly_flow = per_day * 5 * (sum(d for d, _ in deficits) / len(deficits))
        served = _served_by_week(history, place.id, week_start, params.history_weeks)
        backlog = 0.0
        for week in range(params.history_weeks, 0, -1):
            backlog = max(0.0, backlog * params.backlog_retention + weekly_flow - served.get(week, 0))
        backlog *= params.backlog_retention
        demand = Demand(
            place_id=place.id,
            daily_citizens=daily,
            backlog_citizens=math.floor(backlog),
            access_min=deficits[0][1],
            deficit=round(deficits[0][0], 3),
            weeks_since_visit=min(served) if served else None,
            trip_min=tuple(sorted((code, trips.get(code)) for code in shares)),
        )
        demand = replace(demand, service_need=_split(demand.weekly_citizens, shares, trips, params))
        if demand.weekly_citizens > 0:
            demands.append(demand)
    return tuple(sorted(demands, key=lambda d: -d.weekly_citizens))


def _shares(network: Network, params: DemandParams) -> dict[str, float]:
    if params.service_shares is not None:
        total = sum(params.service_shares.values())
        return {code: share / total for code, share in params.service_shares.items()}
    codes = [s.code for s in network.services] or sorted({c for centre in network.centres for c in centre.services})
    return {code: 1 / len(codes) for code in codes}


def _trips(network: Network, minutes_from: Mapping[str, int], day: date) -> dict[str, int]:
    """Per service code, minutes to the nearest centre open on ``day`` that offers it (reachable ones only)."""
    trips: dict[str, int] = {}
    for centre in network.centres:
        minutes = minutes_from.get(centre.place_id, UNREACHABLE)
        if minutes == UNREACHABLE or not centre_open_on(centre, day):
            continue
        for code in centre.services:
            trips[code] = min(minutes, trips.get(code, minutes))
    return trips


def _split(
    citizens: int, shares: Mapping[str, float], trips: Mapping[str, int], params: DemandParams
) -> tuple[tuple[str, int], ...]:
    """``citizens`` apportioned over the services by share × deficit (largest remainder, so the parts add up)."""
    weights = {
        code: share * (1.0 if code not in trips else min(1.0, trips[code] / params.full_deficit_min))
        for code, share in shares.items()
    }
    total = sum(weights.values())
    if total <= 0 or citizens <= 0:
        return tuple((code, 0) for code in sorted(shares))
    exact = {code: citizens * w / total for code, w in weights.items()}
    parts = {code: math.floor(x) for code, x in exact.items()}
    for code in sorted(exact, key=lambda c: (parts[c] - exact[c], c))[: citizens - sum(parts.values())]:
        parts[code] += 1
    return tuple(sorted(parts.items()))


def _deficit(
    network: Network, minutes_from: Mapping[str, int], day: date, shares: Mapping[str, float], params: DemandParams
) -> tuple[float, int | None]:
    """Mean deficit over the services on ``day``, and the minutes to the nearest centre open that day."""
    nearest_any: int | None = None
    deficit = 0.0
    minutes_to: dict[str, int] = {}
    for centre in network.centres:
        if not centre_open_on(centre, day):
            continue
        minutes = minutes_from.get(centre.place_id, UNREACHABLE)
        if minutes == UNREACHABLE:
            continue
        nearest_any = minutes if nearest_any is None else min(nearest_any, minutes)
        for code in centre.services:
            minutes_to[code] = min(minutes, minutes_to.get(code, minutes))
    for code, share in shares.items():
        nearest = minutes_to.get(code)
        deficit += share * (1.0 if nearest is None else min(1.0, nearest / params.full_deficit_min))
    return deficit, nearest_any


def _served_by_week(history: Sequence[VisitRecord], place_id: str, week_start: date, weeks: int) -> dict[int, int]:
    """Citizens served in ``place_id`` per week back (1 = the week before ``week_start``), within ``weeks``."""
    served: dict[int, int] = {}
    for record in history:
        if record.place_id != place_id or record.date >= week_start:
            continue
        back = (week_start - record.date).days // 7 + 1
        if back <= weeks:
            served[back] = served.get(back, 0) + record.citizens
    return served
