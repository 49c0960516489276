"""FastAPI dependencies: a database session per request and the objects the app factory built."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from api.settings import Settings
from scheduler.calendar import BAKU
from scheduler.domain import Network


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request, closed afterwards; handlers only read, so nothing is committed."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        yield session


def get_network(request: Request) -> Network:
    """The bundled reference network, loaded once at start-up."""
    network: Network = request.app.state.network
    return network


def get_app_settings(request: Request) -> Settings:
    """The settings this app was built with (not necessarily the environment's: tests pass their own)."""
    settings: Settings = request.app.state.settings
    return settings


def get_today() -> date:
    """Today's date in Azerbaijan; tests override this dependency to pin the calendar."""
    return datetime.now(BAKU).date()


SessionDep = Annotated[Session, Depends(get_session)]
NetworkDep = Annotated[Network, Depends(get_network)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
TodayDep = Annotated[date, Depends(get_today)]
