"""The app factory: nothing touches the database or the environment until ``create_app`` is called."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from api.errors import SeferError
from api.http.headers import add_security_headers
from api.http.routes import centres, docs, exports, fleet, health, jobs, places, plans, public, requests, services
from api.jobs.runner import JobRunner
from api.services.store import open_store
from api.settings import Settings, get_settings
from api.web import counter, desk, reference_pages, signin, solves, users, versions
from api.web.render import STATIC_DIR as WEB_STATIC_DIR
from api.web.render import STATIC_URL as WEB_STATIC_URL
from api.web.render import render
from api.web.session import SignInNeeded, WrongRole, language, to_sign_in
from maps.assets import STATIC_DIR, STATIC_URL


async def _sign_in_needed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeeded)
    return to_sign_in(exc.path, request.query_params.get("lang"))


async def _wrong_role(request: Request, exc: Exception) -> Response:
    return render(request, language(request), "denied.html", 403, user=None)


async def _sefer_error(request: Request, exc: Exception) -> JSONResponse:
    """The one mapping of the error tree to HTTP (``api.errors``)."""
    assert isinstance(exc, SeferError)
    return JSONResponse(exc.body(), status_code=exc.http_status)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API. At start-up the lifespan connects, migrates and syncs the bundled reference data."""
    resolved = settings if settings is not None else get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(database_url=resolved.database_url, data_dir=resolved.data_dir)
        try:
            app.state.settings = resolved
            app.state.engine = store.engine
            app.state.session_factory = store.sessions
            app.state.network = store.network
            app.state.fleet = store.fleet
            # Background solves in worker processes; start-up fails the jobs a previous server left unfinished.
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
    app.add_exception_handler(SeferError, _sefer_error)
    app.add_exception_handler(SignInNeeded, _sign_in_needed)
    app.add_exception_handler(WrongRole, _wrong_role)
    add_security_headers(app)
    # Every endpoint but /health, /, /static, /public/* and the docs needs a bearer token (api/auth.py).
    app.include_router(docs.router)
    app.include_router(health.router)
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
    # the web pages (api/web, docs/web.md)
    for page in (signin, desk, versions, solves, counter, users, reference_pages):
        app.include_router(page.router)
    app.mount(WEB_STATIC_URL, StaticFiles(directory=WEB_STATIC_DIR), name="web-static")
    # The vendored Leaflet files the maps and the public page load: public, so no map needs a network.
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")
    return app
