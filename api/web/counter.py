"""The office's counter: ask for a visit (form → check your answers → send), follow the office's own requests
(what changed since the last visit marked), change or cancel one while it is still submitted, and take the
scheduled visits into a calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.http.deps import NetworkDep, SessionDep, TodayDep
from api.services import accounts
from api.services.requests import (
    RequestFields,
    StoredRequest,
    cancel_request,
    change_request,
    check_request,
    file_request,
    list_requests,
    read_request,
    service_days,
)
from api.web.office_calendar import office_visits_ics
from api.web.render import render
from api.web.request_form import TypedForm, attempt
from api.web.session import CsrfField, LangDep, OfficePage, csrf_ok
from maps.i18n import Lang, format_day, text
from scheduler.calendar import next_week_start
from scheduler.domain import Network
from scheduler.naming import place_label

router = APIRouter(include_in_schema=False)

SEEN_COOKIE = "sefer_counter_seen"
"""When this browser last opened the counter (UTC): decisions made after it are marked as news."""


@router.get("/counter")
def counter(
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    lang: LangDep,
    user: OfficePage,
    filed: Annotated[str | None, Query(max_length=64)] = None,
    changed: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The office's counter: a form to ask for a visit, and its own requests with where they stand; a decision
    made since this browser's last visit is marked."""
    seen = _seen(request)
    page = _counter_page(request, session, network, today, lang, user, filed=filed, changed=changed, seen=seen)
    page.set_cookie(SEEN_COOKIE, datetime.now(UTC).isoformat(), max_age=365 * 86400,
                    path="/counter", httponly=True, samesite="lax")  # fmt: skip
    return page


def _seen(request: Request) -> datetime | None:
    try:
        return datetime.fromisoformat(request.cookies.get(SEEN_COOKIE, ""))
    except ValueError:
        return None


def _hhmm(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%H:%M") if iso else ""


def _is_news(outcome: dict[str, Any], seen: datetime | None) -> bool:
    decided = outcome.get("decided_at")
    return seen is not None and isinstance(decided, str) and datetime.fromisoformat(decided) > seen


def _counter_page(
    request: Request,
    session: Session,
    network: Network,
    today: date,
    lang: Lang,
    user: accounts.StoredWebSession,
    *,
    filed: str | None = None,
    changed: str | None = None,
    seen: datetime | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    editing: str | None = None,
    status_code: int = 200,
) -> Response:
    mine = list_requests(session, caller=user.user.principal)
    names = _service_names(network, lang)
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
            "hours": f"{_hhmm(r.outcome.get('arrive'))}–{_hhmm(r.outcome.get('depart'))}"
            if r.outcome.get("arrive")
            else "",
            "news": _is_news(r.outcome, seen),
            "note": r.note,
            "editable": r.status.value == "submitted",
            "cancellable": r.status.value in ("submitted", "scheduled", "declined"),
        }
        for r in reversed(mine)
    ]
    own = set(user.user.principal.places)
    where = sorted(
        {(p.name_az, place_label(network, p.id, lang)) for p in network.places if p.id in own or p.unit_id in own}
    )
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
        services=list(names.items()),
        filed=filed,
        changed=changed,
        editing=editing,
        form=form or {"window_start": start, "window_end": start + timedelta(days=4), "services": ()},
        errors=errors or {},
    )


def _service_names(network: Network, lang: Lang) -> dict[str, str]:
    return {s.code: str(getattr(s, f"name_{lang}")) for s in network.services}


@router.post("/counter/check")
def counter_check(
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    lang: LangDep,
    user: OfficePage,
    typed: TypedForm,
    csrf: CsrfField = "",
    back: Annotated[bool, Form()] = False,
) -> Response:
    """Check your answers: the request as it would be filed (the place it resolves to, the service days its
    window covers), with Send and Change; a mistake re-shows the form with each field's message, nothing lost."""
    form = typed.as_dict()
    if back:  # "Change" on the check page: the form again, as typed
        return _counter_page(request, session, network, today, lang, user, form=form)
    if not csrf_ok(user, csrf):
        errors = {"form": text(lang, "expired")}
        return _counter_page(request, session, network, today, lang, user, form=form, errors=errors, status_code=403)
    caller = user.user.principal
    new, errors = attempt(typed, lang, lambda given: check_request(caller=caller, network=network, today=today,
                                                                   given=given))  # fmt: skip
    if new is not None:
        names = _service_names(network, lang)
        days = service_days(new.window_start, new.window_end)
        return render(
            request,
            lang,
            "counter_check.html",
            user=user,
            form=form,
            place=place_label(network, new.place_id, lang),
            window=f"{format_day(lang, new.window_start)} – {format_day(lang, new.window_end)}",
            days=[format_day(lang, d) for d in days],
            services=[names.get(code, code) for code in new.services],
            priority=text(lang, f"pr_{new.priority}"),
            citizens=new.expected_citizens,
            note=new.note,
        )
    return _counter_page(request, session, network, today, lang, user, form=form, errors=errors, status_code=422)


