"""Repository: rows ↔ domain objects, as keyword-only functions taking a ``Session``.

Writing functions add and flush but never commit: the caller (a request, a CLI command, a test) owns the
transaction. Timestamps go in as aware datetimes and are stored as UTC; plans come back in Asia/Baku time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, delete, func, select, text, update
from sqlalchemy.orm import Session

from data.models import (
    Base,
    CentreRow,
    LegRow,
    MaintenanceRow,
    PlaceRow,
    PlanRow,
    PrincipalRow,
    StationRow,
    StopRow,
    VehicleRow,
    VisitRequestRow,
)
from data.request_store import record_outcomes
from scheduler.calendar import BAKU
from scheduler.demand import VisitRecord
from scheduler.domain import (
    Fleet,
    Network,
    Place,
    ServiceCentre,
    Station,
    Terrain,
    Vehicle,
    VehicleKind,
)
from scheduler.plan import KPIs, Leg, Overnight, Plan, Route, Stop
from scheduler.requests import Priority, Reason, Unserved, VisitRequest

RowT = TypeVar("RowT", PlaceRow, StationRow, CentreRow, VehicleRow)


# --- reference data ---


def _place_values(place: Place) -> dict[str, Any]:
    return {
        "name_az": place.name_az,
        "name_en": place.name_en,
        "name_ru": place.name_ru,
        "unit_type": place.unit_type,
        "centre_az": place.centre_az,
        "centre_en": place.centre_en,
        "lat": place.lat,
        "lon": place.lon,
        "population": place.population,
        "population_as_of": place.population_as_of,
        "economic_region": place.economic_region,
        "exclave": place.exclave,
        "terrain": place.terrain.value,
        "source": place.source,
        "unit_id": place.unit_id,
    }


def _centre_values(centre: ServiceCentre) -> dict[str, Any]:
    return {
        "kind": centre.kind.value,
        "name": centre.name,
        "place_id": centre.place_id,
        "lat": centre.lat,
        "lon": centre.lon,
        "status": centre.status.value,
        "opened": centre.opened,
        "services": list(centre.services),
        "source": centre.source,
    }


def _station_values(station: Station) -> dict[str, Any]:
    return {
        "name": station.name,
        "lat": station.lat,
        "lon": station.lon,
        "place_id": station.place_id,
        "coords_estimated": station.coords_estimated,
    }


def _vehicle_values(vehicle: Vehicle) -> dict[str, Any]:
    return {
        "kind": vehicle.kind.value,
        "name": vehicle.name,
        "depot_place_id": vehicle.depot_place_id,
        "depot_station_id": vehicle.depot_station_id,
        "capacity_citizens_per_day": vehicle.capacity_citizens_per_day,
        "service_start_min": vehicle.service_start_min,
        "service_end_min": vehicle.service_end_min,
        "services": list(vehicle.services),
    }


def _upsert(
    session: Session,
    model: type[RowT],
    values_by_id: dict[str, dict[str, Any]],
    keep: Callable[[RowT], Collection[str]] = lambda row: (),
) -> None:
    """Insert the missing rows and update the changed ones (one SELECT); rows not named are left alone, and so
    are the fields ``keep(row)`` names on an existing row."""
    if not values_by_id:
        return
    existing = {row.id: row for row in session.scalars(select(model).where(model.id.in_(values_by_id)))}
    for row_id, values in values_by_id.items():
        row = existing.get(row_id)
        if row is None:
            session.add(model(id=row_id, **values))
            continue
        kept = keep(row)
        for key, value in values.items():
            if key not in kept and getattr(row, key) != value:
                setattr(row, key, value)


PLANNER_POPULATION_PREFIX = "planner "
"""``population_as_of`` of a place whose population a planner corrected (``planner YYYY-MM-DD``)."""
CENTRE_FIELDS_OF_PLANNERS = ("status", "opened")
"""A stored centre's fields that belong to planners (``PATCH /centres/{id}``): the bundled data sets them only
when it inserts the centre."""


def _planner_place_fields(row: PlaceRow) -> tuple[str, ...]:
    return ("population", "population_as_of") if row.population_as_of.startswith(PLANNER_POPULATION_PREFIX) else ()


def _planner_centre_fields(row: CentreRow) -> tuple[str, ...]:
    return CENTRE_FIELDS_OF_PLANNERS


def sync_reference(session: Session, *, network: Network, fleet: Fleet) -> None:
    """Upsert places, stations, centres and vehicles so the tables say what ``network`` and ``fleet`` say.

    Idempotent: a second run changes nothing. Rows absent from the data are kept, since stored plans may refer
    to them. A planner's edits stay: a stored centre's status and opening date, and a population a planner
    corrected (``data.fleet_store``). Flushes in dependency order (places first) so foreign keys hold; does not
    commit.
    """
    _upsert(session, PlaceRow, {p.id: _place_values(p) for p in network.places}, keep=_planner_place_fields)
    session.flush()
    _upsert(session, StationRow, {s.id: _station_values(s) for s in network.stations})
    _upsert(session, CentreRow, {c.id: _centre_values(c) for c in network.centres}, keep=_planner_centre_fields)
    _upsert(session, VehicleRow, {v.id: _vehicle_values(v) for v in fleet.vehicles})
    session.flush()


def _place_from_row(row: PlaceRow) -> Place:
    return Place(
        id=row.id,
        name_az=row.name_az,
        name_en=row.name_en,
        name_ru=row.name_ru,
        unit_type=row.unit_type,
        centre_az=row.centre_az,
        centre_en=row.centre_en,
        lat=row.lat,
        lon=row.lon,
        population=row.population,
        population_as_of=row.population_as_of,
        economic_region=row.economic_region,
        exclave=row.exclave,
        terrain=Terrain(row.terrain),
        source=row.source,
        unit_id=row.unit_id,
    )


def _vehicle_from_row(row: VehicleRow) -> Vehicle:
    return Vehicle(
        id=row.id,
        kind=VehicleKind(row.kind),
        name=row.name,
        depot_place_id=row.depot_place_id,
        depot_station_id=row.depot_station_id,
        capacity_citizens_per_day=row.capacity_citizens_per_day,
        service_start_min=row.service_start_min,
        service_end_min=row.service_end_min,
        services=tuple(str(code) for code in row.services),
    )


def list_places(session: Session) -> list[Place]:
    """Every stored place, ordered by id."""
    return [_place_from_row(row) for row in session.scalars(select(PlaceRow).order_by(PlaceRow.id))]


def list_vehicles(session: Session) -> list[Vehicle]:
    """Every stored vehicle, ordered by id."""
    return [_vehicle_from_row(row) for row in session.scalars(select(VehicleRow).order_by(VehicleRow.id))]


def ping(session: Session) -> None:
    """Run a trivial query; raises SQLAlchemy's ``DBAPIError`` when the database does not answer."""
    session.execute(text("SELECT 1"))


