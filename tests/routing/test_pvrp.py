"""Periodic VRP: the reader on Cordeau's format, the independent evaluator on a made-up two-day instance (each
rule broken once), the solver's plans passing the evaluator, and one real instance through ``run_bench``."""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path

import pytest

from routing.benchmarks import pvrp, pvrp_solver
from routing.benchmarks.run import BenchError, run_bench

BENCHMARKS = Path(
    os.environ.get("SEFER_BENCHMARKS_DIR", Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks")
)

# A made-up instance: 2 days, 1 vehicle a day, capacity 10. Customer 1 (demand 4) every day (mask 3 = 11),
# customer 2 (demand 5) on day 1 (mask 2 = 10) or day 2 (mask 1 = 01), customer 3 (demand 5) on day 1 only,
# customer 4 has f = 0 but lists day 1 (the p11 quirk). Day 1 cannot take 1, 2 and 3 (load 14), so the only
# plan is day 1: 1, 3 and day 2: 1, 2, worth 5 + √90 + 5 = 19.4868 plus 5 + 6 + 5 = 16.
TINY = """1 1 4 2
0 10
0 10
 0  0  0 0 0 0 0
 1  3  4 1 4 2 1 3
 2 -3  4 1 5 1 2 1 2
 3  0 -5 1 5 1 1 2
 4  6  0 0 3 0 1 2
"""
BEST = [(1, [1, 3]), (2, [1, 2])]
BEST_VALUE = 10 + math.sqrt(90) + 16


@pytest.fixture
def tiny(tmp_path: Path) -> pvrp.PvrpInstance:
    path = tmp_path / "tiny"
    path.write_text(TINY, encoding="utf-8")
    return pvrp.read_pvrp(path)


def test_read_pvrp_parses_header_days_and_combinations(tiny: pvrp.PvrpInstance) -> None:
    """The reader takes m, t, D and Q per day, the nodes, and reads each mask left to right as days 1..t."""
    assert (tiny.name, tiny.m, tiny.t, tiny.n_customers) == ("tiny", 1, 2, 4)
    assert (tiny.max_duration, tiny.capacity) == ((0.0, 0.0), (10, 10))
    assert tiny.coords[3] == (0.0, -5.0)
    assert tiny.demand == (0, 4, 5, 5, 3)
    assert tiny.service == (0.0, 1.0, 1.0, 1.0, 0.0)
    assert tiny.frequency == (0, 2, 1, 1, 0)
    assert tiny.combinations[1] == ((1, 2),)
    assert tiny.combinations[2] == ((1,), (2,))
    assert tiny.combinations[3] == ((1,),)
    assert tiny.combinations[0] == ()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (TINY.replace(" 3  0 -5 1 5 1 1 2", " 3  0 -5 1 x 1 1 2"), r"tiny:7: q must be a number"),
        (TINY.replace(" 2 -3  4 1 5 1 2 1 2", " 2 -3  4 1 5 1 2 1"), r"tiny:6: a=2 combinations announced, 1 given"),
        (TINY.replace(" 1  3  4 1 4 2 1 3", " 1  3  4 1 4 2 1 4"), r"tiny:5: a combination is a 2-bit mask"),
        (TINY.replace("1 1 4 2", "2 1 4 2"), r"tiny:1: type 2 is not a periodic VRP"),
        ("\n".join(TINY.splitlines()[:6]), r"tiny: expected 2 'D Q' lines and 5 node lines"),
    ],
)
def test_read_pvrp_names_file_and_line_of_bad_input(tmp_path: Path, text: str, fragment: str) -> None:
    """A bad number, a short combination list, a mask beyond t days, another type or a cut file: ValueError
    naming the file and the line."""
    path = tmp_path / "tiny"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=fragment):
        pvrp.read_pvrp(path)


def test_evaluator_accepts_the_hand_checked_plan(tiny: pvrp.PvrpInstance) -> None:
    """The only feasible plan passes and is worth the Euclidean total in double precision."""
    check = pvrp.evaluate(tiny, BEST)
    assert check.errors == ()
    assert check.value == pytest.approx(BEST_VALUE, abs=1e-12)


def test_evaluator_lets_a_zero_frequency_customer_use_a_listed_combination(tiny: pvrp.PvrpInstance) -> None:
    """f = 0 with a listed combination (p11 customer 131): visiting it on that day is fine, on another day not."""
    assert pvrp.evaluate(tiny, [(1, [1, 3, 4]), (2, [1, 2])]).feasible is False  # load 4 + 5 + 3 = 12 > 10
    roomy = dataclasses.replace(tiny, capacity=(12, 12))
    assert pvrp.evaluate(roomy, [(1, [1, 3, 4]), (2, [1, 2])]).errors == ()
    check = pvrp.evaluate(roomy, [(1, [1, 3]), (2, [1, 2, 4])])
    assert any("customer 4 visited on days [2]" in error for error in check.errors), check.errors


