"""Visit requests from regional offices (and planners on their behalf).

An office files, reads, changes and cancels only its own requests, and only for its own places; another
office's request answers 404, as if it did not exist. Planners and admins see and change every request.
Cancelling is ``POST /requests/{id}/cancel`` (not DELETE: the request stays, with status ``cancelled``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, Path, Query, Response, status
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session

from api.auth import AnyRoleDep, Role
from api.deps import NetworkDep, SessionDep, TodayDep
from api.request_schemas import (
    CREATE_EXAMPLES,
    MAX_WINDOW_DAYS,
    UPDATE_EXAMPLES,
    ErrorPublic,
    RequestOutcome,
    RequestStatus,
    VisitRequestCreate,
    VisitRequestPublic,
    VisitRequestUpdate,
)
from data.gazetteer import MAX_POINT_KM, nearest_place, resolve
from data.repository import StoredPrincipal
from data.request_store import (
    IdempotencyConflict,
    NewRequest,
    RequestStateError,
    StoredRequest,
    cancel_request,
    create_request,
    get_request,
    list_requests,
    update_request,
)
from scheduler.domain import Network

router = APIRouter(prefix="/requests", tags=["requests"])

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "No valid bearer token"},
    403: {"model": ErrorPublic, "description": "The role may not do this, or the place is not one of the office's"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "No such request, or another office's"},
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "The request's state does not allow this"},
}

RequestIdPath = Annotated[
    str, Path(max_length=64, description="A request id.", openapi_examples={"id": {"value": "REQ-1a2b3c4d"}})
]


# --- conversion at the edge ---


def _public(stored: StoredRequest, network: Network) -> VisitRequestPublic:
    known = network.has_place(stored.place_id)
    place = network.place(stored.place_id) if known else None
    return VisitRequestPublic(
        id=stored.id,
        status=stored.status,  # type: ignore[arg-type]
        office=stored.office,
        place_id=stored.place_id,
        place_name_az=place.name_az if place else stored.place_id,
        place_name_en=place.name_en if place else stored.place_id,
        place_name_ru=place.name_ru if place else stored.place_id,
        lat=stored.lat,
        lon=stored.lon,
        settlement=stored.settlement,
        window_start=stored.window_start,
        window_end=stored.window_end,
        expected_citizens=stored.expected_citizens,
        services=list(stored.services),
        priority=stored.priority,  # type: ignore[arg-type]
        note=stored.note,
        created_at=stored.created_at,
        outcome=RequestOutcome.model_validate(stored.outcome) if stored.outcome else None,
    )


def _error(field: str | tuple[str | int, ...], message: str, value: Any, kind: str = "value_error") -> dict[str, Any]:
    loc = ("body", field) if isinstance(field, str) else ("body", *field)
    return {"type": kind, "loc": loc, "msg": message, "input": value}


def _is_office(principal: StoredPrincipal) -> bool:
    return principal.role == Role.OFFICE.value


# --- the rules that need the network, the calendar or the caller ---


def _location(
    fields: dict[str, Any], network: Network, errors: list[dict[str, Any]]
) -> tuple[str, float | None, float | None, str | None] | None:
    """``(place_id, lat, lon, settlement)`` from exactly one of the three forms, or None with ``errors`` filled."""
    given = [
        name
        for name, present in (
            ("place_id", fields.get("place_id") is not None),
            ("lat", fields.get("lat") is not None or fields.get("lon") is not None),
            ("settlement", fields.get("settlement") is not None),
        )
        if present
    ]
    if len(given) != 1:
        where = given[1] if len(given) > 1 else "place_id"
        said = "several were given" if given else "none was given"
        errors.append(_error(where, f"give exactly one of place_id, lat and lon, or settlement; {said}", None))
        return None
    if given[0] == "place_id":
        place_id = str(fields["place_id"])
        if not network.has_place(place_id):
            errors.append(_error("place_id", f"no place {place_id!r}; GET /places lists them", place_id))
            return None
        return place_id, None, None, None
    if given[0] == "lat":
        lat, lon = fields.get("lat"), fields.get("lon")
        if lat is None or lon is None:
            missing = "lat" if lat is None else "lon"
            errors.append(_error(missing, "lat and lon go together; one of them is missing", None, "missing"))
            return None
        point = nearest_place(float(lat), float(lon), network.places)
        if point is None:
            errors.append(
                _error(("lat",), f"no place centre lies within {MAX_POINT_KM:g} km of ({lat}, {lon})", [lat, lon])
            )
            return None
        return point.place.id, float(lat), float(lon), None
    name = str(fields["settlement"]).strip()
    match = resolve(name, network.places)
    if match is None:
        errors.append(_error("settlement", f"no settlement {name!r} is known in Azerbaijan", name))
        return None
    return match.place.id, None, None, name


def _check_window(
    start: date, end: date, today: date, errors: list[dict[str, Any]], *, check_start: bool, check_end: bool
) -> None:
    if check_start and start < today:
        errors.append(_error("window_start", f"{start} is in the past (today is {today} in Baku)", start.isoformat()))
    if check_end and end < today:
        errors.append(_error("window_end", f"{end} is in the past (today is {today} in Baku)", end.isoformat()))
    if end < start:
        errors.append(_error("window_end", f"{end} is before window_start {start}", end.isoformat()))
    elif (end - start).days + 1 > MAX_WINDOW_DAYS:
        errors.append(
            _error(
                "window_end",
                f"the window holds {(end - start).days + 1} days; at most {MAX_WINDOW_DAYS} are allowed",
                end.isoformat(),
            )
        )


def _check_services(codes: list[str], network: Network, errors: list[dict[str, Any]]) -> tuple[str, ...]:
    known = {service.code for service in network.services}
    for index, code in enumerate(codes):
        if code not in known:
            errors.append(_error(("services", index), f"unknown service code {code!r}; GET /services lists them", code))
    return tuple(dict.fromkeys(codes))


def _check_office_place(principal: StoredPrincipal, place_id: str, how: str, network: Network) -> None:
    """An office files for its own places: its units and every settlement in them."""
    unit = network.place(place_id).unit if network.has_place(place_id) else place_id
    if _is_office(principal) and place_id not in principal.places and unit not in principal.places:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"{how} {place_id}, which is not one of this office's places ({', '.join(principal.places) or 'none'})",
        )


def _how(place_id: str, lat: float | None, settlement: str | None) -> str:
    if settlement is not None:
        return f"settlement {settlement!r} resolves to place"
    if lat is not None:
        return "the point's nearest place is"
    return "the request is for place"


def _visible(session: Session, request_id: str, principal: StoredPrincipal) -> StoredRequest:
    stored = get_request(session, request_id=request_id)
    if stored is None or (_is_office(principal) and stored.office_id != principal.id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"request {request_id} not found")
    return stored


def _body_digest(body: VisitRequestCreate) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- endpoints ---


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": VisitRequestPublic, "description": "Replayed: the same Idempotency-Key and body as before"},
        **_AUTH,
        409: {"model": ErrorPublic, "description": "The Idempotency-Key was used before with another body"},
    },
)
def file_request(
    body: Annotated[VisitRequestCreate, Body(openapi_examples=CREATE_EXAMPLES)],
    response: Response,
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    principal: AnyRoleDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=128,
            description="Retry-safe creation: the same key and body return the first result (200), "
            "the same key with another body is a 409. Keys are per principal.",
        ),
    ] = None,
) -> VisitRequestPublic:
    """File a visit request (status ``submitted``). An office may file only for its own places."""
    errors: list[dict[str, Any]] = []
    location = _location(body.model_dump(), network, errors)
    _check_window(body.window_start, body.window_end, today, errors, check_start=True, check_end=True)
    services = _check_services(body.services, network, errors)
    if errors or location is None:
        raise RequestValidationError(errors)
    place_id, lat, lon, settlement = location
    _check_office_place(principal, place_id, _how(place_id, lat, settlement), network)
    new = NewRequest(
        place_id=place_id,
        window_start=body.window_start,
        window_end=body.window_end,
        expected_citizens=body.expected_citizens,
        services=services,
        priority=body.priority,
        note=body.note,
        lat=lat,
        lon=lon,
        settlement=settlement,
    )
    try:
        stored, created = create_request(
            session,
            request=new,
            office_id=principal.id,
            office=principal.name,
            idempotency_key=idempotency_key,
            body_sha256=_body_digest(body),
        )
    except IdempotencyConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return _public(stored, network)


@router.get("", responses=_AUTH)
def read_requests(
    session: SessionDep,
    network: NetworkDep,
    principal: AnyRoleDep,
    status_: Annotated[RequestStatus | None, Query(alias="status", description="Only requests in this state.")] = None,
    place: Annotated[str | None, Query(max_length=64, description="Only requests for this place id.")] = None,
) -> list[VisitRequestPublic]:
    """Requests, oldest first: an office's own, or every request for planners and admins."""
    office_id = principal.id if _is_office(principal) else None
    stored = list_requests(session, office_id=office_id, status=status_, place_id=place)
    return [_public(s, network) for s in stored]


