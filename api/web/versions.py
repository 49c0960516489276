"""A week's versions: the checklist and publishing, and two plans side by side."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker

from api.errors import Conflict
from api.http.deps import FleetDep, NetworkDep, SessionDep, SessionsDep, TodayDep
from api.services import accounts
from api.services.desk import compare_plans, publish_checklist
from api.services.plans import StaleVersion, publish
from api.web.board import KPI_KEYS, kpi_figures
from api.web.render import PlanPath, render, to_desk
from api.web.session import CsrfField, LangDep, PlannerPage, csrf_ok
from maps.i18n import Lang, format_day, text
from scheduler.domain import Fleet, Network
from scheduler.naming import place_label, stop_label
from scheduler.plan import Stop

router = APIRouter(include_in_schema=False)


@router.get("/desk/plans/{plan_id}/publish")
def desk_checklist(
    plan_id: PlanPath,
    request: Request,
    sessions: SessionsDep,
    network: NetworkDep,
    fleet: FleetDep,
    lang: LangDep,
    user: PlannerPage,
) -> Response:
    """The checklist before publishing: rules broken, maintenance clashes, urgent requests left out."""
    return _checklist_page(request, sessions, network, fleet, lang, user, plan_id)


def _checklist_page(
    request: Request,
    sessions: sessionmaker[Session],
    network: Network,
    fleet: Fleet,
    lang: Lang,
    user: accounts.StoredWebSession,
    plan_id: int,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    checklist = publish_checklist(sessions=sessions, network=network, fleet=fleet, plan_id=plan_id)
    urgent = [(r.id, place_label(network, r.place_id, lang), r.expected_citizens) for r in checklist.urgent_left_out]
    return render(
        request,
        lang,
        "publish.html",
        status_code,
        user=user,
        checklist=checklist,
        urgent=urgent,
        week_label=format_day(lang, checklist.plan.week_start),
        error=error,
    )


@router.post("/desk/plans/{plan_id}/publish")
def desk_publish(
    plan_id: PlanPath,
    request: Request,
    sessions: SessionsDep,
    network: NetworkDep,
    fleet: FleetDep,
    today: TodayDep,
    lang: LangDep,
    user: PlannerPage,
    csrf: CsrfField = "",
    version: Annotated[int, Form(ge=1)] = 1,
) -> Response:
    """Publish after the checklist; a refusal (rules broken, stale version, week over) shows why."""
    if not csrf_ok(user, csrf):
        return _checklist_page(request, sessions, network, fleet, lang, user, plan_id, text(lang, "expired"), 403)
    try:
        publish(sessions=sessions, network=network, fleet=fleet, plan_id=plan_id, version=version, today=today)
    except StaleVersion:
        return _checklist_page(request, sessions, network, fleet, lang, user, plan_id, text(lang, "stale"), 409)
    except Conflict as exc:
        return _checklist_page(request, sessions, network, fleet, lang, user, plan_id, str(exc), 409)
    return to_desk(plan_id, "published")


@router.get("/desk/compare")
def desk_compare(
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    lang: LangDep,
    user: PlannerPage,
    before: Annotated[int, Query(ge=1, le=2_147_483_647)],
    after: Annotated[int, Query(ge=1, le=2_147_483_647)],
) -> Response:
    """Two plans side by side: KPIs, and the stops added, removed and moved."""
    found = compare_plans(session, before_id=before, after_id=after)

    def stop(s: Stop) -> str:
        return f"{s.vehicle_id} · {format_day(lang, s.date)} · {stop_label(network, s.place_id, s.site_id, lang)}"

    figures = [
        (text(lang, key), round(a), round(b), round(b - a))
        for key, a, b in zip(KPI_KEYS, kpi_figures(found.before), kpi_figures(found.after), strict=True)
    ]
    return render(
        request,
        lang,
        "compare.html",
        user=user,
        found=found,
        figures=figures,
        added=[stop(s) for s in found.added],
        removed=[stop(s) for s in found.removed],
        moved=[(stop(a), stop(b)) for a, b in found.moved],
    )
