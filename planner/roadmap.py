"""The roadmap: a visibility graph around obstacles, with legs costed over the terrain.

Shortest paths among polygonal obstacles bend only at the obstacles' convex corners, so a graph
whose nodes are those corners (pushed out by a small clearance) plus the mission's points, and
whose edges are every straight leg that touches no obstacle, holds the truly shortest path between
any two mission points. Each edge is weighted by the vehicle model's energy and time for flying it
while following the terrain at height (so climbing a scarp costs what it costs), and carries its
length.

A keep-out that has heights (a :class:`~planner.local.Volume`) is an obstacle only to the legs
whose height profile passes through it: its corners are nodes, so that a leg can go around it,
and a leg across its footprint is kept when it flies over (or under) it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from planner.following import flown_agl_band, followed_ground
from planner.local import Volume, leg_enters
from planner.vehicle import Vehicle
from planner.wind import Wind
from terrain.dem import DEM

if TYPE_CHECKING:
    import networkx as nx


class NodeKind(StrEnum):
    """What a roadmap node is."""

    HOME = "home"
    LANDING = "landing"
    STATION = "station"
    CORNER = "corner"
    """A convex corner of an obstacle, where a shortest path may bend."""


@dataclass(frozen=True)
class Node:
    """A roadmap node: a point in the local frame at a height above ground."""

    x: float
    y: float
    agl_m: float
    kind: NodeKind


@dataclass(frozen=True, eq=False)
class Roadmap:
    """The visibility graph; node ids index ``nodes``.

    Its legs are kept as arrays: leg ``i`` joins node ``tail[i]`` to node ``head[i]``, and
    ``legs[name][i]`` is its ``length``, ``time`` and ``energy`` (from its tail); with a wind
    also ``time_back`` and ``energy_back`` (towards its tail) and the same four in still air
    (``still_time``, ``still_time_back``, ``still_energy``, ``still_energy_back``).
    """

    nodes: tuple[Node, ...]
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    legs: dict[str, NDArray[np.float64]]
    wind: Wind | None = None
    """The wind the legs were costed in; with one, an edge's ``time`` and ``energy`` are from
    its ``tail`` node and ``time_back`` and ``energy_back`` towards it."""

    @property
    def leg_count(self) -> int:
        """Number of legs (each flyable both ways)."""
        return len(self.tail)

    @cached_property
    def graph(self) -> nx.Graph[int]:
        """The roadmap as a networkx graph, made on first use.

        An edge per leg with its figures (and its ``tail`` in a wind); the planner's own
        stages read the arrays.
        """
        import networkx as nx

        graph: nx.Graph[int] = nx.Graph()
        graph.add_nodes_from(range(len(self.nodes)))
        names = list(self.legs)
        values = zip(*(self.legs[k].tolist() for k in names), strict=True)
        windy = "time_back" in self.legs
        graph.add_edges_from(
            (a, b, dict(zip(names, v, strict=True), **({"tail": a} if windy else {})))
            for a, b, v in zip(self.tail.tolist(), self.head.tolist(), values, strict=True))
        return graph


def convex_corners(obstacles: BaseGeometry, *, clearance: float) -> list[tuple[float, float]]:
    """Corners of the obstacles where a shortest path may bend, ``clearance`` outside them."""
    grown = obstacles.buffer(clearance, quad_segs=1, join_style="mitre", mitre_limit=1.5)
    polys: list[Polygon]
    if isinstance(grown, Polygon):
        polys = [grown]
    elif isinstance(grown, MultiPolygon):
        polys = list(grown.geoms)
    else:
        polys = [g for g in getattr(grown, "geoms", []) if isinstance(g, Polygon)]
    out: list[tuple[float, float]] = []
    for part in polys:
        poly = shapely.geometry.polygon.orient(part, 1.0)  # exterior CCW, holes CW
        for ring in (poly.exterior, *poly.interiors):
            c = np.asarray(ring.coords)[:-1]
            if len(c) < 3:
                continue
            prev = np.roll(c, 1, axis=0)
            nxt = np.roll(c, -1, axis=0)
            cross = (c[:, 0] - prev[:, 0]) * (nxt[:, 1] - c[:, 1]) - \
                (c[:, 1] - prev[:, 1]) * (nxt[:, 0] - c[:, 0])
            # The obstacle lies to the left of both ring kinds once oriented: a left turn is
            # a corner where the obstacle is convex and a path may wrap around it.
            out.extend((float(x), float(y)) for x, y in c[cross > 1e-9])
    return out


def leg_profile_costs(dem: DEM, vehicle: Vehicle, *, x0: NDArray[np.float64],
                      y0: NDArray[np.float64], h0: NDArray[np.float64], x1: NDArray[np.float64],
                      y1: NDArray[np.float64], h1: NDArray[np.float64], step: float | None = None,
                      max_samples: int = 64, chunk_samples: int = 2_000_000,
                      wind: Wind | None = None,
                      ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Length, time and energy of straight legs flown following the terrain, from 0 to 1.

    The vehicle's height above ground goes linearly from ``h0`` to ``h1``; the height it gains and
    loses is summed along the profile (:func:`leg_climbs`). Each leg ends in stops at both ends.
    In a ``wind`` each leg is costed along its own track (the worst direction of an uncertain
    wind, leg by leg: :meth:`planner.vehicle.Vehicle.leg_costs`).
    """
    length, climb, descent = leg_climbs(dem, x0=x0, y0=y0, h0=h0, x1=x1, y1=y1, h1=h1, step=step,
                                        max_samples=max_samples, chunk_samples=chunk_samples)
    time_s, energy_wh = vehicle.leg(length, climb, descent, stops=2,
                                    heading_deg=track_deg(x1 - x0, y1 - y0), wind=wind)
    return length, time_s, energy_wh


