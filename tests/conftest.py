"""Shared fixtures: a database URL for each backend the machine offers (a SQLite file; PostgreSQL when
``SEFER_TEST_POSTGRES_URL`` names one), and engines that are always disposed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from data.db import make_engine, make_session_factory, migrate
from data.models import Base
from data.queue_schema import drop_queue_schema

POSTGRES_URL_ENV = "SEFER_TEST_POSTGRES_URL"
"""e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``; the PostgreSQL cases skip when it is unset."""


def _drop_schema(url: str) -> None:
    """Drop the project's tables and ``alembic_version`` (only those: the database may hold other tables)."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            drop_queue_schema(connection)
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a fresh SQLite file, or the PostgreSQL test database, left clean afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sefer.db'}"
        return
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    _drop_schema(url)  # a previous run that was killed may have left tables behind
    try:
        yield url
    finally:
        _drop_schema(url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine on the empty database, disposed after the test."""
    engine = make_engine(database_url)
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated database; the test commits what it wants to keep."""
    with make_session_factory(engine)() as session:
        yield session


@pytest.fixture(scope="session", autouse=True)
def compiled_searches() -> None:
    """Compile (or load from numba's cache) the array searches once, before any test's solve: their first compile
    on a fresh checkout takes 15-30 s, which would eat the one- or two-second budgets the tests give a solve."""
    from routing import vrptw_ls, week_ls
    from routing.benchmarks import pvrp_ls

    vrptw_ls.warm_up()
    week_ls.warm_up()
    pvrp_ls.warm_up()
