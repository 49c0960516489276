"""Run a benchmark family: solve every instance with the engine (and optionally PyVRP / VROOM), check each
solution with the family's own evaluator, and report value, gap to the best-known solution, wall and CPU time.
The periodic VRP is solved by ``pvrp_solver.solve`` (a compiled search over routes and visit-day combinations)
alone.

A missing or infeasible solution is a failure, never a large gap: the figures compare only checked solutions.
"""

from __future__ import annotations

import importlib.util
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from routing.benchmarks import BKS, Evaluation, pvrp, pvrp_solver, read_bks, solomon, top
from routing.benchmarks.compare import solve_with_pyvrp, solve_with_vroom
from routing.benchmarks.portfolios import ORIENTEERING_PORTFOLIO, PORTFOLIO
from routing.benchmarks.pvrp import PvrpInstance
from routing.benchmarks.solomon import SolomonInstance
from routing.benchmarks.split import Split, in_split
from routing.benchmarks.top import TopInstance
from routing.model import EngineProblem
from routing.search import SearchParams, solve

Kind = Literal["solomon", "top", "pvrp"]
Classic = SolomonInstance | TopInstance
"""The families every engine (ours, PyVRP, VROOM) solves."""
Instance = Classic | PvrpInstance
Routes = list[list[int]]

ENGINE = "sefer"
"""The name this project's engine goes by in reports."""

COMPARE: dict[str, tuple[str, Callable[[Classic, float], Routes]]] = {
    "pyvrp": ("pyvrp", solve_with_pyvrp),
    "vroom": ("vroom", solve_with_vroom),
}
"""Other solvers: name → (module that must be importable, adapter)."""

AT_BKS_TOLERANCE = 1e-9
"""A gap at or below this (in %) counts as matching the best-known solution."""


class BenchError(ValueError):
    """Bad benchmark input: a folder, a file, an instance or an engine that is not there."""


@dataclass(frozen=True, slots=True)
class BenchRecord:
    """One engine on one instance: checked value, gap to the BKS (None when it failed) and the time it took."""

    name: str
    engine: str
    bks: float | None
    value: float | None
    gap_pct: float | None
    feasible: bool
    wall_s: float
    cpu_s: float
    routes: tuple[tuple[int, ...], ...]
    errors: tuple[str, ...] = ()
    days: tuple[int, ...] = ()
    """Periodic VRP only: the day (1..t) of each route."""

    @property
    def failed(self) -> bool:
        return not self.feasible

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "engine": self.engine,
            "bks": self.bks,
            "value": self.value,
            "gap_pct": self.gap_pct,
            "feasible": self.feasible,
            "wall_s": round(self.wall_s, 3),
            "cpu_s": round(self.cpu_s, 3),
            "routes": (
                [{"day": day, "customers": list(route)} for day, route in zip(self.days, self.routes, strict=True)]
                if self.days
                else [list(route) for route in self.routes]
            ),
        }


