"""The searches the benchmarks run (the weekly planner runs its own, ``routing.optimizer.WEEK_PORTFOLIO``): a
VRPTW portfolio and a prize-collecting one, with the measurements that chose them."""

from __future__ import annotations

from routing.config import SearchConfig

VRPTW_SHARE = 0.97
"""On plain VRPTW, the share of each search's time the dedicated search (``routing/vrptw_ls.py``) takes over:
OR-Tools' first solution and a few tenths of guided local search are a start it improves a thousand times faster
per step. The 19 even-indexed Solomon instances, 10 s, machine shared (load 7-9 on 2 cores), 2026-12-05: 0.9
0.33 %, 0.97 0.24 % (single instances move by up to 2.8 points between runs: read ±0.1)."""

PORTFOLIO: tuple[SearchConfig, ...] = (
    SearchConfig(first_solution="SAVINGS", gls_lambda=0.2, vrptw_share=VRPTW_SHARE),
    SearchConfig(first_solution="PARALLEL_CHEAPEST_INSERTION", gls_lambda=0.1, vrptw_share=VRPTW_SHARE),
    SearchConfig(first_solution="SAVINGS", gls_lambda=0.1, extra_operators=True, vrptw_share=VRPTW_SHARE),
    SearchConfig(first_solution="PATH_CHEAPEST_ARC", gls_lambda=0.2, vrptw_share=VRPTW_SHARE),
)
"""Tried in this order; ``seed`` rotates it so different seeds run different searches. Each runs guided local
search briefly and hands its best to the dedicated VRPTW search for the rest (``VRPTW_SHARE``). History: on all
37 Solomon instances (10 s) the first two with recombination gave 2.11 % mean gap (2026-11-22). Ruin and recreate
around OR-Tools after a quarter of the budget, eight weak Solomon instances at 10 s: none 4.52 %, up to 5 nodes
1.73 %, 10 1.76 %, 20 1.69 % (noise about ±0.3 %); 10 with the guided local search cut to a tenth of the budget
2.19 %. That ruin and recreate (``SearchConfig.ruin_size``) gave way to the dedicated search (issue 19)."""

ORIENTEERING_SHARE = 0.5
"""On plain orienteering, the second half of each search's time goes to the dedicated search from its best (all
78 p4 and p7 TOP instances, 5 s, whole portfolio, before its string removal: none 0.47 %, 37 at BKS; 0.4 0.23 %,
56; 0.5 0.30 %, 55; 0.6 0.23 %, 57; with it, 17 weak instances: 0.3 0.71 %, 0.5 0.59-0.66 %, 0.7 1.02 %)."""

ORIENTEERING_PORTFOLIO: tuple[SearchConfig, ...] = (
    SearchConfig(
        first_solution="LOCAL_CHEAPEST_INSERTION",
        metaheuristic="GREEDY_DESCENT",
        native_ruin=20,
        prize_scale=2.5,
        orienteering_share=ORIENTEERING_SHARE,
    ),
    SearchConfig(
        first_solution="LOCAL_CHEAPEST_INSERTION",
        metaheuristic="GREEDY_DESCENT",
        native_ruin=20,
        prize_scale=3.0,
        orienteering_share=ORIENTEERING_SHARE,
    ),
    SearchConfig(
        first_solution="LOCAL_CHEAPEST_INSERTION",
        metaheuristic="GREEDY_DESCENT",
        native_ruin=20,
        orienteering_share=ORIENTEERING_SHARE,
    ),
    SearchConfig(
        first_solution="LOCAL_CHEAPEST_INSERTION",
        prize_operators=True,
        prize_scale=3.0,
        ruin_size=15,
        orienteering_share=ORIENTEERING_SHARE,
    ),
)
"""For prize collecting: insertion-based first solutions; path-cheapest-arc and savings ignore optional nodes.
Each hands over to the dedicated orienteering search for the second half of its time (``ORIENTEERING_SHARE``).
The first two (the pair seed 0 runs) are OR-Tools' own iterated local search at prizes rescaled to 2.5 and 3
mean nearest-neighbour arcs, the third the same at the true prizes, the last guided local search at rescaled
prizes, then ruin and recreate from Python. History on 26 TOP instances (every tenth file, 5 s), mean gap: exact
prizes 5.45 %; prizes rescaled to 3 and 6 arcs 2.75 %; then ruin and recreate of up to 15 nodes 1.71 %. On the
24 weakest instances (5 s, both workers and recombination): GLS with Python ruin and recreate 2.68 %; iterated
search at the true and at 3-arc prizes 0.98 % (removing 30 visits on average instead of 20: 0.99 %). On all 78
p4 and p7 instances (5 s, the whole portfolio): true and 3-arc prizes 0.64 %, 33 at BKS; 2.5- and 3-arc prizes
0.47 %, 37 at BKS. One worker alone on the 26 p4 instances not at BKS, 4.5 s: 3-arc prizes 2.36 %, 2-arc 5.19 %
(prizes below most detours: a cliff), true prizes 2.69-2.75 %. One worker alone, true prizes, 24 weakest,
4.5 s: 15 visits removed 2.81 %, 20 1.89 %, 30 2.07 %; rescaled to 3 arcs: 5 visits 4.45 %, 20 2.27 %, 30
2.87 %; with the prize operators 25.5 % (their descents eat the budget). Not kept (the whole portfolio on p4 and
p7): a colder annealing (first temperature a hundredth of the mean arc instead of OR-Tools' tenth) 0.80 %."""