# --- plans ---


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()} in a plan: plan times must be timezone-aware")
    return moment.astimezone(UTC)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(BAKU)


def _stop_row(stop: Stop, seq: int) -> StopRow:
    return StopRow(
        vehicle_id=stop.vehicle_id,
        seq=seq,
        date=stop.date,
        place_id=stop.place_id,
        site_id=stop.site_id,
        lat=stop.lat,
        lon=stop.lon,
        arrive=_utc(stop.arrive),
        depart=_utc(stop.depart),
        expected_citizens=stop.expected_citizens,
        locked=stop.locked,
        request_ids=list(stop.request_ids),
        saved_citizen_min=stop.saved_citizen_min,
    )


def _leg_row(leg: Leg, seq: int) -> LegRow:
    return LegRow(
        vehicle_id=leg.vehicle_id,
        seq=seq,
        from_site_id=leg.from_site_id,
        to_site_id=leg.to_site_id,
        depart=_utc(leg.depart),
        arrive=_utc(leg.arrive),
        distance_m=leg.distance_m,
        duration_min=leg.duration_min,
        path=[[lat, lon] for lat, lon in leg.path],
    )


def _stop_from_row(row: StopRow) -> Stop:
    return Stop(
        vehicle_id=row.vehicle_id,
        date=row.date,
        place_id=row.place_id,
        site_id=row.site_id,
        lat=row.lat,
        lon=row.lon,
        arrive=_local(row.arrive),
        depart=_local(row.depart),
        expected_citizens=row.expected_citizens,
        locked=row.locked,
        request_ids=tuple(row.request_ids or ()),
        saved_citizen_min=row.saved_citizen_min,
    )


