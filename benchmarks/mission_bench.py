"""Mission benchmark: whole missions through the planner.

1. Small missions against brute force: Ingenuity on built-in Jezero-like terrain, 4 to 12 random
   targets within 150 m, 180 s; one camera station per target so that brute force (depth-first
   over every order, pruned by the budget) is exhaustive. The planner's choice (exact dynamic
   programming up to 12 targets) must match the brute force's best total priority.
2. Time to plan 20, 100 and 500 targets on 2 km x 2 km of built-in Earth terrain with a
   Mavic 3 (40 m, 10 m/s, 40 min) and up to 8 keep-out zones; goals 100 in <= 10 s, 500 in
   <= 60 s.

Usage: python benchmarks/mission_bench.py
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np

from planner.pipeline import PlanOptions, plan_mission, prepare, selection_problem
from planner.route import solve

MARS_R = 3_396_190.0


def mars_mission(n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    lon0, lat0 = 77.4306, 18.4548
    deg = 180 / (np.pi * MARS_R)
    feats = [{"type": "Feature", "properties": {"role": "home", "name": "home"},
              "geometry": {"type": "Point", "coordinates": [lon0, lat0]}}]
    for i in range(n):
        e, nn = rng.uniform(-150, 150, 2)
        feats.append({"type": "Feature",
                      "properties": {"name": f"t{i}", "priority": int(rng.integers(1, 6)),
                                     "photos": int(rng.integers(1, 4))},
                      "geometry": {"type": "Point", "coordinates": [
                          lon0 + e * deg / np.cos(np.radians(lat0)), lat0 + nn * deg]}})
    return {"type": "FeatureCollection", "features": feats,
            "crs": {"type": "name", "properties": {"name": "IAU_2015:49900"}},
            "plan_flight": {"altitude_m": 8, "speed_m_s": 4}}


def earth_mission(n: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    lon0, lat0 = 8.54, 47.37
    mx, my = 1 / (111_320 * np.cos(np.radians(lat0))), 1 / 110_540
    feats = [{"type": "Feature", "properties": {"role": "home", "name": "home"},
              "geometry": {"type": "Point", "coordinates": [lon0, lat0]}}]
    for i in range(n):
        e, nn = rng.uniform(-1000, 1000, 2)
        feats.append({"type": "Feature", "properties": {
            "name": f"t{i}", "priority": int(rng.integers(1, 4)), "gsd_cm": 2.0},
            "geometry": {"type": "Point", "coordinates": [lon0 + e * mx, lat0 + nn * my]}})
    for k in range(8):
        e, nn = rng.uniform(-900, 900, 2)
        h = rng.uniform(20, 80)
        if abs(e) < h + 50 and abs(nn) < h + 50:
            continue
        ring = [[lon0 + (e + dx) * mx, lat0 + (nn + dy) * my]
                for dx, dy in [(-h, -h), (h, -h), (h, h), (-h, h), (-h, -h)]]
        feats.append({"type": "Feature", "properties": {"role": "keep_out", "name": f"k{k}",
                                                        "buffer_m": 10},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": feats,
            "plan_flight": {"vehicle": "mavic3", "altitude_m": 40, "speed_m_s": 10}}


def brute_force(cost: np.ndarray, prize: np.ndarray, groups: np.ndarray) -> float:
    """Best total prize over every order of every subset within budget 1 (depth-first)."""
    nodes = [i for i in range(len(prize)) if groups[i] >= 0]
    best = 0.0

    def dfs(last: int, spent: float, got: float, used: frozenset[int]) -> None:
        nonlocal best
        best = max(best, got)
        for j in nodes:
            if groups[j] in used:
                continue
            s = spent + cost[last, j]
            if s + cost[j, 1] <= 1.0 + 1e-9:
                dfs(j, s, got + prize[j], used | {int(groups[j])})

    if cost[0, 1] <= 1.0:
        dfs(0, 0.0, 0.0, frozenset())
    return best


def main() -> None:
    print("small missions against brute force (Ingenuity, 180 s, one station per target):")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.geojson"
        for n in (4, 6, 8, 10, 12):
            agree, times, visited = 0, [], []
            for seed in range(3):
                path.write_text(json.dumps(mars_mission(n, seed)))
                opts = PlanOptions(stations_per_target=1)
                ctx = prepare(path, opts)
                sel = selection_problem(ctx, opts)
                t0 = time.perf_counter()
                sol = solve(sel.cost(), sel.prize, start=0, end=1, budget=1.0,
                            groups=sel.groups)
                times.append(time.perf_counter() - t0)
                best = brute_force(sel.cost(), sel.prize, sel.groups)
                agree += abs(sol.prize - best) < 1e-9
                visited.append(len(sol.order) - 2)
            print(f"  {n:>2} targets: planner = brute force on {agree} of 3 missions; "
                  f"selection {max(times) * 1000:.0f} ms at most; targets flown "
                  f"{visited}")
        print("\ntime to plan on 2 km x 2 km (Earth, Mavic 3, 40 min):")
        for n in (20, 100, 500):
            path.write_text(json.dumps(earth_mission(n)))
            t0 = time.perf_counter()
            plan, ctx = plan_mission(path, PlanOptions())
            secs = time.perf_counter() - t0
            print(f"  {n:>3} targets: {secs:5.1f} s, {len(plan.targets_photographed)} "
                  f"photographed in {plan.duration_s / 60:.1f} min ({plan.selection}), "
                  f"terrain {ctx.dem.shape[0]} x {ctx.dem.shape[1]}")


if __name__ == "__main__":
    main()
