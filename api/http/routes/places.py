"""Places: the first-level units of Azerbaijan and the settlements inside them (``unit_id``), where the buses and the
train serve. Any role reads them; planners and admins may correct a population, which the bundled data then no
longer overwrites."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from api.http.auth import AnyRoleDep, PlannerDep
from api.http.deps import SessionDep, TodayDep
from api.http.schemas.common import PlacePublic
from api.http.schemas.fleet import PLACE_UPDATE_EXAMPLES, PlaceUpdate
from api.http.schemas.requests import ErrorPublic
from api.services import reference
from scheduler.domain import Place

router = APIRouter(prefix="/places", tags=["places"])

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "No valid bearer token"},
    403: {"model": ErrorPublic, "description": "The role may not do this"},
}

PlaceIdPath = Annotated[
    str, Path(max_length=64, description="A place id (GET /places).", openapi_examples={"qabala": {"value": "AZ-QAB"}})
]


def _public(place: Place) -> PlacePublic:
    return PlacePublic(
        id=place.id,
        name_az=place.name_az,
        name_en=place.name_en,
        name_ru=place.name_ru,
        lat=place.lat,
        lon=place.lon,
        population=place.population,
        economic_region=place.economic_region,
        exclave=place.exclave,
        unit_id=place.unit_id,
    )


@router.get("", responses={401: {"description": "No valid bearer token"}})
def read_places(session: SessionDep, _: AnyRoleDep) -> list[PlacePublic]:
    """Every stored place, ordered by id."""
    return [_public(place) for place in reference.places(session)]


@router.patch("/{place_id}", responses={**_AUTH, 404: {"model": ErrorPublic, "description": "No place with that id"}})
def change_place(
    place_id: PlaceIdPath,
    body: Annotated[PlaceUpdate, Body(openapi_examples=PLACE_UPDATE_EXAMPLES)],
    session: SessionDep,
    today: TodayDep,
    _: PlannerDep,
) -> PlacePublic:
    """Correct a place's population (0 or more); it is kept as ``planner YYYY-MM-DD`` data from then on."""
    return _public(reference.correct_population(session, place_id=place_id, population=body.population, today=today))
