"""What citizens may see: where and when the buses and the train stop, without internal figures.

The stops are those of the week's one **published** plan from today (Asia/Baku) on; a draft is never public, so
the page is empty until a planner publishes (``sefer publish``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from api.http.deps import NetworkDep, SessionDep, SettingsDep, TodayDep
from api.http.schemas.common import PublicStop
from api.services.public import PublicStops, upcoming_public_stops
from maps.i18n import DEFAULT_LANG, Lang
from maps.public_map import PublicStopView, filter_stops, render_public_page, stops_geojson, stops_ics
from scheduler.domain import Network
from scheduler.naming import stop_label


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


class CalendarResponse(Response):
    media_type = "text/calendar"


_GEOJSON_EXAMPLE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [47.84583, 40.98139]},
            "properties": {
                "vehicle_id": "BUS-01",
                "vehicle_kind": "bus",
                "date": "2026-11-23",
                "arrive": "2026-11-23T09:00:00+04:00",
                "depart": "2026-11-23T18:00:00+04:00",
                "place_id": "AZ-QAB",
                "place_name_az": "Qəbələ",
                "place_name_en": "Gabala",
                "place_name_ru": "Габала",
            },
        }
    ],
}
_ICS_EXAMPLE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n...\r\nBEGIN:VEVENT\r\nUID:1-BUS-01-20261123T050000Z-AZ-QAB@sefer\r\n"
    "DTSTART:20261123T050000Z\r\nDTEND:20261123T140000Z\r\nSUMMARY:Mobil ASAN xidmət avtobusu: Qəbələ\r\n"
    "...\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)

router = APIRouter(prefix="/public", tags=["public"])
page_router = APIRouter(tags=["public"])

PlaceQuery = Annotated[str | None, Query(description="Only stops at this place id, e.g. AZ-QAB.", max_length=64)]
DateQuery = Annotated[date | None, Query(description="Only stops on this date (YYYY-MM-DD).")]
LangQuery = Annotated[Lang, Query(description="Language of the page: az (default), ru or en.")]


def _upcoming_public_stops(session: Session, network: Network, today: date) -> tuple[int | None, list[PublicStop]]:
    public = upcoming_public_stops(session, network=network, today=today)
    return public.plan_id, _public_stops(public)


def _public_stops(public: PublicStops) -> list[PublicStop]:
    network, kinds = public.network, public.kinds
    return [
        PublicStop(
            vehicle_id=stop.vehicle_id,
            vehicle_kind=kinds[stop.vehicle_id],
            date=stop.date,
            arrive=stop.arrive,
            depart=stop.depart,
            place_id=stop.place_id,
            place_name_az=stop_label(network, stop.place_id, stop.site_id, "az"),
            place_name_en=stop_label(network, stop.place_id, stop.site_id, "en"),
            place_name_ru=stop_label(network, stop.place_id, stop.site_id, "ru"),
            lat=stop.lat,
            lon=stop.lon,
        )
        for stop in public.stops
    ]


def _views(stops: list[PublicStop]) -> list[PublicStopView]:
    return [PublicStopView(**stop.model_dump()) for stop in stops]


@router.get("/stops")
def read_public_stops(session: SessionDep, network: NetworkDep, today: TodayDep) -> list[PublicStop]:
    """Stops of the public plan from today (Asia/Baku) on; an empty list when no plan is stored."""
    return _upcoming_public_stops(session, network, today)[1]


@router.get(
    "/stops.geojson",
    response_class=GeoJSONResponse,
    responses={
        200: {
            "description": "A GeoJSON FeatureCollection, one Point per stop",
            "content": {"application/geo+json": {"schema": {"type": "object"}, "example": _GEOJSON_EXAMPLE}},
        }
    },
)
def read_public_stops_geojson(
    session: SessionDep, network: NetworkDep, today: TodayDep, place: PlaceQuery = None, date: DateQuery = None
) -> JSONResponse:
    """The same stops as GeoJSON points (``[lon, lat]``), optionally only at one place and on one date."""
    stops = filter_stops(_views(_upcoming_public_stops(session, network, today)[1]), place=place, day=date)
    body: dict[str, Any] = stops_geojson(stops)
    return GeoJSONResponse(body)


@router.get(
    "/stops.ics",
    response_class=CalendarResponse,
    responses={
        200: {
            "description": "An iCalendar (RFC 5545), one event per stop",
            "content": {"text/calendar": {"schema": {"type": "string"}, "example": _ICS_EXAMPLE}},
        }
    },
)
def read_public_stops_ics(
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    place: PlaceQuery = None,
    date: DateQuery = None,
    lang: LangQuery = DEFAULT_LANG,
) -> CalendarResponse:
    """The same stops as an iCalendar feed (event titles in ``lang``), optionally at one place and on one date."""
    plan_id, stops = _upcoming_public_stops(session, network, today)
    chosen = filter_stops(_views(stops), place=place, day=date)
    return CalendarResponse(
        stops_ics(chosen, lang=lang, plan_id=plan_id),
        headers={"Content-Disposition": 'inline; filename="asan-mobile-stops.ics"'},
    )


@page_router.get("/", response_class=HTMLResponse)
def read_public_page(
    session: SessionDep,
    network: NetworkDep,
    settings: SettingsDep,
    today: TodayDep,
    place: PlaceQuery = None,
    date: DateQuery = None,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The citizens' page: a map and a list of the upcoming stops, filterable by place and date, in az/ru/en."""
    public = upcoming_public_stops(session, network=network, today=today)
    stops = _views(_public_stops(public))
    minutes = sum(
        s.saved_citizen_min for s in public.stops if place in (None, "", s.place_id) and date in (None, s.date)
    )
    page = render_public_page(
        stops, lang=lang, place=place or None, day=date, tiles=settings.map_tiles, hours_saved=minutes / 60
    )
    return HTMLResponse(page)
