"""The ``sefer`` command end to end: the real console script, the bundled data, a real SQLite database."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from data.bundled import DEFAULT_DIRECTORY
from tests.console import run_sefer, serving


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One real `sefer demo` run (short time limit) shared by the tests that inspect its results."""
    folder = tmp_path_factory.mktemp("demo")
    return folder, run_sefer("demo", "--out", "out", "--time-limit", "8", cwd=folder)


@pytest.mark.slow
def test_demo_plans_a_valid_week_for_the_whole_fleet(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """`sefer demo` on the bundled data: every vehicle serves, rails only for the train, Naxçıvan kept apart."""
    tmp_path, result = demo_run
    assert result.returncode == 0, result.stderr
    plan = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert plan["violations"] == []
    assert plan["plan_id"] == 1
    vehicles = {v["id"]: v for v in plan["vehicles"]}
    assert len(vehicles) == 11
    assert {s["vehicle_id"] for s in plan["stops"]} == set(vehicles)
    units = {row["id"]: row for row in _csv(DEFAULT_DIRECTORY / "units.csv")}
    for stop in plan["stops"]:
        vehicle = vehicles[stop["vehicle_id"]]
        if vehicle["kind"] == "train":
            assert stop["site_id"].startswith("ST-")
            assert stop["station_id"] == stop["site_id"] and "stansiyası" in stop["place_name"]
        assert stop["unit_id"] in units  # a settlement names its unit, a unit itself
        exclave_stop = units[stop["unit_id"]]["exclave"] == "true"
        exclave_depot = units[vehicle["depot_place_id"]]["exclave"] == "true"
        assert exclave_stop == exclave_depot
    assert plan["kpis"]["expected_citizens"] == sum(s["expected_citizens"] for s in plan["stops"])
    html = (tmp_path / "out" / "plan.html").read_text(encoding="utf-8")
    assert "leaflet" in html.lower()
    assert "expected citizens" in result.stdout
    assert "citizen-hours saved" in result.stdout
    assert plan["kpis"]["citizen_hours_saved"] > 0
    assert (tmp_path / "sefer.db").exists()


@pytest.mark.slow
def test_serve_answers_with_the_demo_plan_over_http(demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """`sefer serve` (a real uvicorn process) serves the stored plan's JSON and map, and the public stops once
    `sefer publish` published it."""
    folder, result = demo_run
    assert result.returncode == 0, result.stderr
    written = json.loads((folder / "out" / "plan.json").read_text(encoding="utf-8"))
    made = run_sefer("token", "create", "--role", "planner", "--name", "test planner", cwd=folder)
    assert made.returncode == 0, made.stderr
    auth = {"Authorization": f"Bearer {made.stdout.strip()}"}
    with serving(folder) as base:
        with pytest.raises(urllib.error.HTTPError, match="401"):
            _get(f"{base}/plans/1")
        served = json.loads(_get(f"{base}/plans/1", auth))
        for key in ("plan_id", "violations"):
            written.pop(key)
        assert served == {**written, "version": 1, "published": False}
        assert "leaflet" in _get(f"{base}/plans/1/map", auth).lower()
        assert json.loads(_get(f"{base}/public/stops")) == [], "a draft is never public"
        published = run_sefer("publish", "1", cwd=folder)
        assert published.returncode == 0, published.stderr
        public = json.loads(_get(f"{base}/public/stops"))
        assert public, "the demo plans next week, so its published stops are upcoming"
        assert all("expected_citizens" not in stop for stop in public)


def _get(url: str, headers: dict[str, str] | None = None) -> str:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
        return str(response.read().decode("utf-8"))


def _csv(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("week", "message"),
    [("2026-11-24", "Monday"), ("next-week", "YYYY-MM-DD")],
)
def test_plan_rejects_a_bad_week_with_one_line(tmp_path: Path, week: str, message: str) -> None:
    """A week that is not a Monday as YYYY-MM-DD exits 2 with one line and no traceback."""
    result = run_sefer("plan", "--week", week, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_data_file_exits_2_naming_the_file(tmp_path: Path) -> None:
    """A data folder without units.csv is reported by name; nothing is planned."""
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DIRECTORY, data)
    (data / "units.csv").unlink()
    result = run_sefer("demo", cwd=tmp_path, env={"SEFER_DATA_DIR": str(data)})
    assert result.returncode == 2
    assert "units.csv" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_unreachable_database_exits_2(tmp_path: Path) -> None:
    """A database that does not answer is one clear line, exit code 2."""
    result = run_sefer("demo", cwd=tmp_path, env={"SEFER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    assert result.returncode == 2
    assert "127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_db_upgrade_migrates_once_and_again_is_a_no_op(tmp_path: Path) -> None:
    """`sefer db upgrade` brings a fresh database to head; run again, it changes nothing and says the same."""
    first = run_sefer("db", "upgrade", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("schema at revision ")
    again = run_sefer("db", "upgrade", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout


def test_db_upgrade_on_an_unreachable_database_exits_2(tmp_path: Path) -> None:
    """A database that does not answer is one `error:` line, exit code 2."""
    result = run_sefer(
        "db", "upgrade", cwd=tmp_path, env={"SEFER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_refuses_an_old_schema_on_postgresql(database_url: str, tmp_path: Path) -> None:
    """On PostgreSQL `sefer serve` does not migrate: on an empty schema it names `sefer db upgrade` and exits 2."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite, the embedded default, keeps migrating at start-up")
    env = {"SEFER_DATABASE_URL": database_url}
    refused = run_sefer("serve", "--port", "1", cwd=tmp_path, env=env)
    assert refused.returncode == 2
    assert refused.stderr.startswith("error:") and "sefer db upgrade" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert run_sefer("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
