"""Schemathesis over the whole app's OpenAPI schema (every endpoint, whoever wrote it), as an office, a planner and
an admin, and a stateful run over a visit request's lifecycle.

Each operation gets its documented examples plus a few generated cases; a response must not be a 5xx and must
match the schema: a documented status code and content type, and a body valid against the response schema.
The database is a fresh SQLite file holding one stored plan (vehicles ``BUS-01`` and ``TEST-TRAIN-1``) and one
request ``REQ-1a2b3c4d``, so the path examples reach real resources and not only 404s. The requests-a-minute
limits are off here (their 429 is documented, but would stand in for most answers); the solve quota is on.

The stateful run follows the OpenAPI links of ``/requests`` (create → read, change, cancel) with the same checks.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FlakyStrategyDefinition
from hypothesis.strategies import SearchStrategy
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.http.deps import get_today
from api.services.limits import MAX_NOTE_CHARS
from api.services.principals import Role
from api.settings import Settings
from data.gazetteer import geonames_settlements
from data.plans import save_plan
from scheduler.domain import Network
from scheduler.plan import Plan
from scheduler.requests import Priority, VisitRequest
from tests.api.tokens import make_token
from tests.factories import make_plan, store_request

GENERATED_EXAMPLES = {Role.PLANNER: 20, Role.OFFICE: 8, Role.ADMIN: 8}
"""Generated cases per operation and role, on top of the documented examples: the planner's run goes deepest (the
admin's differs by one endpoint, the office's answers 403 for most); the whole file stays near a minute and a half
on a busy machine."""
VALID_FILING: dict[str, Any] = {
    "place_id": "AZ-QAB",
    "window_start": "2026-11-23",
    "window_end": "2026-11-27",
    "expected_citizens": 80,
    "services": ["passport"],
    "priority": "normal",
}
"""A request the office may file on ``EXAMPLES_TODAY``."""
STATEFUL_SCENARIOS = 12
STATEFUL_RESTARTS = 5
STATEFUL_STEPS = 8
EXAMPLES_TODAY = date(2026, 11, 20)
"""A Friday before the week the ``POST /requests`` examples ask for (2026-11-23 to 27): the stateful run pins today
to it, so an example creates a request and the lifecycle's links have something to follow."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
STATEFUL_CHECKS: list[CheckFunction] = [*CHECKS, ensure_resource_availability, use_after_free]
"""The stateful run adds: a resource just created can be read; one deleted cannot."""


def _as_bus_01(plan: Plan) -> Plan:
    """make_plan with its bus renamed BUS-01, the vehicle id the OpenAPI examples use."""
    old = plan.vehicles[0].id
    routes = tuple(
        dataclasses.replace(
            route,
            vehicle_id="BUS-01",
            stops=tuple(dataclasses.replace(s, vehicle_id="BUS-01") for s in route.stops),
            legs=tuple(dataclasses.replace(g, vehicle_id="BUS-01") for g in route.legs),
        )
        if route.vehicle_id == old
        else route
        for route in plan.routes
    )
    vehicles = (dataclasses.replace(plan.vehicles[0], id="BUS-01"), *plan.vehicles[1:])
    return dataclasses.replace(plan, vehicles=vehicles, routes=routes)


