"""What the CLI commands share: one-line errors with their exit codes, dates, and a use case run on the
configured database (migrated, reference data synced) with the bundled network and fleet."""

from __future__ import annotations

import os
import platform
import socket
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

import typer
from sqlalchemy.orm import Session

from api.errors import InvalidInput, SeferError
from api.services.store import Store
from api.services.store import with_store as open_and_run
from api.settings import get_settings
from scheduler.calendar import BAKU, WeekError
from scheduler.problem import NoSolution

T = TypeVar("T")


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    return typer.Exit(code)


def today() -> date:
    """Today in Baku: the planners' calendar."""
    return datetime.now(BAKU).date()


def machine_line() -> str:
    """Where and when figures were measured: CPU model, cores, Python, date (UTC), for benchmark output."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"machine: {model}, {os.cpu_count()} cores, Python {platform.python_version()}, {when}"


def parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} must be a date as YYYY-MM-DD, got {text!r}") from None


OPTIONS = {
    "place_id": "--place",
    "settlement": "--settlement",
    "window_start": "--from",
    "window_end": "--to",
    "expected_citizens": "--citizens",
    "services": "--services",
    "note": "--note",
    "places": "--places",
    "name": "--name",
    "date": "DAY",
    "week_start": "--week",
    "time_limit_s": "--time-limit",
}
"""The CLI's name for a use case's input field, so an error names what the user typed."""


def message_of(exc: SeferError) -> str:
    """The error as the CLI says it: a bad input names its option."""
    if not isinstance(exc, InvalidInput):
        return exc.message
    field = str(exc.errors[0].loc[0])
    bare = exc.message.removeprefix(f"{field}: ")
    return f"{OPTIONS.get(field, field)}: {bare}"


def use_case(action: Callable[[], T]) -> T:
    """Run a use case; its ``SeferError`` becomes one ``error:`` line (naming the option of a bad input) and the
    error's exit code (2 or 1), and so do the core's own refusals: a bad week (2), a solve that found nothing (1),
    and a file that cannot be written (2)."""
    try:
        return action()
    except SeferError as exc:
        raise fail(message_of(exc), exc.exit_code) from None
    except WeekError as exc:
        raise fail(str(exc)) from None
    except NoSolution as exc:
        raise fail(f"{exc}; the previous plan is unchanged", 1) from None
    except OSError as exc:
        raise fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)) from None


def with_store(action: Callable[[Store], T]) -> T:
    """Run ``action`` on the configured store; every ``SeferError`` (the store's own included) becomes one line
    and its exit code."""
    settings = get_settings()
    return use_case(lambda: open_and_run(action, database_url=settings.database_url, data_dir=settings.data_dir))


def in_session(action: Callable[[Session], T]) -> T:
    """Run ``action`` in one session of the configured store (use cases commit themselves)."""

    def run(store: Store) -> T:
        with store.sessions() as session:
            return action(session)

    return with_store(run)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now, for a bench's own server (the benches talk to loopback only)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
