"""``GET /metrics``: Prometheus text with request latency by route template, method and status, and the jobs read
from the database at scrape time; admins only unless ``SEFER_METRICS_PUBLIC``; several processes add up."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.services.principals import Role
from api.settings import Settings
from data.models import JobRow
from tests.api.tokens import bearer, make_token

LATENCY = "sefer_http_request_duration_seconds"


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape: (name, labels) → value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _count(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], **labels: str) -> float:
    return samples.get((f"{LATENCY}_count", frozenset(labels.items())), 0.0)


def _scrape(client: TestClient, headers: dict[str, str]) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return _samples(answer.text)


def test_request_counts_move_by_route_template_method_and_status(app: FastAPI, anonymous: TestClient) -> None:
    """Three public reads, a 404 of a templated route and an unknown path each show up under their labels, with
    the template (/plans/{plan_id}), never the raw path."""
    admin = bearer(make_token(app, Role.ADMIN))
    planner = bearer(make_token(app, Role.PLANNER))
    before = _scrape(anonymous, admin)
    for _ in range(3):
        assert anonymous.get("/public/stops").status_code == 200
    assert anonymous.get("/plans/424242", headers=planner).status_code == 404
    assert anonymous.get("/no/such/thing").status_code == 404
    after = _scrape(anonymous, admin)

    def moved(**labels: str) -> float:
        return _count(after, **labels) - _count(before, **labels)

    assert moved(method="GET", route="/public/stops", status="200") == 3
    assert moved(method="GET", route="/plans/{plan_id}", status="404") == 1
    assert moved(method="GET", route="unmatched", status="404") == 1
    assert not any("424242" in str(labels) for _, labels in after)
    assert (
        after[(f"{LATENCY}_sum", frozenset({"method": "GET", "route": "/public/stops", "status": "200"}.items()))] > 0
    )


def test_job_gauges_are_read_from_the_jobs_table(app: FastAPI, anonymous: TestClient) -> None:
    """Two queued jobs (one waiting two minutes) and a failed one: the states, the depth and the oldest age."""
    admin = bearer(make_token(app, Role.ADMIN))
    empty = _scrape(anonymous, admin)
    assert empty[("sefer_job_queue_depth", frozenset())] == 0
    assert empty[("sefer_job_queue_oldest_age_seconds", frozenset())] == 0
    now = datetime.now(UTC)
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        for status, age in (("queued", 120), ("queued", 5), ("failed", 600)):
            at = now - timedelta(seconds=age)
            session.add(JobRow(kind="plan", params={}, status=status, progress=0.0, message="", created_at=at,
                               updated_at=at))  # fmt: skip
    samples = _scrape(anonymous, admin)
    assert samples[("sefer_job_queue_depth", frozenset())] == 2
    assert 120 <= samples[("sefer_job_queue_oldest_age_seconds", frozenset())] < 180
    states = {dict(labels)["state"]: value for (name, labels), value in samples.items() if name == "sefer_jobs"}
    assert states == {"queued": 2, "running": 0, "succeeded": 0, "failed": 1, "cancelled": 0}


def test_only_admins_scrape_by_default(app: FastAPI, anonymous: TestClient) -> None:
    """No token: 401; a planner's or an office's: 403; an admin's: 200."""
    assert anonymous.get("/metrics").status_code == 401
    assert anonymous.get("/metrics", headers=bearer(make_token(app, Role.PLANNER))).status_code == 403
    assert anonymous.get("/metrics", headers=bearer(make_token(app, Role.OFFICE, ("AZ-QAB",)))).status_code == 403
    assert anonymous.get("/metrics", headers=bearer(make_token(app, Role.ADMIN))).status_code == 200


def test_metrics_public_opens_the_scrape(tmp_path: Path) -> None:
    """With SEFER_METRICS_PUBLIC, anyone may scrape (a port only the monitoring network reaches)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}", map_tiles=None, metrics_public=True)
    with TestClient(create_app(settings)) as client:
        answer = client.get("/metrics")
    assert answer.status_code == 200
    assert "sefer_job_queue_depth" in answer.text


_ONE_PROCESS = """
from api.metrics import observe_request
observe_request(method="GET", route="/livez", status=200, seconds=0.01)
"""
_SCRAPE = """
from api.metrics import exposition
print(exposition([]).decode())
"""


def test_processes_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, two processes' requests are both in a third process's scrape."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", _ONE_PROCESS], env=env, check=True, timeout=60)
    text = subprocess.run(
        [sys.executable, "-c", _SCRAPE], env=env, check=True, timeout=60, capture_output=True, text=True
    ).stdout
    assert _count(_samples(text), method="GET", route="/livez", status="200") == 2


def test_a_mounted_file_is_labelled_by_its_mount(app: FastAPI, anonymous: TestClient) -> None:
    """Static files are counted under their mount's prefix, not each file's path."""
    admin = bearer(make_token(app, Role.ADMIN))
    path = "/static/vendor/leaflet-1.9.4/leaflet.js"
    assert anonymous.get(path).status_code == 200
    routes = {dict(labels).get("route") for (name, labels) in _scrape(anonymous, admin) if name.startswith(LATENCY)}
    assert "/static/{path}" in routes
    assert path not in routes
