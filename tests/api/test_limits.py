"""The CLI and the HTTP API refuse the same inputs: one use case per change, with the limits of
``api.services.limits``, so a request or a maintenance day the API answers 422 the CLI ends with exit code 2
naming the option, and what one accepts the other accepts too."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.services.limits import MAX_CITIZENS, MAX_MAINTENANCE_AHEAD_DAYS, MAX_WINDOW_DAYS
from scheduler.calendar import BAKU
from tests.console import run_sefer

TODAY = datetime.now(BAKU).date()
START = TODAY + timedelta(days=3)

REQUESTS = [
    # (what, HTTP body changes, CLI arguments changed, field in the 422, CLI option in the error)
    ("too many citizens", {"expected_citizens": MAX_CITIZENS + 1}, {"--citizens": str(MAX_CITIZENS + 1)},
     "expected_citizens", "--citizens"),
    ("a window in the past", {"window_start": (TODAY - timedelta(days=1)).isoformat()},
     {"--from": (TODAY - timedelta(days=1)).isoformat()}, "window_start", "--from"),
    ("a window too long", {"window_end": (START + timedelta(days=MAX_WINDOW_DAYS)).isoformat()},
     {"--to": (START + timedelta(days=MAX_WINDOW_DAYS)).isoformat()}, "window_end", "--to"),
    ("an unknown place", {"place_id": "AZ-NOPE"}, {"--place": "AZ-NOPE"}, "place_id", "--place"),
    ("an unknown service", {"services": ["teleport"]}, {"--services": "teleport"}, "services", "--services"),
]  # fmt: skip


def _body(changes: dict[str, object]) -> dict[str, object]:
    body: dict[str, object] = {
        "place_id": "AZ-LAC",
        "window_start": START.isoformat(),
        "window_end": (START + timedelta(days=2)).isoformat(),
        "expected_citizens": 80,
        "services": ["passport"],
    }
    return {**body, **changes}


def _args(changes: dict[str, str]) -> list[str]:
    options = {
        "--place": "AZ-LAC",
        "--from": START.isoformat(),
        "--to": (START + timedelta(days=2)).isoformat(),
        "--citizens": "80",
        "--services": "passport",
        **changes,
    }
    return ["request", "add", *(part for pair in options.items() for part in pair)]


@pytest.mark.parametrize(("what", "body", "args", "field", "option"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_a_request_is_refused_alike(
    client: TestClient,
    tmp_path: Path,
    what: str,
    body: dict[str, object],
    args: dict[str, str],
    field: str,
    option: str,
) -> None:
    """HTTP answers 422 naming the field; the CLI exits 2 naming the option, with one line and nothing stored."""
    answer = client.post("/requests", json=_body(body))
    assert answer.status_code == 422, answer.text
    assert field in {str(part) for e in answer.json()["detail"] for part in e["loc"]}
    result = run_sefer(*_args(args), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert option in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert run_sefer("request", "list", cwd=tmp_path).stdout == ""


def test_a_request_at_the_limits_is_accepted_alike(client: TestClient, tmp_path: Path) -> None:
    """The largest request both accept: the maximum of citizens over the longest window."""
    last = (START + timedelta(days=MAX_WINDOW_DAYS - 1)).isoformat()
    changes = {"expected_citizens": MAX_CITIZENS, "window_end": last}
    assert client.post("/requests", json=_body(changes)).status_code == 201
    result = run_sefer(*_args({"--citizens": str(MAX_CITIZENS), "--to": last}), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("REQ-")


@pytest.mark.parametrize(
    ("what", "day", "ok"),
    [
        ("yesterday", TODAY - timedelta(days=1), False),
        ("today", TODAY, True),
        ("a year ahead", TODAY + timedelta(days=MAX_MAINTENANCE_AHEAD_DAYS), True),
        ("beyond a year", TODAY + timedelta(days=MAX_MAINTENANCE_AHEAD_DAYS + 1), False),
    ],
)
def test_a_maintenance_day_is_judged_alike(
    client: TestClient, tmp_path: Path, what: str, day: object, ok: bool
) -> None:
    """A day in the past or more than a year ahead: HTTP 422 and CLI exit 2; today and a year ahead: both book."""
    answer = client.put(f"/fleet/BUS-03/maintenance/{day}")
    assert answer.status_code == (201 if ok else 422), answer.text
    result = run_sefer("maintenance", "BUS-03", str(day), cwd=tmp_path)
    assert result.returncode == (0 if ok else 2), result.stderr
    if not ok:
        assert "DAY" in result.stderr and "Traceback" not in result.stderr
