"""``sefer serve`` and ``sefer worker``: the long-running processes. On PostgreSQL any number of each may share a
database (the schema comes from the one-shot ``sefer db upgrade``); the embedded SQLite default runs one server
that also runs its solves."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Annotated

import typer

from api.cli.support import fail, use_case
from api.jobs.queue import WorkerState, run_worker_async
from api.logs import configure_logging
from api.services.store import connect, open_store, reference_data, schema_current
from api.settings import Settings, get_settings

MAX_PROCESSES = 64


def _check_database(settings: Settings) -> None:
    """The reference data loads and the database answers; on PostgreSQL its schema is current (exit 2 if not)."""
    use_case(lambda: reference_data(settings.data_dir))
    engine = use_case(lambda: connect(settings.database_url))
    try:
        # On PostgreSQL several processes share the database: migrations are the one-shot `sefer db upgrade`.
        # The embedded SQLite default keeps migrating at start-up, so the one-command demo needs nothing else.
        if not settings.resolved_migrate_on_start and not schema_current(engine):
            raise fail("the database schema is older than this version of sefer; run `sefer db upgrade` first")
    finally:
        engine.dispose()


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=MAX_PROCESSES, help="API processes (more than one needs PostgreSQL).")
    ] = 1,
) -> None:
    """Serve the API, the web pages and the public page with uvicorn."""
    import uvicorn

    settings = get_settings()
    if workers > 1 and settings.resolved_job_queue == "local":
        raise fail("--workers above 1 needs PostgreSQL (SEFER_DATABASE_URL=postgresql+psycopg://...)")
    _check_database(settings)
    if settings.resolved_job_queue == "procrastinate":
        typer.echo("solves are queued in the database: run `sefer worker` to run them", err=True)
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers)


def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=MAX_PROCESSES, help="Solves this worker runs at once (each uses the cores).")
    ] = 1,
) -> None:
    """Run queued solves (PostgreSQL): as many workers, on as many machines, as reach the database."""
    settings = get_settings()
    configure_logging(settings.log_format)
    if settings.resolved_job_queue != "procrastinate":
        raise fail("sefer worker runs the PostgreSQL job queue; on SQLite `sefer serve` runs the solves itself")
    _check_database(settings)
    store = use_case(lambda: open_store(database_url=settings.database_url, data_dir=settings.data_dir, prepare=False))
    state = WorkerState(sessions=store.sessions, database_url=settings.database_url, data_dir=settings.data_dir)
    name = f"{socket.gethostname()}-{os.getpid()}"
    typer.echo(f"worker {name}: running up to {concurrency} solve(s) at once; SIGTERM drains", err=True)
    try:
        asyncio.run(run_worker_async(state, concurrency=concurrency, name=name))
    finally:
        store.close()


def register_processes(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
