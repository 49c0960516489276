"""The planner's reference pages: the fleet's maintenance calendar, the places' populations, the centres' status
and opening date. Thin adapters over ``api.services.fleet`` and ``api.services.reference`` with the API's rules."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as FastPath
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.errors import InvalidInput, NotFound
from api.http.deps import SessionDep, TodayDep
from api.services import accounts, reference
from api.services.fleet import book_maintenance, cancel_maintenance, fleet_with_maintenance
from api.services.limits import MAX_POPULATION
from api.web.render import field_messages, render
from api.web.session import CsrfField, LangDep, PlannerPage, csrf_ok
from maps.i18n import Lang, format_day, text
from scheduler.domain import CentreStatus

router = APIRouter(include_in_schema=False)

IdPath = Annotated[str, FastPath(max_length=64)]
Notice = Annotated[str | None, Query(max_length=20)]
_NOTICES = {"booked", "cancelled", "population_saved", "centre_saved"}


def _back(page: str, notice: str) -> RedirectResponse:
    return RedirectResponse(f"/desk/{page}?{urlencode({'notice': notice})}", status_code=303)


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


# --- fleet ------------------------------------------------------------------------------------------------------


@router.get("/desk/fleet")
def fleet_page(
    request: Request, session: SessionDep, today: TodayDep, lang: LangDep, user: PlannerPage, notice: Notice = None
) -> Response:
    """Every vehicle with its upcoming maintenance days; book or cancel one."""
    return _fleet(request, session, today, lang, user, notice=notice)


def _fleet(
    request: Request,
    session: Session,
    today: date,
    lang: Lang,
    user: accounts.StoredWebSession,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    vehicles = [
        (v, [(d, format_day(lang, d)) for d in days if d >= today]) for v, days in fleet_with_maintenance(session)
    ]
    return render(
        request,
        lang,
        "fleet.html",
        status_code,
        user=user,
        vehicles=vehicles,
        today=today.isoformat(),
        notice=f"n_{notice}" if notice in _NOTICES else None,
        errors=errors or {},
    )


@router.post("/desk/fleet/{vehicle_id}/book")
def fleet_book(
    vehicle_id: IdPath,
    request: Request,
    session: SessionDep,
    today: TodayDep,
    lang: LangDep,
    user: PlannerPage,
    csrf: CsrfField = "",
    day: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Book a maintenance day for one vehicle (today up to the API's limit ahead)."""
    if not csrf_ok(user, csrf):
        return _fleet(request, session, today, lang, user, errors={"form": text(lang, "expired")}, status_code=403)
    parsed = _date(day)
    if parsed is None:
        return _fleet(request, session, today, lang, user, errors={vehicle_id: text(lang, "bad_date")},
                      status_code=422)  # fmt: skip
    try:
        book_maintenance(session, vehicle_id=vehicle_id, day=parsed, today=today)
    except (InvalidInput, NotFound) as exc:
        session.rollback()
        return _fleet(request, session, today, lang, user, errors={vehicle_id: str(exc)}, status_code=422)
    return _back("fleet", "booked")


