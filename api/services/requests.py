"""Visit requests: file, read, list, change and cancel, with every rule in one place.

An office files, reads, changes and cancels only its own requests, and only for its own places (its units and
every settlement in them); another office's request is "not found", as if it did not exist. Planners, admins and
the planner's console (``caller=None``) see and change every request. A location is given in exactly one form:
a place id, a point (the nearest place centre within ``data.gazetteer.MAX_POINT_KM``) or a settlement name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from api.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from api.services.limits import MAX_CITIZENS, MAX_NOTE_CHARS, MAX_SERVICES, MAX_WINDOW_DAYS
from api.services.principals import Role
from data import visit_requests as store
from data.calendar import public_holidays
from data.gazetteer import MAX_POINT_KM, nearest_place, resolve, suggest
from data.principals import StoredPrincipal
from data.visit_requests import (
    EDITABLE,
    IdempotencyConflict,
    NewRequest,
    RequestStateError,
)
from data.visit_requests import RequestStatus as RequestStatus
from data.visit_requests import StoredRequest as StoredRequest
from scheduler.domain import Network
from scheduler.requests import Priority

Caller = StoredPrincipal | None
"""Who asks: a principal of the API, or None for the planner's console (the CLI on the server)."""


@dataclass(frozen=True, slots=True)
class RequestFields:
    """What a caller gives; None is "not given" (for a change: keep as it is)."""

    place_id: str | None = None
    lat: float | None = None
    lon: float | None = None
    settlement: str | None = None
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    expected_citizens: int | None = None
    services: tuple[str, ...] | None = None
    priority: Priority | None = None
    note: str | None = None

    def location_given(self) -> bool:
        return any(v is not None for v in (self.place_id, self.lat, self.lon, self.settlement))


class RequestNotFound(NotFound):
    """No request with that id, or another office's."""


def _is_office(caller: Caller) -> bool:
    return caller is not None and caller.role == Role.OFFICE


def _location(
    given: RequestFields, network: Network, errors: list[FieldError]
) -> tuple[str, float | None, float | None, str | None] | None:
    """``(place_id, lat, lon, settlement)`` from exactly one of the three forms, or None with ``errors`` filled."""
    forms = [
        name
        for name, present in (
            ("place_id", given.place_id is not None),
            ("lat", given.lat is not None or given.lon is not None),
            ("settlement", given.settlement is not None),
        )
        if present
    ]
    if len(forms) != 1:
        said = "several were given" if forms else "none was given"
        where = forms[1] if len(forms) > 1 else "place_id"
        errors.append(FieldError((where,), f"give exactly one of place_id, lat and lon, or settlement; {said}"))
        return None
    if given.place_id is not None:
        if not network.has_place(given.place_id):
            errors.append(
                FieldError(("place_id",), f"no place {given.place_id!r}; GET /places lists them", given.place_id)
            )
            return None
        return given.place_id, None, None, None
    if forms[0] == "lat":
        lat, lon = given.lat, given.lon
        if lat is None or lon is None:
            missing = "lat" if lat is None else "lon"
            errors.append(FieldError((missing,), "lat and lon go together; one of them is missing", None, "missing"))
            return None
        point = nearest_place(lat, lon, network.places)
        if point is None:
            errors.append(
                FieldError(("lat",), f"no place centre lies within {MAX_POINT_KM:g} km of ({lat}, {lon})", [lat, lon])
            )
            return None
        return point.place.id, lat, lon, None
    name = (given.settlement or "").strip()
    match = resolve(name, network.places)
    if match is None:
        close = suggest(name, network.places)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        errors.append(
            FieldError(
                ("settlement",),
                f"no settlement {name!r} is known in Azerbaijan; {hint}otherwise give the village's lat and lon, "
                "or its district's place_id (GET /places lists them)",
                name,
            )
        )
        return None
    return match.place.id, None, None, name


def _check_window(
    start: dt.date, end: dt.date, today: dt.date, errors: list[FieldError], *, check_start: bool, check_end: bool
) -> None:
    if check_start and start < today:
        errors.append(FieldError(("window_start",), f"{start} is in the past (today is {today} in Baku)", start))
    if check_end and end < today:
        errors.append(FieldError(("window_end",), f"{end} is in the past (today is {today} in Baku)", end))
    if end < start:
        errors.append(FieldError(("window_end",), f"{end} is before window_start {start}", end))
    elif (end - start).days + 1 > MAX_WINDOW_DAYS:
        days = (end - start).days + 1
        errors.append(
            FieldError(("window_end",), f"the window holds {days} days; at most {MAX_WINDOW_DAYS} are allowed", end)
        )


