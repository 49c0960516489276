"""Planner commands through the real console script: requests, maintenance, locks, publish, reoptimize."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from scheduler.calendar import BAKU, next_week_start
from tests.console import run_sefer

WEEK = next_week_start(datetime.now(BAKU).date())
"""The coming week: a week that is over can be neither planned nor published."""
WEDNESDAY, SATURDAY, SUNDAY = ((WEEK + timedelta(days=n)).isoformat() for n in (2, 5, 6))


def _ok(*args: str, cwd: Path) -> str:
    result = run_sefer(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_request_is_recorded_and_listed(tmp_path: Path) -> None:
    """`request add` prints the new id; `request list` shows it with its status, window, citizens and services."""
    rid = _ok(
        "request", "add", "--place", "AZ-LAC", "--from", WEDNESDAY, "--to", SATURDAY, "--citizens", "80",
        "--services", "passport", "--priority", "urgent", cwd=tmp_path,
    )  # fmt: skip
    assert rid.startswith("REQ-")
    listed = _ok("request", "list", "--place", "AZ-LAC", cwd=tmp_path)
    assert listed == f"{rid} submitted AZ-LAC {WEDNESDAY}..{SATURDAY} 80 passport urgent"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("request", "add", "--place", "AZ-NOPE", "--from", WEDNESDAY, "--to", SATURDAY, "--citizens", "5"),
         "--place"),
        (("request", "add", "--place", "AZ-LAC", "--from", SATURDAY, "--to", WEDNESDAY, "--citizens", "5"),
         "--to"),
        (("request", "add", "--place", "AZ-LAC", "--from", "24.11.2026", "--to", WEDNESDAY, "--citizens", "5"),
         "--from"),
        (("request", "add", "--place", "AZ-LAC", "--from", WEDNESDAY, "--to", WEDNESDAY, "--citizens", "5",
          "--services", "teleport"), "teleport"),
        (("maintenance", "BUS-99", "2026-11-24"), "BUS-99"),
        (("lock", "7", "--vehicle", "BUS-01", "--date", "2026-11-24"), "plan 7"),
        (("publish", "7"), "plan 7 not found"),
        (("reoptimize", "7", "--time-limit", "1"), "plan 7 not found"),
    ],
)  # fmt: skip
def test_bad_planner_input_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    """Unknown places, vehicles, plans and service codes, bad dates: one `error:` line, exit 2, no traceback."""
    result = run_sefer(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_lock_publish_and_reoptimize_keep_locked_stops(tmp_path: Path) -> None:
    """Plan, lock a vehicle-day, publish, add a request, re-optimise: locked stops stay, the change count and the
    request's fate (served or a reason) are printed, and the new plan is valid."""
    _ok("plan", "--week", WEEK.isoformat(), "--time-limit", "6", cwd=tmp_path)
    first = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    stop = first["stops"][0]
    _ok("lock", "1", "--vehicle", stop["vehicle_id"], "--date", stop["date"], cwd=tmp_path)
    _ok("publish", "1", cwd=tmp_path)  # before the maintenance day, which the published plan would now break
    _ok("maintenance", "BUS-05", WEDNESDAY, cwd=tmp_path)
    listed = _ok("plans", "list", cwd=tmp_path)
    assert listed.startswith(f"1 {WEEK.isoformat()} published v")  # each lock and the publication raised it
    rid = _ok(
        "request", "add", "--place", "AZ-QAB", "--from", SATURDAY, "--to", SUNDAY, "--citizens", "40",
        cwd=tmp_path,
    )  # fmt: skip
    printed = _ok("reoptimize", "1", "--time-limit", "6", cwd=tmp_path)
    assert "changes against plan:" in printed
    assert f"unserved request {rid}: no_service_day" in printed
    second = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert second["violations"] == []
    locked = [s for s in first["stops"] if s["vehicle_id"] == stop["vehicle_id"] and s["date"] == stop["date"]]
    kept = {(s["vehicle_id"], s["date"], s["place_id"]) for s in second["stops"] if s["locked"]}
    assert {(s["vehicle_id"], s["date"], s["place_id"]) for s in locked} <= kept
    assert not [s for s in second["stops"] if s["vehicle_id"] == "BUS-05" and s["date"] == WEDNESDAY]
    assert second["unserved_requests"][0]["reason"] == "no_service_day"
