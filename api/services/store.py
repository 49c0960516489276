"""The composition root every adapter shares: the bundled network and fleet, and the configured database,
migrated and synced with the reference data. The CLI opens one per command, the HTTP app one per process, a job
worker one per job."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.errors import SeferError, Unavailable
from data.bundled import DataError, load_fleet, load_network
from data.db import DatabaseUnavailable, make_engine, make_session_factory, migrate, ping, schema_revision
from data.reference_sync import sync_reference
from scheduler.domain import Fleet, Network

T = TypeVar("T")


class BadData(SeferError):
    """The bundled or configured data folder cannot be read (``SEFER_DATA_DIR``)."""

    exit_code = 2


class DatabaseDown(Unavailable):
    """The configured database (``SEFER_DATABASE_URL``) is malformed or does not answer: a setting to fix, so the
    CLI exits 2 like other bad input."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Store:
    engine: Engine
    sessions: sessionmaker[Session]
    network: Network
    fleet: Fleet

    def close(self) -> None:
        self.engine.dispose()


def reference_data(data_dir: Path | None) -> tuple[Network, Fleet]:
    """The network and fleet of ``data_dir`` (None: the bundled Azerbaijan data)."""
    try:
        return load_network(data_dir), load_fleet(data_dir)
    except (DataError, OSError) as exc:
        raise BadData(str(exc)) from None


def connect(database_url: str) -> Engine:
    """An engine for ``database_url``; ``Unavailable`` when the database cannot be reached."""
    try:
        return make_engine(database_url)
    except DatabaseUnavailable as exc:
        raise DatabaseDown(str(exc)) from None


def open_store(*, database_url: str, data_dir: Path | None, prepare: bool = True) -> Store:
    """Load the reference data and connect; with ``prepare`` (a process that owns the database: the CLI, the web
    app) also migrate the schema and upsert the reference data. A job worker does neither: its server did."""
    network, fleet = reference_data(data_dir)
    engine = connect(database_url)
    try:
        if prepare:
            migrate(engine)
        sessions = make_session_factory(engine)
        if prepare:
            with sessions.begin() as session:
                sync_reference(session, network=network, fleet=fleet)
    except DatabaseUnavailable as exc:
        engine.dispose()
        raise DatabaseDown(str(exc)) from None
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, sessions, network, fleet)


def schema_current(engine: Engine) -> bool:
    """Whether the schema is at the newest revision: on PostgreSQL the processes refuse to start otherwise, and
    ``sefer db upgrade`` brings it there."""
    with Session(engine) as session:
        current, head = schema_revision(session)
    return current == head


def with_store(action: Callable[[Store], T], *, database_url: str, data_dir: Path | None) -> T:
    """Run ``action`` on a store opened for it and closed after."""
    store = open_store(database_url=database_url, data_dir=data_dir)
    try:
        return action(store)
    finally:
        store.close()


def check_schema(session: Session) -> None:
    """``Unavailable`` unless the database answers and its schema is at the newest migration (readiness)."""
    try:
        current, head = schema_revision(session)
    except SQLAlchemyError as exc:
        raise Unavailable("database unavailable") from exc
    if current != head:
        raise Unavailable(f"schema at revision {current or 'none'}, this server needs {head}")


def check_database(session: Session) -> None:
    """``Unavailable`` unless the database answers a trivial query (the health check)."""
    try:
        ping(session)
    except SQLAlchemyError as exc:
        raise Unavailable("database unavailable") from exc