def _check_services(codes: tuple[str, ...], network: Network, errors: list[FieldError]) -> tuple[str, ...]:
    known = {service.code for service in network.services}
    if len(codes) > MAX_SERVICES:
        errors.append(FieldError(("services",), f"at most {MAX_SERVICES} service codes, {len(codes)} given"))
    for index, code in enumerate(codes):
        if code not in known:
            errors.append(
                FieldError(("services", index), f"unknown service code {code!r}; GET /services lists them", code)
            )
    return tuple(dict.fromkeys(codes))


def _check_scalars(given: RequestFields, errors: list[FieldError]) -> None:
    citizens = given.expected_citizens
    if citizens is not None and not 1 <= citizens <= MAX_CITIZENS:
        errors.append(
            FieldError(
                ("expected_citizens",), f"expected_citizens must be 1 to {MAX_CITIZENS}, not {citizens}", citizens
            )
        )
    if given.note is not None and len(given.note) > MAX_NOTE_CHARS:
        errors.append(FieldError(("note",), f"the note holds {len(given.note)} characters; at most {MAX_NOTE_CHARS}"))
    if given.note is not None and "\x00" in given.note:
        errors.append(FieldError(("note",), "the note holds a NUL character"))


def _check_office_place(caller: Caller, place_id: str, how: str, network: Network) -> None:
    """An office files for its own places: its units and every settlement in them."""
    if caller is None or not _is_office(caller):
        return
    unit = network.place(place_id).unit if network.has_place(place_id) else place_id
    if place_id not in caller.places and unit not in caller.places:
        places = ", ".join(caller.places) or "none"
        raise Forbidden(f"{how} {place_id}, which is not one of this office's places ({places})")


def _how(place_id: str, lat: float | None, settlement: str | None) -> str:
    if settlement is not None:
        return f"settlement {settlement!r} resolves to place"
    if lat is not None:
        return "the point's nearest place is"
    return "the request is for place"


def read_request(session: Session, *, caller: Caller, request_id: str) -> StoredRequest:
    """The request, if the caller may see it."""
    stored = store.get_request(session, request_id=request_id)
    if stored is None or (_is_office(caller) and caller is not None and stored.office_id != caller.id):
        raise RequestNotFound(f"request {request_id} not found")
    return stored


def requests_by_id(session: Session, ids: list[str]) -> list[StoredRequest]:
    """The stored requests among ``ids`` (a plan's served requests, for its itineraries), in that order."""
    found = (store.get_request(session, request_id=rid) for rid in ids)
    return [r for r in found if r is not None]


def list_requests(
    session: Session, *, caller: Caller, status: RequestStatus | None = None, place_id: str | None = None
) -> list[StoredRequest]:
    """Requests, oldest first: an office's own, or every request for planners, admins and the console."""
    office_id = caller.id if caller is not None and _is_office(caller) else None
    return store.list_requests(session, office_id=office_id, status=status, place_id=place_id)


def check_request(*, caller: Caller, network: Network, today: dt.date, given: RequestFields) -> NewRequest:
    """The request ``given`` would file, checked by every rule but stored nowhere (the counter's "check your
    answers" step shows it); raises ``InvalidInput`` naming each bad field, ``Forbidden`` for another's place."""
    errors: list[FieldError] = []
    location = _location(given, network, errors)
    if given.window_start is None:
        errors.append(FieldError(("window_start",), "window_start is required", None, "missing"))
    if given.window_end is None:
        errors.append(FieldError(("window_end",), "window_end is required", None, "missing"))
    if given.expected_citizens is None:
        errors.append(FieldError(("expected_citizens",), "expected_citizens is required", None, "missing"))
    if given.window_start is not None and given.window_end is not None:
        _check_window(given.window_start, given.window_end, today, errors, check_start=True, check_end=True)
    _check_scalars(given, errors)
    services = _check_services(given.services or (), network, errors)
    if errors or location is None:
        raise InvalidInput.of(errors)
    place_id, lat, lon, settlement = location
    _check_office_place(caller, place_id, _how(place_id, lat, settlement), network)
    assert given.window_start is not None and given.window_end is not None and given.expected_citizens is not None
    return NewRequest(
        place_id=place_id,
        window_start=given.window_start,
        window_end=given.window_end,
        expected_citizens=given.expected_citizens,
        services=services,
        priority=(given.priority or Priority.NORMAL).value,
        note=given.note or "",
        lat=lat,
        lon=lon,
        settlement=settlement,
    )


