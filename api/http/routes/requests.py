"""Visit requests from regional offices (and planners on their behalf).

An office files, reads, changes and cancels only its own requests, and only for its own places; another
office's request answers 404, as if it did not exist. Planners and admins see and change every request.
Cancelling is ``POST /requests/{id}/cancel`` (not DELETE: the request stays, with status ``cancelled``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Response, status

from api.http.auth import AnyRoleDep
from api.http.deps import NetworkDep, SessionDep, TodayDep
from api.http.schemas.requests import (
    CREATE_EXAMPLES,
    UPDATE_EXAMPLES,
    ErrorPublic,
    RequestOutcome,
    RequestStatus,
    VisitRequestCreate,
    VisitRequestPublic,
    VisitRequestUpdate,
)
from api.services import requests
from api.services.requests import StoredRequest
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

_THIS_REQUEST = {"request_id": "$response.body#/id"}
_LINKS: dict[str, Any] = {
    "links": {
        "ReadRequest": {"operationRef": "#/paths/~1requests~1{request_id}/get", "parameters": _THIS_REQUEST},
        "ChangeRequest": {"operationRef": "#/paths/~1requests~1{request_id}/patch", "parameters": _THIS_REQUEST},
        "CancelRequest": {
            "operationRef": "#/paths/~1requests~1{request_id}~1cancel/post",
            "parameters": _THIS_REQUEST,
        },
    }
}
"""OpenAPI links from an answer carrying a request to what may follow it (read, change, cancel), so a client
generator, and Schemathesis's stateful run, can follow the request's lifecycle."""

RequestIdPath = Annotated[
    str, Path(max_length=64, description="A request id.", openapi_examples={"id": {"value": "REQ-1a2b3c4d"}})
]


# --- conversion at the edge ---


def _public(stored: StoredRequest, network: Network) -> VisitRequestPublic:
    known = network.has_place(stored.place_id)
    place = network.place(stored.place_id) if known else None
    return VisitRequestPublic(
        id=stored.id,
        status=stored.status,
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


def _body_digest(body: VisitRequestCreate) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- endpoints ---


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        201: _LINKS,
        200: {
            "model": VisitRequestPublic,
            "description": "Replayed: the same Idempotency-Key and body as before",
            **_LINKS,
        },
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
    stored, created = requests.file_request(
        session,
        caller=principal,
        network=network,
        today=today,
        given=requests.fields_of(body.model_dump()),
        idempotency_key=idempotency_key,
        body_sha256=_body_digest(body),
    )
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
    stored = requests.list_requests(session, caller=principal, status=status_, place_id=place)
    return [_public(s, network) for s in stored]


@router.get("/{request_id}", responses={200: _LINKS, **_AUTH, **_NOT_FOUND})
def read_request(
    request_id: RequestIdPath, session: SessionDep, network: NetworkDep, principal: AnyRoleDep
) -> VisitRequestPublic:
    """One request with its status and, once a plan is published, its outcome."""
    return _public(requests.read_request(session, caller=principal, request_id=request_id), network)


@router.patch("/{request_id}", responses={200: _LINKS, **_AUTH, **_NOT_FOUND, **_CONFLICT})
def change_request(
    request_id: RequestIdPath,
    body: Annotated[VisitRequestUpdate, Body(openapi_examples=UPDATE_EXAMPLES)],
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    principal: AnyRoleDep,
) -> VisitRequestPublic:
    """Change a request while it is ``submitted`` (409 afterwards); omitted fields stay as they are."""
    given = requests.fields_of(body.model_dump())
    changed = requests.change_request(
        session, caller=principal, network=network, today=today, request_id=request_id, given=given
    )
    return _public(changed, network)


@router.post("/{request_id}/cancel", responses={**_AUTH, **_NOT_FOUND, **_CONFLICT})
def cancel(
    request_id: RequestIdPath, session: SessionDep, network: NetworkDep, principal: AnyRoleDep
) -> VisitRequestPublic:
    """Cancel a request (``submitted``, ``scheduled`` or ``declined``); cancelling again changes nothing, a
    ``done`` request answers 409. The next plan no longer considers it."""
    return _public(requests.cancel_request(session, caller=principal, request_id=request_id), network)
