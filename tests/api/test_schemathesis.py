"""Schemathesis over the whole app's OpenAPI schema (every endpoint, whoever wrote it), as a planner.

Each operation gets its documented examples plus a few generated cases; a response must not be a 5xx and must
match the schema: a documented status code and content type, and a body valid against the response schema.
The database is a fresh SQLite file holding one stored plan (vehicles ``BUS-01`` and ``TEST-TRAIN-1``) and one
request ``REQ-1a2b3c4d``, so the path examples reach real resources and not only 404s.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import SearchStrategy
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.services.principals import Role
from api.settings import Settings
from data.plans import save_plan
from scheduler.domain import Network
from scheduler.plan import Plan
from scheduler.requests import Priority, VisitRequest
from tests.api.tokens import make_token
from tests.factories import make_plan, store_request

GENERATED_EXAMPLES = 30
"""Generated cases per operation, on top of the documented examples: keeps the whole run near half a minute."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


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
def seeded_app(tmp_path: Path) -> Iterator[tuple[FastAPI, str]]:
    """The app on a fresh SQLite file with a plan, a request and a planner token; lifespans stopped after."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'sefer.db'}", map_tiles=None))
    with TestClient(app):
        token = make_token(app, Role.PLANNER, name="Schemathesis planner")
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
        yield app, token
    finally:
        shutdown_lifespans()  # Schemathesis keeps the app's lifespan running for the process otherwise


@pytest.fixture
def api_schema(seeded_app: tuple[FastAPI, str]) -> schemathesis.BaseSchema:
    app, _ = seeded_app
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture
def planner_headers(seeded_app: tuple[FastAPI, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded_app[1]}"}


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


def test_every_endpoint_answers_as_documented(
    api_schema: schemathesis.BaseSchema, planner_headers: dict[str, str]
) -> None:
    """For every operation: each documented example, then generated cases. No 5xx, and every response's status,
    content type and body match the OpenAPI schema. All findings are collected, then reported together."""
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
                _check_operation(strategy, planner_headers, GENERATED_EXAMPLES if last else 1)
            except (Exception, BaseExceptionGroup) as exc:  # a failed check: note it, go on with the rest
                kind = "generated" if last else "example"
                failures.append(f"{operation.label} ({kind}): {type(exc).__name__}: {exc}")
        print(f"{operation.label}: {len(strategies) - 1} examples + generated, {time.perf_counter() - started:.1f} s")
    assert "POST /requests" in labels
    assert "GET /plans/{plan_id}/vehicles/{vehicle_id}.ics" in labels
    assert not failures, "\n\n".join(failures)
