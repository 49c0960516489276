"""Benchmark adapters on tiny made-up instances: parsers, trunc-1 and ceil arithmetic, the independent
evaluators, the engine's solutions passing them, and the bench runner's bookkeeping."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from routing.benchmarks import read_bks, solomon, top
from routing.benchmarks.portfolios import PORTFOLIO
from routing.benchmarks.run import BenchRecord, BenchReport, gap_pct, run_bench
from routing.search import SearchParams, solve

# A made-up 5-customer instance in Solomon's layout (CRLF line endings, like the originals).
TINY_SOLOMON = "\r\n".join(
    [
        "TINY5",
        "",
        "VEHICLE",
        "NUMBER     CAPACITY",
        "  2          30",
        "",
        "CUSTOMER",
        "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE TIME",
        " ",
        "    0      0      0      0       0      200      0",
        "    1      3      4     10       0       10      5",
        "    2      6      8     10       0      100      5",
        "    3      0      7     10      20       60      5",
        "    4     -5      0     10       0      120      5",
        "    5      1      3      5       0      200      5",
        "",
    ]
)
# Route A 0-1-2-0: 5 + 5 + 10 = 20.0; route B 0-5-3-4-0: 3.1 + 4.1 + 8.6 + 5 = 20.8 (exact: 20.888).
FEASIBLE = [[1, 2], [5, 3, 4]]

# A made-up TOP instance: start (0,0), end (6,4), tmax 10. Paths [1] (length 8) and [2] (length exactly 10)
# fit; [3] is 14 long, point 4 is out of reach, [1, 2] is 14 long. Best: 10 + 20 = 30.
TINY_TOP = "n 6\nm 2\ntmax 10.0\n0\t0\t0\n3\t4\t10\n6\t0\t20\n0\t-4\t5\n20\t20\t50\n6\t4\t0\n"


@pytest.fixture
def tiny_solomon(tmp_path: Path) -> solomon.SolomonInstance:
    path = tmp_path / "TINY5.txt"
    path.write_bytes(TINY_SOLOMON.encode())
    return solomon.read_solomon(path)


@pytest.fixture
def tiny_top(tmp_path: Path) -> top.TopInstance:
    path = tmp_path / "tiny.2.a.txt"
    path.write_text(TINY_TOP, encoding="utf-8")
    return top.read_top(path)


def test_read_solomon_parses_header_and_rows(tiny_solomon: solomon.SolomonInstance) -> None:
    """The Solomon reader takes name, fleet and the depot-first customer rows from a CRLF file."""
    inst = tiny_solomon
    assert (inst.name, inst.vehicles, inst.capacity) == ("TINY5", 2, 30)
    assert inst.coords[0] == (0.0, 0.0)
    assert inst.coords[4] == (-5.0, 0.0)
    assert inst.demand == (0, 10, 10, 10, 10, 5)
    assert inst.ready[3] == 20
    assert inst.due == (200, 10, 100, 60, 120, 200)
    assert inst.service == (0, 5, 5, 5, 5, 5)


def test_read_solomon_rejects_a_file_without_customer_block(tmp_path: Path) -> None:
    """A file that is not in Solomon's layout is a ValueError naming the file, not an IndexError."""
    path = tmp_path / "bad.txt"
    path.write_text("BAD\nnothing here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.txt"):
        solomon.read_solomon(path)


def test_trunc1_truncates_each_arc_to_tenths(tiny_solomon: solomon.SolomonInstance) -> None:
    """Arcs are floor(10 · euclid) tenths: sqrt(10) = 3.162 is 31, not 32; 5 is exactly 50."""
    matrix = solomon.tenths(tiny_solomon)
    assert matrix[0, 5] == 31
    assert matrix[0, 1] == 50
    assert matrix[3, 4] == 86  # sqrt(74) = 8.602
    assert (matrix == matrix.T).all()
    assert (matrix.diagonal() == 0).all()


