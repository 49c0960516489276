"""The audit log: every change asked of the API or the pages is recorded with who, what, which objects, the
outcome and the request id; reads are not; admins alone read it; the database refuses to change or delete it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from api.services.principals import Role
from tests.api.apps import app_on
from tests.api.tokens import bearer, make_token
from tests.console import run_sefer


def test_changes_are_logged_with_who_what_which_and_how_it_ended(app: FastAPI, anonymous: TestClient) -> None:
    office = bearer(make_token(app, Role.OFFICE, ("AZ-QAB",), name="Qəbələ office"))
    admin = bearer(make_token(app, Role.ADMIN, name="root"))
    start = date.today() + timedelta(days=10)
    body = {"place_id": "AZ-QAB", "window_start": str(start), "window_end": str(start), "expected_citizens": 20}
    filed = anonymous.post("/requests", json=body, headers=office | {"X-Request-ID": "office-42"})
    assert filed.status_code == 201 and filed.headers["x-request-id"] == "office-42"
    request_id = filed.json()["id"]
    cancelled = anonymous.post(f"/requests/{request_id}/cancel", headers=office)
    refused = anonymous.post("/plans", json={}, headers=office)  # an office may not plan: 403
    anonymous.post("/plans", json={})  # nobody: 401
    anonymous.post("/login", data={"name": "root", "password": "a secret never logged", "csrf": "x"})
    anonymous.get("/requests", headers=office)  # a read: not logged
    odd = anonymous.post("/plans", json={}, headers={"X-Request-ID": "<script>"})
    assert odd.headers["x-request-id"] != "<script>" and len(odd.headers["x-request-id"]) == 32

    log = anonymous.get("/audit", headers=admin, params={"limit": 10})
    assert log.status_code == 200
    entries = log.json()
    assert [e["action"] for e in entries] == [
        "POST /plans", "POST /login", "POST /plans", "POST /plans", "POST /requests/{request_id}/cancel",
        "POST /requests",
    ]  # fmt: skip
    newest_filed = entries[-1]
    assert newest_filed["principal"] == "Qəbələ office" and newest_filed["role"] == "office"
    assert newest_filed["status"] == 201 and newest_filed["request_id"] == "office-42"
    assert entries[-2]["objects"] == {"request_id": request_id} and entries[-2]["status"] == cancelled.status_code
    assert entries[-3]["status"] == refused.status_code == 403 and entries[-3]["principal"] == "Qəbələ office"
    assert entries[-4]["status"] == 401 and entries[-4]["principal_id"] is None
    assert "a secret never logged" not in log.text
    mine = anonymous.get("/audit", headers=admin, params={"principal_id": newest_filed["principal_id"]}).json()
    assert {e["principal"] for e in mine} == {"Qəbələ office"} and len(mine) == 3


def test_only_admins_read_the_log(app: FastAPI, anonymous: TestClient) -> None:
    assert anonymous.get("/audit").status_code == 401
    assert anonymous.get("/audit", headers=bearer(make_token(app, Role.PLANNER))).status_code == 403
    assert anonymous.get("/audit", headers=bearer(make_token(app, Role.ADMIN)), params={"limit": 0}).status_code == 422


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET status = 200", "DELETE FROM audit_log"])
def test_the_database_refuses_to_change_the_log(app: FastAPI, anonymous: TestClient, statement: str) -> None:
    anonymous.post("/plans", json={})
    factory: sessionmaker[Session] = app.state.session_factory
    with pytest.raises(DBAPIError, match="append-only"), factory.begin() as session:
        session.execute(text(statement))
    with factory() as session:
        assert session.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 1


def test_sefer_audit_list_prints_the_newest_changes(tmp_path: Path) -> None:
    app = app_on(f"sqlite:///{tmp_path / 'sefer.db'}")
    with TestClient(app) as client:
        client.post("/plans", json={}, headers={"X-Request-ID": "cli-check"})
    listed = run_sefer("audit", "list", "--limit", "5", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "cli-check - POST /plans - 401" in listed.stdout
    assert run_sefer("audit", "list", "--limit", "0", cwd=tmp_path).returncode == 2
