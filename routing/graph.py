"""A small undirected weighted graph with Dijkstra shortest paths (pure Python, heapq).

Nodes are string ids; every edge carries a cost (what is minimised, e.g. minutes) and a length in km (reported
along the chosen path). Good for the ~80 road and ~120 rail nodes of the bundled network.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShortestPaths:
    """Shortest paths from one source: cost and length to each reached node, and the tree to rebuild paths."""

    source: str
    cost: dict[str, float]
    length_km: dict[str, float]
    previous: dict[str, str | None]

    def reaches(self, target: str) -> bool:
        return target in self.cost

    def nodes_to(self, target: str) -> tuple[str, ...]:
        """The node ids from the source to ``target``, both included; ``KeyError`` if ``target`` is not reached."""
        if target not in self.previous:
            raise KeyError(target)
        nodes: list[str] = []
        node: str | None = target
        while node is not None:
            nodes.append(node)
            node = self.previous[node]
        return tuple(reversed(nodes))


class Graph:
    """Undirected graph; parallel edges are allowed (the cheaper one wins)."""

    def __init__(self) -> None:
        self._adjacent: dict[str, list[tuple[str, float, float]]] = {}

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(self._adjacent)

    def has_node(self, node: str) -> bool:
        return node in self._adjacent

    def add_node(self, node: str) -> None:
        self._adjacent.setdefault(node, [])

    def add_edge(self, a: str, b: str, *, cost: float, length_km: float) -> None:
        if cost < 0 or length_km < 0:
            raise ValueError(f"edge {a}-{b}: cost and length must not be negative")
        self.add_node(a)
        self.add_node(b)
        self._adjacent[a].append((b, cost, length_km))
        self._adjacent[b].append((a, cost, length_km))

    def shortest_paths(self, source: str) -> ShortestPaths:
        """Dijkstra from ``source`` by cost; ties are broken by the shorter length."""
        if source not in self._adjacent:
            raise KeyError(source)
        cost: dict[str, float] = {}
        length: dict[str, float] = {}
        previous: dict[str, str | None] = {}
        counter = itertools.count()
        heap: list[tuple[float, float, int, str, str | None]] = [(0.0, 0.0, next(counter), source, None)]
        while heap:
            node_cost, node_length, _, node, parent = heapq.heappop(heap)
            if node in cost:
                continue
            cost[node], length[node], previous[node] = node_cost, node_length, parent
            for neighbour, edge_cost, edge_length in self._adjacent[node]:
                if neighbour not in cost:
                    entry = (node_cost + edge_cost, node_length + edge_length, next(counter), neighbour, node)
                    heapq.heappush(heap, entry)
        return ShortestPaths(source=source, cost=cost, length_km=length, previous=previous)
