"""Requests per principal and minute: reads and writes counted apart in the database, so two API processes on one
database share the count; past the limit 429 with ``Retry-After`` and the limit's name; a new minute starts
afresh; public endpoints are not counted (they write nothing)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.errors import TooManyRequests
from api.services.principals import Role
from api.services.rate_limits import RequestRates, count_request
from api.settings import Settings
from data.db import make_session_factory
from data.models import RequestCountRow
from data.principals import add_principal
from tests.api.tokens import bearer, make_token

RATES = RequestRates(reads_per_minute=3, writes_per_minute=2)


def _principal(session: Session, name: str) -> int:
    principal_id = add_principal(session, name=name, role="planner", places=(), token_sha256=name * 8)
    session.commit()
    return principal_id


def test_the_count_is_per_principal_kind_and_minute(session: Session) -> None:
    """Three reads pass and the fourth is refused with the seconds left in its minute; writes have their own
    count, so do other principals; the next minute starts from one."""
    mine, theirs = _principal(session, "aaaaaaaa"), _principal(session, "bbbbbbbb")
    now = datetime(2026, 11, 20, 9, 30, 15, 500_000, tzinfo=UTC)
    for _ in range(3):
        count_request(session, principal_id=mine, write=False, rates=RATES, now=now)
    with pytest.raises(TooManyRequests) as refused:
        count_request(session, principal_id=mine, write=False, rates=RATES, now=now)
    assert (refused.value.limit, refused.value.allowed, refused.value.retry_after_s) == (
        "rate_limit_reads_per_minute",
        3,
        45,
    )
    count_request(session, principal_id=mine, write=True, rates=RATES, now=now)
    count_request(session, principal_id=theirs, write=False, rates=RATES, now=now)
    later = now + timedelta(minutes=1)
    for _ in range(3):
        count_request(session, principal_id=mine, write=False, rates=RATES, now=later)
    assert session.scalar(select(func.count()).select_from(RequestCountRow)) == 3, "one row per principal and kind"


def test_zero_turns_a_limit_off(session: Session) -> None:
    """A limit of 0 counts nothing and refuses nothing."""
    mine = _principal(session, "cccccccc")
    for _ in range(5):
        count_request(session, principal_id=mine, write=True, rates=RequestRates(3, 0))
    assert session.scalar(select(func.count()).select_from(RequestCountRow)) == 0


def test_concurrent_requests_are_each_counted_once(engine: Engine) -> None:
    """Twenty threads, each its own connection, count a write at once against a limit of ten: exactly ten pass
    (the upsert serialises on the row; no count is lost or shared)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time; the race is a server database's")
    sessions = make_session_factory(engine)
    with sessions() as session:
        mine = _principal(session, "dddddddd")
    start = threading.Barrier(20)
    outcomes: list[bool] = []
    lock = threading.Lock()
    now = datetime.now(UTC)

    def one() -> None:
        start.wait()
        with sessions() as session:
            try:
                count_request(session, principal_id=mine, write=True, rates=RequestRates(0, 10), now=now)
                passed = True
            except TooManyRequests:
                passed = False
        with lock:
            outcomes.append(passed)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * 10 + [True] * 10


@pytest.fixture
def two_processes(database_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps (standing in for two API processes) on one database, with small limits."""
    settings = Settings(
        database_url=database_url,
        map_tiles=None,
        rate_limit_reads_per_minute=3,
        rate_limit_writes_per_minute=2,
        migrate_on_start=True,
    )
    with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
        yield first, second


def _fresh_minute() -> None:
    """Wait for the next minute when this one is about to end, so a test's requests share one window."""
    if datetime.now(UTC).second >= 50:
        time.sleep(61 - datetime.now(UTC).second)


def test_two_processes_share_the_count(two_processes: tuple[TestClient, TestClient]) -> None:
    """Reads alternate between the two apps; the fourth in the minute answers 429 whichever app it reaches, with
    ``Retry-After`` and the limit named; writes are counted apart, and another principal is not affected."""
    first, second = two_processes
    app: FastAPI = first.app  # type: ignore[assignment]
    mine = bearer(make_token(app, Role.PLANNER, name="Busy"))
    _fresh_minute()
    for client in (first, second, first):
        assert client.get("/plans", headers=mine).status_code == 200
    refused = second.get("/plans", headers=mine)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert (refused.json()["limit"], refused.json()["allowed"]) == ("rate_limit_reads_per_minute", 3)
    assert first.get("/plans", headers=mine).status_code == 429
    write = {"week_start": "2020-01-06"}  # a week that is over: refused (422), but counted
    assert [c.post("/plans", json=write, headers=mine).status_code for c in (first, second, first)] == [422, 422, 429]
    other = bearer(make_token(app, Role.PLANNER, name="Other"))
    assert second.get("/plans", headers=other).status_code == 200


def test_public_endpoints_are_not_counted(two_processes: tuple[TestClient, TestClient]) -> None:
    """The citizens' endpoints and the probes have no principal: past any limit they still answer, and they
    write no count."""
    first, _ = two_processes
    for _ in range(10):
        assert first.get("/public/stops").status_code == 200
        assert first.get("/livez").status_code == 200
    factory: sessionmaker[Session] = first.app.state.session_factory  # type: ignore[attr-defined]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(RequestCountRow)) == 0
