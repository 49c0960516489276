"""The app factory: nothing touches the database or the environment until ``create_app`` is called."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.errors import SeferError, TooManyRequests, capped_error
from api.http.audit import add_audit_log
from api.http.guards import RequestGuard
from api.http.headers import SecurityHeaders
from api.http.metrics import RequestMetrics, metrics_router
from api.http.openapi import document_limits
from api.http.routes import (
    audit,
    centres,
    docs,
    exports,
    fleet,
    health,
    jobs,
    places,
    plans,
    public,
    requests,
    services,
)
from api.jobs.queue import QueuedJobs
from api.jobs.runner import JobRunner
from api.logs import configure_logging
from api.services.store import open_store, schema_current
from api.settings import Settings, get_settings
from api.web import counter, desk, reference_pages, signin, solves, users, versions
from api.web.render import STATIC_DIR as WEB_STATIC_DIR
from api.web.render import STATIC_URL as WEB_STATIC_URL
from api.web.render import home_page, render
from api.web.session import SignInNeeded, WrongRole, language, to_sign_in
from maps.assets import STATIC_DIR, STATIC_URL

_log = logging.getLogger(__name__)


async def _sign_in_needed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeeded)
    return to_sign_in(exc.path, request.query_params.get("lang"))


async def _wrong_role(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WrongRole)
    return _error_page(request, 403, "", home_page(request.url.path, exc.role))


def _is_page(request: Request) -> bool:
    """Whether the request went to a web page (``api.web``) rather than the JSON API: a person reads its errors."""
    endpoint = request.scope.get("endpoint")
    return getattr(endpoint, "__module__", "").startswith("api.web.")


_HEADINGS = {403: "page_denied", 404: "page_not_found"}


def _error_page(request: Request, status: int, detail: str, back: str | None = None) -> Response:
    """A web page's refusal as a page in the reader's language, with a way back (a stale link to a plan that was
    never made, another role's page), not the API's JSON."""
    back = back or home_page(request.url.path)
    return render(
        request,
        language(request),
        "error.html",
        status,
        user=None,
        status=status,
        heading=_HEADINGS.get(status, "page_refused"),
        detail=detail,
        back=back,
        back_label="back_counter" if back == "/counter" else "back",
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """The database does not answer, dropped the connection, or the pool has no connection free: 503, try again
    shortly; the next request gets a fresh (pre-pinged) connection, so nothing needs a restart. Any other database
    error is a bug: 500, and neither answer carries SQL or a traceback."""
    settings: Settings = request.app.state.settings
    unavailable = isinstance(exc, (OperationalError, PoolTimeout)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )
    if not unavailable:
        _log.error("database error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)
    _log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return JSONResponse(
        {"detail": "the database is unavailable; try again shortly"},
        status_code=503,
        headers={"Retry-After": str(settings.db_retry_after_s)},
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    """FastAPI's 422, but an input longer than ``MAX_ECHO_CHARS`` is cut (a string) or left out (anything else),
    so a large body is never sent back."""
    assert isinstance(exc, RequestValidationError)
    if _is_page(request):
        named = (f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors() if e.get("loc"))
        return _error_page(request, 422, "; ".join(named))
    return JSONResponse({"detail": [capped_error(e) for e in jsonable_encoder(exc.errors())]}, status_code=422)


async def _sefer_error(request: Request, exc: Exception) -> Response:
    """The one mapping of the error tree to HTTP (``api.errors``)."""
    assert isinstance(exc, SeferError)
    if _is_page(request):
        return _error_page(request, exc.http_status, exc.message)
    headers = None
    if exc.http_status == 503:
        settings: Settings = request.app.state.settings
        headers = {"Retry-After": str(settings.db_retry_after_s)}
    elif isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return JSONResponse(exc.body(), status_code=exc.http_status, headers=headers)


class SchemaBehind(RuntimeError):
    """The server was started on a database whose schema is older than its code."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API. At start-up the lifespan connects, migrates and syncs the bundled reference data."""
    resolved = settings if settings is not None else get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(resolved.log_format)
        store = open_store(
            database_url=resolved.database_url,
            data_dir=resolved.data_dir,
            prepare=resolved.resolved_migrate_on_start,
        )
        try:
            if not schema_current(store.engine):
                raise SchemaBehind("the database schema is older than this server; run `sefer db upgrade` first")
            app.state.settings = resolved
            app.state.engine = store.engine
            app.state.session_factory = store.sessions
            app.state.network = store.network
            app.state.fleet = store.fleet
            if resolved.resolved_job_queue == "procrastinate":
                # Solves go to the queue in the database; `sefer worker` processes run them.
                app.state.job_runner = QueuedJobs(sessions=store.sessions, database_url=resolved.database_url)
                yield
                return
            # One process: solves run in worker processes this process starts; start-up fails the jobs a previous
            # server left unfinished.
            runner = JobRunner(sessions=store.sessions, database_url=resolved.database_url, data_dir=resolved.data_dir)
            app.state.job_runner = runner
            runner.start()
            try:
                yield
            finally:
                runner.stop()
        finally:
            store.close()

    app = FastAPI(
        title="Səfər",
        summary="Weekly routes for ASAN xidmət mobile services",
        lifespan=lifespan,
        docs_url=None,  # served offline by api.http.routes.docs
        redoc_url=None,
    )
    document_limits(app)
    app.add_exception_handler(SeferError, _sefer_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    app.add_exception_handler(DBAPIError, _database_error)  # OperationalError is one
    app.add_exception_handler(SignInNeeded, _sign_in_needed)
    app.add_exception_handler(WrongRole, _wrong_role)
    # The last added runs first: the headers cover every answer, the guards' 413 and 422 included; the audit log
    # sees what passed the guards.
    add_audit_log(app)
    if resolved.cors_origins:  # off unless explicit origins are configured
        app.add_middleware(
            CORSMiddleware, allow_origins=resolved.cors_origins, allow_methods=["*"], allow_headers=["*"]
        )
    app.add_middleware(RequestGuard, max_body_bytes=resolved.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestMetrics)  # outermost: times every answer, the guards' and the headers' work included
    # Every endpoint but /health, /, /static, /public/* and the docs needs a bearer token (api/auth.py).
    app.include_router(docs.router)
    app.include_router(health.router)
    app.include_router(metrics_router(public=resolved.metrics_public))
    app.include_router(places.router)
    app.include_router(plans.router)
    app.include_router(jobs.router)
    app.include_router(public.router)
    app.include_router(public.page_router)  # GET /: the citizens' page
    app.include_router(requests.router)
    app.include_router(services.router)
    app.include_router(exports.router)
    app.include_router(fleet.router)
    app.include_router(centres.router)
    app.include_router(audit.router)
    # the web pages (api/web, docs/web.md)
    for page in (signin, desk, versions, solves, counter, users, reference_pages):
        app.include_router(page.router)
    app.mount(WEB_STATIC_URL, StaticFiles(directory=WEB_STATIC_DIR), name="web-static")
    # The vendored Leaflet files the maps and the public page load: public, so no map needs a network.
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")
    return app
