"""Every change asked of the app is written to the audit log: who (the principal the role check admitted, if any),
what (the method and the route), which objects (the route's path parameters), the outcome (the status answered)
and the request id, which every answer also carries in ``X-Request-ID`` (a caller's own id is kept when it is a
plain token), as does every log line written for the request (``api.logs``). Reads are not logged; nothing of a
body is (a sign-in's password never reaches the log)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from api.logs import bind_request_id
from api.services.audit import AuditEntry, record

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PLAIN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def admitted(request: Request, principal_id: int, name: str, role: str) -> None:
    """Called by the role checks: the principal a request acts as, for its audit entry."""
    request.state.audit_principal = (principal_id, name, role)


def add_audit_log(app: FastAPI) -> None:
    @app.middleware("http")
    async def audit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        given = request.headers.get("x-request-id", "")
        request_id = given if _PLAIN_ID.fullmatch(given) else uuid.uuid4().hex
        request.state.request_id = request_id
        # Every line logged for this request carries its id; uvicorn runs each request in its own task (a copy
        # of the context), so the binding ends with the request and reaches the access log written as it ends.
        bind_request_id(request_id)
        response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        sessions = getattr(request.app.state, "session_factory", None)
        if request.method in WRITES and sessions is not None:
            await run_in_threadpool(record, sessions, _entry(request, request_id, response.status_code))
        return response


def _entry(request: Request, request_id: str, status: int) -> AuditEntry:
    principal_id, name, role = getattr(request.state, "audit_principal", (None, "", ""))
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    objects = {str(k): str(v)[:200] for k, v in request.scope.get("path_params", {}).items()}
    address = request.client.host if request.client is not None else ""
    return AuditEntry(datetime.now(UTC), request_id, principal_id, name, role, f"{request.method} {template}",
                      objects, status, address)  # fmt: skip
