"""Terrain benchmark: hazard assessment on a 4096 x 4096 DEM, and planning inside a
16,384 x 16,384 GeoTIFF on disk (read by window).

Goals (issue 3): the 4096² assessment in <= 10 s and <= 1.5 GB on 2 cores; the 16k² case bounded
by the window, not the file.

Usage: python benchmarks/terrain_bench.py [--big-tif PATH]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MARS_EQC = "+proj=eqc +lat_ts=0 +lon_0=0 +R=3396190 +units=m +no_defs"


def make_4096(path: str) -> dict[str, float]:
    import pyproj

    from terrain.synthetic import synthetic_dem

    t0 = time.perf_counter()
    dem = synthetic_dem((0, 0, 4096, 4096), pyproj.CRS("EPSG:32633"), seed=1,
                        base_elevation_m=-2565)
    t1 = time.perf_counter()
    dem.write_geotiff(path)
    return {"make_terrain_s": t1 - t0}


def assess_4096(path: str) -> dict[str, float]:
    import pyproj

    from planner.frames import MARS
    from planner.profiles import load_profile
    from planner.settings import make_vehicle
    from terrain.dem import read_dem
    from terrain.hazards import assess, mask_to_polygons

    dem = read_dem(path, dst_crs=pyproj.CRS("EPSG:32633"), dst_bounds=(0, 0, 4096, 4096))
    t1 = time.perf_counter()
    limits = make_vehicle(load_profile("ingenuity"), MARS, altitude_m=8,
                          speed_m_s=3).hazard_limits
    maps = assess(dem, limits)
    t2 = time.perf_counter()
    polys = mask_to_polygons(dem, maps.flight, grow=3.0, simplify=1.0)
    t3 = time.perf_counter()
    return {"cells": dem.elevation.size, "assess_s": t2 - t1,
            "polygons_s": t3 - t2, "flight_hazard_fraction": float(maps.flight.mean()),
            "landing_hazard_fraction": float(maps.landing.mean()),
            "hazard_polygons": len(polys.geoms)}


def make_big_tif(path: Path, size: int = 16_384) -> None:
    """A Mars eqc GeoTIFF of size x size, 1 m cells, written in row blocks."""
    import numpy as np
    import rasterio
    from affine import Affine

    x0 = np.radians(77.43) * 3_396_190.0 - size / 2
    y0 = np.radians(18.45) * 3_396_190.0 + size / 2
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1,
               "dtype": "float32", "crs": MARS_EQC, "transform": Affine(1, 0, x0, 0, -1, y0),
               "tiled": True, "blockxsize": 512, "blockysize": 512, "nodata": -9999.0}
    rng = np.random.default_rng(0)
    cols = np.arange(size)
    with rasterio.open(path, "w", **profile) as dst:
        step = 512
        for r0 in range(0, size, step):
            rows = np.arange(r0, r0 + step)[:, None]
            z = (-2565 + 8 * np.sin(cols / 700.0) * np.cos(rows / 900.0)
                 + 2 * np.sin((cols + rows) / 120.0)
                 + 0.04 * rng.standard_normal((step, size)))
            dst.write(z.astype(np.float32), 1, window=rasterio.windows.Window(0, r0, size, step))


def plan_in_big_tif(path: str) -> dict[str, float]:
    import json as _json

    from planner.pipeline import PlanOptions, plan_mission

    mission = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "IAU_2015:49900"}},
        "plan_flight": {"altitude_m": 8, "speed_m_s": 3},
        "features": [
            {"type": "Feature", "properties": {"role": "home", "name": "Q"},
             "geometry": {"type": "Point", "coordinates": [77.4306, 18.45477]}},
            {"type": "Feature", "properties": {"role": "landing", "name": "R"},
             "geometry": {"type": "Point", "coordinates": [77.43047, 18.45165]}},
            {"type": "Feature", "properties": {"name": "backshell", "photos": 6},
             "geometry": {"type": "Point", "coordinates": [77.432, 18.452]}},
        ]}
    with tempfile.TemporaryDirectory() as tmp:
        mpath = Path(tmp) / "m.geojson"
        mpath.write_text(_json.dumps(mission))
        t0 = time.perf_counter()
        plan, ctx = plan_mission(mpath, PlanOptions(dem=path))
        t1 = time.perf_counter()
    return {"plan_s": t1 - t0, "window_cells": ctx.dem.elevation.size,
            "file_cells": 16_384 ** 2, "targets": len(plan.targets_photographed)}


def run_child(name: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", name, *args], check=True,
                         capture_output=True, text=True)
    res: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child")
    ap.add_argument("--big-tif", default=str(Path(tempfile.gettempdir()) / "plan-flight-16k.tif"))
    ap.add_argument("rest", nargs="*")
    a = ap.parse_args()
    if a.child:
        job = {"make": make_4096, "assess": assess_4096, "plan": plan_in_big_tif}[a.child]
        res = job(a.rest[0])
        res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(res))
        return
    with tempfile.TemporaryDirectory() as tmp:
        tif = str(Path(tmp) / "jezero-4096.tif")
        m = run_child("make", tif)
        r = run_child("assess", tif)  # a fresh process: its peak memory is the assessment's
    print(f"built-in terrain, 4096 x 4096 at 1 m: made in {m['make_terrain_s']:.1f} s, "
          f"peak RSS {m['peak_rss_mb']:.0f} MB")
    print(f"hazard assessment (Ingenuity at 8 m, 3 m/s) of that terrain read back from "
          f"GeoTIFF: {r['assess_s']:.2f} s assess + {r['polygons_s']:.2f} s polygons, peak RSS "
          f"{r['peak_rss_mb']:.0f} MB (elevations alone: 128 MB as float64); "
          f"flight hazards {100 * r['flight_hazard_fraction']:.1f} %, "
          f"{r['hazard_polygons']:.0f} polygons")
    big = Path(a.big_tif)
    if not big.exists():
        t0 = time.perf_counter()
        make_big_tif(big)
        print(f"wrote {big} (16384 x 16384 float32, {big.stat().st_size / 2**30:.2f} GiB) in "
              f"{time.perf_counter() - t0:.0f} s")
    r = run_child("plan", str(big))
    print(f"planning inside the 16384 x 16384 GeoTIFF: {r['plan_s']:.2f} s, peak RSS "
          f"{r['peak_rss_mb']:.0f} MB; window {r['window_cells'] / 1e6:.2f} M cells of "
          f"{r['file_cells'] / 1e6:.0f} M in the file")


if __name__ == "__main__":
    main()
