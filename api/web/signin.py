"""Signing in and out: the form with its own CSRF token, the session cookie, where each role lands."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.http.auth import SESSION_COOKIE
from api.http.deps import SessionDep
from api.services import accounts
from api.web.render import render
from api.web.session import CsrfField, LangDep, WebUserDep, csrf_ok
from maps.i18n import Lang, text

router = APIRouter(include_in_schema=False)


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
    csrf: CsrfField = "",
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
def logout(request: Request, session: SessionDep, user: WebUserDep, csrf: CsrfField = "") -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if user is not None and cookie and csrf_ok(user, csrf):
        accounts.sign_out(session, cookie=cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
