"""Solves from the desk: plan or re-optimise a week as a background job, follow it, cancel it."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.errors import Conflict, InvalidInput, TooManyRequests
from api.http.deps import RunnerDep, SessionDep, SettingsDep, SolveQuotaDep, TodayDep
from api.jobs.queue import STALLED_AFTER_S
from api.services import jobs
from api.services.desk import job_view
from api.services.jobs import JobStatus, live_solver_workers
from api.web.render import PlanPath, render, to_desk
from api.web.session import CsrfField, DayField, LangDep, PlannerPage, csrf_ok
from maps.i18n import format_day

router = APIRouter(include_in_schema=False)


TIME_LIMITS_S = (30, 60, 120, 300)
"""The budgets the desk offers for a solve (the API accepts 1 to 600 s)."""


@router.post("/desk/jobs")
def desk_start_job(
    request: Request,
    session: SessionDep,
    runner: RunnerDep,
    quota: SolveQuotaDep,
    today: TodayDep,
    user: PlannerPage,
    csrf: CsrfField = "",
    week: DayField = None,
    plan: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
    time_limit: Annotated[int, Form()] = TIME_LIMITS_S[0],
) -> Response:
    """Plan a week (``week``) or re-optimise a plan (``plan``) in the background, within the signed-in user's
    solve quota; the job page follows it."""
    if not csrf_ok(user, csrf) or time_limit not in TIME_LIMITS_S:
        return to_desk(None, "expired")
    mine = user.user.principal.id
    try:
        if plan is not None:
            job = jobs.queue_reoptimize(
                session, runner, plan_id=plan, time_limit_s=time_limit, principal_id=mine, quota=quota
            )
        elif week is not None:
            job = jobs.queue_plan(
                runner, week_start=week, time_limit_s=time_limit, today=today, principal_id=mine, quota=quota
            )
        else:
            return to_desk(None, "expired")
    except (InvalidInput, Conflict, TooManyRequests) as exc:
        return to_desk(None, "refused", exc)
    return RedirectResponse(f"/desk/jobs/{job.id}", status_code=303)


@router.get("/desk/jobs/{job_id}")
def desk_job(
    job_id: PlanPath, request: Request, session: SessionDep, settings: SettingsDep, lang: LangDep, user: PlannerPage
) -> Response:
    """A solve's progress (the page reloads itself every two seconds while it runs), its best value so far, Cancel,
    and at the end the plan and how many stops changed against the plan it started from."""
    view = job_view(session, job_id=job_id)
    running = view.job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    # With the PostgreSQL queue a job waits for a `sefer worker`: say so when none is alive.
    no_worker = (
        view.job.status is JobStatus.QUEUED
        and settings.resolved_job_queue == "procrastinate"
        and live_solver_workers(session, within_s=STALLED_AFTER_S) == 0
    )
    return render(request, lang, "job.html", user=user, view=view, running=running, no_worker=no_worker,
                  week_label=format_day(lang, view.week_start))  # fmt: skip


@router.post("/desk/jobs/{job_id}/cancel")
def desk_cancel_job(job_id: PlanPath, runner: RunnerDep, user: PlannerPage, csrf: CsrfField = "") -> Response:
    if csrf_ok(user, csrf):
        with suppress(Conflict):  # it finished meanwhile: the job page says how
            jobs.cancel_job(runner, job_id=job_id)
    return RedirectResponse(f"/desk/jobs/{job_id}", status_code=303)
