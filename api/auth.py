"""Principals and bearer tokens: who is calling, and may they.

Tokens are random (256 bits), shown once when created and stored only as their SHA-256, so a database dump does
not hand out access. Roles: ``admin`` (everything), ``planner`` (fleet, plans, every request), ``office`` (its own
places' requests). A missing or unknown token answers 401, the wrong role 403.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import SessionDep
from data.repository import StoredPrincipal, principal_by_token

TOKEN_PREFIX = "sfr_"


class Role(StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    OFFICE = "office"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_bearer = HTTPBearer(auto_error=False, description="A token from `sefer token create`.")


def current_principal(
    session: SessionDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> StoredPrincipal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    principal = principal_by_token(session, token_sha256=token_digest(credentials.credentials))
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