def test_solomon_to_engine_scales_by_ten(tiny_solomon: solomon.SolomonInstance) -> None:
    """The engine problem has the fleet, windows and service in tenths, depot window on the vehicles."""
    problem = solomon.to_engine(tiny_solomon)
    assert problem.n_nodes == 6
    assert len(problem.vehicles) == 2
    assert all(v.start == v.end == 0 and v.capacity == 30 for v in problem.vehicles)
    assert (problem.vehicles[0].earliest_start, problem.vehicles[0].latest_end) == (0, 2000)
    assert problem.horizon == 2000
    assert problem.windows is not None
    assert problem.windows[0] == ()
    assert problem.windows[3] == ((200, 600),)
    assert problem.profiles[0].service == (0, 50, 50, 50, 50, 50)
    assert [g.nodes for g in problem.groups] == [(1,), (2,), (3,), (4,), (5,)]
    assert all(g.prize is None for g in problem.groups)


def test_solomon_evaluator_accepts_a_feasible_solution(tiny_solomon: solomon.SolomonInstance) -> None:
    """A hand-checked solution is feasible and worth 40.8 (trunc-1 per arc; exact distances would give 40.89)."""
    check = solomon.evaluate(tiny_solomon, FEASIBLE)
    assert check.errors == ()
    assert check.feasible
    assert check.value == pytest.approx(40.8)


@pytest.mark.parametrize(
    ("routes", "fragment"),
    [
        ([[1, 2], [5, 3]], "not visited: 4"),
        ([[2, 1], [5, 3, 4]], "customer 1 served at 20"),
        ([[1, 2, 3, 5], [4]], "exceeds capacity 30"),
        ([[1], [2], [3, 4, 5]], "3 routes but only 2 vehicles"),
        ([[1, 2, 1], [5, 3, 4]], "visited twice"),
        ([[1, 2], [5, 3, 4, 0]], "not customer numbers"),
    ],
)
def test_solomon_evaluator_rejects_broken_rules(
    tiny_solomon: solomon.SolomonInstance, routes: list[list[int]], fragment: str
) -> None:
    """Missing customer, late service, overload, too many routes, a repeat and a depot inside a route all fail."""
    check = solomon.evaluate(tiny_solomon, routes)
    assert not check.feasible
    assert any(fragment in error for error in check.errors), check.errors


def test_solomon_evaluator_checks_the_return_to_the_depot(tiny_solomon: solomon.SolomonInstance) -> None:
    """A vehicle back at 43.6 breaks a depot due of 40."""
    early = dataclasses.replace(tiny_solomon, due=(40, *tiny_solomon.due[1:]))
    check = solomon.evaluate(early, FEASIBLE)
    assert not check.feasible
    assert any("back at the depot at 43.6" in error for error in check.errors), check.errors


def test_engine_solution_of_tiny_solomon_passes_the_evaluator(tiny_solomon: solomon.SolomonInstance) -> None:
    """The engine's routes are feasible for the independent evaluator, which agrees with its objective."""
    solution = solve(solomon.to_engine(tiny_solomon), SearchParams(time_limit_s=1.0, workers=1, configs=PORTFOLIO))
    assert solution is not None
    check = solomon.evaluate(tiny_solomon, solution.routes)
    assert check.errors == ()
    assert round(check.value * 10) == solution.objective


def test_read_top_parses_header_and_points(tiny_top: top.TopInstance) -> None:
    """The TOP reader takes n, m, tmax and the points; the name is the file name without .txt."""
    inst = tiny_top
    assert (inst.name, inst.n, inst.m, inst.tmax) == ("tiny.2.a", 6, 2, 10.0)
    assert inst.points[-1] == (6.0, 4.0)
    assert inst.scores == (0, 10, 20, 5, 50, 0)
    assert list(inst.customers) == [1, 2, 3, 4]


def test_read_top_rejects_a_short_file(tmp_path: Path) -> None:
    """A file with fewer point lines than announced is a ValueError."""
    path = tmp_path / "short.txt"
    path.write_text("n 3\nm 1\ntmax 5\n0 0 0\n1 1 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected 3 point lines"):
        top.read_top(path)


