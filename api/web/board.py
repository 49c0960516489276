"""The desk's week as the page shows it: a row per vehicle, a cell per working day with that vehicle-day's stops
(or its maintenance day or the holiday), the KPI strip with the change against the published plan, and the
requests left out with their reasons. Plain data for the template; every name in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from api.services.desk import DeskWeek
from maps.colors import vehicle_colour
from maps.i18n import Lang, format_day, text
from scheduler.domain import Network, VehicleKind
from scheduler.naming import place_label, stop_label
from scheduler.plan import Plan


@dataclass(frozen=True, slots=True)
class StopView:
    place_id: str
    label: str
    hours: str
    citizens: int
    locked: bool
    requests: int
    lat: float
    lon: float
    order: int
    """The stop's number in its vehicle's week (1, 2, ...), as the map labels it."""


@dataclass(frozen=True, slots=True)
class CellView:
    day: date
    state: str
    """``service``, ``maintenance`` or ``holiday``."""
    stops: tuple[StopView, ...] = ()
    note: str = ""
    clash: bool = False
    """Stops on a day the vehicle is now booked for maintenance."""

    @property
    def all_locked(self) -> bool:
        return bool(self.stops) and all(s.locked for s in self.stops)


@dataclass(frozen=True, slots=True)
class RowView:
    vehicle_id: str
    name: str
    kind: str
    cells: tuple[CellView, ...]
    colour: str
    """The vehicle's colour on the map (the board also names it, so colour is never the only cue)."""


@dataclass(frozen=True, slots=True)
class KpiView:
    label: str
    value: str
    delta: str = ""
    """The change against the published plan ("+120", "−3"), empty when there is nothing to compare."""
    delta_previous: str = ""
    """The change against the week's previous plan (the one this plan's solve or edit started from)."""


@dataclass(frozen=True, slots=True)
class UnservedView:
    request_id: str
    place: str
    citizens: int | None
    message: str
    displaced_by: tuple[tuple[str, str], ...] = field(default=())
    """The stops that took its place: (their words, the id of their cell on the board, or "")."""


@dataclass(frozen=True, slots=True)
class BoardView:
    days: tuple[tuple[date, str], ...]
    vehicles: tuple[tuple[str, str], ...]
    """(id, kind) of every vehicle: the targets a stop may be moved to."""
    rows: tuple[RowView, ...]
    kpis: tuple[KpiView, ...]
    unserved: tuple[UnservedView, ...]
    due_missed: tuple[str, ...]


def working_days(week_start: date) -> tuple[date, ...]:
    return tuple(week_start + timedelta(days=k) for k in range(5))


def _hours(arrive: datetime, depart: datetime) -> str:
    return f"{arrive:%H:%M}–{depart:%H:%M}"


def board_view(week: DeskWeek, network: Network, lang: Lang, published: Plan | None = None) -> BoardView | None:
    """The board of ``week.plan``; None when the week has no plan."""
    plan = week.plan
    if plan is None:
        return None
    days = working_days(week.week_start)
    rows = []
    for index, vehicle in enumerate(plan.vehicles):
        route = plan.route(vehicle.id)
        number = {id(s): n for n, s in enumerate(route.stops, start=1)}
        cells = []
        for day in days:
            if day in week.holidays:
                cells.append(CellView(day, "holiday", note=week.holidays[day]))
                continue
            booked = day in vehicle.maintenance_dates or day in week.maintenance.get(vehicle.id, frozenset())
            stops = tuple(
                StopView(
                    s.place_id,
                    stop_label(network, s.place_id, s.site_id, lang),
                    _hours(s.arrive, s.depart),
                    s.expected_citizens,
                    s.locked,
                    len(s.request_ids),
                    s.lat,
                    s.lon,
                    number[id(s)],
                )
                for s in route.stops
                if s.date == day
            )
            if booked and not stops:
                cells.append(CellView(day, "maintenance"))
            else:
                cells.append(CellView(day, "service", stops, clash=booked))
        kind = text(lang, "train" if vehicle.kind is VehicleKind.TRAIN else "bus")
        rows.append(RowView(vehicle.id, vehicle.name, kind, tuple(cells), vehicle_colour(index)))
    return BoardView(
        days=tuple((d, format_day(lang, d)) for d in days),
        vehicles=tuple((row.vehicle_id, row.kind) for row in rows),
        rows=tuple(rows),
        kpis=_kpis(plan, published, _previous_kpis(week), lang),
        unserved=tuple(
            UnservedView(
                u.request_id,
                place_label(network, week.requests[u.request_id].place_id, lang)
                if u.request_id in week.requests
                else "",
                week.requests[u.request_id].expected_citizens if u.request_id in week.requests else None,
                u.message,
                tuple((text_, _cell_anchor(text_)) for text_ in u.displaced_by),
            )
            for u in plan.unserved
        ),
        due_missed=tuple(place_label(network, p, lang) for p in plan.due_missed),
    )


def _cell_anchor(displacer: str) -> str:
    """The board cell of a displacing stop, from its words ("BUS-01 2026-12-07 Balakən (100 citizens)")."""
    vehicle, _, rest = displacer.partition(" ")
    try:
        day = date.fromisoformat(rest[:10])
    except ValueError:
        return ""
    return f"c-{vehicle}-{day.isoformat()}"


KPI_KEYS = ("kpi_hours", "kpi_citizens", "kpi_places", "kpi_km", "kpi_vehicle_days")
_STORED_KPIS = ("citizen_hours_saved", "expected_citizens", "places_visited", "distance_km", "vehicle_days_used")
"""The stored KPI names of ``KPI_KEYS``, in the same order."""


def _previous_kpis(week: DeskWeek) -> tuple[float, ...] | None:
    """The KPI figures of the week's plan stored just before the one shown (versions are newest first)."""
    shown = week.state.plan_id if week.state is not None else None
    older = [v for v in week.versions if shown is not None and v.plan_id < shown]
    if not older:
        return None
    return tuple(float(older[0].kpis.get(name, 0.0)) for name in _STORED_KPIS)


def kpi_figures(plan: Plan) -> tuple[float, ...]:
    """The KPI strip's figures, in the order of ``KPI_KEYS``."""
    k = plan.kpis
    return (k.citizen_hours_saved, k.expected_citizens, k.places_visited, k.distance_km, k.vehicle_days_used)


def _change(mine: float, theirs: float) -> str:
    change = round(mine - theirs)
    return f"{'+' if change > 0 else '−' if change < 0 else '±'}{abs(change):,}"


def _kpis(plan: Plan, published: Plan | None, previous: tuple[float, ...] | None, lang: Lang) -> tuple[KpiView, ...]:
    mine = kpi_figures(plan)
    theirs = kpi_figures(published) if published is not None and published is not plan else None
    return tuple(
        KpiView(
            text(lang, key),
            f"{round(mine[n]):,}",
            _change(mine[n], theirs[n]) if theirs is not None else "",
            _change(mine[n], previous[n]) if previous is not None else "",
        )
        for n, key in enumerate(KPI_KEYS)
    )
