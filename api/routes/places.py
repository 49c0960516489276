"""Places: the first-level units of Azerbaijan the buses and the train serve."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import AnyRoleDep
from api.deps import SessionDep
from api.schemas import PlacePublic
from data.repository import list_places
from scheduler.domain import Place

router = APIRouter(prefix="/places", tags=["places"])


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
    )


@router.get("", responses={401: {"description": "No valid bearer token"}})
def read_places(session: SessionDep, _: AnyRoleDep) -> list[PlacePublic]:
    """Every stored place, ordered by id."""
    return [_public(place) for place in list_places(session)]
