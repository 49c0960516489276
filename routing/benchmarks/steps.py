"""Steps per second of the two VRPTW ruin-and-recreate searches on Solomon instances: the engine's OR-Tools one
(``routing/ruin.py``: each step builds a model and runs a greedy descent) and the dedicated one
(``routing/vrptw_ls.py``), from the same start, one core each in turn.

    python -m routing.benchmarks.steps --dir DIR [--instances R101,C201] [--seconds 3]

A step is one ruin and one recreate, accepted or not. Figures move with the machine's load: compare them within
one run.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence

from routing import vrptw_ls
from routing.benchmarks import solomon
from routing.compiled import COMPILED
from routing.config import SearchConfig
from routing.engine import solve_once
from routing.model import EngineProblem, mandatory_penalty
from routing.ruin import descend

START_S = 1.0
"""Seconds of guided local search that give both searches their start."""


def ortools_steps(problem: EngineProblem, routes: Sequence[Sequence[int]], seconds: float, size: int = 10) -> int:
    """Ruin-and-recreate steps ``routing/ruin.py`` makes in ``seconds``: remove up to ``size`` visits near a random
    customer, rebuild the OR-Tools model and descend (the step's whole cost; nothing is kept, so each step starts
    from ``routes``)."""
    rng = random.Random(0)
    cost = problem.profiles[0].cost
    customers = [n for r in routes for n in r]
    descent = SearchConfig(metaheuristic="GREEDY_DESCENT")
    penalty = mandatory_penalty(problem)
    end = time.monotonic() + seconds
    steps = 0
    while time.monotonic() < end:
        seed = rng.choice(customers)
        k = rng.randint(1, size)
        near = sorted(customers, key=lambda n: int(cost[seed, n]) + int(cost[n, seed]))[: 2 * k]
        ruined = set(rng.sample(near, k))
        descend(problem, [[n for n in r if n not in ruined] for r in routes], descent, 1.0, penalty, end)
        steps += 1
    return steps


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="folder with the Solomon instance files")
    parser.add_argument("--instances", default="R101,R201,C101,RC201", help="comma-separated instance names")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per search and instance")
    args = parser.parse_args(argv)
    print(f"{'instance':<10}{'ortools steps/s':>18}{'vrptw_ls steps/s':>20}{'ratio':>8}")
    for name in args.instances.split(","):
        problem = solomon.to_engine(solomon.read_solomon(f"{args.dir}/{name.strip()}.txt"))
        first = solve_once(problem, time_limit_s=START_S, config=SearchConfig(first_solution="SAVINGS"))
        if first is None:
            print(f"{name:<10} no start found")
            continue
        old = ortools_steps(problem, first.routes, args.seconds) / args.seconds
        counted: list[int] = []
        vrptw_ls.solve_vrptw(problem, time_limit_s=0.2, initial_routes=first.routes)  # loads the compiled code
        began = time.monotonic()
        vrptw_ls.solve_vrptw(problem, time_limit_s=args.seconds, initial_routes=first.routes, on_steps=counted.append)
        new = counted[0] / (time.monotonic() - began)
        print(f"{name:<10}{old:>18.1f}{new:>20.0f}{new / max(old, 1e-9):>8.0f}")
    print("compiled by numba" if COMPILED else "numba not installed: vrptw_ls ran as plain Python")


if __name__ == "__main__":
    main()
