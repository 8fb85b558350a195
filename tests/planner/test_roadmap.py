from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pyproj
import pytest
from affine import Affine
from shapely.geometry import LineString, box

from planner.frames import EARTH, MARS
from planner.profiles import load_profile
from planner.roadmap import Node, build_roadmap, convex_corners, travel_table
from planner.settings import make_vehicle
from planner.wind import Wind
from terrain.dem import DEM


def flat(size: int = 200) -> DEM:
    return DEM(np.zeros((size, size)), Affine(1, 0, -size / 2, 0, -1, size / 2),
               pyproj.CRS("EPSG:32633"))


def test_convex_corners_of_a_square_and_an_l_shape() -> None:
    assert len(convex_corners(box(0, 0, 10, 10), clearance=0.5)) == 4
    ell = box(0, 0, 20, 10).union(box(0, 0, 10, 20))
    assert len(convex_corners(ell, clearance=0.5)) == 5  # the reflex corner is left out


def test_shortest_path_goes_around_a_square_and_is_truly_shortest() -> None:
    dem = flat()
    v = make_vehicle(load_profile("ingenuity"), MARS, altitude_m=5)
    obstacle = box(-20, -20, 20, 20)
    pts = [Node(-60, 0, 5, "home"), Node(60, 0, 5, "landing")]
    rm = build_roadmap(dem=dem, vehicle=v, obstacles=obstacle, points=pts, clearance=0.5)
    table = travel_table(rm, [0, 1], weight="length")
    path = table.path(0, 1)
    xy = [(rm.nodes[i].x, rm.nodes[i].y) for i in path]
    line = LineString(xy)
    assert not line.intersects(obstacle)
    # Analytic: tangent to two corners of the grown square (half-side 20.5).
    h = 20.5
    expected = 2 * math.hypot(60 - h, h) + 2 * h
    assert table.length_m[0, 1] == pytest.approx(expected, rel=1e-6)


def test_no_path_through_a_wall() -> None:
    dem = flat()
    v = make_vehicle(load_profile("ingenuity"), MARS)
    wall = box(-5, -100, 5, 100)  # spans the whole terrain: corners fall outside it
    rm = build_roadmap(dem=dem, vehicle=v, obstacles=wall,
                       points=[Node(-50, 0, 10, "home"), Node(50, 0, 10, "landing")])
    assert not nx.has_path(rm.graph, 0, 1)
    assert not np.isfinite(travel_table(rm, [0, 1]).energy_wh[0, 1])


def test_climbing_a_scarp_costs_energy() -> None:
    size = 200
    xs = np.arange(size) - size / 2 + 0.5
    z = np.tile(40.0 / (1 + np.exp(-xs / 5.0)), (size, 1))  # a 40 m scarp across x = 0
    dem = DEM(z, Affine(1, 0, -size / 2, 0, -1, size / 2), pyproj.CRS("EPSG:32633"))
    v = make_vehicle(load_profile("ingenuity"), MARS)
    pts = [Node(-60, 0, 10, "home"), Node(60, 0, 10, "landing"),
           Node(-60, 60, 10, "station")]
    rm = build_roadmap(dem=dem, vehicle=v, obstacles=box(500, 500, 501, 501), points=pts)
    across = rm.graph[0][1]["energy"]
    along = rm.graph[0][2]["energy"]  # same length on the flat
    assert across > along * 1.1


def test_travel_table_sums_match_the_paths() -> None:
    dem = flat()
    v = make_vehicle(load_profile("ingenuity"), MARS, altitude_m=5)
    obstacles = box(-20, -20, 20, 20).union(box(30, 30, 50, 45))
    pts = [Node(-60, 0, 5, "home"), Node(60, 0, 5, "landing"), Node(40, 70, 8, "station"),
           Node(0, -60, 5, "station"), Node(70, 60, 12, "station")]
    rm = build_roadmap(dem=dem, vehicle=v, obstacles=obstacles, points=pts)
    table = travel_table(rm, list(range(len(pts))))
    g = rm.graph
    for a in range(len(pts)):
        for b in range(len(pts)):
            path = table.path(a, b)
            edges = list(itertools.pairwise(path))
            for key, got in (("energy", table.energy_wh), ("time", table.time_s),
                             ("length", table.length_m)):
                want = sum(g[x][y][key] for x, y in edges)
                assert got[a, b] == pytest.approx(want, abs=1e-9)
            if a != b:
                line = LineString([(rm.nodes[i].x, rm.nodes[i].y) for i in path])
                assert not line.intersects(obstacles)


@pytest.mark.parametrize("wind", [None, Wind(4.0, (250.0, 250.0))])
def test_travel_table_sums_each_path_in_order_on_deep_trees(wind: Wind | None) -> None:
    # A grid of points joined only to their nearest few: shortest paths run through many
    # points (trees many levels deep), and in a wind every leg costs differently each way.
    dem = flat(300)
    v = make_vehicle(load_profile("mavic3"), EARTH, altitude_m=20)
    pts = [Node(float(x), float(y), 20.0, "station")
           for x in range(-120, 121, 30) for y in range(-120, 121, 40)]
    rm = build_roadmap(dem=dem, vehicle=v, obstacles=box(-20, 5, 20, 25), points=pts,
                       neighbours=4, wind=wind)
    table = travel_table(rm, list(range(len(pts))))
    deepest = 0
    keys = ["energy", "time", "length"] + (["still_energy", "still_time"] if wind else [])
    got = {"energy": table.energy_wh, "time": table.time_s, "length": table.length_m,
           "still_energy": table.still_energy_wh, "still_time": table.still_time_s}
    leg = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(rm.tail, rm.head, strict=True))}
    for a in range(len(pts)):
        for b in range(len(pts)):
            path = table.path(a, b)
            deepest = max(deepest, len(path) - 1)
            for key in keys:
                total = 0.0
                for x, y in itertools.pairwise(path):  # from the source outwards, as flown
                    i = leg.get((x, y))
                    back = i is None
                    i = leg[(y, x)] if back else i
                    name = f"{key}_back" if back and f"{key}_back" in rm.legs else key
                    total += float(rm.legs[name][i])
                assert got[key][a, b] == total  # the same additions in the same order
    assert deepest >= 4
