"""``GET /metrics`` in the Prometheus text format, and the middleware that times every request.

Requests are labelled by their route template (``/plans/{plan_id}``), never the raw path, and by a known method,
so a crawler cannot make the label set grow. Who may scrape: an **admin** bearer token by default (a Prometheus
``authorization`` block); ``SEFER_METRICS_PUBLIC=true`` opens it to anyone, for a server whose port only the
monitoring network reaches.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Response
from prometheus_client.core import GaugeMetricFamily
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.auth import require
from api.http.deps import SessionDep, SettingsDep
from api.http.schemas.requests import ErrorPublic
from api.jobs.queue import STALLED_AFTER_S
from api.metrics import CONTENT_TYPE, exposition, observe_request
from api.services.jobs import live_solver_workers
from api.services.metrics import JobFigures, job_figures

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
"""The route label of a request no route answered (a 404, or an answer of the guards before any route)."""


def route_template(scope: Scope, root_path: str) -> str:
    """The template of the route that answered (``/plans/{plan_id}``), a mount's prefix (``/static/{path}``), or
    ``unmatched``."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return template
    mounted = scope.get("root_path", root_path)
    if isinstance(mounted, str) and mounted != root_path:
        return mounted[len(root_path) :] + "/{path}"
    return UNMATCHED


class RequestMetrics:
    """Time every HTTP request to its last byte and record it by method, route template and status (500 when
    the app raised)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        root_path = scope.get("root_path", "")
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            method = scope["method"] if scope["method"] in _METHODS else "other"
            route = route_template(scope, root_path)
            observe_request(method=method, route=route, status=status, seconds=time.perf_counter() - started)


def _gauges(figures: JobFigures, solver_workers: int | None) -> list[GaugeMetricFamily]:
    by_state = GaugeMetricFamily("sefer_jobs", "Background jobs in the jobs table, by state.", labels=["state"])
    for state, count in sorted(figures.by_state.items()):
        by_state.add_metric([state], count)
    depth = GaugeMetricFamily("sefer_job_queue_depth", "Jobs queued and not yet started.", value=figures.queued)
    age = GaugeMetricFamily(
        "sefer_job_queue_oldest_age_seconds",
        "How long the oldest queued job has waited (0 when none is queued).",
        value=figures.oldest_queued_age_s,
    )
    if solver_workers is None:  # the local runner: no queue workers to count
        return [by_state, depth, age]
    workers = GaugeMetricFamily(
        "sefer_solver_workers_alive",
        f"sefer worker processes with a heartbeat in the last {STALLED_AFTER_S:g} s (PostgreSQL queue).",
        value=solver_workers,
    )
    return [by_state, depth, age, workers]


_ADMIN_ONLY: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "No valid bearer token"},
    403: {"model": ErrorPublic, "description": "Only admins scrape the metrics (unless SEFER_METRICS_PUBLIC)"},
}


def metrics_router(*, public: bool) -> APIRouter:
    """The ``/metrics`` route: for admins, or for anyone when ``public``."""
    router = APIRouter(tags=["health"], dependencies=[] if public else [Depends(require())])

    @router.get(
        "/metrics",
        response_class=Response,
        responses={
            200: {"description": "Prometheus text format 0.0.4", "content": {CONTENT_TYPE: {}}},
            **({} if public else _ADMIN_ONLY),
        },
    )
    def read_metrics(session: SessionDep, settings: SettingsDep) -> Response:
        """Request latency by route, method and status (every API process's, in multiprocess mode), solve times,
        the jobs by state with the queue's depth and oldest age, and the live solver workers, read from the
        database now."""
        figures = job_figures(session, now=datetime.now(UTC))
        workers = None
        if settings.resolved_job_queue == "procrastinate":
            workers = live_solver_workers(session, within_s=STALLED_AFTER_S)
        return Response(exposition(_gauges(figures, workers)), media_type=CONTENT_TYPE)

    return router
