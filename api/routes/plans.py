"""Stored plans: the plan JSON and its map."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.auth import PlannerDep
from api.deps import NetworkDep, SessionDep, SettingsDep
from data.repository import get_plan
from maps.plan_map import render_plan_map
from scheduler.plan import Plan, plan_to_dict

router = APIRouter(prefix="/plans", tags=["plans"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Only planners and admins"},
    404: {"description": "No plan with that id"},
}


def _plan_or_404(session: Session, plan_id: int) -> Plan:
    plan = get_plan(session, plan_id=plan_id)
    if plan is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"plan {plan_id} not found")
    return plan


@router.get("/{plan_id}", responses=_NOT_FOUND)
def read_plan(plan_id: int, session: SessionDep, _: PlannerDep) -> dict[str, Any]:
    """The plan JSON, exactly as ``scheduler.plan.plan_to_dict`` writes it (times in Asia/Baku)."""
    return plan_to_dict(_plan_or_404(session, plan_id))


@router.get("/{plan_id}/map", response_class=HTMLResponse, responses=_NOT_FOUND)
def read_plan_map(
    plan_id: int, session: SessionDep, network: NetworkDep, settings: SettingsDep, _: PlannerDep
) -> HTMLResponse:
    """The plan drawn on a Leaflet map (a standalone HTML page)."""
    plan = _plan_or_404(session, plan_id)
    html = render_plan_map(plan, network, tiles=settings.map_tiles).get_root().render()
    return HTMLResponse(html)