def track_deg(dx: NDArray[np.float64], dy: NDArray[np.float64]) -> NDArray[np.float64]:
    """Compass bearings (0 = north, clockwise) of displacements east ``dx`` and north ``dy``.

    Examples
    --------
    >>> track_deg(np.array([1.0, 0.0]), np.array([0.0, -1.0])).tolist()
    [90.0, 180.0]
    """
    return np.asarray(np.degrees(np.arctan2(dx, dy)) % 360.0, dtype=np.float64)


def leg_climbs(dem: DEM, *, x0: NDArray[np.float64], y0: NDArray[np.float64],
               h0: NDArray[np.float64], x1: NDArray[np.float64], y1: NDArray[np.float64],
               h1: NDArray[np.float64], step: float | None = None, max_samples: int = 64,
               chunk_samples: int = 2_000_000,
               ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Length, height gained and height lost of straight legs flown following the terrain.

    The profile is sampled every ``step`` metres (the DEM's resolution by default) but at most
    ``max_samples`` times per leg, so that long legs cost a bounded amount of work (these costs
    guide the search; the plan recomputes every leg exactly). Legs are processed in chunks of
    about ``chunk_samples`` samples. Flown the other way, a leg's climb is its descent.
    """
    step = step or dem.resolution
    length = np.hypot(x1 - x0, y1 - y0)
    climb = np.zeros(len(length))
    descent = np.zeros(len(length))
    n_all = np.minimum(np.maximum(np.ceil(length / step).astype(np.intp), 1), max_samples) + 1
    start = 0
    while start < len(length):
        stop = start + max(int(np.searchsorted(np.cumsum(n_all[start:]), chunk_samples)), 1)
        sl = slice(start, min(stop, len(length)))
        n = n_all[sl]
        idx = np.repeat(np.arange(len(n)), n)
        first = np.concatenate([[0], np.cumsum(n)[:-1]])
        t = (np.arange(int(n.sum())) - np.repeat(first, n)) / np.repeat(n - 1, n)
        xa, ya, ha = x0[sl], y0[sl], h0[sl]
        xs = xa[idx] + t * (x1[sl] - xa)[idx]
        ys = ya[idx] + t * (y1[sl] - ya)[idx]
        z = dem.sample(xs, ys) + ha[idx] + t * (h1[sl] - ha)[idx]
        dz = np.diff(z)
        same = idx[1:] == idx[:-1]
        dz = np.where(same & np.isfinite(dz), dz, 0.0)
        climb[sl] = np.bincount(idx[1:], weights=np.maximum(dz, 0.0), minlength=len(n))
        descent[sl] = np.bincount(idx[1:], weights=np.maximum(-dz, 0.0), minlength=len(n))
        start = sl.stop
    return length, climb, descent


def legs_touch(lines: NDArray[np.object_], obstacles: BaseGeometry) -> NDArray[np.bool_]:
    """Whether each line touches any obstacle (bounding boxes first, then exact tests).

    Each obstacle part is prepared once and tested against only the lines whose bounding boxes
    meet its own, which is far faster than preparing every line.
    """
    parts = list(getattr(obstacles, "geoms", [obstacles]))
    hit = np.zeros(len(lines), dtype=bool)
    if not parts or not len(lines):
        return hit
    tree = shapely.STRtree(lines)
    for part in parts:
        cand = tree.query(part)
        cand = cand[~hit[cand]]
        if not len(cand):
            continue
        shapely.prepare(part)
        hit[cand[shapely.intersects(part, lines[cand])]] = True
    return hit


def legs_through_volumes(dem: DEM, vehicle: Vehicle, volumes: tuple[Volume, ...],
                         a: NDArray[np.float64], b: NDArray[np.float64],
                         ) -> NDArray[np.bool_]:
    """Whether each leg enters any of the volumes, as the vehicle flies it over the terrain.

    Leg ``i`` goes from ``a[i]`` to ``b[i]``, rows of ``x, y, height above ground``.
    """
    out = np.zeros(len(a), dtype=bool)
    if not volumes or not len(a):
        return out
    feet = np.asarray(shapely.linestrings(np.stack([a[:, :2], b[:, :2]], axis=1)),
                      dtype=object)
    near = legs_touch(feet, shapely.union_all([v.footprint for v in volumes]))
    followed = followed_ground(dem, vehicle) if near.any() else dem
    for i in np.flatnonzero(near):
        leg, lo, hi = flown_agl_band(dem, followed, vehicle, tuple(a[i]), tuple(b[i]))
        out[i] = any(bool(leg_enters(v, leg.x, leg.y, lo, hi).any()) for v in volumes)
    return out


def build_roadmap(*, dem: DEM, vehicle: Vehicle, obstacles: BaseGeometry,
                  points: list[Node], clearance: float = 0.5,
                  neighbours: int | None = None, volumes: tuple[Volume, ...] = (),
                  wind: Wind | None = None) -> Roadmap:
    """Build the visibility graph over ``points`` and the obstacles' corners.

    Parameters
    ----------
    dem
        Terrain in the local frame; the graph stays inside its pixel centres.
    vehicle
        Costs legs in time and energy.
    obstacles
        Polygons no leg may touch.
    points
        The mission's nodes (home, landing, stations); they come first in the graph's ids.
    clearance
        How far outside the obstacles corner nodes are placed.
    neighbours
        If given, a mission point gets direct legs only to its this many nearest mission
        points (and to every visible corner); for missions of hundreds of targets, where
        routes join near neighbours. ``None`` joins every visible pair: exact.
    volumes
        Keep-outs that have heights (grown by the navigation margin): a leg may cross their
        footprint only where its height profile keeps out of them.
    wind
        A steady wind: each leg is costed each way along its track (for an uncertain direction,
        the worst direction leg by leg, a bound on any one wind), so the graph's costs are
        directed; ``None`` is still air.
    """
    h = vehicle.cruise_altitude_agl_m
    around = shapely.union_all([obstacles, *(v.footprint for v in volumes)]) if volumes \
        else obstacles
    corners = [Node(x, y, h, NodeKind.CORNER)
               for x, y in convex_corners(around, clearance=clearance)]
    corners = [c for c in corners if bool(dem.contains(c.x, c.y, margin=dem.resolution))]
    nodes = tuple(points) + tuple(corners)
    xy = np.array([[n.x, n.y] for n in nodes]) if nodes else np.zeros((0, 2))
    agl = np.array([n.agl_m for n in nodes])
    ii = jj = np.zeros(0, dtype=np.int64)
    legs: dict[str, NDArray[np.float64]] = {k: np.zeros(0) for k in ("length", "time", "energy")}
    if len(nodes) >= 2:
        ii, jj = np.triu_indices(len(nodes), k=1)
        m = len(points)
        if neighbours is not None and m > neighbours + 1:
            from scipy.spatial import cKDTree

            _, near = cKDTree(xy[:m]).query(xy[:m], k=neighbours + 1)
            allowed = np.zeros((m, m), dtype=bool)
            allowed[np.repeat(np.arange(m), neighbours + 1), near.ravel()] = True
            allowed |= allowed.T
            both = (ii < m) & (jj < m)
            keep = ~both | allowed[np.minimum(ii, m - 1), np.minimum(jj, m - 1)]
            ii, jj = ii[keep], jj[keep]
        lines: NDArray[np.object_] = np.asarray(
            shapely.linestrings(np.stack([xy[ii], xy[jj]], axis=1)), dtype=object)
        ok = np.ones(len(ii), dtype=bool) if obstacles.is_empty else \
            ~legs_touch(lines, obstacles)
        ii, jj = ii[ok], jj[ok]
        if volumes:
            ends = np.column_stack([xy, agl])
            ok = ~legs_through_volumes(dem, vehicle, volumes, ends[ii], ends[jj])
            ii, jj = ii[ok], jj[ok]
        length, climb, descent = leg_climbs(
            dem, x0=xy[ii, 0], y0=xy[ii, 1], h0=agl[ii], x1=xy[jj, 0], y1=xy[jj, 1],
            h1=agl[jj])
        track = track_deg(xy[jj, 0] - xy[ii, 0], xy[jj, 1] - xy[ii, 1])
        time_s, energy = vehicle.leg(length, climb, descent, stops=2, heading_deg=track,
                                     wind=wind)
        legs = {"length": length, "time": time_s, "energy": energy}
        # Still air: costs are symmetric enough for the search (climbing one way is descending
        # the other, and both are charged); the plan recomputes every leg in its own direction.
        if wind is not None and not wind.calm:
            # In wind a leg costs differently each way: a head wind one way is a tail wind
            # the other. Each leg keeps both, from its tail node and back.
            # Still air too, to tell whether the wind is what leaves a target out.
            legs["time_back"], legs["energy_back"] = vehicle.leg(
                length, descent, climb, stops=2, heading_deg=(track + 180.0) % 360.0, wind=wind)
            legs["still_time"], legs["still_energy"] = vehicle.leg(length, climb, descent,
                                                                   stops=2)
            legs["still_time_back"], legs["still_energy_back"] = vehicle.leg(
                length, descent, climb, stops=2)
    return Roadmap(nodes=nodes, tail=ii.astype(np.int64), head=jj.astype(np.int64),
                   legs={k: np.asarray(v, dtype=np.float64) for k, v in legs.items()},
                   wind=wind)


@dataclass(frozen=True, eq=False)
class TravelTable:
    """Travel between mission nodes along the roadmap's cheapest paths (by energy).

    ``energy_wh``, ``time_s`` and ``length_m`` are ``inf`` where no path exists. Paths are kept
    as shortest-path trees and rebuilt on demand with :meth:`path`.
    """

    energy_wh: NDArray[np.float64]
    time_s: NDArray[np.float64]
    length_m: NDArray[np.float64]
    sources: tuple[int, ...]
    predecessors: NDArray[np.int32]
    still_energy_wh: NDArray[np.float64] | None = None
    """With a wind: the energy of the same paths in still air (``None`` in still air)."""
    still_time_s: NDArray[np.float64] | None = None
    """With a wind: the time of the same paths in still air."""

    def path(self, a: int, b: int) -> list[int]:
        """Roadmap node ids from source ``a`` to source ``b`` (indices into ``sources``)."""
        target = self.sources[b]
        src = self.sources[a]
        pred = self.predecessors[a]
        out = [target]
        while out[-1] != src:
            nxt = int(pred[out[-1]])
            if nxt < 0:
                raise ValueError(f"no path between mission nodes {a} and {b}")
            out.append(nxt)
        return out[::-1]


def tree_levels(parent: NDArray[np.int64]) -> NDArray[np.int64]:
    """Hops from each node to the root of its tree; ``parent`` gives the trees.

    A root is its own parent. By pointer jumping: each round doubles how far a node has
    looked up, so a tree of depth d takes about log2(d) rounds.

    Examples
    --------
    >>> tree_levels(np.array([0, 0, 1, 2, 4, 4])).tolist()
    [0, 1, 2, 3, 0, 1]
    """
    level: NDArray[np.int64] = (parent != np.arange(len(parent))).astype(np.int64)
    up = parent.copy()
    while True:
        upper = up[up]
        if np.array_equal(upper, up):
            return level
        level += level[up]
        up = upper


def travel_table(roadmap: Roadmap, sources: list[int], *, weight: str = "energy") -> TravelTable:
    """Cheapest paths (by ``weight``) between every pair of ``sources``; inf where none.

    Shortest-path trees come from :func:`scipy.sparse.csgraph.dijkstra`; the other
    quantities are summed along the same trees level by level, vectorised across the sources.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    n = len(roadmap.nodes)
    legs = roadmap.legs
    still = roadmap.leg_count > 0 and "still_energy" in legs
    keys = ("energy", "time", "length", *(("still_energy", "still_time") if still else ()))
    # Each leg both ways: from its tail with its own costs, back with the costs back (the same
    # in still air).
    u = np.concatenate([roadmap.tail, roadmap.head])
    v = np.concatenate([roadmap.head, roadmap.tail])
    attrs = {k: np.concatenate([legs[k], legs.get(f"{k}_back", legs[k])]) for k in keys}
    # Tiny positive floor: csgraph treats explicit zeros as missing edges.
    w = coo_matrix((np.maximum(attrs[weight], 1e-12), (u, v)), shape=(n, n)).tocsr()
    src = np.asarray(sources, dtype=np.int64)
    dist, pred = dijkstra(w, directed=True, indices=src, return_predecessors=True)
    pred = pred.astype(np.int32)

    # The other quantities are summed along the same trees, from each source outwards: a node's
    # sum is its predecessor's plus the leg into it, so the nodes are taken level by level of
    # their trees (hops from the source), each level one vector operation across every tree.
    # The sums are the very same additions in the same order as walking each path.
    others = [q for q in keys if q != weight]
    rows = np.arange(len(src))
    reached = pred >= 0
    eid = np.zeros(pred.shape, dtype=np.int64)  # the edge into each node of each tree
    if len(u):
        key = u * n + v
        by_key = np.argsort(key)
        into = (pred.astype(np.int64) * n + np.arange(n)[None, :])[reached]
        eid[reached] = by_key[np.searchsorted(key[by_key], into)]
        del into
    flat = np.arange(pred.size).reshape(pred.shape)
    prev = np.where(reached, (rows * n)[:, None] + pred, flat).ravel()  # roots: themselves
    levels = tree_levels(prev)
    by_level = np.argsort(levels, kind="stable")
    bounds = np.searchsorted(levels[by_level], np.arange(int(levels.max(initial=0)) + 2))
    acc = []
    for q in others:
        step = np.where(reached, attrs[q][eid], 0.0).ravel() if len(u) else \
            np.zeros(pred.size)
        total = np.zeros(pred.size)
        for lo, hi in itertools.pairwise(bounds[1:]):  # level 1, 2, ...: every tree at once
            at = by_level[lo:hi]
            total[at] = total[prev[at]] + step[at]
        acc.append(total.reshape(pred.shape))
    del eid, prev, by_level, levels
    sums = {q: acc[i] for i, q in enumerate(others)}
    sums[weight] = dist

    def along(quantity: str) -> NDArray[np.float64]:
        out = np.where(np.isfinite(dist), sums[quantity], np.inf)
        return np.asarray(out[:, src], dtype=np.float64)

    energy = along("energy")
    time_s = along("time")
    length = along("length")
    return TravelTable(energy_wh=energy, time_s=time_s, length_m=length,
                       sources=tuple(int(x) for x in src), predecessors=pred,
                       still_energy_wh=along("still_energy") if still else None,
                       still_time_s=along("still_time") if still else None)
