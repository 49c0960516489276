"""The process's Prometheus metrics and their text exposition, shared by the HTTP app and the job workers.

Counters and histograms live here, at module level, as Prometheus wants them. With ``PROMETHEUS_MULTIPROC_DIR``
set in the environment before the process starts (every uvicorn worker and job worker inheriting it), each
process writes its samples to files in that folder and a scrape, answered by any one process, adds them all up;
without it, the one process's own registry is read. The jobs' gauges are not samples a process keeps: they are
read from the ``jobs`` table at scrape time (``api.services.metrics``), so every process reports the same truth.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

_LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUEST_SECONDS = Histogram(
    "sefer_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template (not the raw path) and status.",
    ["method", "route", "status"],
    buckets=_LATENCY_BUCKETS_S,
)
SOLVE_SECONDS = Histogram(
    "sefer_job_solve_duration_seconds",
    "Wall time of a background solve, by job kind and outcome (succeeded, failed, cancelled).",
    ["kind", "outcome"],
    buckets=(1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0),
)


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    """Record one answered request (the HTTP middleware calls it)."""
    HTTP_REQUEST_SECONDS.labels(method, route, str(status)).observe(seconds)


def observe_solve(*, kind: str, outcome: str, seconds: float) -> None:
    """Record one finished background solve; the job worker calls it when a job ends, in its own process."""
    SOLVE_SECONDS.labels(kind, outcome).observe(seconds)


def multiprocess() -> bool:
    """Whether samples are shared through ``PROMETHEUS_MULTIPROC_DIR`` (decided when the process started)."""
    return bool(os.environ.get(MULTIPROC_ENV))


class _Gauges(Collector):
    """Ready-made gauge families (read at scrape time), exposed once."""

    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        yield from self._families


def exposition(gauges: list[GaugeMetricFamily]) -> bytes:
    """The text exposition: every process's samples (or this one's) followed by ``gauges``."""
    if multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        samples = generate_latest(registry)
    else:
        samples = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    extra.register(_Gauges(gauges))
    return samples + generate_latest(extra)
