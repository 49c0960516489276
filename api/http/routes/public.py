"""What citizens may see: where and when the buses and the train stop, without internal figures.

The stops are those of the week's one **published** plan from today (Asia/Baku) on; a draft is never public, so
the page is empty until a planner publishes (``sefer publish``). Every answer carries a strong ``ETag`` and
``Cache-Control: public, max-age=60`` (``SEFER_PUBLIC_MAX_AGE_S``); a client whose ``If-None-Match`` still holds
gets ``304`` without a stop being read (``api.http.caching``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from api.http.caching import NOT_MODIFIED_DOC, cache_headers, client_has, entity_tag, not_modified
from api.http.deps import NetworkDep, SessionDep, SettingsDep, TodayDep
from api.http.schemas.common import PublicStop
from api.services.public import PublicStops, public_stamp, stops_of_public_plan
from api.settings import Settings
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


@dataclass(frozen=True, slots=True)
class _Validated:
    """The public plan an answer is about, its ETag and, when the client's copy is current, the 304 to send."""

    plan_id: int | None
    etag: str
    max_age_s: int
    unchanged: Response | None

    def send(self, response: Response) -> Response:
        response.headers.update(cache_headers(self.etag, self.max_age_s))
        return response


def _validate(request: Request, session: Session, settings: Settings, today: date, *inputs: object) -> _Validated:
    """The answer's ETag from the public plan's id and version, today (stops are shown from today on), the
    route and its query: the body is rendered only when the client's copy is not current."""
    stamp = public_stamp(session)
    route = request.scope.get("route")
    etag = entity_tag(getattr(route, "path", request.url.path), stamp.plan_id, stamp.version, today, *inputs)
    max_age = settings.public_max_age_s
    return _Validated(stamp.plan_id, etag, max_age, not_modified(etag, max_age) if client_has(request, etag) else None)


def _stops(session: Session, network: Network, today: date, plan_id: int | None) -> PublicStops:
    return stops_of_public_plan(session, network=network, today=today, plan_id=plan_id)


@router.get("/stops", response_model=list[PublicStop], responses=NOT_MODIFIED_DOC)
def read_public_stops(
    request: Request, session: SessionDep, network: NetworkDep, settings: SettingsDep, today: TodayDep
) -> Response:
    """Stops of the public plan from today (Asia/Baku) on; an empty list when no plan is stored."""
    cached = _validate(request, session, settings, today)
    if cached.unchanged is not None:
        return cached.unchanged
    stops = _public_stops(_stops(session, network, today, cached.plan_id))
    return cached.send(JSONResponse(jsonable_encoder(stops)))


@router.get(
    "/stops.geojson",
    response_class=GeoJSONResponse,
    responses={
        200: {
            "description": "A GeoJSON FeatureCollection, one Point per stop",
            "content": {"application/geo+json": {"schema": {"type": "object"}, "example": _GEOJSON_EXAMPLE}},
        },
        **NOT_MODIFIED_DOC,
    },
)
def read_public_stops_geojson(
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    settings: SettingsDep,
    today: TodayDep,
    place: PlaceQuery = None,
    date: DateQuery = None,
) -> Response:
    """The same stops as GeoJSON points (``[lon, lat]``), optionally only at one place and on one date."""
    cached = _validate(request, session, settings, today, place, date)
    if cached.unchanged is not None:
        return cached.unchanged
    stops = _public_stops(_stops(session, network, today, cached.plan_id))
    body: dict[str, Any] = stops_geojson(filter_stops(_views(stops), place=place, day=date))
    return cached.send(GeoJSONResponse(body))


@router.get(
    "/stops.ics",
    response_class=CalendarResponse,
    responses={
        200: {
            "description": "An iCalendar (RFC 5545), one event per stop",
            "content": {"text/calendar": {"schema": {"type": "string"}, "example": _ICS_EXAMPLE}},
        },
        **NOT_MODIFIED_DOC,
    },
)
def read_public_stops_ics(
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    settings: SettingsDep,
    today: TodayDep,
    place: PlaceQuery = None,
    date: DateQuery = None,
    lang: LangQuery = DEFAULT_LANG,
) -> Response:
    """The same stops as an iCalendar feed (event titles in ``lang``), optionally at one place and on one date."""
    cached = _validate(request, session, settings, today, place, date, lang)
    if cached.unchanged is not None:
        return cached.unchanged
    stops = _public_stops(_stops(session, network, today, cached.plan_id))
    chosen = filter_stops(_views(stops), place=place, day=date)
    return cached.send(
        CalendarResponse(
            stops_ics(chosen, lang=lang, plan_id=cached.plan_id),
            headers={"Content-Disposition": 'inline; filename="asan-mobile-stops.ics"'},
        )
    )


@page_router.get("/", response_class=HTMLResponse, responses=NOT_MODIFIED_DOC)
def read_public_page(
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    settings: SettingsDep,
    today: TodayDep,
    place: PlaceQuery = None,
    date: DateQuery = None,
    lang: LangQuery = DEFAULT_LANG,
) -> Response:
    """The citizens' page: a map and a list of the upcoming stops, filterable by place and date, in az/ru/en."""
    cached = _validate(request, session, settings, today, place, date, lang, settings.map_tiles)
    if cached.unchanged is not None:
        return cached.unchanged
    public = _stops(session, network, today, cached.plan_id)
    stops = _views(_public_stops(public))
    minutes = sum(
        s.saved_citizen_min for s in public.stops if place in (None, "", s.place_id) and date in (None, s.date)
    )
    page = render_public_page(
        stops, lang=lang, place=place or None, day=date, tiles=settings.map_tiles, hours_saved=minutes / 60
    )
    return cached.send(HTMLResponse(page))
