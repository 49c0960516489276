"""The web pages' routes: sign-in and sign-out, the planner's desk, the office's counter."""

from __future__ import annotations

import hmac
import secrets
from contextlib import suppress
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as FastPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker

from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.http.auth import SESSION_COOKIE
from api.http.deps import FleetDep, NetworkDep, RunnerDep, SessionDep, SessionsDep, TodayDep
from api.services import accounts, jobs
from api.services.desk import compare_plans, desk_week, job_view, publish_checklist
from api.services.fleet import book_maintenance
from api.services.jobs import JobStatus
from api.services.plans import StaleVersion, edit_stop, lock_vehicle_day, publish, stored_plan
from api.services.requests import RequestFields, cancel_request, file_request, list_requests
from api.web.board import KPI_KEYS, board_view, kpi_figures
from api.web.session import LangDep, OfficePage, PlannerPage, WebUserDep, csrf_ok, finish
from maps.i18n import LANG_NAMES, LANGS, Lang, format_day, text
from scheduler.calendar import next_week_start
from scheduler.domain import Fleet, Network
from scheduler.edits import StopEdit
from scheduler.naming import place_label, stop_label
from scheduler.plan import Stop
from scheduler.requests import Priority
from scheduler.validator import Violation

router = APIRouter(include_in_schema=False)
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL = "/web/static"

_templates = Environment(
    loader=PackageLoader("api.web", "templates"), autoescape=select_autoescape(default=True), auto_reload=False
)

Week = Annotated[date | None, Query(description="Monday of the week to show.")]
PlanId = Annotated[int | None, Query(ge=1, le=2_147_483_647, description="The plan to show.")]


def render(request: Request, lang: Lang, template: str, status_code: int = 200, **context: Any) -> Response:
    """A page from ``templates/<template>`` in ``lang``, with the shared headers."""
    page = _templates.get_template(template).render(
        lang=lang,
        langs=[(code, LANG_NAMES[code]) for code in LANGS],
        t=lambda key, **values: text(lang, key).format(**values) if values else text(lang, key),
        path=request.url.path,
        **context,
    )
    return finish(HTMLResponse(page, status_code=status_code), request, lang)


def home_of(user: accounts.StoredWebSession) -> str:
    return "/counter" if user.user.principal.role == "office" else "/desk"


LOGIN_COOKIE = "sefer_login"
"""Before a session exists, the sign-in form's CSRF token is a cookie the form must echo (double submit), so
another site cannot sign a browser in to an account of its choosing."""


