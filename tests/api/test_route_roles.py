"""The authorisation matrix, generated from the app's own route table: every route declares who may use it (or is
on the short public list), and every route answers every kind of caller as its declaration says — anonymous,
each role, and an office reaching for another office's request. A new route without a declared role fails here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.http.auth import SESSION_COOKIE, RoleCheck
from api.services import accounts
from api.services.principals import Role
from api.web.session import PageCheck
from tests.api.tokens import bearer, make_token

PUBLIC = {
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/health"),
    ("GET", "/livez"),
    ("GET", "/readyz"),
    ("GET", "/public/stops"),
    ("GET", "/public/stops.geojson"),
    ("GET", "/public/stops.ics"),
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
}
"""The routes anyone may use: the citizens' page and feeds, health, the API's documentation, signing in and out."""

PASSWORD = "matrix password long enough"


def _routes(app: FastAPI) -> Iterator[APIRoute]:
    """Every API route, through included routers."""

    def flat(routes: list[object]) -> Iterator[APIRoute]:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                yield from flat(included.routes)
            elif isinstance(route, APIRoute):
                yield route

    yield from flat(list(app.routes))


def _check(route: APIRoute) -> RoleCheck | PageCheck | None:
    found: list[RoleCheck | PageCheck] = []

    def walk(dependant: object) -> None:
        for dependency in getattr(dependant, "dependencies", ()):
            if isinstance(dependency.call, RoleCheck | PageCheck):
                found.append(dependency.call)
            walk(dependency)

    walk(route.dependant)
    assert len({type(c) for c in found}) <= 1, route.path
    return found[0] if found else None


def test_every_route_is_public_or_declares_its_roles(app: FastAPI) -> None:
    """A route on neither list would be open by accident."""
    undeclared = [
        (method, route.path)
        for route in _routes(app)
        for method in route.methods
        if (method, route.path) not in PUBLIC and _check(route) is None
    ]
    assert undeclared == []
    assert len(list(_routes(app))) > 50


@dataclass(frozen=True)
class Caller:
    name: str
    role: str | None
    headers: dict[str, str]
    cookie: str | None
    csrf: str = ""


@pytest.fixture
def callers(app: FastAPI, anonymous: TestClient) -> list[Caller]:
    """Anonymous, and per role a bearer token and a signed-in web session of the same kind of principal."""
    factory: sessionmaker[Session] = app.state.session_factory
    out = [Caller("anonymous", None, {}, None)]
    for role, places in ((Role.OFFICE, ("AZ-QAB",)), (Role.PLANNER, ()), (Role.ADMIN, ())):
        token = make_token(app, role, places, name=f"{role.value} token")
        with factory() as session:
            accounts.create_user(session, network=app.state.network, role=role, name=f"{role.value} person",
                                 places=places, password=PASSWORD)  # fmt: skip
            signed = accounts.sign_in(session, name=f"{role.value} person", password=PASSWORD, address="matrix")
        out.append(Caller(role.value, role.value, bearer(token), signed.cookie, signed.session.csrf_token))
    return out


@pytest.fixture
def others_request(app: FastAPI, anonymous: TestClient) -> str:
    """A request filed through the API by another office (Şəki's), which the Qəbələ office must not reach."""
    start = date.today() + timedelta(days=10)
    body = {"place_id": "AZ-SAK", "window_start": str(start), "window_end": str(start + timedelta(days=3)),
            "expected_citizens": 30}  # fmt: skip
    token = make_token(app, Role.OFFICE, ("AZ-SAK",), name="Şəki office")
    filed = anonymous.post("/requests", json=body, headers=bearer(token))
    assert filed.status_code == 201, filed.text
    return str(filed.json()["id"])


def _url(path: str, request_id: str) -> str:
    values = {"plan_id": "1", "job_id": "1", "request_id": request_id, "place_id": "AZ-QAB", "centre_id": "ASAN-QAB-1",
              "vehicle_id": "BUS-01", "date": "2031-01-06", "login": "nobody"}  # fmt: skip
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_every_route_answers_every_caller_as_declared(
    app: FastAPI, anonymous: TestClient, callers: list[Caller], others_request: str
) -> None:
    """API routes: no token → 401, a role not declared → 403, a declared role passes the gate (any other answer:
    200, 404, 409, 422 …). Pages: no session → to the sign-in page, a role not declared → 403, a declared one
    passes. An office never reaches another office's request (404), through the API or a page."""
    wrong: list[str] = []
    for route in _routes(app):
        check = _check(route)
        for method in sorted(route.methods):
            if (method, route.path) in PUBLIC:
                continue
            assert check is not None
            url = _url(route.path, others_request)
            for caller in callers:
                anonymous.cookies.clear()
                if caller.cookie is not None and isinstance(check, PageCheck):
                    anonymous.cookies.set(SESSION_COOKIE, caller.cookie)
                headers = caller.headers if isinstance(check, RoleCheck) else {}
                form = {"csrf": caller.csrf} if isinstance(check, PageCheck) and method == "POST" else None
                answer = anonymous.request(method, url, headers=headers, data=form, follow_redirects=False)
                status = answer.status_code
                if caller.role is None:
                    expected_ok = (status == 401) if isinstance(check, RoleCheck) else (
                        status == 303 and answer.headers["location"].startswith("/login"))  # fmt: skip
                elif caller.role not in check.roles:
                    expected_ok = status == 403
                else:
                    expected_ok = status not in (401, 403) and not answer.headers.get("location", "").startswith(
                        "/login"
                    )
                    if caller.role == "office" and "{request_id}" in route.path:
                        # not found; or, for a change, the empty body refused before any lookup (it reveals nothing)
                        expected_ok = status == 404 or (status == 422 and not route.path.endswith("/edit")
                                                        and not route.path.endswith("/cancel"))  # fmt: skip
                if not expected_ok:
                    wrong.append(f"{method} {url} as {caller.name}: {status}")
    assert wrong == [], "\n".join(wrong)


def test_an_office_lists_only_its_own_requests(
    app: FastAPI, anonymous: TestClient, callers: list[Caller], others_request: str
) -> None:
    office = next(c for c in callers if c.role == "office")
    listed = anonymous.get("/requests", headers=office.headers)
    assert listed.status_code == 200 and others_request not in listed.text
    anonymous.cookies.set(SESSION_COOKIE, office.cookie or "")
    assert others_request not in anonymous.get("/counter").text
    assert others_request not in anonymous.get("/counter/visits.ics").text
    change = {"expected_citizens": 31}
    assert anonymous.patch(f"/requests/{others_request}", json=change, headers=office.headers).status_code == 404
    start = date.today() + timedelta(days=10)
    form = {"csrf": office.csrf, "where": "Bum", "window_start": str(start), "window_end": str(start),
            "citizens": "31"}  # fmt: skip
    assert anonymous.post(f"/counter/requests/{others_request}", data=form).status_code == 404