@router.post("/desk/fleet/{vehicle_id}/cancel")
def fleet_cancel(
    vehicle_id: IdPath,
    request: Request,
    session: SessionDep,
    today: TodayDep,
    lang: LangDep,
    user: PlannerPage,
    csrf: CsrfField = "",
    day: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Cancel one booked maintenance day."""
    if not csrf_ok(user, csrf):
        return _fleet(request, session, today, lang, user, errors={"form": text(lang, "expired")}, status_code=403)
    parsed = _date(day)
    try:
        if parsed is None:
            raise InvalidInput("date", text(lang, "bad_date"), day)
        cancel_maintenance(session, vehicle_id=vehicle_id, day=parsed)
    except (InvalidInput, NotFound) as exc:
        session.rollback()
        return _fleet(request, session, today, lang, user, errors={vehicle_id: str(exc)}, status_code=422)
    return _back("fleet", "cancelled")


# --- places -----------------------------------------------------------------------------------------------------


_ASCII = str.maketrans({"ı": "i", "ş": "s", "ç": "c", "ğ": "g", "ö": "o", "ü": "u"})


def _spellings(name: str) -> set[str]:
    """``name`` case-folded, and in ASCII with ə as a and as e (Qəbələ: qabala, qebele), accents dropped."""
    folded = name.casefold().replace("i̇", "i")
    plain = "".join(c for c in unicodedata.normalize("NFKD", folded.translate(_ASCII)) if not unicodedata.combining(c))
    return {folded, plain.replace("ə", "a"), plain.replace("ə", "e")}


def _matches(query: str, *names: str) -> bool:
    """Whether ``query`` is part of any of ``names`` in any of their spellings (an empty query matches all)."""
    wanted = _spellings(query.strip())
    return "" in wanted or any(w in s for name in names if name for s in _spellings(name) for w in wanted)


@router.get("/desk/places")
def places_page(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    user: PlannerPage,
    q: Annotated[str, Query(max_length=100)] = "",
    notice: Notice = None,
) -> Response:
    """The first-level units with population and economic region; filter by any spelling; correct a population."""
    return _places(request, session, lang, user, q=q, notice=notice)


def _places(
    request: Request,
    session: Session,
    lang: Lang,
    user: accounts.StoredWebSession,
    *,
    q: str = "",
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    units = [p for p in reference.places(session) if p.unit_id is None]
    shown = [p for p in units if _matches(q, p.id, p.name_az, p.name_en, p.name_ru, p.centre_az, p.centre_en)]
    return render(
        request,
        lang,
        "places.html",
        status_code,
        user=user,
        places=shown,
        total=len(units),
        q=q,
        max_population=MAX_POPULATION,
        notice=f"n_{notice}" if notice in _NOTICES else None,
        errors=errors or {},
        form=form or {},
    )


@router.post("/desk/places/{place_id}")
def places_correct(
    place_id: IdPath,
    request: Request,
    session: SessionDep,
    today: TodayDep,
    lang: LangDep,
    user: PlannerPage,
    csrf: CsrfField = "",
    population: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Correct one place's population (0 to the API's maximum)."""
    if not csrf_ok(user, csrf):
        return _places(request, session, lang, user, errors={"form": text(lang, "expired")}, status_code=403)
    form = {place_id: population}
    try:
        value = int(population.strip().replace(" ", "").replace(",", ""))
    except ValueError:
        return _places(request, session, lang, user, errors={place_id: text(lang, "bad_population")}, form=form,
                       status_code=422)  # fmt: skip
    try:
        reference.correct_population(session, place_id=place_id, population=value, today=today)
    except InvalidInput as exc:
        session.rollback()
        messages = field_messages(exc)
        return _places(request, session, lang, user, errors={place_id: messages.get("population", str(exc))},
                       form=form, status_code=422)  # fmt: skip
    except NotFound as exc:
        session.rollback()
        return _places(request, session, lang, user, errors={place_id: str(exc)}, form=form, status_code=422)
    return _back("places", "population_saved")


# --- centres ----------------------------------------------------------------------------------------------------


def _opened_label(lang: Lang, opened: str) -> str:
    if opened in {"", "unknown"}:
        return text(lang, "opened_unknown")
    parsed = _date(opened)
    return format_day(lang, parsed) if parsed is not None else opened


@router.get("/desk/centres")
def centres_page(
    request: Request, session: SessionDep, lang: LangDep, user: PlannerPage, notice: Notice = None
) -> Response:
    """The ASAN and DOST centres with status and opening date; change either."""
    return _centres(request, session, lang, user, notice=notice)


def _centres(
    request: Request,
    session: Session,
    lang: Lang,
    user: accounts.StoredWebSession,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    centres = reference.centres(session)
    return render(
        request,
        lang,
        "centres.html",
        status_code,
        user=user,
        centres=[(c, _opened_label(lang, c.opened)) for c in centres],
        statuses=[s.value for s in CentreStatus],
        notice=f"n_{notice}" if notice in _NOTICES else None,
        errors=errors or {},
    )


@router.post("/desk/centres/{centre_id}")
def centres_correct(
    centre_id: IdPath,
    request: Request,
    session: SessionDep,
    lang: LangDep,
    user: PlannerPage,
    csrf: CsrfField = "",
    status: Annotated[str, Form(max_length=200)] = "",
    opened: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Set a centre's status and/or opening date (an empty field stays as it is, like the API's omitted one)."""
    if not csrf_ok(user, csrf):
        return _centres(request, session, lang, user, errors={"form": text(lang, "expired")}, status_code=403)
    new_status = None
    if status:
        if status not in {s.value for s in CentreStatus}:
            return _centres(request, session, lang, user, errors={centre_id: text(lang, "bad_status")},
                            status_code=422)  # fmt: skip
        new_status = CentreStatus(status)
    new_opened = _date(opened) if opened.strip() else None
    if opened.strip() and new_opened is None:
        return _centres(request, session, lang, user, errors={centre_id: text(lang, "bad_date")}, status_code=422)
    if new_status is None and new_opened is None:
        return _centres(request, session, lang, user, errors={centre_id: text(lang, "centre_nothing")},
                        status_code=422)  # fmt: skip
    try:
        reference.correct_centre(session, centre_id=centre_id, status=new_status, opened=new_opened)
    except NotFound as exc:
        session.rollback()
        return _centres(request, session, lang, user, errors={centre_id: str(exc)}, status_code=422)
    return _back("centres", "centre_saved")
