"""Visit requests as the API keeps them: who filed them, how they named the place, their state and outcome.

Keyword-only functions taking a ``Session``; they flush but never commit (the caller owns the transaction).
The planner's view for a solve is ``open_requests``. States (``RequestStatus``)::

    submitted → scheduled | declined   (when a plan is published; again on a later publish)
    scheduled → done                   (not set by this module yet)
    submitted | scheduled | declined → cancelled
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.models import PlanRow, StopRow, VisitRequestRow
from scheduler.calendar import BAKU
from scheduler.requests import Priority, VisitRequest

__all__ = [
    "CANCELLABLE",
    "EDITABLE",
    "OPEN",
    "STATUSES",
    "IdempotencyConflict",
    "NewRequest",
    "RequestStateError",
    "RequestStatus",
    "StoredRequest",
    "cancel_request",
    "create_request",
    "get_request",
    "list_requests",
    "new_request_id",
    "open_requests",
    "record_outcomes",
    "request_count",
    "update_request",
]


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    SCHEDULED = "scheduled"
    DECLINED = "declined"
    DONE = "done"
    CANCELLED = "cancelled"


STATUSES = tuple(RequestStatus)
EDITABLE = (RequestStatus.SUBMITTED,)
CANCELLABLE = (RequestStatus.SUBMITTED, RequestStatus.SCHEDULED, RequestStatus.DECLINED)
OPEN = CANCELLABLE
"""The states a solve considers: not cancelled, not done."""


class RequestStateError(ValueError):
    """The request's state does not allow the change (e.g. editing a scheduled request)."""


class IdempotencyConflict(ValueError):
    """The idempotency key was used before by the same principal with another body."""


@dataclass(frozen=True, slots=True)
class NewRequest:
    """What a caller files; ``place_id`` is already resolved from ``lat``/``lon`` or ``settlement``."""

    place_id: str
    window_start: dt.date
    window_end: dt.date
    expected_citizens: int
    services: tuple[str, ...] = ()
    priority: str = "normal"
    note: str = ""
    lat: float | None = None
    lon: float | None = None
    settlement: str | None = None


@dataclass(frozen=True, slots=True)
class StoredRequest:
    id: str
    office: str | None
    office_id: int | None
    place_id: str
    lat: float | None
    lon: float | None
    settlement: str | None
    window_start: dt.date
    window_end: dt.date
    expected_citizens: int
    services: tuple[str, ...]
    priority: str
    note: str
    status: RequestStatus
    created_at: datetime
    outcome: dict[str, Any] = field(default_factory=dict)


def _stored(row: VisitRequestRow) -> StoredRequest:
    return StoredRequest(
        id=row.id,
        office=row.office,
        office_id=row.office_id,
        place_id=row.place_id,
        lat=row.lat,
        lon=row.lon,
        settlement=row.settlement,
        window_start=row.window_start,
        window_end=row.window_end,
        expected_citizens=row.expected_citizens,
        services=tuple(str(code) for code in row.services or ()),
        priority=row.priority,
        note=row.note or "",
        status=RequestStatus(row.status),
        created_at=row.created_at,
        outcome=dict(row.outcome or {}),
    )


def new_request_id() -> str:
    """``REQ-`` and 8 hex digits, as ``sefer request add`` makes them."""
    return f"REQ-{secrets.token_hex(4)}"


def _by_key(session: Session, *, office_id: int, key: str) -> VisitRequestRow | None:
    return session.scalar(
        select(VisitRequestRow).where(VisitRequestRow.office_id == office_id, VisitRequestRow.idempotency_key == key)
    )