def file_request(
    session: Session,
    *,
    caller: Caller,
    network: Network,
    today: dt.date,
    given: RequestFields,
    office: str | None = None,
    idempotency_key: str | None = None,
    body_sha256: str | None = None,
) -> tuple[StoredRequest, bool]:
    """File a request (``submitted``); returns it and whether it is new (an idempotent replay is not).

    ``office`` names the requesting office when the console files on its behalf; a principal files as itself.
    Commits.
    """
    new = check_request(caller=caller, network=network, today=today, given=given)
    try:
        stored, created = store.create_request(
            session,
            request=new,
            office_id=caller.id if caller is not None else None,
            office=caller.name if caller is not None else office,
            idempotency_key=idempotency_key,
            body_sha256=body_sha256,
        )
    except IdempotencyConflict as exc:
        raise Conflict(str(exc)) from exc
    session.commit()
    return stored, created


def change_request(
    session: Session, *, caller: Caller, network: Network, today: dt.date, request_id: str, given: RequestFields
) -> StoredRequest:
    """Change a ``submitted`` request (a conflict afterwards); fields not given stay as they are. Commits."""
    stored = read_request(session, caller=caller, request_id=request_id)
    if stored.status not in EDITABLE:
        raise Conflict(f"request {request_id} is {stored.status}; only a submitted request can change")
    errors: list[FieldError] = []
    place_id, lat, lon, settlement = stored.place_id, stored.lat, stored.lon, stored.settlement
    if given.location_given():
        location = _location(given, network, errors)
        if location is not None:
            place_id, lat, lon, settlement = location
    start = given.window_start or stored.window_start
    end = given.window_end or stored.window_end
    if given.window_start is not None or given.window_end is not None:
        _check_window(
            start,
            end,
            today,
            errors,
            check_start=given.window_start is not None,
            check_end=given.window_end is not None,
        )
    _check_scalars(given, errors)
    services = _check_services(given.services, network, errors) if given.services is not None else stored.services
    if errors:
        raise InvalidInput.of(errors)
    _check_office_place(caller, place_id, _how(place_id, lat, settlement), network)
    new = NewRequest(
        place_id=place_id,
        window_start=start,
        window_end=end,
        expected_citizens=given.expected_citizens or stored.expected_citizens,
        services=services,
        priority=given.priority.value if given.priority is not None else stored.priority,
        note=given.note if given.note is not None else stored.note,
        lat=lat,
        lon=lon,
        settlement=settlement,
    )
    try:
        updated = store.update_request(session, request_id=request_id, request=new)
    except RequestStateError as exc:
        raise Conflict(str(exc)) from exc
    session.commit()
    return updated


def cancel_request(session: Session, *, caller: Caller, request_id: str) -> StoredRequest:
    """Cancel a request (``submitted``, ``scheduled`` or ``declined``); cancelling again changes nothing, a ``done``
    request is a conflict. A request cancelled after it was scheduled flags the published plan. Commits."""
    read_request(session, caller=caller, request_id=request_id)
    try:
        cancelled = store.cancel_request(session, request_id=request_id)
    except RequestStateError as exc:
        raise Conflict(str(exc)) from exc
    session.commit()
    return cancelled


def fields_of(body: dict[str, Any]) -> RequestFields:
    """``RequestFields`` from a JSON-like mapping (the HTTP bodies), keeping only known names."""
    services = body.get("services")
    priority = body.get("priority")
    return RequestFields(
        place_id=body.get("place_id"),
        lat=body.get("lat"),
        lon=body.get("lon"),
        settlement=body.get("settlement"),
        window_start=body.get("window_start"),
        window_end=body.get("window_end"),
        expected_citizens=body.get("expected_citizens"),
        services=tuple(services) if services is not None else None,
        priority=Priority(priority) if priority is not None else None,
        note=body.get("note"),
    )


def service_days(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    """The days from ``first`` to ``last`` a mobile unit can serve citizens: Monday to Friday, public holidays
    skipped (what a request's window covers, shown to the office before it sends the request)."""
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    return tuple(d for d in days if d.weekday() < 5 and d not in public_holidays(d - dt.timedelta(days=d.weekday())))
