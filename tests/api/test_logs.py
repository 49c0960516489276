"""Structured logs: JSON lines with time, level, logger, message and the request id, bound per HTTP request (the
id the answer carries in X-Request-ID) or by another process for the request it works for."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.logs import JsonFormatter, configure_logging, current_request_id, request_id_bound
from api.settings import Settings


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """A JSON handler on a test logger, its output captured."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("sefer.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def root_restored() -> Iterator[None]:
    """Whatever configure_logging adds to the root logger is taken away after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for extra in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(extra)
        root.setLevel(level)


def _entries(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_line_is_one_json_object_with_the_bound_request_id(lines: io.StringIO) -> None:
    """Inside request_id_bound (what a job worker calls) the id is on every line; outside, there is none."""
    log = logging.getLogger("sefer.test")
    with request_id_bound("job-req-7"):
        log.info("solving week %s", "2026-11-16")
        assert current_request_id() == "job-req-7"
    log.warning("after")
    inside, outside = _entries(lines)
    assert inside["message"] == "solving week 2026-11-16"
    assert inside["level"] == "INFO" and inside["logger"] == "sefer.test"
    assert inside["request_id"] == "job-req-7"
    assert str(inside["time"]).endswith("+00:00")
    assert "request_id" not in outside and current_request_id() is None


def test_an_exception_is_one_string_in_the_line(lines: io.StringIO) -> None:
    """A traceback stays inside its JSON line, so a log shipper keeps it with its message."""
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("sefer.test").exception("failed")
    (entry,) = _entries(lines)
    assert "ValueError: broken" in str(entry["exception"])


@pytest.mark.usefixtures("root_restored")
def test_each_request_logs_with_its_own_id(tmp_path: Path, lines: io.StringIO) -> None:
    """A line logged while answering carries the request's X-Request-ID: the caller's own, or the one made up."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'l.db'}", map_tiles=None, log_format="json"))

    @app.get("/log-probe")
    def probe() -> dict[str, str]:
        logging.getLogger("sefer.test").info("probing")
        return {}

    with TestClient(app) as client:
        given = client.get("/log-probe", headers={"X-Request-ID": "abc-123"})
        made = client.get("/log-probe")
    ids = [entry["request_id"] for entry in _entries(lines) if entry["message"] == "probing"]
    assert ids == ["abc-123", made.headers["X-Request-ID"]]
    assert given.headers["X-Request-ID"] == "abc-123"


@pytest.mark.usefixtures("root_restored")
def test_json_format_reformats_the_server_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    """configure_logging('json') turns uvicorn's and the root's plain stream handlers to JSON; 'text' leaves them."""
    handler = logging.StreamHandler(io.StringIO())
    monkeypatch.setattr(logging.getLogger("uvicorn.access"), "handlers", [handler])
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [h for h in root.handlers if type(h) is not logging.StreamHandler])
    before = list(root.handlers)
    configure_logging("text")
    assert not isinstance(handler.formatter, JsonFormatter) and root.handlers == before
    configure_logging("json")
    configure_logging("json")  # twice: still one handler added
    assert isinstance(handler.formatter, JsonFormatter)
    added = [h for h in root.handlers if h not in before]
    assert len(added) == 1 and isinstance(added[0].formatter, JsonFormatter)
