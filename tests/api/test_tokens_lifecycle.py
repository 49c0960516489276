"""Token expiry, last use, rotation with an overlap, revocation, and the throttle on wrong tokens per address,
through the real app and, for the commands, the real ``sefer token`` CLI."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from api.services import principals
from api.services.accounts import MAX_ADDRESS_FAILURES
from api.services.principals import Role
from tests.api.tokens import bearer
from tests.console import run_sefer


def _sessions(app: FastAPI) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.state.session_factory
    return factory


def _create(app: FastAPI, days: int = 90) -> tuple[int, str]:
    with _sessions(app)() as session:
        principal, token = principals.create_principal(
            session, network=app.state.network, role=Role.PLANNER, name="p", expires_in_days=days
        )
    return principal.id, token


def _set(app: FastAPI, principal_id: int, column: str, value: datetime | None) -> None:
    with _sessions(app).begin() as session:
        session.execute(text(f"UPDATE principals SET {column} = :v WHERE id = :id"), {"v": value, "id": principal_id})


def _info(app: FastAPI, principal_id: int) -> principals.TokenInfo:
    with _sessions(app)() as session:
        (info,) = [i for i in principals.list_tokens(session) if i.principal.id == principal_id]
    return info


def test_a_new_token_expires_after_its_days_and_then_is_401(app: FastAPI, anonymous: TestClient) -> None:
    principal_id, token = _create(app, days=7)
    expires = _info(app, principal_id).expires_at
    assert expires is not None
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    assert anonymous.get("/places", headers=bearer(token)).status_code == 200
    with _sessions(app)() as session:  # expiry as the database compares it, not a mocked clock
        session.execute(
            text("UPDATE principals SET expires_at = :v WHERE id = :id"),
            {"v": datetime.now(UTC) - timedelta(seconds=1), "id": principal_id},
        )
        session.commit()
    response = anonymous.get("/places", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_revoked_token_is_401(app: FastAPI, anonymous: TestClient) -> None:
    principal_id, token = _create(app)
    with _sessions(app)() as session:
        principals.revoke_principal(session, principal_id=principal_id)
    assert anonymous.get("/places", headers=bearer(token)).status_code == 401


def test_last_use_is_written_at_most_once_a_minute(app: FastAPI, anonymous: TestClient) -> None:
    principal_id, token = _create(app)
    assert _info(app, principal_id).last_used_at is None
    assert anonymous.get("/places", headers=bearer(token)).status_code == 200
    first = _info(app, principal_id).last_used_at
    assert first is not None and datetime.now(UTC) - first < timedelta(seconds=30)
    anonymous.get("/places", headers=bearer(token))
    assert _info(app, principal_id).last_used_at == first  # within the minute: not written again
    _set(app, principal_id, "last_used_at", datetime.now(UTC) - timedelta(minutes=2))
    anonymous.get("/places", headers=bearer(token))
    later = _info(app, principal_id).last_used_at
    assert later is not None and later > first


def test_rotation_gives_a_new_token_and_the_old_one_works_only_for_the_overlap(
    app: FastAPI, anonymous: TestClient
) -> None:
    principal_id, old = _create(app)
    with _sessions(app)() as session:
        rotated, new = principals.rotate_token(session, principal_id=principal_id, overlap_hours=2)
    assert rotated.id == principal_id and new != old
    assert anonymous.get("/places", headers=bearer(new)).status_code == 200
    assert anonymous.get("/places", headers=bearer(old)).status_code == 200  # inside the overlap
    until = _info(app, principal_id).previous_expires_at
    assert until is not None and timedelta(hours=1, minutes=59) < until - datetime.now(UTC) <= timedelta(hours=2)
    _set(app, principal_id, "previous_expires_at", datetime.now(UTC) - timedelta(seconds=1))
    assert anonymous.get("/places", headers=bearer(old)).status_code == 401
    assert anonymous.get("/places", headers=bearer(new)).status_code == 200


def test_rotation_without_overlap_ends_the_old_token_at_once(app: FastAPI, anonymous: TestClient) -> None:
    principal_id, old = _create(app)
    with _sessions(app)() as session:
        principals.rotate_token(session, principal_id=principal_id, overlap_hours=0)
    assert anonymous.get("/places", headers=bearer(old)).status_code == 401


def test_a_revoked_principal_is_not_rotated(app: FastAPI, anonymous: TestClient) -> None:
    principal_id, _ = _create(app)
    with _sessions(app)() as session:
        principals.revoke_principal(session, principal_id=principal_id)
        with pytest.raises(principals.Conflict):
            principals.rotate_token(session, principal_id=principal_id)


def test_wrong_tokens_from_one_address_are_throttled_even_before_a_right_one(
    app: FastAPI, anonymous: TestClient
) -> None:
    _, token = _create(app)
    for attempt in range(MAX_ADDRESS_FAILURES):
        assert anonymous.get("/places", headers=bearer(f"sfr_wrong{attempt}")).status_code == 401
    throttled = anonymous.get("/places", headers=bearer(token))
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    with _sessions(app)() as session:  # kept in the database: another process sees the same count
        count = session.execute(text("SELECT count(*) FROM login_failures")).scalar_one()
    assert count == MAX_ADDRESS_FAILURES
    with _sessions(app).begin() as session:  # the window passes
        session.execute(text("UPDATE login_failures SET at = :v"), {"v": datetime.now(UTC) - timedelta(hours=1)})
    assert anonymous.get("/places", headers=bearer(token)).status_code == 200


def test_right_tokens_are_not_counted(app: FastAPI, anonymous: TestClient) -> None:
    _, token = _create(app)
    for _ in range(MAX_ADDRESS_FAILURES + 5):
        assert anonymous.get("/places", headers=bearer(token)).status_code == 200


def test_the_token_commands_create_list_rotate_and_revoke(tmp_path: Path, database_url: str) -> None:
    env = {"SEFER_DATABASE_URL": database_url}
    made = run_sefer(
        "token", "create", "--role", "planner", "--name", "ops", "--expires-in-days", "30", cwd=tmp_path, env=env
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().startswith("sfr_")
    listed = run_sefer("token", "list", cwd=tmp_path, env=env)
    (line,) = [row for row in listed.stdout.splitlines() if "'ops'" in row]
    principal_id = line.split()[0]
    expected = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
    assert f"expires={expected}" in line and "last-used=never" in line
    rotated = run_sefer("token", "rotate", principal_id, "--overlap-hours", "1", cwd=tmp_path, env=env)
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip().startswith("sfr_") and rotated.stdout.strip() != made.stdout.strip()
    listed = run_sefer("token", "list", cwd=tmp_path, env=env)
    assert re.search(rf"^{principal_id} .*old-token-until=", listed.stdout, re.MULTILINE)
    bad = run_sefer(
        "token", "create", "--role", "planner", "--name", "x", "--expires-in-days", "0", cwd=tmp_path, env=env
    )
    assert bad.returncode == 2 and "expires_in_days" in bad.stderr and "Traceback" not in bad.stderr
    missing = run_sefer("token", "rotate", "9999", cwd=tmp_path, env=env)
    assert missing.returncode == 2 and "not found" in missing.stderr
