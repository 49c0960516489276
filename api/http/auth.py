"""Who is calling on HTTP, and may they: a bearer token (``api.services.principals``), or, for reading only (GET
and HEAD), the session cookie of a signed-in web user (``api.services.accounts``), so a planner can open the map,
an itinerary or a CSV from the desk by a plain link. A write always needs the bearer token, or a web form with its
CSRF token (``api.web``). A missing, unknown, expired or revoked credential answers 401, the wrong role 403; past
``api.services.accounts.MAX_ADDRESS_FAILURES`` failures from one address in ``THROTTLE_WINDOW``, 429 with
``Retry-After``, without the token being looked at. Every authenticated request is counted against the
principal's requests a minute (``api.services.rate_limits``): past the limit, 429 with ``Retry-After``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.http.audit import admitted
from api.http.deps import SessionDep
from api.services.accounts import THROTTLE_WINDOW, TooManyAttempts, authenticate_bearer, signed_in
from api.services.principals import Role, StoredPrincipal
from api.services.rate_limits import RequestRates, count_request
from api.settings import Settings

SESSION_COOKIE = "sefer_session"
"""The web session's cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS)."""
_SAFE_METHODS = frozenset({"GET", "HEAD"})

_bearer = HTTPBearer(auto_error=False, description="A token from `sefer token create`.")


def current_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> StoredPrincipal:
    principal = _authenticated(request, session, credentials)
    settings: Settings = request.app.state.settings
    rates = RequestRates(settings.rate_limit_reads_per_minute, settings.rate_limit_writes_per_minute)
    count_request(session, principal_id=principal.id, write=request.method not in _SAFE_METHODS, rates=rates)
    return principal


def _authenticated(
    request: Request, session: SessionDep, credentials: HTTPAuthorizationCredentials | None
) -> StoredPrincipal:
    cookie = request.cookies.get(SESSION_COOKIE)
    if credentials is None and cookie and request.method in _SAFE_METHODS:
        web = signed_in(session, cookie=cookie)
        if web is not None:
            return web.user.principal
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    address = request.client.host if request.client is not None else "unknown"
    try:
        principal = authenticate_bearer(session, token=credentials.credentials, address=address)
    except TooManyAttempts as exc:
        retry = str(int(THROTTLE_WINDOW.total_seconds()))
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, exc.message, headers={"Retry-After": retry}) from None
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "unknown, expired or revoked token", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


PrincipalDep = Annotated[StoredPrincipal, Depends(current_principal)]


@dataclass(frozen=True, slots=True)
class RoleCheck:
    """A dependency admitting only principals of ``roles``; a class, so a test can read every route's roles."""

    roles: frozenset[str]

    def __call__(self, request: Request, principal: PrincipalDep) -> StoredPrincipal:
        admitted(request, principal.id, principal.name, principal.role)
        if principal.role not in self.roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {principal.role} may not do this")
        return principal


def require(*roles: Role) -> RoleCheck:
    """A dependency admitting only ``roles`` (admin always)."""
    return RoleCheck(frozenset({r.value for r in roles} | {Role.ADMIN.value}))


PlannerDep = Annotated[StoredPrincipal, Depends(require(Role.PLANNER))]
AnyRoleDep = Annotated[StoredPrincipal, Depends(require(Role.PLANNER, Role.OFFICE))]
