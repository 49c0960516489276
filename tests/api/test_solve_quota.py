"""Solves per principal over HTTP: a planner gets ``max_running + max_queued`` solves at once and the next one
answers 429 with ``Retry-After`` and the limit's name; other planners are not affected; the time budget stays
capped with a 422 naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.jobs.runner import JobRunner
from api.services.jobs import QUOTA_RETRY_AFTER_S
from api.services.principals import Role
from data.plans import save_plan
from tests.api.apps import app_on
from tests.api.tokens import bearer, make_token
from tests.factories import make_plan

WEEK = {"week_start": "2026-11-23", "time_limit_s": 5}


@pytest.fixture
def held(database_url: str) -> Iterator[tuple[FastAPI, TestClient]]:
    """The app with its runner stopped, so submitted jobs stay queued (no worker process is started)."""
    app = app_on(database_url, today=date(2026, 11, 20))
    with TestClient(app) as client:
        runner: JobRunner = app.state.job_runner
        runner.stop()
        yield app, client


def test_a_planner_gets_four_solves_and_the_fifth_answers_429(held: tuple[FastAPI, TestClient]) -> None:
    """With the defaults (1 running, 3 queued) four POST /plans are accepted; the fifth answers 429 naming
    ``max_queued_solves_per_principal`` with ``Retry-After``, and so does a re-optimisation; another planner's
    solves are still accepted."""
    app, client = held
    mine = bearer(make_token(app, Role.PLANNER, name="Busy planner"))
    for _ in range(4):
        assert client.post("/plans", json=WEEK, headers=mine).status_code == 202
    refused = client.post("/plans", json=WEEK, headers=mine)
    assert refused.status_code == 429, refused.text
    assert refused.headers["Retry-After"] == str(QUOTA_RETRY_AFTER_S)
    body = refused.json()
    assert (body["limit"], body["allowed"]) == ("max_queued_solves_per_principal", 3)
    assert "0 running and 4 queued" in body["detail"]
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        plan_id = save_plan(session, plan=make_plan(app.state.network))
    again = client.post(f"/plans/{plan_id}/reoptimize", json={"time_limit_s": 5}, headers=mine)
    assert again.status_code == 429 and again.json()["limit"] == "max_queued_solves_per_principal"
    other = bearer(make_token(app, Role.PLANNER, name="Other planner"))
    assert client.post("/plans", json=WEEK, headers=other).status_code == 202
    assert client.post(f"/plans/{plan_id}/reoptimize", headers=other).status_code == 202
    assert len(client.get("/jobs", headers=mine).json()) == 6


def test_cancelling_a_solve_makes_room(held: tuple[FastAPI, TestClient]) -> None:
    """Once one of the four is cancelled, the planner may queue one more."""
    app, client = held
    mine = bearer(make_token(app, Role.PLANNER))
    ids = [client.post("/plans", json=WEEK, headers=mine).json()["id"] for _ in range(4)]
    assert client.post("/plans", json=WEEK, headers=mine).status_code == 429
    assert client.delete(f"/jobs/{ids[0]}", headers=mine).status_code == 200
    assert client.post("/plans", json=WEEK, headers=mine).status_code == 202


@pytest.mark.parametrize("seconds", [0.5, 601])
def test_the_time_budget_is_capped_with_a_422_naming_the_field(
    held: tuple[FastAPI, TestClient], seconds: float
) -> None:
    """Below 1 s or above 600 s: 422 at ``["body", "time_limit_s"]``, and no job is queued."""
    app, client = held
    mine = bearer(make_token(app, Role.PLANNER))
    refused = client.post("/plans", json={**WEEK, "time_limit_s": seconds}, headers=mine)
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", "time_limit_s"]]
    assert client.get("/jobs", headers=mine).json() == []


def test_the_429_is_documented(held: tuple[FastAPI, TestClient]) -> None:
    """The OpenAPI schema lists 429 with its body for both endpoints that queue a solve."""
    _, client = held
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/plans", "/plans/{plan_id}/reoptimize"):
        assert "429" in paths[path]["post"]["responses"], path
