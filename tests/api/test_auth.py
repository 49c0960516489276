"""Tokens and roles: every non-public endpoint needs a valid bearer token, and the right role."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.services.principals import Role, token_digest
from data.models import PrincipalRow
from tests.api.apps import app_on
from tests.api.tokens import make_token
from tests.console import run_sefer


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return app_on(f"sqlite:///{tmp_path / 'auth.db'}")


@pytest.mark.parametrize("path", ["/places", "/plans/1", "/plans/1/map"])
def test_no_token_or_a_wrong_one_is_401(anonymous: TestClient, path: str) -> None:
    """Without a token, with a malformed or an unknown one: 401 with a Bearer challenge."""
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer sfr_not-a-real-token"}):
        response = anonymous.get(path, headers=headers)
        assert response.status_code == 401, (path, headers)
        assert response.headers["www-authenticate"] == "Bearer"


def test_public_endpoints_need_no_token(anonymous: TestClient) -> None:
    """/health, /public/stops and the docs stay open."""
    for path in ("/health", "/public/stops", "/docs", "/openapi.json"):
        assert anonymous.get(path).status_code == 200, path


def test_an_office_may_read_places_but_not_plans(app: FastAPI, anonymous: TestClient) -> None:
    """The wrong role is 403, not 404: an office token cannot read internal plans."""
    office = {"Authorization": f"Bearer {make_token(app, Role.OFFICE, ('AZ-QAB',))}"}
    assert anonymous.get("/places", headers=office).status_code == 200
    assert anonymous.get("/plans/1", headers=office).status_code == 403
    admin = {"Authorization": f"Bearer {make_token(app, Role.ADMIN)}"}
    assert anonymous.get("/plans/1", headers=admin).status_code == 404


def test_tokens_are_stored_hashed(app: FastAPI, anonymous: TestClient) -> None:
    """The database keeps the token's SHA-256, never the token itself."""
    token = make_token(app, Role.PLANNER)
    factory: sessionmaker[Session] = app.state.session_factory
    with factory() as session:
        stored = session.scalars(select(PrincipalRow.token_sha256)).all()
    assert stored == [token_digest(token)]
    assert token not in stored and len(stored[0]) == 64


def test_token_create_prints_a_token_that_works(tmp_path: Path) -> None:
    """`sefer token create` prints one token; bad roles and places are one error line, exit 2."""
    db = {"SEFER_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    made = run_sefer("token", "create", "--role", "office", "--places", "AZ-QAB,AZ-OGU", "--name", "Gabala office",
                     cwd=tmp_path, env=db)  # fmt: skip
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("sfr_") and len(token) > 40
    with TestClient(app_on(db["SEFER_DATABASE_URL"])) as anonymous:
        assert anonymous.get("/places", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    for args, message in (
        (("--role", "office", "--name", "x"), "--places"),
        (("--role", "planner", "--places", "AZ-QAB", "--name", "x"), "--places"),
        (("--role", "office", "--places", "AZ-NOPE", "--name", "x"), "AZ-NOPE"),
    ):
        bad = run_sefer("token", "create", *args, cwd=tmp_path, env=db)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr
