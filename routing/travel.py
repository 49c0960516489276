"""Travel times on the bundled road graph (buses) and rail graph (the train): the ``TravelModel`` port.

Road edges join unit centres; an edge is driven at the mountain speed when either end is a mountain place, else
at the lowland speed. A settlement joins the road graph by rural roads: to its unit's centre town and to the
``RURAL_NEIGHBOURS`` nearest places within ``RURAL_LINK_KM``, each ``geodesic × rural_detour`` km long, driven at the
rural speed (slower in mountain units). Rail edges are the operational segments of the rail lines (tariff km) at
one average speed.
Durations are minimised; the reported distance is the length of the fastest path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from geopy.distance import geodesic

from routing.graph import Graph, ShortestPaths
from scheduler.domain import Network, Terrain, VehicleKind
from scheduler.ports import UNREACHABLE, LatLon, Site, TravelMatrix
from scheduler.problem import km_between

__all__ = ["GraphTravelModel", "geodesic_km"]

RURAL_NEIGHBOURS = 3
RURAL_LINK_KM = 30.0
"""A settlement's rural links besides the one to its unit centre: its nearest places within this distance."""

_ROUNDING_SLACK_MIN = 1e-9
"""Float noise tolerated before rounding a duration up to the next whole minute."""


def geodesic_km(a: LatLon, b: LatLon) -> float:
    """Distance in km between two (lat, lon) points on the WGS-84 ellipsoid (geopy)."""
    return float(geodesic(a, b).km)