def _leg_from_row(row: LegRow) -> Leg:
    return Leg(
        vehicle_id=row.vehicle_id,
        from_site_id=row.from_site_id,
        to_site_id=row.to_site_id,
        depart=_local(row.depart),
        arrive=_local(row.arrive),
        distance_m=row.distance_m,
        duration_min=row.duration_min,
        path=tuple((float(lat), float(lon)) for lat, lon in row.path),
    )


def _check_routes(plan: Plan) -> None:
    vehicle_ids = {v.id for v in plan.vehicles}
    seen: set[str] = set()
    for route in plan.routes:
        if route.vehicle_id not in vehicle_ids:
            raise ValueError(f"route of vehicle {route.vehicle_id!r}: the vehicle is not among the plan's vehicles")
        if route.vehicle_id in seen:
            raise ValueError(f"vehicle {route.vehicle_id!r} has more than one route in the plan")
        seen.add(route.vehicle_id)
        others = sorted(({s.vehicle_id for s in route.stops} | {g.vehicle_id for g in route.legs}) - {route.vehicle_id})
        if others:
            raise ValueError(f"route of vehicle {route.vehicle_id!r} holds stops or legs of {others[0]!r}")


def save_plan(session: Session, *, plan: Plan) -> int:
    """Store ``plan`` with its stops and legs and return its new id; times are stored as UTC.

    The plan's vehicles are upserted into ``vehicles`` (a stored plan is rebuilt from them). Flushes, does not
    commit. Raises ``ValueError`` for a naive datetime or routes that do not match the plan's vehicles.
    """
    _check_routes(plan)
    _upsert(session, VehicleRow, {v.id: _vehicle_values(v) for v in plan.vehicles})
    row = PlanRow(
        week_start=plan.week_start,
        created_at=datetime.now(UTC),
        service_dates=[d.isoformat() for d in plan.service_dates],
        vehicle_ids=[v.id for v in plan.vehicles],
        route_vehicle_ids=[r.vehicle_id for r in plan.routes],
        kpis=dataclasses.asdict(plan.kpis),
        unserved=[
            {
                "request_id": u.request_id,
                "reason": u.reason.value,
                "message": u.message,
                "displaced_by": list(u.displaced_by),
            }
            for u in plan.unserved
        ],
        due_missed=list(plan.due_missed),
        overnights=_overnights_json(plan),
    )
    session.add(row)
    session.flush()
    session.add_all(_plan_children(row.id, plan.routes))
    session.flush()
    return row.id


def _overnights_json(plan: Plan) -> list[dict[str, Any]]:
    return [
        {"vehicle_id": o.vehicle_id, "date": o.date.isoformat(), "site_id": o.site_id, "at_depot": o.at_depot}
        for route in plan.routes
        for o in route.overnights
    ]


def _plan_children(plan_id: int, routes: Iterable[Route]) -> list[Base]:
    children: list[Base] = []
    for route in routes:
        for seq, stop in enumerate(route.stops):
            stop_row = _stop_row(stop, seq)
            stop_row.plan_id = plan_id
            children.append(stop_row)
        for seq, leg in enumerate(route.legs):
            leg_row = _leg_row(leg, seq)
            leg_row.plan_id = plan_id
            children.append(leg_row)
    return children


