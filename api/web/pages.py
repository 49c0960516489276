"""The web pages' routes: sign-in and sign-out, the planner's desk, the office's counter."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from api.errors import InvalidInput
from api.http.auth import SESSION_COOKIE
from api.http.deps import NetworkDep, SessionDep, SettingsDep, TodayDep
from api.services import accounts
from api.services.desk import desk_week
from api.services.plans import stored_plan
from api.services.requests import list_requests
from api.web.board import board_view
from api.web.session import LangDep, OfficePage, PlannerPage, WebUserDep, csrf_ok, finish
from maps.i18n import LANG_NAMES, LANGS, Lang, format_day, text
from scheduler.naming import place_label

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


@router.get("/login")
def login_page(request: Request, lang: LangDep, user: WebUserDep, next: str = "") -> Response:
    if user is not None:
        return RedirectResponse(home_of(user), status_code=303)
    return render(request, lang, "login.html", next=next, error=None, name="")


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    lang: LangDep,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Sign in; the cookie is HttpOnly and SameSite=Lax (Secure when the site is served over HTTPS)."""
    address = request.client.host if request.client else "unknown"
    try:
        signed = accounts.sign_in(session, name=name, password=password, address=address)
    except accounts.TooManyAttempts:
        return render(request, lang, "login.html", 429, next=next, error=text(lang, "too_many"), name=name)
    except accounts.SignInRefused:
        return render(request, lang, "login.html", 401, next=next, error=text(lang, "wrong_login"), name=name)
    home = home_of(signed.session)
    target = next if next.startswith(home) else home
    response = RedirectResponse(target, status_code=303)
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
) -> Response:
    """The planner's desk: the week's board, KPIs against the published plan, requests left out, versions."""
    if week is not None and week.weekday() != 0:
        raise InvalidInput(("query", "week"), f"week must be a Monday; {week} is not")
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
    )


@router.get("/counter")
def counter(request: Request, session: SessionDep, network: NetworkDep, lang: LangDep, user: OfficePage) -> Response:
    """The office's counter: its own requests and where they stand."""
    mine = list_requests(session, caller=user.user.principal)
    rows = [
        {
            "id": r.id,
            "place": place_label(network, r.place_id, lang),
            "settlement": r.settlement,
            "window": f"{format_day(lang, r.window_start)} – {format_day(lang, r.window_end)}",
            "citizens": r.expected_citizens,
            "services": ", ".join(r.services),
            "priority": text(lang, f"pr_{r.priority}"),
            "status": r.status.value,
            "status_label": text(lang, f"st_{r.status.value}"),
            "outcome": r.outcome,
            "note": r.note,
        }
        for r in reversed(mine)
    ]
    places = [place_label(network, p, lang) for p in user.user.principal.places]
    return render(request, lang, "counter.html", user=user, rows=rows, places=places)