def _login_page(request: Request, lang: Lang, status_code: int = 200, **context: Any) -> Response:
    token = secrets.token_urlsafe(32)
    context = {"next": "", "error": None, "name": ""} | context
    response = render(request, lang, "login.html", status_code, login_csrf=token, **context)
    response.set_cookie(
        LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict", path="/login",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


@router.get("/login")
def login_page(
    request: Request, lang: LangDep, user: WebUserDep, next: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    if user is not None:
        return RedirectResponse(home_of(user), status_code=303)
    return _login_page(request, lang, next=next)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Sign in; the cookie is HttpOnly and SameSite=Lax (Secure when the site is served over HTTPS)."""
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf.encode()):
        return _login_page(request, lang, 403, next=next, error=text(lang, "expired"), name=name)
    address = request.client.host if request.client else "unknown"
    try:
        signed = accounts.sign_in(session, name=name, password=password, address=address)
    except accounts.TooManyAttempts:
        return _login_page(request, lang, 429, next=next, error=text(lang, "too_many"), name=name)
    except accounts.SignInRefused:
        return _login_page(request, lang, 401, next=next, error=text(lang, "wrong_login"), name=name)
    home = home_of(signed.session)
    target = next if next.startswith(home) else home
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    response.set_cookie(
        SESSION_COOKIE,
        signed.cookie,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, user: WebUserDep, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if user is not None and cookie and csrf_ok(user, csrf):
        accounts.sign_out(session, cookie=cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/desk")
def desk(
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    lang: LangDep,
    user: PlannerPage,
    week: Week = None,
    plan: PlanId = None,
    notice: Annotated[str | None, Query(max_length=20)] = None,
    why: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    """The planner's desk: the week's board, KPIs against the published plan, requests left out, versions."""
    if week is not None and week.weekday() != 0:
        raise InvalidInput(("query", "week"), f"week must be a Monday; {week} is not")
    return _desk_page(request, session, network, today, lang, user, week=week, plan=plan, notice=notice, why=why)


def _desk_page(
    request: Request,
    session: Session,
    network: Network,
    today: date,
    lang: Lang,
    user: accounts.StoredWebSession,
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
    return render(
        request,
        lang,
        "desk.html",
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


_NOTICES = {"locked", "unlocked", "moved", "booked", "stale", "published", "expired", "refused"}


@router.get("/counter")
def counter(
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    lang: LangDep,
    user: OfficePage,
    filed: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The office's counter: a form to ask for a visit, and its own requests with where they stand."""
    return _counter_page(request, session, network, today, lang, user, filed=filed)


def _counter_page(
    request: Request,
    session: Session,
    network: Network,
    today: date,
    lang: Lang,
    user: accounts.StoredWebSession,
    *,
    filed: str | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    mine = list_requests(session, caller=user.user.principal)
    names = {s.code: str(getattr(s, f"name_{lang}")) for s in network.services}
    rows = [
        {
            "id": r.id,
            "place": place_label(network, r.place_id, lang),
            "settlement": r.settlement,
            "window": f"{format_day(lang, r.window_start)} – {format_day(lang, r.window_end)}",
            "citizens": r.expected_citizens,
            "services": ", ".join(names.get(code, code) for code in r.services),
            "priority": text(lang, f"pr_{r.priority}"),
            "status": r.status.value,
            "status_label": text(lang, f"st_{r.status.value}"),
            "outcome": r.outcome,
            "note": r.note,
            "cancellable": r.status.value in ("submitted", "scheduled", "declined"),
        }
        for r in reversed(mine)
    ]
    own = set(user.user.principal.places)
    where = sorted(
        {(p.name_az, place_label(network, p.id, lang)) for p in network.places if p.id in own or p.unit_id in own}
    )
    services = [(code, name) for code, name in names.items()]
    start = next_week_start(today)
    return render(
        request,
        lang,
        "counter.html",
        status_code,
        user=user,
        rows=rows,
        places=[place_label(network, p, lang) for p in user.user.principal.places],
        where=where,
        services=services,
        filed=filed,
        form=form or {"window_start": start, "window_end": start + timedelta(days=4), "services": ()},
        errors=errors or {},
    )


@router.post("/counter/requests")
def counter_file(
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    lang: LangDep,
    user: OfficePage,
    csrf: Annotated[str, Form(max_length=100)] = "",
    where: Annotated[str, Form(max_length=200)] = "",
    window_start: Annotated[str, Form(max_length=20)] = "",
    window_end: Annotated[str, Form(max_length=20)] = "",
    citizens: Annotated[str, Form(max_length=20)] = "",
    services: Annotated[list[str] | None, Form(max_length=40)] = None,
    priority: Annotated[str, Form(max_length=20)] = "normal",
    note: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    """File a request from the form; a mistake re-shows the form with each field's message (422), nothing lost."""
    form = {"where": where, "window_start": window_start, "window_end": window_end, "citizens": citizens,
            "services": tuple(services or ()), "priority": priority, "note": note}  # fmt: skip
    if not csrf_ok(user, csrf):
        errors = {"form": text(lang, "expired")}
        return _counter_page(request, session, network, today, lang, user, form=form, errors=errors, status_code=403)
    errors = {}
    dates: dict[str, date | None] = {}
    for name, value in (("window_start", window_start), ("window_end", window_end)):
        try:
            dates[name] = date.fromisoformat(value)
        except ValueError:
            dates[name] = None
            errors[name] = text(lang, "bad_date")
    count = int(citizens) if citizens.strip().isdigit() else None
    if count is None:
        errors["expected_citizens"] = text(lang, "bad_number")
    if not where.strip():
        errors["settlement"] = text(lang, "need_place")
    if not errors:
        given = RequestFields(
            settlement=where,
            window_start=dates["window_start"],
            window_end=dates["window_end"],
            expected_citizens=count,
            services=tuple(services or ()),
            priority=Priority(priority) if priority in ("normal", "urgent") else Priority.NORMAL,
            note=note,
        )
        try:
            stored, _ = file_request(session, caller=user.user.principal, network=network, today=today, given=given)
        except InvalidInput as exc:
            errors = {str(e.loc[-1]): e.message for e in exc.errors}
        except Forbidden as exc:
            errors = {"settlement": str(exc)}
        else:
            return RedirectResponse(f"/counter?filed={stored.id}", status_code=303)
    return _counter_page(request, session, network, today, lang, user, form=form, errors=errors, status_code=422)


@router.post("/counter/requests/{request_id}/cancel")
def counter_cancel(
    request_id: str,
    session: SessionDep,
    user: OfficePage,
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Cancel one of the office's own requests (another office's is "not found", as in the API)."""
    if not csrf_ok(user, csrf):
        return RedirectResponse("/counter", status_code=303)
    cancel_request(session, caller=user.user.principal, request_id=request_id[:64])
    return RedirectResponse("/counter", status_code=303)


PlanPath = Annotated[int, FastPath(ge=1, le=2_147_483_647)]


@router.post("/desk/plans/{plan_id}/lock")
def desk_lock(
    plan_id: PlanPath,
    request: Request,
    sessions: SessionsDep,
    network: NetworkDep,
    fleet: FleetDep,
    user: PlannerPage,
    csrf: Annotated[str, Form(max_length=100)] = "",
    vehicle: Annotated[str, Form(max_length=64)] = "",
    day: Annotated[date | None, Form()] = None,
    version: Annotated[int, Form(ge=1)] = 1,
    locked: Annotated[bool, Form()] = True,
) -> Response:
    """Lock or unlock a vehicle-day from the board; a plan changed since the page was read is not overwritten."""
    if not csrf_ok(user, csrf) or day is None:
        return RedirectResponse(f"/desk?plan={plan_id}&notice=expired", status_code=303)
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
        return RedirectResponse(f"/desk?plan={plan_id}&notice=stale", status_code=303)
    except Conflict as exc:
        return RedirectResponse(f"/desk?plan={plan_id}&notice=refused&why={quote(str(exc)[:300])}", status_code=303)
    return RedirectResponse(f"/desk?plan={outcome.plan_id}&notice={'locked' if locked else 'unlocked'}", 303)


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
    csrf: Annotated[str, Form(max_length=100)] = "",
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
    return RedirectResponse(f"/desk?plan={plan_id}&notice=published", status_code=303)


TIME_LIMITS_S = (30, 60, 120, 300)
"""The budgets the desk offers for a solve (the API accepts 1 to 600 s)."""


@router.post("/desk/jobs")
def desk_start_job(
    request: Request,
    session: SessionDep,
    runner: RunnerDep,
    today: TodayDep,
    user: PlannerPage,
    csrf: Annotated[str, Form(max_length=100)] = "",
    week: Annotated[date | None, Form()] = None,
    plan: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
    time_limit: Annotated[int, Form()] = TIME_LIMITS_S[0],
) -> Response:
    """Plan a week (``week``) or re-optimise a plan (``plan``) in the background; the job page follows it."""
    if not csrf_ok(user, csrf) or time_limit not in TIME_LIMITS_S:
        return RedirectResponse("/desk?notice=expired", status_code=303)
    try:
        if plan is not None:
            job = jobs.queue_reoptimize(session, runner, plan_id=plan, time_limit_s=time_limit)
        elif week is not None:
            job = jobs.queue_plan(runner, week_start=week, time_limit_s=time_limit, today=today)
        else:
            return RedirectResponse("/desk?notice=expired", status_code=303)
    except (InvalidInput, Conflict) as exc:
        return RedirectResponse(f"/desk?notice=refused&why={quote(str(exc)[:300])}", status_code=303)
    return RedirectResponse(f"/desk/jobs/{job.id}", status_code=303)


@router.get("/desk/jobs/{job_id}")
def desk_job(job_id: PlanPath, request: Request, session: SessionDep, lang: LangDep, user: PlannerPage) -> Response:
    """A solve's progress (the page reloads itself every two seconds while it runs), its best value so far, Cancel,
    and at the end the plan and how many stops changed against the plan it started from."""
    view = job_view(session, job_id=job_id)
    running = view.job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    return render(request, lang, "job.html", user=user, view=view, running=running,
                  week_label=format_day(lang, view.week_start))  # fmt: skip


@router.post("/desk/jobs/{job_id}/cancel")
def desk_cancel_job(
    job_id: PlanPath, runner: RunnerDep, user: PlannerPage, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    if csrf_ok(user, csrf):
        with suppress(Conflict):  # it finished meanwhile: the job page says how
            jobs.cancel_job(runner, job_id=job_id)
    return RedirectResponse(f"/desk/jobs/{job_id}", status_code=303)


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
    csrf: Annotated[str, Form(max_length=100)] = "",
    vehicle: Annotated[str, Form(max_length=64)] = "",
    day: Annotated[date | None, Form()] = None,
    place: Annotated[str, Form(max_length=64)] = "",
    to_vehicle: Annotated[str, Form(max_length=64)] = "",
    to_day: Annotated[date | None, Form()] = None,
    version: Annotated[int, Form(ge=1)] = 1,
) -> Response:
    """Move one stop to another vehicle-day (the form twin of a drag on the board) and answer with the board and
    the validator's verdict on the edited plan at once (no redirect: sending the form again is a stale version,
    never a second move)."""
    if not csrf_ok(user, csrf) or day is None or to_day is None:
        return RedirectResponse(f"/desk?plan={plan_id}&notice=expired", status_code=303)
    edit = StopEdit(vehicle, day, place, "move", to_vehicle_id=to_vehicle, to_date=to_day)
    try:
        outcome = edit_stop(
            sessions=sessions, network=network, fleet=fleet, plan_id=plan_id, version=version, edit=edit
        )
    except StaleVersion:
        return RedirectResponse(f"/desk?plan={plan_id}&notice=stale", status_code=303)
    except (Conflict, InvalidInput, NotFound) as exc:
        return RedirectResponse(f"/desk?plan={plan_id}&notice=refused&why={quote(str(exc)[:300])}", status_code=303)
    shown = outcome.plan_id or plan_id
    return _desk_page(
        request, session, network, today, lang, user, plan=shown, notice="moved", verdict=outcome.violations
    )


@router.post("/desk/maintenance")
def desk_book_maintenance(
    session: SessionDep,
    today: TodayDep,
    user: PlannerPage,
    csrf: Annotated[str, Form(max_length=100)] = "",
    vehicle: Annotated[str, Form(max_length=64)] = "",
    day: Annotated[date | None, Form()] = None,
    plan: Annotated[int, Form(ge=1, le=2_147_483_647)] = 1,
) -> Response:
    """Book a maintenance day from a free cell of the board (the next solve keeps the vehicle in the workshop)."""
    if not csrf_ok(user, csrf) or day is None:
        return RedirectResponse(f"/desk?plan={plan}&notice=expired", status_code=303)
    try:
        book_maintenance(session, vehicle_id=vehicle, day=day, today=today)
    except (InvalidInput, NotFound) as exc:
        return RedirectResponse(f"/desk?plan={plan}&notice=refused&why={quote(str(exc)[:300])}", status_code=303)
    return RedirectResponse(f"/desk?plan={plan}&notice=booked", status_code=303)