def get_plan(session: Session, *, plan_id: int) -> Plan | None:
    """Rebuild the stored plan (times in Asia/Baku), or ``None`` when there is no plan with that id."""
    row = session.get(PlanRow, plan_id)
    if row is None:
        return None
    vehicle_rows = {v.id: v for v in session.scalars(select(VehicleRow).where(VehicleRow.id.in_(row.vehicle_ids)))}
    stops_by_vehicle: dict[str, list[Stop]] = {}
    for stop_row in session.scalars(
        select(StopRow).where(StopRow.plan_id == plan_id).order_by(StopRow.vehicle_id, StopRow.seq)
    ):
        stops_by_vehicle.setdefault(stop_row.vehicle_id, []).append(_stop_from_row(stop_row))
    legs_by_vehicle: dict[str, list[Leg]] = {}
    for leg_row in session.scalars(
        select(LegRow).where(LegRow.plan_id == plan_id).order_by(LegRow.vehicle_id, LegRow.seq)
    ):
        legs_by_vehicle.setdefault(leg_row.vehicle_id, []).append(_leg_from_row(leg_row))
    nights: dict[str, list[Overnight]] = {}
    for o in row.overnights or ():
        nights.setdefault(o["vehicle_id"], []).append(
            Overnight(o["vehicle_id"], date.fromisoformat(o["date"]), o["site_id"], bool(o["at_depot"]))
        )
    routes = tuple(
        Route(
            vehicle_id=vehicle_id,
            stops=tuple(stops_by_vehicle.get(vehicle_id, ())),
            legs=tuple(legs_by_vehicle.get(vehicle_id, ())),
            overnights=tuple(nights.get(vehicle_id, ())),
        )
        for vehicle_id in row.route_vehicle_ids
    )
    return Plan(
        week_start=row.week_start,
        service_dates=tuple(date.fromisoformat(d) for d in row.service_dates),
        vehicles=tuple(_vehicle_from_row(vehicle_rows[vehicle_id]) for vehicle_id in row.vehicle_ids),
        routes=routes,
        kpis=KPIs(**row.kpis),
        unserved=tuple(
            Unserved(u["request_id"], Reason(u["reason"]), u["message"], tuple(u["displaced_by"]))
            for u in row.unserved or ()
        ),
        due_missed=tuple(row.due_missed or ()),
    )


def latest_plan_id(session: Session) -> int | None:
    """The id of the most recently saved plan, or ``None`` when none is stored."""
    return session.scalar(select(func.max(PlanRow.id)))


def public_plan_id(session: Session) -> int | None:
    """The plan the public sees: the latest published plan that no later publication of its week superseded;
    None while nothing is published (a draft is never public)."""
    return session.scalar(
        select(func.max(PlanRow.id)).where(PlanRow.published_at.is_not(None), PlanRow.superseded_at.is_(None))
    )


def published_plan_of_week(session: Session, *, week_start: date) -> int | None:
    """The week's one published plan (not superseded), if any."""
    return session.scalar(
        select(func.max(PlanRow.id)).where(
            PlanRow.week_start == week_start, PlanRow.published_at.is_not(None), PlanRow.superseded_at.is_(None)
        )
    )


def upcoming_stops(session: Session, *, plan_id: int, from_date: date) -> list[Stop]:
    """The plan's stops on ``from_date`` or later, by date, arrival time and vehicle (times in Asia/Baku)."""
    rows = session.scalars(
        select(StopRow)
        .where(StopRow.plan_id == plan_id, StopRow.date >= from_date)
        .order_by(StopRow.date, StopRow.arrive, StopRow.vehicle_id, StopRow.seq)
    )
    return [_stop_from_row(row) for row in rows]


