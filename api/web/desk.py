"""The planner's desk: the week board and the edits made on it (lock, move, book maintenance)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.errors import Conflict, InvalidInput, NotFound
from api.http.deps import FleetDep, NetworkDep, SessionDep, SessionsDep, SettingsDep, TodayDep
from api.services import accounts
from api.services.desk import desk_week
from api.services.fleet import book_maintenance
from api.services.plans import StaleVersion, edit_stop, lock_vehicle_day, stored_plan
from api.web.board import board_view
from api.web.render import PlanPath, render, to_desk
from api.web.session import CsrfField, DayField, LangDep, PlannerPage, csrf_ok
from api.web.solves import TIME_LIMITS_S
from maps.assets import resolve_tiles, tiles_origin
from maps.i18n import Lang, format_day
from scheduler.domain import Network
from scheduler.edits import StopEdit
from scheduler.validator import Violation

router = APIRouter(include_in_schema=False)

Week = Annotated[date | None, Query(description="Monday of the week to show.")]
PlanId = Annotated[int | None, Query(ge=1, le=2_147_483_647, description="The plan to show.")]


@router.get("/desk")
def desk(
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    lang: LangDep,
    user: PlannerPage,
    settings: SettingsDep,
    week: Week = None,
    plan: PlanId = None,
    notice: Annotated[str | None, Query(max_length=20)] = None,
    why: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    """The planner's desk: the week's board, KPIs against the published plan, requests left out, versions."""
    if week is not None and week.weekday() != 0:
        raise InvalidInput(("query", "week"), f"week must be a Monday; {week} is not")
    return _desk_page(
        request, session, network, today, lang, user, settings.map_tiles, week=week, plan=plan, notice=notice, why=why
    )


def _desk_page(
    request: Request,
    session: Session,
    network: Network,
    today: date,
    lang: Lang,
    user: accounts.StoredWebSession,
    tiles_setting: str | None,
    *,
    week: date | None = None,
    plan: int | None = None,
    notice: str | None = None,
    why: str | None = None,
    verdict: tuple[Violation, ...] | None = None,
) -> Response:
    shown = desk_week(session, today=today, week_start=week, plan_id=plan)
    published = None
    if shown.published is not None and shown.state is not None and shown.published.plan_id != shown.state.plan_id:
        published = stored_plan(session, plan_id=shown.published.plan_id)[0]
    tiles = resolve_tiles(tiles_setting)
    return render(
        request,
        lang,
        "desk.html",
        img_origins=() if tiles is None else (tiles_origin(tiles),),
        tiles=tiles,
        user=user,
        week=shown,
        week_label=format_day(lang, shown.week_start),
        weeks=[(w, format_day(lang, w)) for w in shown.weeks],
        board=board_view(shown, network, lang, published),
        time_limits=TIME_LIMITS_S,
        week_open=shown.week_start + timedelta(days=6) >= today,
        notice=f"n_{notice}" if notice in _NOTICES else None,
        verdict=verdict,
        why=why if notice == "refused" else None,
    )


_NOTICES = {
    "locked",
    "unlocked",
    "stop_locked",
    "stop_unlocked",
    "moved",
    "booked",
    "stale",
    "published",
    "expired",
    "refused",
}


@router.post("/desk/plans/{plan_id}/lock")
def desk_lock(
    plan_id: PlanPath,
    sessions: SessionsDep,
    network: NetworkDep,
    fleet: FleetDep,
    user: PlannerPage,
    csrf: CsrfField = "",
    vehicle: Annotated[str, Form(max_length=64)] = "",
    day: DayField = None,
    version: Annotated[int, Form(ge=1)] = 1,
    locked: Annotated[bool, Form()] = True,
) -> Response:
    """Lock or unlock a vehicle-day from the board; a plan changed since the page was read is not overwritten."""
    if not csrf_ok(user, csrf) or day is None:
        return to_desk(plan_id, "expired")
    try:
        outcome = lock_vehicle_day(
            sessions=sessions,
            network=network,
            fleet=fleet,
            plan_id=plan_id,
            vehicle_id=vehicle,
            day=day,
            locked=locked,
            version=version,
        )
    except StaleVersion:
        return to_desk(plan_id, "stale")
    except Conflict as exc:
        return to_desk(plan_id, "refused", exc)
    return to_desk(outcome.plan_id, "locked" if locked else "unlocked")


@router.post("/desk/plans/{plan_id}/stops/lock")
def desk_lock_stop(
    plan_id: PlanPath,
    sessions: SessionsDep,
    network: NetworkDep,
    fleet: FleetDep,
    user: PlannerPage,
    csrf: CsrfField = "",
    vehicle: Annotated[str, Form(max_length=64)] = "",
    day: DayField = None,
    place: Annotated[str, Form(max_length=64)] = "",
    version: Annotated[int, Form(ge=1)] = 1,
    locked: Annotated[bool, Form()] = True,
) -> Response:
    """Lock or unlock one stop: a re-optimisation keeps a locked stop where it is."""
    if not csrf_ok(user, csrf) or day is None:
        return to_desk(plan_id, "expired")
    edit = StopEdit(vehicle, day, place, "lock" if locked else "unlock")
    try:
        outcome = edit_stop(
            sessions=sessions, network=network, fleet=fleet, plan_id=plan_id, version=version, edit=edit
        )
    except StaleVersion:
        return to_desk(plan_id, "stale")
    except (Conflict, InvalidInput, NotFound) as exc:
        return to_desk(plan_id, "refused", exc)
    return to_desk(outcome.plan_id or plan_id, "stop_locked" if locked else "stop_unlocked")


@router.post("/desk/plans/{plan_id}/move")
def desk_move(
    plan_id: PlanPath,
    request: Request,
    session: SessionDep,
    sessions: SessionsDep,
    network: NetworkDep,
    fleet: FleetDep,
    today: TodayDep,
    lang: LangDep,
    user: PlannerPage,
    settings: SettingsDep,
    csrf: CsrfField = "",
    vehicle: Annotated[str, Form(max_length=64)] = "",
    day: DayField = None,
    place: Annotated[str, Form(max_length=64)] = "",
    to_vehicle: Annotated[str, Form(max_length=64)] = "",
    to_day: DayField = None,
    version: Annotated[int, Form(ge=1)] = 1,
) -> Response:
    """Move one stop to another vehicle-day (the form twin of a drag on the board) and answer with the board and
    the validator's verdict on the edited plan at once (no redirect: sending the form again is a stale version,
    never a second move)."""
    if not csrf_ok(user, csrf) or day is None or to_day is None:
        return to_desk(plan_id, "expired")
    edit = StopEdit(vehicle, day, place, "move", to_vehicle_id=to_vehicle, to_date=to_day)
    try:
        outcome = edit_stop(
            sessions=sessions, network=network, fleet=fleet, plan_id=plan_id, version=version, edit=edit
        )
    except StaleVersion:
        return to_desk(plan_id, "stale")
    except (Conflict, InvalidInput, NotFound) as exc:
        return to_desk(plan_id, "refused", exc)
    shown = outcome.plan_id or plan_id
    return _desk_page(
        request,
        session,
        network,
        today,
        lang,
        user,
        settings.map_tiles,
        plan=shown,
        notice="moved",
        verdict=outcome.violations,
    )


@router.post("/desk/maintenance")
def desk_book_maintenance(
    session: SessionDep,
    today: TodayDep,
    user: PlannerPage,
    csrf: CsrfField = "",
    vehicle: Annotated[str, Form(max_length=64)] = "",
    day: DayField = None,
    plan: Annotated[int, Form(ge=1, le=2_147_483_647)] = 1,
) -> Response:
    """Book a maintenance day from a free cell of the board (the next solve keeps the vehicle in the workshop)."""
    if not csrf_ok(user, csrf) or day is None:
        return to_desk(plan, "expired")
    try:
        book_maintenance(session, vehicle_id=vehicle, day=day, today=today)
    except (InvalidInput, NotFound) as exc:
        return to_desk(plan, "refused", exc)
    return to_desk(plan, "booked")
