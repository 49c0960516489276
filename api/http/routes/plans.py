"""Stored plans: the plan JSON and its map; planning and re-optimising in the background; hand edits; publishing.

Every endpoint needs a planner's or an admin's token. Edits and publishing name the plan version they were made on
(optimistic concurrency): another planner's change in between answers 409, and nothing is lost.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from fastapi.responses import HTMLResponse

from api.http.auth import PlannerDep
from api.http.deps import (
    FleetDep,
    NetworkDep,
    RunnerDep,
    SessionDep,
    SessionsDep,
    SettingsDep,
    SolveQuotaDep,
    TodayDep,
)
from api.http.schemas.common import LimitReached
from api.http.schemas.plans import (
    Conflict,
    JobPublic,
    PlanId,
    PlanJobCreate,
    PlanSummary,
    PublishRequest,
    PublishResult,
    ReoptimizeCreate,
    StopEditRequest,
    StopEditResult,
    ViolationPublic,
)
from api.services import jobs
from api.services.plans import StopEdit, edit_stop, plan_with_week, plans_of, publish, stored_plan
from maps.plan_map import render_plan_map
from scheduler.plan import plan_to_dict

router = APIRouter(prefix="/plans", tags=["plans"])

_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Only planners and admins"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {**_AUTH, 404: {"description": "No plan with that id"}}
_SOLVE_LIMIT: dict[int | str, dict[str, Any]] = {
    429: {
        "model": LimitReached,
        "description": "The caller already has as many solves running and queued as it may (see `limit`); "
        "`Retry-After` says when to try again",
    }
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND,
    409: {"model": Conflict, "description": "The plan is at another version (reload it), or the edit is refused"},
}


def _accepted(job: JobPublic, response: Response) -> JobPublic:
    response.headers["Location"] = f"/jobs/{job.id}"
    return job


@router.post("", status_code=status.HTTP_202_ACCEPTED, responses={**_AUTH, **_SOLVE_LIMIT})
def create_plan(
    body: PlanJobCreate,
    response: Response,
    runner: RunnerDep,
    quota: SolveQuotaDep,
    today: TodayDep,
    principal: PlannerDep,
) -> JobPublic:
    """Plan the week starting on ``week_start`` in the background: answers at once with the job (202,
    ``Location: /jobs/{id}``); the job's ``plan_id`` names the stored plan once it succeeded. A week that is
    over is refused (422); a caller with as many solves running and queued as it may gets 429."""
    job = jobs.queue_plan(
        runner,
        week_start=body.week_start,
        time_limit_s=body.time_limit_s,
        today=today,
        principal_id=principal.id,
        quota=quota,
    )
    return _accepted(JobPublic.of(job), response)


@router.get("", responses=_AUTH)
def list_stored_plans(
    session: SessionDep,
    _: PlannerDep,
    week: Annotated[dt.date | None, Query(description="Only the plans of the week starting on this Monday.")] = None,
) -> list[PlanSummary]:
    """Every stored plan, newest first (of one week with ``week=YYYY-MM-DD``): draft, published or superseded,
    with its version, KPIs and the warnings a planner must look at."""
    return [
        PlanSummary(
            id=s.plan_id,
            week_start=s.week_start,
            status=s.status.value,
            version=s.version,
            created_at=s.created_at,
            published_at=s.published_at,
            superseded_at=s.superseded_at,
            warnings=list(s.warnings),
            kpis=s.kpis,
        )
        for s in plans_of(session, week_start=week)
    ]


@router.get("/{plan_id}", responses=_NOT_FOUND)
def read_plan(plan_id: PlanId, session: SessionDep, network: NetworkDep, _: PlannerDep) -> dict[str, Any]:
    """The plan JSON as ``scheduler.plan.plan_to_dict`` writes it (times in Asia/Baku), with the plan's
    ``version`` (name it when editing or publishing) and whether it is ``published``."""
    plan, state = stored_plan(session, plan_id=plan_id)
    return {**plan_to_dict(plan, network), "version": state.version, "published": state.published}


@router.get("/{plan_id}/map", response_class=HTMLResponse, responses=_NOT_FOUND)
def read_plan_map(
    plan_id: PlanId,
    session: SessionDep,
    network: NetworkDep,
    settings: SettingsDep,
    fleet: FleetDep,
    _: PlannerDep,
) -> HTMLResponse:
    """The plan drawn on a Leaflet map (a standalone HTML page), with the week's demand and its requests."""
    shown = plan_with_week(session, network=network, fleet=fleet, plan_id=plan_id)
    html = render_plan_map(shown.plan, network, tiles=settings.map_tiles, demand=shown.demand, requests=shown.requests)
    return HTMLResponse(html.get_root().render())


@router.patch("/{plan_id}/stops", responses=_CONFLICT)
def edit_plan_stop(
    plan_id: PlanId,
    body: StopEditRequest,
    sessions: SessionsDep,
    network: NetworkDep,
    fleet: FleetDep,
    _: PlannerDep,
) -> StopEditResult:
    """Lock, unlock or move one stop (named by vehicle, date and place). A move keeps the stop's times of day
    and redraws the legs of the routes it leaves and joins. The edit is stored as the next version (of a published
    plan: as a new draft, named by ``plan_id``), and the answer lists what the independent validator finds in the
    edited plan (a plan with violations cannot be published)."""
    edit = StopEdit(body.vehicle_id, body.date, body.place_id, body.action, body.to_vehicle_id, body.to_date)
    outcome = edit_stop(
        sessions=sessions,
        network=network,
        fleet=fleet,
        plan_id=plan_id,
        version=body.version,
        edit=edit,
    )
    return StopEditResult(
        version=outcome.version,
        violations=[ViolationPublic.of(v) for v in outcome.violations],
        plan_id=outcome.plan_id,
    )


@router.post("/{plan_id}/reoptimize", status_code=status.HTTP_202_ACCEPTED, responses={**_NOT_FOUND, **_SOLVE_LIMIT})
def reoptimize_plan(
    plan_id: PlanId,
    response: Response,
    session: SessionDep,
    runner: RunnerDep,
    quota: SolveQuotaDep,
    principal: PlannerDep,
    body: Annotated[ReoptimizeCreate | None, Body()] = None,
) -> JobPublic:
    """Re-plan the plan's week in the background with today's requests and maintenance, keeping its locked stops
    and starting from it (202 with the job); the job's ``plan_id`` is the new plan."""
    time_limit_s = (body or ReoptimizeCreate()).time_limit_s
    job = jobs.queue_reoptimize(
        session, runner, plan_id=plan_id, time_limit_s=time_limit_s, principal_id=principal.id, quota=quota
    )
    return _accepted(JobPublic.of(job), response)


@router.post("/{plan_id}/publish", responses=_CONFLICT)
def publish_stored_plan(
    plan_id: PlanId,
    body: PublishRequest,
    sessions: SessionsDep,
    network: NetworkDep,
    fleet: FleetDep,
    today: TodayDep,
    _: PlannerDep,
) -> PublishResult:
    """Publish the plan at ``version``: it supersedes the week's published plan, its stops become the visit
    history, the requests it serves become ``scheduled`` and those it leaves out ``declined``. Refused (409) when
    the plan changed since, when the validator finds violations (listed in the answer), when its week is over, or
    when it is older than the week's published plan (unless ``force``)."""
    done = publish(
        sessions=sessions,
        network=network,
        fleet=fleet,
        plan_id=plan_id,
        version=body.version,
        today=today,
        force=body.force,
    )
    return PublishResult(plan_id=plan_id, version=done.version, published=True, published_at=done.published_at)
