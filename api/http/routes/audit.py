"""The audit log, for admins: who asked for which change to which objects, and how it ended."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.http.auth import require
from api.http.deps import SessionDep
from api.http.schemas.requests import ErrorPublic
from api.services import audit
from api.services.principals import Role, StoredPrincipal

router = APIRouter(tags=["audit"])

AdminDep = Annotated[StoredPrincipal, Depends(require(Role.ADMIN))]


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    request_id: str = Field(description="Also the answer's X-Request-ID header.")
    principal_id: int | None = Field(description="None when the caller was not recognised.")
    principal: str
    role: str
    action: str = Field(description="The method and the route, e.g. 'POST /plans/{plan_id}/publish'.")
    objects: dict[str, str] = Field(description="The route's path parameters.")
    status: int = Field(description="The HTTP status answered.")
    address: str


_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "No valid bearer token"},
    403: {"model": ErrorPublic, "description": "Only admins read the audit log"},
}


@router.get("/audit", responses=_AUTH)
def read_audit_log(
    session: SessionDep,
    caller: AdminDep,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_ENTRIES, description="How many entries, newest first.")] = 100,
    principal_id: Annotated[int | None, Query(ge=1, le=2_147_483_647, description="Only this principal's.")] = None,
) -> list[AuditEntryPublic]:
    """The newest changes asked of the API and the web pages (sign-ins included, without names or passwords)."""
    entries = audit.audit_log(session, limit=limit, principal_id=principal_id)
    return [AuditEntryPublic.model_validate(asdict(e) | {"id": e.id or 0}) for e in entries]