@router.get("/{request_id}", responses={**_AUTH, **_NOT_FOUND})
def read_request(
    request_id: RequestIdPath, session: SessionDep, network: NetworkDep, principal: AnyRoleDep
) -> VisitRequestPublic:
    """One request with its status and, once a plan is published, its outcome."""
    return _public(_visible(session, request_id, principal), network)


@router.patch("/{request_id}", responses={**_AUTH, **_NOT_FOUND, **_CONFLICT})
def change_request(
    request_id: RequestIdPath,
    body: Annotated[VisitRequestUpdate, Body(openapi_examples=UPDATE_EXAMPLES)],
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    principal: AnyRoleDep,
) -> VisitRequestPublic:
    """Change a request while it is ``submitted`` (409 afterwards); omitted fields stay as they are."""
    stored = _visible(session, request_id, principal)
    if stored.status != "submitted":
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"request {request_id} is {stored.status}; only a submitted request can change"
        )
    given = {name: value for name, value in body.model_dump().items() if value is not None}
    errors: list[dict[str, Any]] = []
    place_id, lat, lon, settlement = stored.place_id, stored.lat, stored.lon, stored.settlement
    if given.keys() & {"place_id", "lat", "lon", "settlement"}:
        location = _location(given, network, errors)
        if location is not None:
            place_id, lat, lon, settlement = location
    start = given.get("window_start", stored.window_start)
    end = given.get("window_end", stored.window_end)
    if "window_start" in given or "window_end" in given:
        _check_window(start, end, today, errors, check_start="window_start" in given, check_end="window_end" in given)
    services = _check_services(given["services"], network, errors) if "services" in given else stored.services
    if errors:
        raise RequestValidationError(errors)
    _check_office_place(principal, place_id, _how(place_id, lat, settlement), network)
    new = NewRequest(
        place_id=place_id,
        window_start=start,
        window_end=end,
        expected_citizens=given.get("expected_citizens", stored.expected_citizens),
        services=services,
        priority=given.get("priority", stored.priority),
        note=given.get("note", stored.note),
        lat=lat,
        lon=lon,
        settlement=settlement,
    )
    try:
        updated = update_request(session, request_id=request_id, request=new)
    except RequestStateError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    session.commit()
    return _public(updated, network)


@router.post("/{request_id}/cancel", responses={**_AUTH, **_NOT_FOUND, **_CONFLICT})
def cancel(
    request_id: RequestIdPath, session: SessionDep, network: NetworkDep, principal: AnyRoleDep
) -> VisitRequestPublic:
    """Cancel a request (``submitted``, ``scheduled`` or ``declined``); cancelling again changes nothing, a
    ``done`` request answers 409. The next plan no longer considers it."""
    _visible(session, request_id, principal)
    try:
        cancelled = cancel_request(session, request_id=request_id)
    except RequestStateError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    session.commit()
    return _public(cancelled, network)
