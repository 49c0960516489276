"""The admins' page: add users, disable and enable them, set a new password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as FastPath
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.errors import Conflict, InvalidInput, NotFound
from api.http.deps import NetworkDep, SessionDep
from api.services import accounts
from api.services.principals import Role
from api.web.render import field_messages, render
from api.web.session import AdminPage, CsrfField, LangDep, csrf_ok
from maps.i18n import Lang, text

router = APIRouter(include_in_schema=False)


@router.get("/admin/users")
def admin_users(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    user: AdminPage,
    notice: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Admins add users, disable and enable them, and set a new password (which ends the user's sessions)."""
    return _users_page(request, session, lang, user, notice=notice)


def _users_page(
    request: Request,
    session: Session,
    lang: Lang,
    user: accounts.StoredWebSession,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        lang,
        "users.html",
        status_code,
        user=user,
        users=accounts.list_users(session),
        roles=[role.value for role in Role],
        notice=f"n_{notice}" if notice in {"user_added", "user_changed"} else None,
        errors=errors or {},
        form=form or {},
    )


@router.post("/admin/users")
def admin_add_user(
    request: Request,
    session: SessionDep,
    network: NetworkDep,
    lang: LangDep,
    user: AdminPage,
    csrf: CsrfField = "",
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    places: Annotated[str, Form(max_length=2000)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    form = {"name": name, "role": role, "places": places}
    if not csrf_ok(user, csrf):
        return _users_page(request, session, lang, user, errors={"form": text(lang, "expired")}, form=form,
                           status_code=403)  # fmt: skip
    if role not in {r.value for r in Role}:
        return _users_page(request, session, lang, user, errors={"role": text(lang, "bad_choice")}, form=form,
                           status_code=422)  # fmt: skip
    try:
        accounts.create_user(
            session, network=network, role=Role(role), name=name, places=tuple(places.split(",")), password=password
        )
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        errors = field_messages(exc) if isinstance(exc, InvalidInput) else {"name": str(exc)}
        return _users_page(request, session, lang, user, errors=errors, form=form, status_code=422)
    return RedirectResponse("/admin/users?notice=user_added", status_code=303)


@router.post("/admin/users/{login}")
def admin_change_user(
    login: Annotated[str, FastPath(max_length=64)],
    request: Request,
    session: SessionDep,
    lang: LangDep,
    user: AdminPage,
    csrf: CsrfField = "",
    action: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """``disable``, ``enable`` or ``reset`` (with ``password``) one user."""
    if not csrf_ok(user, csrf):
        return _users_page(request, session, lang, user, errors={"form": text(lang, "expired")}, status_code=403)
    if action not in {"disable", "enable", "reset"}:
        return _users_page(request, session, lang, user, errors={"action": text(lang, "bad_choice")}, status_code=422)
    try:
        if action == "reset":
            accounts.reset_password(session, name=login, password=password)
        else:
            accounts.set_disabled(session, name=login, disabled=action == "disable")
    except (InvalidInput, NotFound) as exc:
        return _users_page(request, session, lang, user, errors={login: str(exc)}, status_code=422)
    return RedirectResponse("/admin/users?notice=user_changed", status_code=303)