def publish_plan(session: Session, *, plan_id: int) -> bool:
    """Mark the plan published (its stops join the visit history), the week's previously published plan
    superseded, and the requests it serves scheduled (those it leaves out declined).

    False when there is no such plan. Publishing twice keeps the first time. The rules of when a plan may be
    published are the use case's (``api.planning.publish``), not this function's.
    """
    row = session.get(PlanRow, plan_id)
    if row is None:
        return False
    now = datetime.now(UTC)
    for other in session.scalars(
        select(PlanRow).where(
            PlanRow.week_start == row.week_start,
            PlanRow.id != plan_id,
            PlanRow.published_at.is_not(None),
            PlanRow.superseded_at.is_(None),
        )
    ):
        other.superseded_at = now
    row.superseded_at = None
    if row.published_at is None:
        row.published_at = now
    served = {
        rid for stop in session.scalars(select(StopRow).where(StopRow.plan_id == plan_id)) for rid in stop.request_ids
    }
    declined = {u["request_id"] for u in row.unserved or ()}
    for request in session.scalars(select(VisitRequestRow).where(VisitRequestRow.id.in_(served | declined))):
        if request.status in ("submitted", "scheduled", "declined"):
            request.status = "scheduled" if request.id in served else "declined"
    session.flush()
    record_outcomes(session, plan_id=plan_id)
    return True


def visit_history(session: Session, *, before: date, weeks: int) -> list[VisitRecord]:
    """Stops of published plans in the ``weeks`` weeks before ``before``: for each week, its published plan."""
    start = before - dt.timedelta(weeks=weeks)
    latest: dict[date, int] = {}
    for row in session.scalars(
        select(PlanRow).where(
            PlanRow.published_at.is_not(None),
            PlanRow.superseded_at.is_(None),
            PlanRow.week_start >= start,
            PlanRow.week_start < before,
        )
    ):
        latest[row.week_start] = max(latest.get(row.week_start, 0), row.id)
    if not latest:
        return []
    rows = session.scalars(select(StopRow).where(StopRow.plan_id.in_(latest.values()), StopRow.date < before))
    return [VisitRecord(r.place_id, r.date, r.expected_citizens) for r in rows]


def add_request(session: Session, *, request: VisitRequest, note: str = "") -> None:
    """Store a new request (status ``submitted``); its id is chosen by the caller."""
    session.add(
        VisitRequestRow(
            id=request.id,
            office=request.office,
            place_id=request.place_id,
            window_start=request.window_start,
            window_end=request.window_end,
            expected_citizens=request.expected_citizens,
            services=list(request.services),
            priority=request.priority.value,
            note=note,
            status="submitted",
            created_at=datetime.now(UTC),
        )
    )
    session.flush()


def open_requests(session: Session, *, first: date, last: date) -> list[VisitRequest]:
    """Requests not cancelled or done whose window overlaps ``first``..``last``, oldest first."""
    rows = session.scalars(
        select(VisitRequestRow)
        .where(
            VisitRequestRow.status.in_(("submitted", "scheduled", "declined")),
            VisitRequestRow.window_start <= last,
            VisitRequestRow.window_end >= first,
        )
        .order_by(VisitRequestRow.created_at, VisitRequestRow.id)
    )
    return [
        VisitRequest(
            r.id,
            r.place_id,
            r.window_start,
            r.window_end,
            r.expected_citizens,
            tuple(r.services),
            Priority(r.priority),
            r.office,
        )
        for r in rows
    ]


def request_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(VisitRequestRow)) or 0)


def add_maintenance(session: Session, *, vehicle_id: str, day: date) -> None:
    if session.get(MaintenanceRow, (vehicle_id, day)) is None:
        session.add(MaintenanceRow(vehicle_id=vehicle_id, date=day))
        session.flush()


def maintenance_days(session: Session) -> dict[str, tuple[date, ...]]:
    days: dict[str, list[date]] = {}
    for row in session.scalars(select(MaintenanceRow).order_by(MaintenanceRow.date)):
        days.setdefault(row.vehicle_id, []).append(row.date)
    return {vehicle: tuple(ds) for vehicle, ds in days.items()}


def set_locked(
    session: Session, *, plan_id: int, vehicle_id: str, day: date, place_id: str | None, locked: bool
) -> int:
    """Lock (or unlock) the plan's stops of a vehicle on a day, at one place or all of them; how many changed."""
    query = select(StopRow).where(StopRow.plan_id == plan_id, StopRow.vehicle_id == vehicle_id, StopRow.date == day)
    if place_id is not None:
        query = query.where(StopRow.place_id == place_id)
    rows = list(session.scalars(query))
    for row in rows:
        row.locked = locked
    session.flush()
    return len(rows)


