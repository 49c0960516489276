"""What citizens may see: where and when the buses and the train stop, without internal figures."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from sqlalchemy.orm import Session

from api.deps import SessionDep, TodayDep
from api.schemas import PublicStop
from data.repository import latest_plan_id, list_places, list_vehicles, upcoming_stops

router = APIRouter(prefix="/public", tags=["public"])


def _upcoming_public_stops(session: Session, today: date) -> list[PublicStop]:
    plan_id = latest_plan_id(session)
    if plan_id is None:
        return []
    stops = upcoming_stops(session, plan_id=plan_id, from_date=today)
    if not stops:
        return []
    places = {place.id: place for place in list_places(session)}
    kinds = {vehicle.id: vehicle.kind.value for vehicle in list_vehicles(session)}
    return [
        PublicStop(
            vehicle_id=stop.vehicle_id,
            vehicle_kind=kinds[stop.vehicle_id],
            date=stop.date,
            arrive=stop.arrive,
            depart=stop.depart,
            place_id=stop.place_id,
            place_name_az=places[stop.place_id].name_az,
            place_name_en=places[stop.place_id].name_en,
            place_name_ru=places[stop.place_id].name_ru,
            lat=stop.lat,
            lon=stop.lon,
        )
        for stop in stops
    ]


@router.get("/stops")
def read_public_stops(session: SessionDep, today: TodayDep) -> list[PublicStop]:
    """Stops of the latest plan from today (Asia/Baku) on; an empty list when no plan is stored."""
    return _upcoming_public_stops(session, today)
