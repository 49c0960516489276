"""``sefer bench``: one real instance per family from the shared benchmark folder (skipped when it is absent),
and bad input answered with one ``error:`` line and exit code 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.bench import bench_app

BENCHMARKS = Path(
    os.environ.get("SEFER_BENCHMARKS_DIR", Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks")
)
JSON_KEYS = {"name", "engine", "bks", "value", "gap_pct", "feasible", "wall_s", "cpu_s", "routes"}
JSON_KEYS |= {"split", "time_limit_s"}

runner = CliRunner()


def _needs(folder: Path) -> Path:
    if not folder.is_dir():
        pytest.skip(f"benchmark folder {folder.name} is not available")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "instance", "seconds", "customers"),
    [("solomon", "R101", "2", 100), ("top", "p1.2.j", "1", None), ("pvrp", "p15", "3", 38)],
)
def test_bench_runs_one_real_instance(
    tmp_path: Path, kind: str, instance: str, seconds: str, customers: int | None
) -> None:
    """One real instance: exit 0, a table and a summary line, JSON with the documented keys, a checked result."""
    folder = _needs(BENCHMARKS / kind)
    out = tmp_path / "bench.json"
    args = [kind, "--dir", str(folder), "--instances", instance, "--time-limit", seconds, "--json", str(out)]
    result = runner.invoke(bench_app, args)
    assert result.exit_code == 0, result.stderr
    machine, run, header, *_ = result.stdout.splitlines()
    assert machine.startswith("machine: ") and "cores" in machine
    assert run == f"bench {kind}: split all, 1 instances, time limit {seconds} s per instance and engine, engines sefer"
    assert header.split()[:2] == ["instance", "engine"]
    assert "sefer: 1 instances, 0 failures" in result.stdout
    assert result.stderr.startswith(f"{instance} sefer: value ")
    (row,) = json.loads(out.read_text(encoding="utf-8"))
    assert set(row) == JSON_KEYS
    assert (row["name"], row["engine"], row["feasible"]) == (instance, "sefer", True)
    assert (row["split"], row["time_limit_s"]) == ("all", float(seconds))
    assert row["gap_pct"] is not None
    if kind == "pvrp":  # routes are {"day", "customers"}; a customer is visited once per day of its combination
        assert all(set(route) == {"day", "customers"} for route in row["routes"])
        assert {c for route in row["routes"] for c in route["customers"]} == set(range(1, (customers or 0) + 1))
        return
    visited = sorted(c for route in row["routes"] for c in route)
    if customers is not None:
        assert visited == list(range(1, customers + 1))
    else:
        assert len(visited) == len(set(visited))


def _one_error_line(args: list[str]) -> str:
    result = runner.invoke(bench_app, args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:")
    assert "Traceback" not in result.output
    return lines[0]


def test_missing_folder_is_one_error_line(tmp_path: Path) -> None:
    """A folder that does not exist: exit 2, one line naming it."""
    line = _one_error_line(["solomon", "--dir", str(tmp_path / "nowhere")])
    assert "nowhere" in line


def test_folder_without_bks_is_one_error_line(tmp_path: Path) -> None:
    """A folder without bks.csv: exit 2, one line naming bks.csv."""
    assert "bks.csv" in _one_error_line(["top", "--dir", str(tmp_path)])


def test_unknown_instance_is_one_error_line(tmp_path: Path) -> None:
    """An instance name with no file: exit 2 before anything is solved."""
    (tmp_path / "bks.csv").write_text("instance,bks_vehicles,bks_value,source\np.2.a,2,0,made up\n", "utf-8")
    (tmp_path / "p.2.a.txt").write_text("n 2\nm 2\ntmax 1\n0 0 0\n0 0 0\n", "utf-8")
    assert "'p9'" in _one_error_line(["top", "--dir", str(tmp_path), "--instances", "p9"])


def test_unknown_compare_engine_is_one_error_line(tmp_path: Path) -> None:
    """--compare with a solver the bench does not know: exit 2, the known ones listed."""
    (tmp_path / "bks.csv").write_text("instance,bks_vehicles,bks_value,source\n", "utf-8")
    assert "pyvrp, vroom" in _one_error_line(["top", "--dir", str(tmp_path), "--compare", "gurobi"])


def test_non_positive_time_limit_is_one_error_line(tmp_path: Path) -> None:
    """--time-limit 0 is refused with one line."""
    assert "--time-limit" in _one_error_line(["solomon", "--dir", str(tmp_path), "--time-limit", "0"])


def test_tiny_top_folder_runs_with_exit_zero(tmp_path: Path) -> None:
    """A made-up folder with one trivial TOP instance (nothing reachable) runs and matches its BKS of 0."""
    (tmp_path / "bks.csv").write_text("instance,bks_vehicles,bks_value,source\np.2.a,2,0,made up\n", "utf-8")
    (tmp_path / "p.2.a.txt").write_text("n 3\nm 2\ntmax 1\n0 0 0\n5 5 10\n0 0 0\n", "utf-8")
    result = runner.invoke(bench_app, ["top", "--dir", str(tmp_path), "--time-limit", "0.5"])
    assert result.exit_code == 0, result.stderr
    assert "sefer: 1 instances, 0 failures, mean gap 0.00 %" in result.stdout


def test_unknown_split_is_one_error_line(tmp_path: Path) -> None:
    """--split with a half that does not exist: exit 2, one line naming the option and the halves."""
    line = _one_error_line(["solomon", "--dir", str(tmp_path), "--split", "holdout"])
    assert "--split must be one of tuning, validation, all" in line


def test_split_refuses_a_name_it_cannot_place(tmp_path: Path) -> None:
    """A file not named like the family's instances has no half: exit 2, one line naming it."""
    (tmp_path / "bks.csv").write_text("instance,bks_vehicles,bks_value,source\np.2.a,2,0,made up\n", "utf-8")
    (tmp_path / "p.2.a.txt").write_text("n 3\nm 2\ntmax 1\n0 0 0\n5 5 10\n0 0 0\n", "utf-8")
    assert "'p.2.a' is not named like a top instance" in _one_error_line(
        ["top", "--dir", str(tmp_path), "--split", "tuning"]
    )