@router.post("/counter/requests")
def counter_file(
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    lang: LangDep,
    user: OfficePage,
    typed: TypedForm,
    csrf: CsrfField = "",
) -> Response:
    """File the checked request; the confirmation names its id. A mistake (say the window passed meanwhile)
    re-shows the form with each field's message (422), nothing lost."""
    form = typed.as_dict()
    if not csrf_ok(user, csrf):
        errors = {"form": text(lang, "expired")}
        return _counter_page(request, session, network, today, lang, user, form=form, errors=errors, status_code=403)
    caller = user.user.principal
    filed, errors = attempt(typed, lang, lambda given: file_request(session, caller=caller, network=network,
                                                                    today=today, given=given))  # fmt: skip
    if filed is not None:
        return RedirectResponse(f"/counter?filed={filed[0].id}", status_code=303)
    return _counter_page(request, session, network, today, lang, user, form=form, errors=errors, status_code=422)


@router.get("/counter/requests/{request_id}/edit")
def counter_edit(
    request_id: str,
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    lang: LangDep,
    user: OfficePage,
) -> Response:
    """The form filled with a submitted request, to change it (another office's request is "not found")."""
    stored = read_request(session, caller=user.user.principal, request_id=request_id[:64])
    form = {
        "where": stored.settlement or network.place(stored.place_id).name_az,
        "window_start": stored.window_start,
        "window_end": stored.window_end,
        "citizens": stored.expected_citizens,
        "services": stored.services,
        "priority": stored.priority,
        "note": stored.note,
    }
    return _counter_page(request, session, network, today, lang, user, form=form, editing=stored.id)


@router.post("/counter/requests/{request_id}")
def counter_change(
    request_id: str,
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    today: TodayDep,
    lang: LangDep,
    user: OfficePage,
    typed: TypedForm,
    csrf: CsrfField = "",
) -> Response:
    """Change a submitted request; once the planners decided it, the change is refused with the reason."""
    rid = request_id[:64]
    form = typed.as_dict()
    if not csrf_ok(user, csrf):
        errors = {"form": text(lang, "expired")}
        return _counter_page(request, session, network, today, lang, user, form=form, errors=errors, editing=rid,
                             status_code=403)  # fmt: skip
    caller = user.user.principal

    def change(given: RequestFields) -> StoredRequest:
        return change_request(session, caller=caller, network=network, today=today, request_id=rid, given=given)

    changed, errors = attempt(typed, lang, change)
    if changed is not None:
        return RedirectResponse(f"/counter?changed={rid}", status_code=303)
    return _counter_page(request, session, network, today, lang, user, form=form, errors=errors, editing=rid,
                         status_code=422)  # fmt: skip


@router.post("/counter/requests/{request_id}/cancel")
def counter_cancel(
    request_id: str,
    session: SessionDep,
    user: OfficePage,
    csrf: CsrfField = "",
) -> Response:
    """Cancel one of the office's own requests (another office's is "not found", as in the API)."""
    if not csrf_ok(user, csrf):
        return RedirectResponse("/counter", status_code=303)
    cancel_request(session, caller=user.user.principal, request_id=request_id[:64])
    return RedirectResponse("/counter", status_code=303)


@router.get("/counter/visits.ics")
def counter_calendar(session: SessionDep, network: NetworkDep, user: OfficePage) -> Response:
    """The office's scheduled visits as an iCalendar file, one event per stop that serves its requests."""
    mine = list_requests(session, caller=user.user.principal)
    body = office_visits_ics(mine, network, office=user.user.principal.name)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="sefer-visits.ics"'})  # fmt: skip
