"""``sefer bench``: the engine on the Solomon VRPTW and Chao TOP benchmarks, optionally beside PyVRP and VROOM,
and on Cordeau's periodic VRP (engine only); ``sefer bench week`` (``bench_week.py``) on the bundled week.

Prints a per-instance table and one summary line per engine on stdout, one progress line per instance and
engine on stderr. Bad input (folder, bks.csv, instance name, compare engine, missing package) ends with one
line on stderr starting ``error:`` and exit code 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from api.cli.bench_desk import desk
from api.cli.bench_faults import faults
from api.cli.bench_load import load
from api.cli.bench_week import week
from api.cli.support import fail, machine_line
from routing.benchmarks.run import BenchError, BenchRecord, BenchReport, Kind, run_bench
from routing.benchmarks.split import SPLITS, Split

bench_app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Benchmarks: figures of the engine on literature instances."
)

Directory = Annotated[Path, typer.Option("--dir", help="Folder with the instance files and bks.csv.")]
Instances = Annotated[
    str | None, typer.Option("--instances", help="Comma-separated instance names, e.g. R101,C201 (default: all).")
]
JsonOut = Annotated[Path | None, typer.Option("--json", help="Write per-instance results to this JSON file.")]
Compare = Annotated[str | None, typer.Option("--compare", help="Also run other solvers: pyvrp,vroom.")]
SplitOption = Annotated[
    str,
    typer.Option(
        "--split", help="Which half of the family: tuning, validation or all (docs/engine.md, the benchmark split)."
    ),
]


def _names(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _progress(record: BenchRecord) -> None:
    if record.feasible:
        gap = "-" if record.gap_pct is None else f"{record.gap_pct:.2f} %"
        status = f"value {record.value:.10g}, gap {gap}"
    else:
        status = "FAILED: " + "; ".join(record.errors[:3])
    typer.echo(f"{record.name} {record.engine}: {status} ({record.wall_s:.1f} s)", err=True)


def _split(text: str) -> Split:
    for split in SPLITS:
        if text.strip().lower() == split:
            return split
    raise fail(f"--split must be one of {', '.join(SPLITS)}, got {text!r}")


def _bench(
    kind: Kind,
    directory: Path,
    instances: str | None,
    time_limit_s: float,
    json_out: Path | None,
    compare: str | None,
    split: str = "all",
) -> None:
    if not time_limit_s > 0:
        raise fail(f"--time-limit must be positive, got {time_limit_s:g}")
    half = _split(split)
    if json_out is not None and not json_out.parent.is_dir():
        raise fail(f"--json: folder {json_out.parent} does not exist")
    wanted = _names(instances)
    if instances is not None and not wanted:
        raise fail("--instances: name at least one instance")
    try:
        report = run_bench(
            kind,
            directory,
            instances=wanted or None,
            split=half,
            time_limit_s=time_limit_s,
            compare=_names(compare),
            progress=_progress,
        )
    except BenchError as exc:
        raise fail(str(exc)) from None
    _print(report)
    if json_out is not None:
        try:
            json_out.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise fail(f"--json: cannot write {json_out}: {exc.strerror or exc}") from None


def _print(report: BenchReport) -> None:
    typer.echo(machine_line())
    typer.echo(report.header_line())
    typer.echo(report.table())
    typer.echo("")
    for line in report.summary_lines():
        typer.echo(line)


@bench_app.command("solomon")
def solomon(
    directory: Directory,
    instances: Instances = None,
    time_limit_s: Annotated[float, typer.Option("--time-limit", help="Seconds per instance and engine.")] = 10.0,
    json_out: JsonOut = None,
    compare: Compare = None,
    split: SplitOption = "all",
) -> None:
    """Solomon VRPTW (100 customers), distances truncated to one decimal, gap to bks.csv in % of distance."""
    _bench("solomon", directory, instances, time_limit_s, json_out, compare, split)


@bench_app.command("top")
def top(
    directory: Directory,
    instances: Instances = None,
    time_limit_s: Annotated[float, typer.Option("--time-limit", help="Seconds per instance and engine.")] = 5.0,
    json_out: JsonOut = None,
    compare: Compare = None,
    split: SplitOption = "all",
) -> None:
    """Team orienteering (Chao, Golden & Wasil), gap to bks.csv in % of score."""
    _bench("top", directory, instances, time_limit_s, json_out, compare, split)


@bench_app.command("pvrp")
def pvrp(
    directory: Directory,
    instances: Instances = None,
    time_limit_s: Annotated[float, typer.Option("--time-limit", help="Seconds per instance.")] = 60.0,
    json_out: JsonOut = None,
    split: SplitOption = "all",
) -> None:
    """Periodic VRP (Cordeau, Gendreau & Laporte), gap to bks.csv in % of total distance."""
    _bench("pvrp", directory, instances, time_limit_s, json_out, None, split)


bench_app.command("week")(week)
bench_app.command("desk")(desk)
bench_app.command("faults")(faults)
bench_app.command("load")(load)