def test_split_runs_only_its_half(tmp_path: Path) -> None:
    """--split validation on a folder with p1.2.a (tuning) and p1.2.b (validation) solves p1.2.b alone."""
    rows = "".join(f"p1.2.{letter},2,0,made up\n" for letter in "ab")
    (tmp_path / "bks.csv").write_text("instance,bks_vehicles,bks_value,source\n" + rows, "utf-8")
    for letter in "ab":
        (tmp_path / f"p1.2.{letter}.txt").write_text("n 3\nm 2\ntmax 1\n0 0 0\n5 5 10\n0 0 0\n", "utf-8")
    args = ["top", "--dir", str(tmp_path), "--time-limit", "0.3", "--split", "validation"]
    result = runner.invoke(bench_app, args)
    assert result.exit_code == 0, result.stderr
    assert "bench top: split validation, 1 instances, time limit 0.3 s" in result.stdout
    assert "p1.2.b" in result.stdout and "p1.2.a" not in result.stdout


def test_compare_engine_not_installed_is_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--compare vroom without the package installed: exit 2, one line pointing at the bench extra."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "vroom" else real(name, *a))
    (tmp_path / "bks.csv").write_text("instance,bks_vehicles,bks_value,source\n", "utf-8")
    assert "sefer[bench]" in _one_error_line(["top", "--dir", str(tmp_path), "--compare", "vroom"])


def test_bad_pvrp_file_is_one_error_line_naming_file_and_line(tmp_path: Path) -> None:
    """A PVRP file whose header is not 'type m n t': exit 2, one line naming the file and line 1."""
    (tmp_path / "bks.csv").write_text("instance,bks_vehicles,bks_value,source\np99,1,1.0,made up\n", "utf-8")
    (tmp_path / "p99").write_text("1 one 2 2\n", "utf-8")
    line = _one_error_line(["pvrp", "--dir", str(tmp_path)])
    assert "p99:1: type m n t must be a number, got 'one'" in line


def test_pvrp_without_instance_files_is_one_error_line(tmp_path: Path) -> None:
    """A pvrp folder whose bks.csv names no file that is there: exit 2, one line."""
    (tmp_path / "bks.csv").write_text("instance,bks_vehicles,bks_value,source\np01,3,524.61,made up\n", "utf-8")
    assert "no pvrp instance files" in _one_error_line(["pvrp", "--dir", str(tmp_path)])


def test_pvrp_has_no_compare_option(tmp_path: Path) -> None:
    """pvrp offers no --compare (PyVRP and VROOM have no visit-day combinations): a usage error, exit 2."""
    (tmp_path / "bks.csv").write_text("instance,bks_vehicles,bks_value,source\n", "utf-8")
    result = runner.invoke(bench_app, ["pvrp", "--dir", str(tmp_path), "--compare", "pyvrp"])
    assert result.exit_code == 2
    assert "--compare" in result.stderr


@pytest.mark.slow
def test_bench_desk_times_the_board_a_lock_and_a_move_over_http(tmp_path: Path) -> None:
    """`sefer bench desk` plans the bundled week, serves it and prints the machine, the board's and the lock
    and move round-trips' median and slowest times."""
    result = runner.invoke(bench_app, ["desk", "--runs", "3", "--time-limit", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("machine: ")
    assert any(line.startswith("board ") and "median" in line and "ms" in line for line in lines)
    assert any(line.startswith("lock+board ") and "median" in line for line in lines)
    assert any(line.startswith("move+board ") and "median" in line for line in lines)
