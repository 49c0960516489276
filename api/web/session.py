"""Who is signed in to the web pages, and the checks every page shares: the session cookie, the role a page
needs, the CSRF token every form carries, the language, and the headers of a page."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from api.http.audit import admitted
from api.http.auth import SESSION_COOKIE
from api.http.deps import SessionDep
from api.services.accounts import StoredWebSession, signed_in
from api.services.principals import Role
from maps.i18n import DEFAULT_LANG, LANGS, Lang

LANG_COOKIE = "sefer_lang"


def page_policy(img_origins: tuple[str, ...] = ()) -> str:
    """No inline script or style, nothing from another host (but the map tiles' origin, when the server is set
    to use a tile server), no framing."""
    images = " ".join(("'self'", "data:", *img_origins))
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )


class SignInNeeded(Exception):
    """Raised by a page dependency: the app answers with a redirect to the sign-in page."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class WrongRole(Exception):
    """Raised by a page dependency: the app answers 403 with a page saying so, and a way back to the user's own
    pages (``role``)."""

    def __init__(self, role: str) -> None:
        super().__init__(role)
        self.role = role


def web_user(request: Request, session: SessionDep) -> StoredWebSession | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    return signed_in(session, cookie=cookie) if cookie else None


WebUserDep = Annotated[StoredWebSession | None, Depends(web_user)]


@dataclass(frozen=True, slots=True)
class PageCheck:
    """A dependency admitting signed-in users of ``roles``; a class, so a test can read every page's roles."""

    roles: frozenset[str]

    def __call__(self, request: Request, user: WebUserDep) -> StoredWebSession:
        if user is None:
            raise SignInNeeded(request.url.path)
        principal = user.user.principal
        admitted(request, principal.id, principal.name, principal.role)
        if principal.role not in self.roles:
            raise WrongRole(principal.role)
        return user


def page_for(*roles: Role) -> object:
    """A dependency admitting signed-in users of ``roles`` (admins always); others are sent to sign in."""
    return Depends(PageCheck(frozenset({r.value for r in roles} | {Role.ADMIN.value})))


PlannerPage = Annotated[StoredWebSession, page_for(Role.PLANNER)]
OfficePage = Annotated[StoredWebSession, page_for(Role.OFFICE)]
AdminPage = Annotated[StoredWebSession, page_for(Role.ADMIN)]


CsrfField = Annotated[str, Form(max_length=100)]
"""The CSRF token every form posts (empty when missing: then refused)."""
DayField = Annotated[date | None, Form()]
"""A date a form posts (None when missing or not a date: then refused)."""


def csrf_ok(user: StoredWebSession, token: str) -> bool:
    return hmac.compare_digest(user.csrf_token.encode(), token.encode())


def language(request: Request) -> Lang:
    """``?lang=`` if given, else the language chosen before (cookie), else Azerbaijani."""
    for given in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if given in LANGS:
            return given
    return DEFAULT_LANG


LangDep = Annotated[Lang, Depends(language)]


def finish(response: Response, request: Request, lang: Lang, img_origins: tuple[str, ...] = ()) -> Response:
    """The headers every page gets: the policy, no caching of personal pages, the language remembered."""
    response.headers["Content-Security-Policy"] = page_policy(img_origins)
    response.headers["Cache-Control"] = "no-store"
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def to_sign_in(path: str, lang: str | None = None) -> RedirectResponse:
    """To the sign-in page, which sends the user back to ``path`` (a page of this site only) in ``lang``."""
    target = path if path.startswith("/") and not path.startswith("//") else "/desk"
    query = {"next": target} | ({"lang": lang} if lang in LANGS else {})
    return RedirectResponse(f"/login?{urlencode(query)}", status_code=303)
