"""``sefer bench week``: a real short run on the bundled week (figures, JSON, both plans validator-clean, value
below the bound), and bad input answered with one ``error:`` line and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli.bench import bench_app

runner = CliRunner()


@pytest.mark.slow
def test_week_bench_prints_value_bound_and_greedy(tmp_path: Path) -> None:
    """A 5 s run: every figure printed, the JSON keys, no violation in either plan, both values below the bound;
    re-optimising the unchanged week from its plan is never worse (the search starts from the plan's value); no
    reference value for a week it was not measured on."""
    out = tmp_path / "week.json"
    args = ["week", "--week", "2026-11-23", "--time-limit", "5", "--json", str(out), "--reoptimize"]
    result = runner.invoke(bench_app, args)
    assert result.exit_code == 0, result.stderr
    for label in ("objective", "upper bound", "ratio", "greedy objective", "greedy ratio", "optimizer vs greedy:"):
        assert any(line.startswith(label) for line in result.stdout.splitlines()), label
    assert "week 2026-11-23:" in result.stdout
    assert result.stdout.startswith("machine: ")
    document = json.loads(out.read_text(encoding="utf-8"))
    assert {"machine", "objective", "upper_bound", "greedy_objective", "plan"} <= set(document)
    assert document["plan"]["violations"] == []
    assert document["greedy_violations"] == []
    assert document["objective"] <= document["upper_bound"]
    assert document["greedy_objective"] <= document["upper_bound"]
    assert document["plan"]["week_start"] == "2026-11-23"
    again = document["reoptimized"]
    assert again["objective"] >= document["objective"] and again["violations"] == 0
    assert any(line.startswith("re-optimised") for line in result.stdout.splitlines())
    # the long run's reference belongs to the week of 2026-12-07: another week is another problem
    assert not any(line.startswith("reference value") for line in result.stdout.splitlines())
    assert document["reference_value"] is None


def _one_error_line(args: list[str]) -> str:
    result = runner.invoke(bench_app, ["week", *args])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--week", "2026-11-24"], "Monday"),
        (["--week", "next"], "YYYY-MM-DD"),
        (["--time-limit", "0"], "--time-limit"),
        (["--json", "/nonexistent-folder/week.json"], "does not exist"),
    ],
)
def test_bad_input_is_one_error_line(args: list[str], fragment: str) -> None:
    """A Tuesday, a non-date, no time, a missing folder: refused before any solving."""
    assert fragment in _one_error_line(args)


def test_json_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    """--json naming a folder is refused before solving."""
    assert "is a folder" in _one_error_line(["--json", str(tmp_path)])