def test_top_to_engine_rounds_costs_up_and_budget_down(tiny_top: top.TopInstance) -> None:
    """Costs are ceil(euclid · 10⁴), the budget floor(tmax · 10⁴), and prizes outweigh every distance."""
    problem = top.to_engine(tiny_top)
    cost = problem.profiles[0].cost
    assert cost[0, 5] == 72112  # sqrt(52) = 7.21110...
    assert cost[0, 2] == 60000
    assert all((v.start, v.end, v.max_cost) == (0, 5, 100_000) for v in problem.vehicles)
    assert len(problem.vehicles) == 2
    assert [g.nodes for g in problem.groups] == [(1,), (2,), (3,), (4,)]
    weight = 2 * 100_000 + 1
    assert [g.prize for g in problem.groups] == [10 * weight, 20 * weight, 5 * weight, 50 * weight]


def test_top_budget_survives_decimal_to_float_error(tiny_top: top.TopInstance) -> None:
    """tmax 2.3 is 23000 units although 2.3 · 10⁴ is 22999.999... in floating point."""
    assert top.budget(dataclasses.replace(tiny_top, tmax=2.3)) == 23_000


def test_top_evaluator_accepts_a_path_exactly_at_tmax(tiny_top: top.TopInstance) -> None:
    """Paths [1] (8 long) and [2] (exactly 10 = tmax) are feasible and collect 30."""
    check = top.evaluate(tiny_top, [[1], [2]])
    assert check.errors == ()
    assert check.value == 30


@pytest.mark.parametrize(
    ("routes", "fragment"),
    [
        ([[3]], "exceeds tmax"),
        ([[1, 2]], "exceeds tmax"),
        ([[1], [1]], "visited twice"),
        ([[1], [2], []], None),
        ([[1], [2], [3]], "3 paths but only 2"),
        ([[5]], "not customer points"),
    ],
)
def test_top_evaluator_rejects_broken_rules(
    tiny_top: top.TopInstance, routes: list[list[int]], fragment: str | None
) -> None:
    """Over-long paths, repeats, too many paths and the end point as a stop fail; empty paths are ignored."""
    check = top.evaluate(tiny_top, routes)
    if fragment is None:
        assert check.feasible
        return
    assert not check.feasible
    assert any(fragment in error for error in check.errors), check.errors


def test_engine_solution_of_tiny_top_passes_the_evaluator(tiny_top: top.TopInstance) -> None:
    """The engine's paths fit tmax in double precision and collect the obvious best score, 30."""
    solution = solve(top.to_engine(tiny_top), SearchParams(time_limit_s=1.0, workers=1, configs=PORTFOLIO))
    assert solution is not None
    check = top.evaluate(tiny_top, solution.routes)
    assert check.errors == ()
    assert check.value == 30


def test_read_bks_reads_every_row(tmp_path: Path) -> None:
    """bks.csv rows become BKS records keyed by instance; a non-numeric value is a ValueError."""
    path = tmp_path / "bks.csv"
    path.write_text("instance,bks_vehicles,bks_value,source\nTINY5,2,40.8,hand\np.2.a,2,0,made up\n", "utf-8")
    table = read_bks(path)
    assert table["TINY5"].value == 40.8
    assert (table["p.2.a"].vehicles, table["p.2.a"].source) == (2, "made up")
    path.write_text("instance,bks_vehicles,bks_value,source\nX,2,lots,?\n", "utf-8")
    with pytest.raises(ValueError, match=":2:"):
        read_bks(path)


def test_gap_signs_follow_the_objective() -> None:
    """Solomon gaps are % above the BKS distance, TOP gaps % below the BKS score; 0/0 on TOP is 0."""
    assert gap_pct("solomon", 110.0, 100.0) == pytest.approx(10.0)
    assert gap_pct("top", 90.0, 100.0) == pytest.approx(10.0)
    assert gap_pct("top", 0.0, 0.0) == 0.0
    assert gap_pct("solomon", 1.0, None) is None


