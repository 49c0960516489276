"""FastAPI dependencies: a database session per request and the objects the app factory built."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from api.services.jobs import JobQueue, SolveQuota
from api.settings import Settings
from scheduler.calendar import BAKU
from scheduler.domain import Fleet, Network


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request, closed afterwards (rolling back whatever was not committed); the use cases
    commit what they change."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        yield session


def get_sessions(request: Request) -> sessionmaker[Session]:
    """The session factory, for the use cases that open their own transactions (hand edits, publishing)."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def get_fleet(request: Request) -> Fleet:
    """The bundled fleet, loaded once at start-up."""
    fleet: Fleet = request.app.state.fleet
    return fleet


def get_runner(request: Request) -> JobQueue:
    """The job runner of this process (``api.jobs.JobRunner``)."""
    runner: JobQueue = request.app.state.job_runner
    return runner


def get_solve_quota(request: Request) -> SolveQuota:
    """How many solves one principal may have running and queued (``SEFER_MAX_*_SOLVES_PER_PRINCIPAL``)."""
    settings: Settings = request.app.state.settings
    return SolveQuota(settings.max_running_solves_per_principal, settings.max_queued_solves_per_principal)


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
SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
FleetDep = Annotated[Fleet, Depends(get_fleet)]
RunnerDep = Annotated[JobQueue, Depends(get_runner)]
SolveQuotaDep = Annotated[SolveQuota, Depends(get_solve_quota)]
NetworkDep = Annotated[Network, Depends(get_network)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
TodayDep = Annotated[date, Depends(get_today)]
