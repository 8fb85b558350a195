"""How fast plan-flight refuses what it cannot plan, each run in a fresh process.

Earth, a DJI Mavic 3 (range about 20 km on a battery), home in Zurich with one target 300 m away
and, per scenario:

- a required target 70 km east (refused, exit 3, naming the distance and the range);
- the same on Mars with Ingenuity (range about 1.5 km) in air of 0.020 kg/m³, denser than its
  reference, so the densest air it can hover in is worked out too;
- a keep-out zone 70 km east (refused, exit 2: a mistake in its coordinates);
- a malformed mission file (not JSON; exit 2);
- a bad option value (``--altitude -5``; exit 2);
- ``plan-flight --version`` (exit 0): the floor, the interpreter and the command's imports.

None of these needs terrain, so none should load what makes or reads it. For each it prints the
CPU time (user + system) and wall time of the process (the median of ``--repeat`` runs), its
peak memory (max RSS), the exit code and the line on stderr. On a shared machine the CPU time
is the steadier figure. The issue's goal: a far target or keep-out refused in under a second.

Usage: python benchmarks/refusal_bench.py [--repeat 3]
(``PYTHONPATH=/other/checkout python benchmarks/refusal_bench.py`` measures another checkout's
planner with this environment.)
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
from pathlib import Path

from scale_bench import LAT0, LON0, M_LAT, M_LON, run

FAR_M = 70_000.0
"""How far east the far target or keep-out lies: three and a half times a Mavic 3's range."""
MARS_LON, MARS_LAT = 77.4306, 18.4548  # Jezero crater, IAU 2015 sphere
MARS_DEG = 180 / (math.pi * 3_396_190)  # degrees of latitude per metre on Mars


def mission(*, far_target: bool = False, far_keep_out: bool = False) -> dict:
    """Home, a target 300 m north, and a required target or a keep-out ``FAR_M`` east."""
    def point(e: float, n: float) -> list[float]:
        return [LON0 + e * M_LON, LAT0 + n * M_LAT]

    feats = [{"type": "Feature", "properties": {"role": "home", "name": "home"},
              "geometry": {"type": "Point", "coordinates": point(0, 0)}},
             {"type": "Feature", "properties": {"name": "near", "gsd_cm": 2.0},
              "geometry": {"type": "Point", "coordinates": point(0, 300)}}]
    if far_target:
        feats.append({"type": "Feature", "properties": {"name": "far", "required": True},
                      "geometry": {"type": "Point", "coordinates": point(FAR_M, 0)}})
    if far_keep_out:
        ring = [point(FAR_M + dx, dy) for dx, dy in
                [(-50, -50), (50, -50), (50, 50), (-50, 50), (-50, -50)]]
        feats.append({"type": "Feature", "properties": {"role": "keep_out", "name": "far zone"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": feats,
            "plan_flight": {"vehicle": "mavic3", "altitude_m": 40, "speed_m_s": 10}}


def mars_mission() -> dict:
    """Ingenuity at Jezero: home and a required target ``FAR_M`` east."""
    far = [MARS_LON + FAR_M * MARS_DEG / math.cos(math.radians(MARS_LAT)), MARS_LAT]
    return {"type": "FeatureCollection", "crs": {"type": "name",
                                                 "properties": {"name": "IAU_2015:49900"}},
            "features": [
                {"type": "Feature", "properties": {"role": "home", "name": "home"},
                 "geometry": {"type": "Point", "coordinates": [MARS_LON, MARS_LAT]}},
                {"type": "Feature", "properties": {"name": "far", "required": True},
                 "geometry": {"type": "Point", "coordinates": far}}],
            "plan_flight": {"altitude_m": 8, "speed_m_s": 3}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per scenario (median shown)")
    args = ap.parse_args()
    print("command: python benchmarks/refusal_bench.py " + " ".join(sys.argv[1:]))
    print("Earth, Mavic 3 (40 m, 10 m/s); plan-flight in a fresh process; median of "
          f"{args.repeat} runs")
    with tempfile.TemporaryDirectory(prefix="refusal_bench_") as tmp:
        folder = Path(tmp)
        files = {"far-target": mission(far_target=True), "far-keep-out": mission(far_keep_out=True),
                 "ok": mission(), "mars-far-target": mars_mission()}
        for name, doc in files.items():
            (folder / f"{name}.geojson").write_text(json.dumps(doc))
        (folder / "malformed.geojson").write_text('{"type": "FeatureCollection", "features": [')
        cases = [
            (f"required target {FAR_M / 1000:.0f} km away", [str(folder / "far-target.geojson")]),
            (f"on Mars, Ingenuity, a required target {FAR_M / 1000:.0f} km away",
             [str(folder / "mars-far-target.geojson"), "--air-density", "0.02"]),
            (f"keep-out {FAR_M / 1000:.0f} km away", [str(folder / "far-keep-out.geojson")]),
            ("malformed mission file", [str(folder / "malformed.geojson")]),
            ("bad option (--altitude -5)", [str(folder / "ok.geojson"), "--altitude", "-5"]),
            ("--version", ["--version"]),
        ]
        for label, argv in cases:
            runs = [run(Path(argv[0]), *argv[1:]) for _ in range(args.repeat)]
            code = runs[0][0]
            cpu = statistics.median(r[1] for r in runs)
            wall = statistics.median(r[2] for r in runs)
            mb = statistics.median(r[3] for r in runs)
            said = (runs[0][5].strip() or runs[0][4].strip()).splitlines()
            print(f"\n{label}: exit {code}, cpu {cpu:.2f} s, wall {wall:.2f} s, "
                  f"peak {mb:,.0f} MB")
            if said:
                print(f"  {said[-1].replace(str(folder), '...')}")


if __name__ == "__main__":
    main()
