"""Benchmark adapters: read the classic instance files, build ``EngineProblem``s, check solutions independently.

Each instance family has one module (``solomon``, ``top``) with a reader, ``to_engine`` and an ``evaluate`` that
shares no code with the engine. The types every family uses live here: the best-known-solution table and the
result of an evaluation. Instance files are never copied into the repository; they are read where they lie.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class BKS:
    """One row of a ``bks.csv``: the best-known value of an instance, with the vehicles it uses and its origin."""

    instance: str
    vehicles: int
    value: float
    source: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What an independent check of a solution found: feasible or not, its value, and every rule it breaks."""

    feasible: bool
    value: float
    errors: tuple[str, ...]


def read_bks(path: Path | str) -> dict[str, BKS]:
    """The rows of a ``bks.csv`` (``instance,bks_vehicles,bks_value,source``), keyed by instance name."""
    table: dict[str, BKS] = {}
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"instance", "bks_vehicles", "bks_value"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: bks.csv lacks the column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            name = (row["instance"] or "").strip()
            if not name:
                continue
            try:
                table[name] = BKS(name, int(row["bks_vehicles"]), float(row["bks_value"]), (row.get("source") or ""))
            except (TypeError, ValueError):
                raise ValueError(f"{path}:{line}: bks_vehicles must be an integer and bks_value a number") from None
    return table