class GraphTravelModel:
    """Shortest paths over the road graph (``VehicleKind.BUS``) and the operational rail graph (``TRAIN``).

    Shortest-path trees are computed lazily, once per vehicle kind and origin, and cached.
    """

    def __init__(
        self,
        network: Network,
        *,
        lowland_speed_kmh: float = 70.0,
        mountain_speed_kmh: float = 45.0,
        rail_speed_kmh: float = 50.0,
        rural_speed_kmh: float = 40.0,
        rural_mountain_speed_kmh: float = 30.0,
        rural_detour: float = 1.4,
    ) -> None:
        for name, speed in (
            ("lowland_speed_kmh", lowland_speed_kmh),
            ("mountain_speed_kmh", mountain_speed_kmh),
            ("rail_speed_kmh", rail_speed_kmh),
            ("rural_speed_kmh", rural_speed_kmh),
            ("rural_mountain_speed_kmh", rural_mountain_speed_kmh),
            ("rural_detour", rural_detour),
        ):
            if not (math.isfinite(speed) and speed > 0):
                raise ValueError(f"{name} must be a positive number of km/h, got {speed}")
        self._network = network
        self._rural = (rural_speed_kmh, rural_mountain_speed_kmh, rural_detour)
        self._graphs = {
            VehicleKind.BUS: self._road_graph(lowland_speed_kmh, mountain_speed_kmh),
            VehicleKind.TRAIN: self._rail_graph(rail_speed_kmh),
        }
        self._sites = {
            VehicleKind.BUS: tuple(
                Site(id=p.id, kind=VehicleKind.BUS, place_id=p.id, name=p.name_en, lat=p.lat, lon=p.lon)
                for p in network.places
            ),
            VehicleKind.TRAIN: tuple(
                Site(id=s.id, kind=VehicleKind.TRAIN, place_id=s.place_id, name=s.name, lat=s.lat, lon=s.lon)
                for s in network.stations
                if s.place_id is not None and self._graphs[VehicleKind.TRAIN].has_node(s.id)
            ),
        }
        self._coords: dict[VehicleKind, dict[str, LatLon]] = {
            VehicleKind.BUS: {p.id: (p.lat, p.lon) for p in network.places},
            VehicleKind.TRAIN: {s.id: (s.lat, s.lon) for s in network.stations},
        }
        self._trees: dict[VehicleKind, dict[str, ShortestPaths]] = {kind: {} for kind in VehicleKind}

    def _road_graph(self, lowland_speed_kmh: float, mountain_speed_kmh: float) -> Graph:
        graph = Graph()
        for place in self._network.places:
            graph.add_node(place.id)
        for road in self._network.roads:
            mountain = any(self._network.place(end).terrain is Terrain.MOUNTAIN for end in (road.a, road.b))
            speed = mountain_speed_kmh if mountain else lowland_speed_kmh
            graph.add_edge(road.a, road.b, cost=road.distance_km / speed * 60.0, length_km=road.distance_km)
        self._rural_links(graph)
        return graph

    def _rural_links(self, graph: Graph) -> None:
        """Join each settlement to its unit centre and to its nearest places (see the module docstring)."""
        lowland, mountain, detour = self._rural
        places = self._network.places
        for place in places:
            if place.unit_id is None or not self._network.has_place(place.unit_id):
                continue
            near = sorted(  # haversine to rank (fast); the links themselves are measured on the ellipsoid
                (km_between((place.lat, place.lon), (other.lat, other.lon)), other.id)
                for other in places
                if other.id != place.id
            )
            targets = {place.unit_id} | {pid for km, pid in near[:RURAL_NEIGHBOURS] if km <= RURAL_LINK_KM}
            speed = mountain if place.terrain is Terrain.MOUNTAIN else lowland
            for target in sorted(targets):
                other = self._network.place(target)
                km = max(0.1, geodesic_km((place.lat, place.lon), (other.lat, other.lon))) * detour
                graph.add_edge(place.id, target, cost=km / speed * 60.0, length_km=km)

    def _rail_graph(self, rail_speed_kmh: float) -> Graph:
        graph = Graph()
        for line in self._network.rail_lines:
            for i, operational in enumerate(line.operational):
                if operational:
                    km = line.km[i + 1] - line.km[i]
                    graph.add_edge(
                        line.station_ids[i], line.station_ids[i + 1], cost=km / rail_speed_kmh * 60.0, length_km=km
                    )
        return graph

    def _tree(self, kind: VehicleKind, origin: str) -> ShortestPaths:
        trees = self._trees[kind]
        if origin not in trees:
            trees[origin] = self._graphs[kind].shortest_paths(origin)
        return trees[origin]

    def _check(self, kind: VehicleKind, site_id: str) -> None:
        if not self._graphs[kind].has_node(site_id):
            raise ValueError(f"{site_id!r} is not a node of the {kind.value} network")

    def sites(self, kind: VehicleKind) -> tuple[Site, ...]:
        """Bus: one site per place centre. Train: one per station with a place that an operational segment touches."""
        return self._sites[kind]

    def matrix(self, kind: VehicleKind, site_ids: Sequence[str]) -> TravelMatrix:
        """Fastest-path distance (m) and duration (min, rounded up); ``UNREACHABLE`` where no path exists."""
        ids = tuple(site_ids)
        for site_id in ids:
            self._check(kind, site_id)
        size = len(ids)
        distance_m = np.full((size, size), UNREACHABLE, dtype=np.int64)
        duration_min = np.full((size, size), UNREACHABLE, dtype=np.int64)
        for i, origin in enumerate(ids):
            tree = self._tree(kind, origin)
            for j, destination in enumerate(ids):
                if tree.reaches(destination):
                    distance_m[i, j] = round(tree.length_km[destination] * 1000.0)
                    duration_min[i, j] = math.ceil(tree.cost[destination] - _ROUNDING_SLACK_MIN)
        return TravelMatrix(kind=kind, site_ids=ids, distance_m=distance_m, duration_min=duration_min)

    def path(self, kind: VehicleKind, origin: str, destination: str) -> tuple[LatLon, ...]:
        """Node coordinates along the fastest path, origin and destination included (two equal points if same)."""
        self._check(kind, origin)
        self._check(kind, destination)
        tree = self._tree(kind, origin)
        if not tree.reaches(destination):
            raise ValueError(f"no {kind.value} path from {origin!r} to {destination!r}")
        nodes = tree.nodes_to(destination)
        if len(nodes) == 1:
            nodes = (origin, destination)
        coords = self._coords[kind]
        return tuple(coords[node] for node in nodes)
