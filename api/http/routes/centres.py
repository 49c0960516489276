"""Fixed ASAN xidmət and DOST centres: any role reads them; planners and admins set a centre's status and opening
date, which the bundled data no longer overwrites once the centre is stored (``data.reference_sync.sync_reference``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from api.http.auth import AnyRoleDep, PlannerDep
from api.http.deps import SessionDep
from api.http.schemas.fleet import CENTRE_UPDATE_EXAMPLES, CentrePublic, CentreUpdate
from api.http.schemas.requests import ErrorPublic
from api.services import reference
from scheduler.domain import CentreStatus, ServiceCentre

router = APIRouter(prefix="/centres", tags=["centres"])

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "No valid bearer token"},
    403: {"model": ErrorPublic, "description": "The role may not do this"},
}

CentreIdPath = Annotated[
    str,
    Path(
        max_length=64, description="A centre id (GET /centres).", openapi_examples={"qabala": {"value": "ASAN-QAB-1"}}
    ),
]


def _public(centre: ServiceCentre) -> CentrePublic:
    return CentrePublic(
        id=centre.id,
        kind=centre.kind.value,
        name=centre.name,
        place_id=centre.place_id,
        lat=centre.lat,
        lon=centre.lon,
        status=centre.status.value,
        opened=centre.opened,
        services=list(centre.services),
    )


@router.get("", responses=_AUTH)
def read_centres(session: SessionDep, _: AnyRoleDep) -> list[CentrePublic]:
    """Every stored centre, ordered by id: open ones cut the need of their place for a mobile visit."""
    return [_public(c) for c in reference.centres(session)]


@router.patch("/{centre_id}", responses={**_AUTH, 404: {"model": ErrorPublic, "description": "No centre with that id"}})
def change_centre(
    centre_id: CentreIdPath,
    body: Annotated[CentreUpdate, Body(openapi_examples=CENTRE_UPDATE_EXAMPLES)],
    session: SessionDep,
    _: PlannerDep,
) -> CentrePublic:
    """Set a centre's ``status`` and/or ``opened`` date (omitted: unchanged). A centre counts as open on a day when
    its status is ``open`` and its opening date is not later."""
    status = None if body.status is None else CentreStatus(body.status)
    return _public(reference.correct_centre(session, centre_id=centre_id, status=status, opened=body.opened))