@dataclass(frozen=True, slots=True)
class BenchReport:
    """All records of one run, in instance order and, per instance, in engine order."""

    kind: Kind
    time_limit_s: float
    engines: tuple[str, ...]
    records: tuple[BenchRecord, ...] = field(default=())
    split: Split = "all"
    """The half of the family run (``routing.benchmarks.split``)."""

    def of(self, engine: str) -> list[BenchRecord]:
        return [r for r in self.records if r.engine == engine]

    def header_line(self) -> str:
        """What was run: the family, the split half, the instances, the time limit and the engines."""
        names = {r.name for r in self.records}
        return (
            f"bench {self.kind}: split {self.split}, {len(names)} instances, "
            f"time limit {self.time_limit_s:g} s per instance and engine, engines {', '.join(self.engines)}"
        )

    def mean_gap(self, engine: str) -> float | None:
        """The engine's mean gap over its checked solutions, None when it has none."""
        gaps = [r.gap_pct for r in self.of(engine) if r.gap_pct is not None]
        return statistics.fmean(gaps) if gaps else None

    def summary_lines(self) -> list[str]:
        """Per engine: instances, failures, mean and median gap, instances at or better than BKS, total times;
        then, per peer, the ratio of this engine's mean gap to the peer's (below 1: closer to the BKS)."""
        lines = []
        for engine in self.engines:
            records = self.of(engine)
            gaps = [r.gap_pct for r in records if r.gap_pct is not None]
            mean = f"{statistics.fmean(gaps):.2f} %" if gaps else "n/a"
            median = f"{statistics.median(gaps):.2f} %" if gaps else "n/a"
            at_bks = sum(1 for g in gaps if g <= AT_BKS_TOLERANCE)
            lines.append(
                f"{engine}: {len(records)} instances, {sum(r.failed for r in records)} failures, "
                f"mean gap {mean}, median gap {median}, {at_bks} at or better than BKS, "
                f"wall {sum(r.wall_s for r in records):.1f} s, CPU {sum(r.cpu_s for r in records):.1f} s"
            )
        lines.extend(self._ratio_line(peer) for peer in self.engines if peer != ENGINE)
        return lines

    def _ratio_line(self, peer: str) -> str:
        ours, theirs = self.mean_gap(ENGINE), self.mean_gap(peer)
        if ours is None or theirs is None:
            ratio = "n/a"
        elif theirs > 0:
            ratio = f"{ours / theirs:.2f}"
        else:
            ratio = "n/a (the peer's mean gap is not positive)"
        shown = [("n/a" if g is None else f"{g:.2f} %") for g in (ours, theirs)]
        return f"{ENGINE}/{peer} mean gap ratio: {ratio} ({shown[0]} / {shown[1]})"

    def table(self) -> str:
        """One row per instance and engine, aligned for a terminal."""
        header = ("instance", "engine", "bks", "value", "gap %", "feasible", "routes", "wall s", "cpu s")
        rows = [header] + [
            (
                r.name,
                r.engine,
                _number(r.bks),
                _number(r.value),
                "-" if r.gap_pct is None else f"{r.gap_pct:.2f}",
                "yes" if r.feasible else "NO",
                str(len(r.routes)),
                f"{r.wall_s:.1f}",
                f"{r.cpu_s:.1f}",
            )
            for r in self.records
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        return "\n".join("  ".join(_align(cells, widths)) for cells in rows)

    def to_json(self) -> list[dict[str, object]]:
        """Per instance and engine: name, engine, bks, value, gap_pct, feasible, wall_s, cpu_s, routes (for the
        periodic VRP each route is ``{"day": d, "customers": [...]}``), and the run's split and time_limit_s."""
        run = {"split": self.split, "time_limit_s": self.time_limit_s}
        return [r.to_dict() | run for r in self.records]


def run_bench(
    kind: Kind,
    directory: Path,
    *,
    instances: Sequence[str] | None = None,
    split: Split = "all",
    time_limit_s: float,
    compare: Sequence[str] = (),
    progress: Callable[[BenchRecord], None] | None = None,
    workers: int = 2,
    seed: int = 0,
) -> BenchReport:
    """Solve the chosen instances of ``directory`` (all by default) of the ``split`` half with the engine and each
    ``compare`` solver.

    Raises ``BenchError`` before solving anything when the folder, ``bks.csv``, an instance or a solver is missing,
    or when ``compare`` names a solver for the periodic VRP (PyVRP and VROOM have no visit-day combinations).
    """
    if kind == "pvrp" and any(name.strip() for name in compare):
        raise BenchError("--compare is not supported for pvrp: PyVRP and VROOM have no visit-day combinations")
    others = _check_compare(compare)
    table = _read_table(directory)
    files = _in_split(kind, _select(kind, directory, table, instances), split)
    engines = (ENGINE, *others)
    records: list[BenchRecord] = []
    for name, path in files.items():
        inst = _read(kind, path)
        bks = table[name].value if name in table else None
        for engine in engines:
            record = _run_one(kind, inst, name, engine, bks, time_limit_s, workers, seed)
            records.append(record)
            if progress is not None:
                progress(record)
    return BenchReport(kind, time_limit_s, engines, tuple(records), split)


def gap_pct(kind: Kind, value: float, bks: float | None) -> float | None:
    """Percent above the BKS distance (Solomon, PVRP) or below the BKS score (TOP); negative is better than BKS."""
    if bks is None:
        return None
    if kind in ("solomon", "pvrp"):
        return (value - bks) / bks * 100 if bks else None
    if bks == 0:  # nothing reachable: any feasible score beats a wrong BKS
        return 0.0 if value == 0 else -100.0
    return (bks - value) / bks * 100


def _run_one(
    kind: Kind, inst: Instance, name: str, engine: str, bks: float | None, time_limit_s: float, workers: int, seed: int
) -> BenchRecord:
    wall0, cpu0 = time.perf_counter(), _cpu_seconds()
    errors: tuple[str, ...] = ()
    routes: Routes | None
    if isinstance(inst, PvrpInstance):
        plan = pvrp_solver.solve(inst, time_limit_s, workers=workers, seed=seed)
        wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
        check = pvrp.evaluate(inst, plan)
        pairs = [(day, tuple(route)) for day, route in plan if route]
        gap = gap_pct(kind, check.value, bks) if check.feasible else None
        days, stops = tuple(d for d, _ in pairs), tuple(r for _, r in pairs)
        return BenchRecord(name, engine, bks, check.value, gap, check.feasible, wall, cpu, stops, check.errors, days)
    if engine == ENGINE:
        configs = ORIENTEERING_PORTFOLIO if kind == "top" else PORTFOLIO
        params = SearchParams(time_limit_s, workers=workers, seed=seed, configs=configs)
        solution = solve(_to_engine(inst), params)
        routes = None if solution is None else [list(r) for r in solution.routes]
    else:
        try:
            routes = COMPARE[engine][1](inst, time_limit_s)
        except Exception as exc:  # a third-party solver's failure is a failed run, not a crashed benchmark
            routes, errors = None, (f"{type(exc).__name__}: {exc}",)
    wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
    if routes is None:
        return BenchRecord(name, engine, bks, None, None, False, wall, cpu, (), errors or ("no solution found",))
    check = _evaluate(inst, routes)
    kept = tuple(tuple(r) for r in routes if r)
    gap = gap_pct(kind, check.value, bks) if check.feasible else None
    return BenchRecord(name, engine, bks, check.value, gap, check.feasible, wall, cpu, kept, check.errors)


def _cpu_seconds() -> float:
    """CPU of this process (all threads) plus that of its finished children (the engine's worker processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _check_compare(compare: Sequence[str]) -> tuple[str, ...]:
    chosen: list[str] = []
    for raw in compare:
        name = raw.strip().lower()
        if not name:
            continue
        if name not in COMPARE:
            raise BenchError(f"unknown compare engine {raw!r}; choose from {', '.join(COMPARE)}")
        if importlib.util.find_spec(COMPARE[name][0]) is None:
            raise BenchError(f"{name} is not installed; install the bench extra: pip install 'sefer[bench]'")
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def _read_table(directory: Path) -> dict[str, BKS]:
    if not directory.is_dir():
        raise BenchError(f"benchmark folder {directory} does not exist")
    path = directory / "bks.csv"
    if not path.is_file():
        raise BenchError(f"{path} not found: each benchmark folder needs a bks.csv")
    try:
        return read_bks(path)
    except ValueError as exc:
        raise BenchError(str(exc)) from None


def _select(kind: Kind, directory: Path, table: dict[str, BKS], wanted: Sequence[str] | None) -> dict[str, Path]:
    """Instance name → file: Solomon every ``*.txt``; TOP the ``<name>.txt``, PVRP the file ``<name>`` (no
    extension, as Cordeau's), of each name in ``bks.csv``."""
    if kind == "solomon":
        found = {path.stem: path for path in sorted(directory.glob("*.txt"))}
    elif kind == "pvrp":
        found = {name: directory / name for name in table if (directory / name).is_file()}
    else:
        found = {name: directory / f"{name}.txt" for name in table if (directory / f"{name}.txt").is_file()}
    if not found:
        raise BenchError(f"no {kind} instance files in {directory}")
    if wanted is None:
        return found
    by_key = {name.lower(): name for name in found}
    chosen: dict[str, Path] = {}
    for raw in wanted:
        key = raw.strip().lower()
        if not key:
            continue
        if key not in by_key:
            raise BenchError(f"unknown {kind} instance {raw!r} in {directory}")
        chosen[by_key[key]] = found[by_key[key]]
    if not chosen:
        raise BenchError("no instance named")
    return chosen


def _in_split(kind: Kind, files: dict[str, Path], split: Split) -> dict[str, Path]:
    if split == "all":
        return files
    try:
        kept = {name: path for name, path in files.items() if in_split(kind, name, split)}
    except ValueError as exc:
        raise BenchError(f"--split {split}: {exc}") from None
    if not kept:
        raise BenchError(f"--split {split}: none of the chosen {kind} instances is in the {split} half")
    return kept


def _read(kind: Kind, path: Path) -> Instance:
    try:
        if kind == "pvrp":
            return pvrp.read_pvrp(path)
        return solomon.read_solomon(path) if kind == "solomon" else top.read_top(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BenchError(str(exc)) from None


def _to_engine(inst: Classic) -> EngineProblem:
    return solomon.to_engine(inst) if isinstance(inst, SolomonInstance) else top.to_engine(inst)


def _evaluate(inst: Classic, routes: Routes) -> Evaluation:
    return solomon.evaluate(inst, routes) if isinstance(inst, SolomonInstance) else top.evaluate(inst, routes)


def _align(cells: Sequence[str], widths: Sequence[int]) -> list[str]:
    """Names left-aligned, figures right-aligned."""
    return [cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths, strict=True))]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.10g}"
