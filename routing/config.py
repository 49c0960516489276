"""How one OR-Tools search is configured (``SearchConfig``, checked when it is made) and the search parameters it
becomes."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_heuristic_parameters_pb2
from ortools.util import optional_boolean_pb2


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """One way of searching; several run side by side in ``search.py``."""

    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    gls_lambda: float = 0.1
    extra_operators: bool = False
    """Also relocate-neighbours, cross-exchange and close-nodes LNS (slower moves, different optima)."""
    prize_operators: bool = False
    """Also the moves that swap visited and unvisited optional nodes (prize collecting, orienteering)."""
    prize_scale: float | None = None
    """Search with optional prizes rescaled so their mean is this many mean nearest-neighbour arc costs (None: as
    given). Prizes that dwarf every arc leave the local search no gradient to follow (a path at its length limit
    cannot trade a little distance for room); smaller prizes let it, and the caller judges what it finds by the
    true objective (``objective_of``)."""
    native_ruin: int = 0
    """Search by OR-Tools' own iterated local search instead of ``metaheuristic``: SISR string removal of this
    many visits on average, a cheapest-insertion recreate that inserts in random order, a descent, simulated
    annealing acceptance; all in C++, about 50 ruins a second on TOP p4.2.l where ``ruin_size`` manages 11. Not with
    initial routes (the call takes none); 0: off."""
    orienteering_share: float = 0.0
    """On plain orienteering problems (``orienteering.fits``), the share of the budget at the end in which the
    dedicated orienteering search continues from this search's best. 0: off."""
    vrptw_share: float = 0.0
    """On plain VRPTW problems (``vrptw_ls.fits``), the share of the budget at the end in which the dedicated VRPTW
    search continues from this search's best. 0: off."""
    week_share: float = 0.0
    """On prize-collecting problems the weekly search holds (``week_ls.fits``: the weekly planner's), the share of
    the budget at the end in which that search continues from this search's best. 0: off."""
    ruin_size: int = 0
    """After a first search of ``RUIN_FIRST_SHARE`` of the budget, ruin and recreate until the budget ends: remove
    up to this many visited optional nodes close to a random one and let a short greedy descent (a fresh model
    from the rest) refill the routes; keep the result when the true objective is no worse. 0: off."""

    def __post_init__(self) -> None:
        """Refuse what cannot run as asked, instead of dropping a knob silently."""
        strategies = routing_enums_pb2.FirstSolutionStrategy
        metaheuristics = routing_enums_pb2.LocalSearchMetaheuristic
        if not isinstance(getattr(strategies, self.first_solution, None), int):
            raise ValueError(f"first_solution: unknown strategy {self.first_solution!r}")
        if not isinstance(getattr(metaheuristics, self.metaheuristic, None), int):
            raise ValueError(f"metaheuristic: unknown metaheuristic {self.metaheuristic!r}")
        if not self.gls_lambda > 0:
            raise ValueError(f"gls_lambda must be positive, not {self.gls_lambda}")
        if self.prize_scale is not None and not self.prize_scale > 0:
            raise ValueError(f"prize_scale must be positive or None, not {self.prize_scale}")
        if self.native_ruin < 0 or self.ruin_size < 0:
            raise ValueError("native_ruin and ruin_size count visits: 0 (off) or more")
        if self.native_ruin > 0 and self.ruin_size > 0:
            raise ValueError("native_ruin and ruin_size are two ruin-and-recreate searches: choose one")
        if not 0.0 <= self.orienteering_share <= 1.0:
            raise ValueError(f"orienteering_share is a share of the budget (0 to 1), not {self.orienteering_share}")
        if not 0.0 <= self.vrptw_share <= 1.0:
            raise ValueError(f"vrptw_share is a share of the budget (0 to 1), not {self.vrptw_share}")
        if not 0.0 <= self.week_share <= 1.0:
            raise ValueError(f"week_share is a share of the budget (0 to 1), not {self.week_share}")


EXTRA_OPERATORS = (
    "use_relocate_neighbors",
    "use_cross_exchange",
    "use_global_cheapest_insertion_close_nodes_lns",
    "use_local_cheapest_insertion_close_nodes_lns",
    "use_global_cheapest_insertion_expensive_chain_lns",
)


PRIZE_OPERATORS = (
    "use_relocate_and_make_active",
    "use_exchange_and_make_active",
    "use_extended_swap_active",
    "use_node_pair_swap_active",
    "use_inactive_lns",
)


RECREATE_OPERATORS = (
    "use_relocate",
    "use_exchange",
    "use_cross",
    "use_two_opt",
    "use_or_opt",
    "use_make_active",
    "use_make_inactive",
    "use_make_chain_inactive",
    "use_swap_active",
)
"""The only moves of a recreate descent. With OR-Tools' default set plus the prize moves a descent from a ruined
TOP p4.2.i solution had not settled after 1 s; with these it settles in 35-50 ms at the same scores (6 ruins:
relocate-and-make-active alone made it 0.4-0.55 s), so a time-limited step ends at a local optimum."""


def search_parameters(config: SearchConfig, time_limit_s: float, only: tuple[str, ...] | None = None) -> object:
    """OR-Tools parameters of ``config``; ``only`` names the sole local-search operators to use."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, config.first_solution)
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, config.metaheuristic)
    params.guided_local_search_lambda_coefficient = config.gls_lambda
    operators = (EXTRA_OPERATORS if config.extra_operators else ()) + (
        PRIZE_OPERATORS if config.prize_operators else ()
    )
    for operator in operators:
        setattr(params.local_search_operators, operator, optional_boolean_pb2.BOOL_TRUE)
    if only is not None:
        for field_ in params.local_search_operators.DESCRIPTOR.fields:
            value = optional_boolean_pb2.BOOL_TRUE if field_.name in only else optional_boolean_pb2.BOOL_FALSE
            setattr(params.local_search_operators, field_.name, value)
    return params


def with_native_ruin(params: object, removed: int) -> object:
    """``params`` set for OR-Tools' iterated local search with SISR ruins of ``removed`` visits on average.

    The recreate inserts the removed visits in random order: with the default (deterministic) order the same ruin
    is rebuilt the same way and the search stalls (TOP p5.2.p stayed at 1090 of 1150 for 4.5 s; random: 1150).
    """
    ils = params.iterated_local_search_parameters  # type: ignore[attr-defined]
    recreate = ils.ruin_recreate_parameters
    sisr = recreate.ruin_strategies.add().sisr
    sisr.avg_num_removed_visits = removed
    sisr.max_removed_sequence_size = removed
    sisr.bypass_factor = 0.01
    recreate.recreate_strategy.heuristic = routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    insertion = recreate.recreate_strategy.parameters.local_cheapest_insertion
    insertion.insertion_sorting_properties.append(
        routing_heuristic_parameters_pb2.LocalCheapestInsertionParameters.SORTING_PROPERTY_RANDOM
    )
    ils.reference_solution_acceptance_strategy.simulated_annealing.automatic_temperatures = True
    params.use_iterated_local_search = True  # type: ignore[attr-defined]
    return params
