"""The office's counter: ask for a visit, follow and cancel the office's own requests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.errors import Forbidden, InvalidInput
from api.http.deps import NetworkDep, SessionDep, TodayDep
from api.services import accounts
from api.services.requests import RequestFields, cancel_request, file_request, list_requests
from api.web.render import field_messages, render
from api.web.session import CsrfField, LangDep, OfficePage, csrf_ok
from maps.i18n import Lang, format_day, text
from scheduler.calendar import next_week_start
from scheduler.domain import Network
from scheduler.naming import place_label
from scheduler.requests import Priority

router = APIRouter(include_in_schema=False)


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
    csrf: CsrfField = "",
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
            errors = field_messages(exc)
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
    csrf: CsrfField = "",
) -> Response:
    """Cancel one of the office's own requests (another office's is "not found", as in the API)."""
    if not csrf_ok(user, csrf):
        return RedirectResponse("/counter", status_code=303)
    cancel_request(session, caller=user.user.principal, request_id=request_id[:64])
    return RedirectResponse("/counter", status_code=303)
