"""Bearer tokens on HTTP: who is calling, and may they (``api.services.principals`` holds the roles and tokens).
A missing, unknown or revoked token answers 401, the wrong role 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.http.deps import SessionDep
from api.services.principals import Role, StoredPrincipal, authenticate

_bearer = HTTPBearer(auto_error=False, description="A token from `sefer token create`.")


def current_principal(
    session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> StoredPrincipal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    principal = authenticate(session, token=credentials.credentials)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


PrincipalDep = Annotated[StoredPrincipal, Depends(current_principal)]


def require(*roles: Role) -> Callable[[StoredPrincipal], StoredPrincipal]:
    """A dependency admitting only ``roles`` (admin always)."""
    allowed = {r.value for r in roles} | {Role.ADMIN.value}

    def check(principal: PrincipalDep) -> StoredPrincipal:
        if principal.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {principal.role} may not do this")
        return principal

    return check


PlannerDep = Annotated[StoredPrincipal, Depends(require(Role.PLANNER))]
AnyRoleDep = Annotated[StoredPrincipal, Depends(require(Role.PLANNER, Role.OFFICE))]