def create_request(
    session: Session,
    *,
    request: NewRequest,
    office_id: int | None,
    office: str | None,
    idempotency_key: str | None = None,
    body_sha256: str | None = None,
    request_id: str | None = None,
) -> tuple[StoredRequest, bool]:
    """Store a new ``submitted`` request filed by principal ``office_id`` (None: from the planner's console)
    under ``request_id`` (default: a new ``REQ-`` id); returns it and whether it is new.

    With an ``idempotency_key`` already used by that principal: the same ``body_sha256`` returns the stored
    request (``False``), another body raises :class:`IdempotencyConflict`. A concurrent insert of the same key is
    caught by the unique index and answered the same way. Flushes; on that race it rolls the session back.
    """
    if idempotency_key is not None and office_id is not None:
        earlier = _by_key(session, office_id=office_id, key=idempotency_key)
        if earlier is not None:
            return _replay(earlier, body_sha256)
    row = VisitRequestRow(
        id=request_id or new_request_id(),
        office=office,
        office_id=office_id,
        place_id=request.place_id,
        lat=request.lat,
        lon=request.lon,
        settlement=request.settlement,
        window_start=request.window_start,
        window_end=request.window_end,
        expected_citizens=request.expected_citizens,
        services=list(request.services),
        priority=request.priority,
        note=request.note,
        status=RequestStatus.SUBMITTED,
        created_at=datetime.now(UTC),
        outcome={},
        idempotency_key=idempotency_key,
        body_sha256=body_sha256 if idempotency_key is not None else None,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        if idempotency_key is None or office_id is None:
            raise
        earlier = _by_key(session, office_id=office_id, key=idempotency_key)
        if earlier is None:
            raise
        return _replay(earlier, body_sha256)
    return _stored(row), True


def _replay(earlier: VisitRequestRow, body_sha256: str | None) -> tuple[StoredRequest, bool]:
    if earlier.body_sha256 != body_sha256:
        raise IdempotencyConflict(f"Idempotency-Key was already used for request {earlier.id} with a different body")
    return _stored(earlier), False


def get_request(session: Session, *, request_id: str) -> StoredRequest | None:
    row = session.get(VisitRequestRow, request_id)
    return None if row is None else _stored(row)


def list_requests(
    session: Session,
    *,
    office_id: int | None = None,
    status: str | None = None,
    place_id: str | None = None,
) -> list[StoredRequest]:
    """Requests, oldest first; only those filed by ``office_id`` when given, filtered by status and place."""
    query = select(VisitRequestRow).order_by(VisitRequestRow.created_at, VisitRequestRow.id)
    if office_id is not None:
        query = query.where(VisitRequestRow.office_id == office_id)
    if status is not None:
        query = query.where(VisitRequestRow.status == status)
    if place_id is not None:
        query = query.where(VisitRequestRow.place_id == place_id)
    return [_stored(row) for row in session.scalars(query)]


def update_request(session: Session, *, request_id: str, request: NewRequest) -> StoredRequest:
    """Replace what the filer said (place, window, citizens, services, priority, note); only while submitted.

    Raises ``KeyError`` for an unknown id and :class:`RequestStateError` when the request is past ``submitted``.
    """
    row = session.get(VisitRequestRow, request_id)
    if row is None:
        raise KeyError(request_id)
    if row.status not in EDITABLE:
        raise RequestStateError(f"request {request_id} is {row.status}; only a submitted request can be changed")
    row.place_id = request.place_id
    row.lat = request.lat
    row.lon = request.lon
    row.settlement = request.settlement
    row.window_start = request.window_start
    row.window_end = request.window_end
    row.expected_citizens = request.expected_citizens
    row.services = list(request.services)
    row.priority = request.priority
    row.note = request.note
    session.flush()
    return _stored(row)


def cancel_request(session: Session, *, request_id: str) -> StoredRequest:
    """Cancel a request (the planner no longer considers it); cancelling twice changes nothing.

    A request cancelled after it was scheduled flags the published plan that serves it. Raises ``KeyError`` for
    an unknown id and :class:`RequestStateError` for a request already ``done``.
    """
    row = session.get(VisitRequestRow, request_id)
    if row is None:
        raise KeyError(request_id)
    if row.status == RequestStatus.CANCELLED:
        return _stored(row)
    if row.status not in CANCELLABLE:
        raise RequestStateError(f"request {request_id} is {row.status}; it can no longer be cancelled")
    was_scheduled = row.status == RequestStatus.SCHEDULED
    row.status = RequestStatus.CANCELLED
    if was_scheduled:
        _flag_published_plans(session, request_id)
    session.flush()
    return _stored(row)


def _flag_published_plans(session: Session, request_id: str) -> None:
    """A request cancelled after a published plan scheduled it: that plan keeps the stop, and says so to the
    planner (``warnings``, shown by ``GET /plans`` and ``sefer plans list``) until it is re-planned."""
    query = (
        select(StopRow, PlanRow)
        .join(PlanRow, PlanRow.id == StopRow.plan_id)
        .where(PlanRow.published_at.is_not(None), PlanRow.superseded_at.is_(None))
    )
    for stop, plan in session.execute(query):
        if request_id not in (stop.request_ids or ()):
            continue
        warning = (
            f"request {request_id} was cancelled after it was scheduled: {stop.vehicle_id} on {stop.date} at "
            f"{stop.place_id} still serves it; edit or re-optimise the plan"
        )
        if warning not in (plan.warnings or []):
            plan.warnings = [*(plan.warnings or []), warning]


def _visit(stop: StopRow) -> dict[str, Any]:
    return {
        "vehicle_id": stop.vehicle_id,
        "date": stop.date.isoformat(),
        "place_id": stop.place_id,
        "site_id": stop.site_id,
        "arrive": stop.arrive.astimezone(BAKU).isoformat(),
        "depart": stop.depart.astimezone(BAKU).isoformat(),
    }


def record_outcomes(session: Session, *, plan_id: int) -> int:
    """Write each request's ``outcome`` from a published plan; returns how many requests it filled.

    A scheduled request gets the plan id and its first stop (vehicle, date, arrive, depart; Asia/Baku times) and
    every stop serving it under ``visits`` (a large request is cut into day parts); a declined one gets the plan
    id, the reason code and the sentence; both the moment of the decision (``decided_at``, UTC, so an office's
    counter can mark what changed since its last visit). Called by ``data.plans.publish_plan`` after it set the
    statuses; cancelled and done requests keep their outcome.
    """
    plan = session.get(PlanRow, plan_id)
    if plan is None:
        return 0
    visits: dict[str, list[dict[str, Any]]] = {}
    for stop in session.scalars(
        select(StopRow).where(StopRow.plan_id == plan_id).order_by(StopRow.date, StopRow.arrive, StopRow.vehicle_id)
    ):
        for rid in stop.request_ids or ():
            visits.setdefault(str(rid), []).append(_visit(stop))
    unserved = {str(u["request_id"]): u for u in plan.unserved or ()}
    ids: Sequence[str] = sorted(set(visits) | set(unserved))
    filled = 0
    decided_at = datetime.now(UTC).isoformat()
    for row in session.scalars(select(VisitRequestRow).where(VisitRequestRow.id.in_(ids))):
        if row.status == RequestStatus.SCHEDULED and row.id in visits:
            first = visits[row.id][0]
            row.outcome = {
                "plan_id": plan_id,
                "vehicle_id": first["vehicle_id"],
                "date": first["date"],
                "arrive": first["arrive"],
                "depart": first["depart"],
                "visits": visits[row.id],
                "decided_at": decided_at,
            }
        elif row.status == RequestStatus.DECLINED and row.id in unserved:
            reason = unserved[row.id]
            row.outcome = {
                "plan_id": plan_id,
                "reason": reason["reason"],
                "message": reason["message"],
                "decided_at": decided_at,
            }
        else:
            continue
        filled += 1
    session.flush()
    return filled


def open_requests(session: Session, *, first: date, last: date) -> list[VisitRequest]:
    """Requests not cancelled or done whose window overlaps ``first``..``last``, oldest first."""
    rows = session.scalars(
        select(VisitRequestRow)
        .where(
            VisitRequestRow.status.in_(OPEN),
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
