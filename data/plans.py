"""Plans and their versions: stored with stops and legs (times as UTC, read back in Asia/Baku time), their life
(draft, published, superseded) and the version every edit and publish checks.

Keyword-only functions taking a ``Session``; they flush but never commit (the caller owns the transaction). The
rules of when a plan may change or be published are the use cases' (``api.services.plans``), not this module's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from data.fleet import _vehicle_from_row
from data.models import Base, LegRow, PlanRow, StopRow, VehicleRow, VisitRequestRow
from data.reference_sync import upsert_vehicles
from data.visit_requests import OPEN, RequestStatus, record_outcomes
from scheduler.calendar import BAKU
from scheduler.plan import KPIs, Leg, Overnight, Plan, Route, Stop
from scheduler.requests import Reason, Unserved


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
    upsert_vehicles(session, plan.vehicles)
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


def latest_plan_id(session: Session) -> int | None:
    """The id of the most recently saved plan, or ``None`` when none is stored."""
    return session.scalar(select(func.max(PlanRow.id)))


def public_plan_id(session: Session) -> int | None:
    """The plan the public sees: the latest published plan that no later publication of its week superseded;
    None while nothing is published (a draft is never public)."""
    return session.scalar(
        select(func.max(PlanRow.id)).where(PlanRow.published_at.is_not(None), PlanRow.superseded_at.is_(None))
    )


def public_plan_version(session: Session) -> tuple[int, int] | None:
    """The public plan's id and version in one small read (what the public answers' ETag is made of); None while
    nothing is published."""
    row = session.execute(
        select(PlanRow.id, PlanRow.version)
        .where(PlanRow.published_at.is_not(None), PlanRow.superseded_at.is_(None))
        .order_by(PlanRow.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


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
        if request.status in OPEN:
            request.status = RequestStatus.SCHEDULED if request.id in served else RequestStatus.DECLINED
    session.flush()
    record_outcomes(session, plan_id=plan_id)
    return True


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