def test_report_counts_failures_apart_from_gaps() -> None:
    """A failed run adds to failures and not to the gap figures; zero gap counts as at BKS."""
    ok = BenchRecord("A", "sefer", 100.0, 100.0, 0.0, True, 1.0, 2.0, ((1, 2),))
    worse = BenchRecord("B", "sefer", 100.0, 104.0, 4.0, True, 1.0, 2.0, ((1,), (2,)))
    failed = BenchRecord("C", "sefer", 100.0, None, None, False, 1.0, 2.0, ())
    report = BenchReport("solomon", 1.0, ("sefer",), (ok, worse, failed))
    (line,) = report.summary_lines()
    assert line.startswith("sefer: 3 instances, 1 failures, mean gap 2.00 %, median gap 2.00 %, 1 at or better")
    assert "wall 3.0 s, CPU 6.0 s" in line
    assert report.to_json()[2] == {
        "name": "C",
        "engine": "sefer",
        "bks": 100.0,
        "value": None,
        "gap_pct": None,
        "feasible": False,
        "wall_s": 1.0,
        "cpu_s": 2.0,
        "routes": [],
        "split": "all",
        "time_limit_s": 1.0,
    }
    assert len(report.table().splitlines()) == 4


def test_summary_gives_the_ratio_of_mean_gaps_to_each_peer() -> None:
    """With peers, one more line per peer: our mean gap over theirs; a peer at 0 % has no ratio."""
    ours = [BenchRecord(n, "sefer", 100.0, 99.0, g, True, 1.0, 1.0, ()) for n, g in (("A", 1.0), ("B", 0.0))]
    pyvrp = [BenchRecord(n, "pyvrp", 100.0, 98.0, 2.0, True, 1.0, 1.0, ()) for n in "AB"]
    vroom = [BenchRecord(n, "vroom", 100.0, 100.0, 0.0, True, 1.0, 1.0, ()) for n in "AB"]
    report = BenchReport("top", 5.0, ("sefer", "pyvrp", "vroom"), (*ours, *pyvrp, *vroom), "validation")
    lines = report.summary_lines()
    assert lines[1].startswith("pyvrp: 2 instances, 0 failures, mean gap 2.00 %, median gap 2.00 %")
    assert lines[3] == "sefer/pyvrp mean gap ratio: 0.25 (0.50 % / 2.00 %)"
    assert lines[4] == "sefer/vroom mean gap ratio: n/a (the peer's mean gap is not positive) (0.50 % / 0.00 %)"
    assert report.header_line() == (
        "bench top: split validation, 2 instances, time limit 5 s per instance and engine, engines sefer, pyvrp, vroom"
    )


def test_run_bench_solves_and_checks_a_folder(tmp_path: Path) -> None:
    """run_bench reads bks.csv, solves the folder's instance and records a checked, feasible result."""
    (tmp_path / "TINY5.txt").write_bytes(TINY_SOLOMON.encode())
    (tmp_path / "bks.csv").write_text("instance,bks_vehicles,bks_value,source\nTINY5,2,40.8,hand\n", "utf-8")
    seen: list[BenchRecord] = []
    report = run_bench("solomon", tmp_path, time_limit_s=1.0, progress=seen.append, workers=1)
    (record,) = report.records
    assert seen == [record]
    assert (record.name, record.engine, record.bks, record.feasible) == ("TINY5", "sefer", 40.8, True)
    assert record.value is not None
    assert record.gap_pct == pytest.approx((record.value - 40.8) / 40.8 * 100)
    assert sorted(c for route in record.routes for c in route) == [1, 2, 3, 4, 5]
    assert record.wall_s > 0 and record.cpu_s > 0


@pytest.mark.parametrize("engine", ["pyvrp", "vroom"])
def test_compare_adapters_return_routes_the_evaluators_accept(
    engine: str, tiny_solomon: solomon.SolomonInstance, tiny_top: top.TopInstance
) -> None:
    """PyVRP and VROOM, given the same integer matrices, return customer lists our evaluators accept."""
    pytest.importorskip("pyvrp" if engine == "pyvrp" else "vroom")
    from routing.benchmarks import compare

    adapter = compare.solve_with_pyvrp if engine == "pyvrp" else compare.solve_with_vroom
    assert solomon.evaluate(tiny_solomon, adapter(tiny_solomon, 0.5)).feasible
    check = top.evaluate(tiny_top, adapter(tiny_top, 0.5))
    assert check.errors == ()
    assert check.value == 30