@pytest.mark.parametrize(
    ("routes", "fragment"),
    [
        ([(1, [1, 3]), (2, [2])], "customer 1 visited on days [1], not one of its combinations ([1, 2])"),
        ([(1, [1]), (2, [1, 2, 3])], "customer 3 visited on days [2]"),
        ([(1, [1, 3, 2]), (2, [1])], "load 14 exceeds capacity 10"),
        ([(1, [1]), (1, [3]), (2, [1, 2])], "day 1: 2 routes but only 1 vehicles"),
        ([(1, [1, 3]), (2, [1])], "1 customer(s) not visited: 2"),
        ([(1, [1, 3, 1]), (2, [1, 2])], "customer 1 visited twice on day(s) [1]"),
        ([(1, [1, 3]), (3, [1, 2])], "day 3 is not a day 1..2"),
        ([(1, [1, 3]), (2, [1, 2, 0])], "not customer numbers"),
    ],
)
def test_evaluator_rejects_broken_rules(
    tiny: pvrp.PvrpInstance, routes: list[tuple[int, list[int]]], fragment: str
) -> None:
    """A wrong combination, a forbidden day, an overload, too many routes a day, a missing customer, a repeat,
    a day outside the period and the depot inside a route all fail."""
    check = pvrp.evaluate(tiny, routes)
    assert not check.feasible
    assert any(fragment in error for error in check.errors), check.errors


def test_evaluator_checks_duration_with_service_times(tiny: pvrp.PvrpInstance) -> None:
    """Day 1 travels 19.49 and serves 2: over a limit of 21, within 21.5; D = 0 on day 2 means no limit."""
    short = dataclasses.replace(tiny, max_duration=(21.0, 0.0))
    check = pvrp.evaluate(short, BEST)
    assert any("duration 21.486833 exceeds 21" in error for error in check.errors), check.errors
    assert pvrp.evaluate(dataclasses.replace(tiny, max_duration=(21.5, 0.0)), BEST).errors == ()


@pytest.mark.parametrize("workers", [1, 2])
def test_solver_finds_the_only_feasible_plan(tiny: pvrp.PvrpInstance, workers: int) -> None:
    """With one process or two, the solver's plan passes the evaluator, skips the f = 0 customer and is optimal."""
    plan = pvrp_solver.solve(tiny, 2.0, workers=workers)
    check = pvrp.evaluate(tiny, plan)
    assert check.errors == ()
    assert check.value == pytest.approx(BEST_VALUE)
    assert all(4 not in route for _, route in plan)


def test_solver_respects_duration_limits(tiny: pvrp.PvrpInstance) -> None:
    """When day 1 allows only 21.5 and day 2 only 17, the plan still fits (in double precision)."""
    short = dataclasses.replace(tiny, max_duration=(21.5, 18.0))
    check = pvrp.evaluate(short, pvrp_solver.solve(short, 1.5, workers=1))
    assert check.errors == ()


def test_solver_reports_an_impossible_instance_through_the_evaluator(tiny: pvrp.PvrpInstance) -> None:
    """Capacity 8 leaves customer 1 (4) and 3 (5) unable to share day 1: the plan returned is infeasible, never
    a crash, and the evaluator says who is missing."""
    tight = dataclasses.replace(tiny, capacity=(8, 8))
    check = pvrp.evaluate(tight, pvrp_solver.solve(tight, 0.5, workers=1))
    assert not check.feasible
    assert any("not visited" in error for error in check.errors), check.errors


def test_run_bench_rejects_compare_for_pvrp(tmp_path: Path) -> None:
    """PyVRP and VROOM have no visit-day combinations: --compare is a BenchError before anything is read."""
    with pytest.raises(BenchError, match="not supported for pvrp"):
        run_bench("pvrp", tmp_path, time_limit_s=1.0, compare=["pyvrp"])


def test_run_bench_solves_a_tiny_folder(tmp_path: Path) -> None:
    """run_bench finds the extension-less file named in bks.csv and records days with the routes."""
    (tmp_path / "tiny").write_text(TINY, encoding="utf-8")
    (tmp_path / "bks.csv").write_text(f"instance,bks_vehicles,bks_value,source\ntiny,1,{BEST_VALUE},hand\n", "utf-8")
    (record,) = run_bench("pvrp", tmp_path, time_limit_s=1.0, workers=1).records
    assert record.feasible
    assert record.gap_pct == pytest.approx(0.0, abs=1e-9)
    assert sorted((d, sorted(r)) for d, r in zip(record.days, record.routes, strict=True)) == [(1, [1, 3]), (2, [1, 2])]
    assert record.to_dict()["routes"][0].keys() == {"day", "customers"}


@pytest.mark.slow
def test_real_instance_through_run_bench() -> None:
    """Cordeau's p15 (38 customers, 4 days, f = 1, 2 or 4) in 3 s: feasible for the evaluator, every customer on
    its days, a finite gap to bks.csv."""
    folder = BENCHMARKS / "pvrp"
    if not folder.is_dir():
        pytest.skip("benchmark folder pvrp is not available")
    (record,) = run_bench("pvrp", folder, instances=["p15"], time_limit_s=3.0).records
    assert record.feasible, record.errors
    assert record.gap_pct is not None and record.gap_pct < 25
    inst = pvrp.read_pvrp(folder / "p15")
    visits = sorted(c for route in record.routes for c in route)
    assert visits == sorted(c for c in range(1, 39) for _ in range(inst.frequency[c]))
    assert set(record.days) <= {1, 2, 3, 4}