@pytest.fixture
def seeded_app(tmp_path: Path) -> Iterator[tuple[FastAPI, dict[Role, str]]]:
    """The app on a fresh SQLite file with a plan, a request and a token per role (the office's for the request's
    place); lifespans stopped after."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'sefer.db'}",
        map_tiles=None,
        rate_limit_reads_per_minute=0,
        rate_limit_writes_per_minute=0,
    )
    app = create_app(settings)
    # The first unknown settlement name a process meets loads the GeoNames extract (seconds on a busy machine);
    # loaded here, so that request does not run into Schemathesis's 10 s read timeout.
    geonames_settlements()
    with TestClient(app):
        tokens = {
            Role.PLANNER: make_token(app, Role.PLANNER, name="Schemathesis planner"),
            Role.OFFICE: make_token(app, Role.OFFICE, places=("AZ-QAB",), name="Schemathesis office"),
            Role.ADMIN: make_token(app, Role.ADMIN, name="Schemathesis admin"),
        }
        network: Network = app.state.network
        factory: sessionmaker[Session] = app.state.session_factory
        start = date.today() + timedelta(days=7)
        with factory.begin() as session:
            save_plan(session, plan=_as_bus_01(make_plan(network)))
            store_request(
                session,
                VisitRequest(
                    "REQ-1a2b3c4d", "AZ-QAB", start, start + timedelta(days=4), 80, ("passport",), Priority.URGENT
                ),
            )
    try:
        yield app, tokens
    finally:
        shutdown_lifespans()  # Schemathesis keeps the app's lifespan running for the process otherwise


@pytest.fixture
def api_schema(seeded_app: tuple[FastAPI, dict[Role, str]]) -> schemathesis.BaseSchema:
    app, _ = seeded_app
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _check_operation(strategy: SearchStrategy[schemathesis.Case], headers: dict[str, str], max_examples: int) -> None:
    """Run ``max_examples`` cases of one strategy; raises the first failing check (with a curl to replay it)."""

    @given(case=strategy)
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize("role", [Role.OFFICE, Role.PLANNER, Role.ADMIN], ids=lambda r: r.value)
def test_every_endpoint_answers_as_documented(
    api_schema: schemathesis.BaseSchema, seeded_app: tuple[FastAPI, dict[Role, str]], role: Role
) -> None:
    """For every operation, as ``role``: each documented example, then generated cases. No 5xx, and every
    response's status, content type and body match the OpenAPI schema (a 403 for what the role may not do is
    documented too). All findings are collected, then reported together."""
    headers = {"Authorization": f"Bearer {seeded_app[1][role]}"}
    failures: list[str] = []
    labels: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        started = time.perf_counter()
        strategies = [*api_schema.get_strategies_from_examples(operation), operation.as_strategy()]
        for number, strategy in enumerate(strategies):
            last = number == len(strategies) - 1
            try:
                _check_operation(strategy, headers, GENERATED_EXAMPLES[role] if last else 1)
            except (Exception, BaseExceptionGroup) as exc:  # a failed check: note it, go on with the rest
                kind = "generated" if last else "example"
                inner = exc.exceptions if isinstance(exc, BaseExceptionGroup) else ()  # e.g. FlakyFailure's cause
                causes = "".join(f"\n  {type(e).__name__}: {e}" for e in inner)
                failures.append(f"{operation.label} ({kind}): {type(exc).__name__}: {exc}{causes}")
        print(f"{operation.label}: {len(strategies) - 1} examples + generated, {time.perf_counter() - started:.1f} s")
    assert "POST /requests" in labels
    assert "GET /plans/{plan_id}/vehicles/{vehicle_id}.ics" in labels
    assert not failures, "\n\n".join(failures)


def test_a_request_s_lifecycle_follows_the_links(
    api_schema: schemathesis.BaseSchema, seeded_app: tuple[FastAPI, dict[Role, str]]
) -> None:
    """Schemathesis's state machine over ``/requests``, as the office: it files requests and follows the OpenAPI
    links from each answer to read, change and cancel that request, checking every answer as above. The run must
    have created a request and followed a link from it to each of read, change and cancel (with the id it was
    given), so the lifecycle was exercised and not only its 422s."""
    app, tokens = seeded_app
    app.dependency_overrides[get_today] = lambda: EXAMPLES_TODAY
    headers = {"Authorization": f"Bearer {tokens[Role.OFFICE]}"}
    # Without the list (a root Schemathesis prefers), filing is where each scenario starts.
    schema = api_schema.include(path_regex="^/requests").exclude(path="/requests", method="GET")
    seen: list[tuple[str, int, str | None]] = []

    class Lifecycle(schema.as_state_machine()):  # type: ignore[misc]
        filings = 0

        def before_call(self, case: schemathesis.Case) -> None:
            """A scenario's first, third, ... filing gets a valid body (a generated one hardly names a known place
            and an open window), keeping its generated note when that is valid, so there is a request to follow.
            Counted per scenario, so a scenario replays the same (Hypothesis checks that it does)."""
            if case.operation.label == "POST /requests":
                self.filings += 1
                if self.filings % 2:
                    note = case.body.get("note") if isinstance(case.body, dict) else None
                    valid_note = isinstance(note, str) and len(note) <= MAX_NOTE_CHARS and "\x00" not in note
                    case.body = {**VALID_FILING, "note": note if valid_note else ""}

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(
            self,
            response: schemathesis.Response,
            case: schemathesis.Case,
            additional_checks: list[CheckFunction] | None = None,
            **kwargs: Any,
        ) -> None:
            request_id = (case.path_parameters or {}).get("request_id")
            seen.append((case.operation.label, response.status_code, request_id))
            case.validate_response(
                response, checks=STATEFUL_CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder
            )

    scenario_settings = settings(
        max_examples=STATEFUL_SCENARIOS,
        stateful_step_count=STATEFUL_STEPS,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    for _ in range(STATEFUL_RESTARTS):
        try:
            Lifecycle.run(settings=scenario_settings)
            break
        except FlakyStrategyDefinition:
            # The server's state (and Schemathesis's own coin flips) made a replayed prefix draw differently;
            # Schemathesis's runner starts again in that case, and so does this test. A real failure propagates.
            continue
    calls = sorted({(label, status) for label, status, _ in seen})
    print(f"stateful: {len(seen)} calls; {', '.join(f'{label} {status}' for label, status in calls)}")
    created = {label for label, status, _ in seen if label == "POST /requests" and status == 201}
    assert created, f"no request was created: {sorted({(lb, st) for lb, st, _ in seen})}"
    followed = {label for label, status, rid in seen if rid is not None and rid != "REQ-1a2b3c4d" and status < 400}
    assert {"GET /requests/{request_id}", "PATCH /requests/{request_id}", "POST /requests/{request_id}/cancel"} <= (
        followed
    ), sorted(set(seen))