# --- principals ---


@dataclasses.dataclass(frozen=True, slots=True)
class StoredPrincipal:
    id: int
    name: str
    role: str
    places: tuple[str, ...]


def add_principal(session: Session, *, name: str, role: str, places: Iterable[str], token_sha256: str) -> int:
    row = PrincipalRow(
        name=name,
        role=role,
        places=sorted(set(places)),
        token_sha256=token_sha256,
        created_at=datetime.now(UTC),
        revoked=False,
    )
    session.add(row)
    session.flush()
    return row.id


def principal_by_token(session: Session, *, token_sha256: str) -> StoredPrincipal | None:
    """The principal holding that token, unless revoked."""
    row = session.scalar(
        select(PrincipalRow).where(PrincipalRow.token_sha256 == token_sha256, PrincipalRow.revoked.is_(False))
    )
    return None if row is None else StoredPrincipal(row.id, row.name, row.role, tuple(row.places))


# --- plan versions (optimistic concurrency for hand edits and publishing) ---


class PlanStatus(StrEnum):
    """Where a plan is in its life: a draft until published; superseded once another plan of its week is."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


@dataclasses.dataclass(frozen=True, slots=True)
class PlanState:
    plan_id: int
    week_start: dt.date
    version: int
    published_at: datetime | None
    superseded_at: datetime | None = None
    created_at: datetime | None = None
    warnings: tuple[str, ...] = ()
    kpis: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def published(self) -> bool:
        return self.published_at is not None

    @property
    def status(self) -> PlanStatus:
        if self.superseded_at is not None:
            return PlanStatus.SUPERSEDED
        return PlanStatus.PUBLISHED if self.published_at is not None else PlanStatus.DRAFT


def _state(row: PlanRow) -> PlanState:
    return PlanState(
        row.id,
        row.week_start,
        row.version,
        row.published_at,
        row.superseded_at,
        row.created_at,
        tuple(row.warnings or ()),
        dict(row.kpis or {}),
    )


def plan_state(session: Session, *, plan_id: int) -> PlanState | None:
    """The plan's version and publication, or None when there is no such plan."""
    row = session.get(PlanRow, plan_id, populate_existing=True)
    return None if row is None else _state(row)


def list_plans(session: Session, *, week_start: date | None = None) -> list[PlanState]:
    """Every stored plan (of one week when given), newest first."""
    query = select(PlanRow).order_by(PlanRow.id.desc())
    if week_start is not None:
        query = query.where(PlanRow.week_start == week_start)
    return [_state(row) for row in session.scalars(query)]


def bump_plan_version(session: Session, *, plan_id: int, expected: int) -> int | None:
    """Raise the plan's version by one if it is still ``expected``; the new version, or None when it was not."""
    statement = (
        update(PlanRow).where(PlanRow.id == plan_id, PlanRow.version == expected).values(version=PlanRow.version + 1)
    )
    result = cast(CursorResult[Any], session.execute(statement, execution_options={"synchronize_session": False}))
    return expected + 1 if result.rowcount == 1 else None


def replace_plan_routes(session: Session, *, plan_id: int, plan: Plan) -> None:
    """Store ``plan``'s routes (stops, legs, overnights, KPIs) in place of plan ``plan_id``'s: a hand edit.

    The version is not touched (see :func:`bump_plan_version`); requests left unserved stay as they were.
    """
    row = session.get(PlanRow, plan_id)
    if row is None:
        raise LookupError(f"no plan {plan_id}")
    session.execute(delete(StopRow).where(StopRow.plan_id == plan_id), execution_options={"synchronize_session": False})
    session.execute(delete(LegRow).where(LegRow.plan_id == plan_id), execution_options={"synchronize_session": False})
    row.route_vehicle_ids = [r.vehicle_id for r in plan.routes]
    row.kpis = dataclasses.asdict(plan.kpis)
    row.overnights = _overnights_json(plan)
    session.flush()
    session.add_all(_plan_children(plan_id, plan.routes))
    session.flush()
