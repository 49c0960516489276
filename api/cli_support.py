"""What the planner and token commands share: one-line errors and a transaction on the configured database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

import typer
from sqlalchemy.orm import Session, sessionmaker

from api.errors import SeferError
from api.settings import get_settings
from data.bundled import DataError, load_fleet, load_network
from data.db import DatabaseUnavailable, make_engine, make_session_factory, migrate
from data.repository import sync_reference
from scheduler.domain import Fleet, Network

T = TypeVar("T")


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    return typer.Exit(2)


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} must be a date as YYYY-MM-DD, got {text!r}") from None


def use_case(action: Callable[[], T]) -> T:
    """Run a use case; its ``SeferError`` becomes one ``error:`` line and the error's exit code (2 or 1)."""
    try:
        return action()
    except SeferError as exc:
        typer.echo(f"error: {' '.join(exc.message.split())}", err=True)
        raise typer.Exit(exc.exit_code) from None


def with_store(action: Callable[[sessionmaker[Session], Network, Fleet], T]) -> T:
    """Run a use case on the configured database (migrated, reference data synced) with the bundled network and
    fleet; its ``SeferError`` becomes one line and its exit code."""
    settings = get_settings()
    try:
        network = load_network(settings.data_dir)
        fleet = load_fleet(settings.data_dir)
        engine = make_engine(settings.database_url)
        migrate(engine)
    except (DataError, DatabaseUnavailable, OSError) as exc:
        raise fail(str(exc)) from None
    try:
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            sync_reference(session, network=network, fleet=fleet)
        return use_case(lambda: action(sessions, network, fleet))
    finally:
        engine.dispose()


def in_session(action: Callable[[Session], T]) -> T:
    """Run ``action`` in one transaction on the configured database, the reference data synced first."""

    def run(sessions: sessionmaker[Session], network: Network, fleet: Fleet) -> T:
        with sessions.begin() as session:
            return action(session)

    return with_store(run)
