"""Terrain benchmark: built-in terrain and hazard assessment on 4096 x 4096 (DEM plus
orthoimage), reading the mission's window of a 16,384 x 16,384 DEM and orthoimage, and planning
inside the 16k² DEM (read by window).

Goals (issue 11): the 4096² DEM + 4096² orthoimage assessment in <= 10 s and <= 1.5 GB on
2 cores; planning inside a 16k² DEM with a 16k² orthoimage bounded by the window, <= 700 MB.
Each scenario runs in a fresh process, so its peak memory (max RSS) is its own. Wall time is
printed with the process's CPU time: on a shared machine the CPU time is the steadier figure.

Usage: python benchmarks/terrain_bench.py [--big-tif PATH] [--big-image PATH]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MARS_EQC = "+proj=eqc +lat_ts=0 +lon_0=0 +R=3396190 +units=m +no_defs"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _limits() -> Any:
    """Ingenuity's profile limits at 8 m cruise height.

    Its navigation camera then tracks features about 0.44 m across (15 of its pixels) in a 9.5 m
    window (half the short side of its footprint), as the profile derives them.
    """
    from planner.profiles import load_profile

    return load_profile("ingenuity").hazard_limits(8.0)


def make_4096(path: str, image_path: str) -> dict[str, float]:
    import pyproj

    from terrain.synthetic import synthetic_terrain

    t0, c0 = time.perf_counter(), _cpu()
    st = synthetic_terrain((0, 0, 4096, 4096), pyproj.CRS("EPSG:32633"), seed=1,
                           base_elevation_m=-2565)
    t1, c1 = time.perf_counter(), _cpu()
    st.dem.write_geotiff(path)
    st.image.write_geotiff(image_path)
    return {"make_terrain_s": t1 - t0, "make_terrain_cpu_s": c1 - c0,
            "image_cells": st.image.grey.size}


def assess_4096(path: str, image_path: str) -> dict[str, float]:
    import pyproj

    from terrain.dem import read_dem, read_image
    from terrain.hazards import assess, mask_to_polygons

    crs = pyproj.CRS("EPSG:32633")
    dem = read_dem(path, dst_crs=crs, dst_bounds=(0, 0, 4096, 4096))
    image = read_image(image_path, dst_crs=crs, dst_bounds=dem.bounds, native=True)
    limits = _limits()
    t1, c1 = time.perf_counter(), _cpu()
    maps = assess(dem, limits, image=image)
    t2, c2 = time.perf_counter(), _cpu()
    polys = mask_to_polygons(dem, maps.flight, grow=3.0, simplify=1.0)
    t3 = time.perf_counter()
    return {"cells": dem.elevation.size, "image_cells": image.grey.size, "assess_s": t2 - t1,
            "assess_cpu_s": c2 - c1, "polygons_s": t3 - t2,
            "flight_hazard_fraction": float(maps.flight.mean()),
            "texture_hazard_fraction": float(maps.flight_texture.mean()),
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


def make_big_image(path: Path, size: int = 16_384) -> None:
    """An 8-bit Mars eqc orthoimage of size x size, 1 m pixels, over the big DEM, with bland
    patches; written in row blocks."""
    import numpy as np
    import rasterio
    from affine import Affine

    x0 = np.radians(77.43) * 3_396_190.0 - size / 2
    y0 = np.radians(18.45) * 3_396_190.0 + size / 2
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1,
               "dtype": "uint8", "crs": MARS_EQC, "transform": Affine(1, 0, x0, 0, -1, y0),
               "tiled": True, "blockxsize": 512, "blockysize": 512, "nodata": 0}
    rng = np.random.default_rng(1)
    cols = np.arange(size)
    with rasterio.open(path, "w", **profile) as dst:
        step = 512
        for r0 in range(0, size, step):
            rows = np.arange(r0, r0 + step)[:, None]
            bland = (np.sin(cols / 300.0) * np.cos(rows / 260.0)) > 0.8
            rms = np.where(bland, 0.004, 0.10)
            g = 110 * (1 + rms * rng.standard_normal((step, size)))
            dst.write(np.clip(np.rint(g), 1, 255).astype(np.uint8), 1,
                      window=rasterio.windows.Window(0, r0, size, step))


MISSION_LONLAT = ((77.4306, 18.45477), (77.43047, 18.45165), (77.432, 18.452))


def window_in_big(path: str, image_path: str) -> dict[str, float]:
    """Read the mission's window of the 16k² DEM and orthoimage into its local frame; assess."""
    import shapely
    from shapely.geometry import Point

    from planner.frames import MARS, local_frame
    from terrain.dem import read_dem, read_image
    from terrain.hazards import assess

    lons, lats = zip(*MISSION_LONLAT, strict=True)
    frame = local_frame(MARS, (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)
    pts = [frame.geometry_to_local(Point(lo, la)) for lo, la in MISSION_LONLAT]
    x0, y0, x1, y1 = shapely.total_bounds(pts)
    area = (x0 - 150, y0 - 150, x1 + 150, y1 + 150)  # the planner's default margin
    t0, c0 = time.perf_counter(), _cpu()
    dem = read_dem(path, dst_crs=frame.local, dst_bounds=area)
    image = read_image(image_path, dst_crs=frame.local, dst_bounds=area, native=True)
    t1, c1 = time.perf_counter(), _cpu()
    maps = assess(dem, _limits(), image=image)
    t2, c2 = time.perf_counter(), _cpu()
    return {"read_s": t1 - t0, "read_cpu_s": c1 - c0, "assess_s": t2 - t1,
            "assess_cpu_s": c2 - c1, "window_cells": dem.elevation.size,
            "image_window_cells": image.grey.size, "file_cells": 16_384 ** 2,
            "texture_hazard_fraction": float(maps.flight_texture.mean())}


def plan_in_big_tif(path: str, image_path: str) -> dict[str, float]:
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
        t0, c0 = time.perf_counter(), _cpu()
        plan, ctx = plan_mission(mpath, PlanOptions(dem=path, image=image_path))
        t1, c1 = time.perf_counter(), _cpu()
    return {"plan_s": t1 - t0, "plan_cpu_s": c1 - c0, "window_cells": ctx.dem.elevation.size,
            "file_cells": 16_384 ** 2, "targets": len(plan.targets_photographed)}


def run_child(name: str, *args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", name, *args], check=True,
                         capture_output=True, text=True)
    res: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child")
    ap.add_argument("--big-tif", default=str(Path(tempfile.gettempdir()) / "plan-flight-16k.tif"))
    ap.add_argument("--big-image",
                    default=str(Path(tempfile.gettempdir()) / "plan-flight-16k-ortho.tif"))
    ap.add_argument("rest", nargs="*")
    a = ap.parse_args()
    if a.child:
        job: Callable[..., dict[str, Any]] = {
            "make": make_4096, "assess": assess_4096, "window": window_in_big,
            "plan": plan_in_big_tif}[a.child]
        res = job(*a.rest)
        res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(res))
        return
    print("rerun: python benchmarks/terrain_bench.py")
    with tempfile.TemporaryDirectory() as tmp:
        tif = str(Path(tmp) / "jezero-4096.tif")
        ortho = str(Path(tmp) / "jezero-4096-ortho.tif")
        m = run_child("make", tif, ortho)
        r = run_child("assess", tif, ortho)  # a fresh process: its peak memory is its own
    print(f"built-in terrain, 4096 x 4096 at 1 m with its orthoimage "
          f"({m['image_cells'] / 1e6:.1f} M pixels): made in {m['make_terrain_s']:.1f} s "
          f"({m['make_terrain_cpu_s']:.1f} s CPU), peak RSS {m['peak_rss_mb']:.0f} MB")
    print(f"hazard assessment (Ingenuity at 8 m) of that DEM and orthoimage read back from "
          f"GeoTIFF: {r['assess_s']:.2f} s ({r['assess_cpu_s']:.2f} s CPU) assess + "
          f"{r['polygons_s']:.2f} s polygons, peak RSS {r['peak_rss_mb']:.0f} MB "
          f"(elevations alone: 128 MB as float64); flight hazards "
          f"{100 * r['flight_hazard_fraction']:.1f} % (featureless "
          f"{100 * r['texture_hazard_fraction']:.1f} %), {r['hazard_polygons']:.0f} polygons")
    big, big_img = Path(a.big_tif), Path(a.big_image)
    for path, maker in ((big, make_big_tif), (big_img, make_big_image)):
        if not path.exists():
            t0 = time.perf_counter()
            maker(path)
            print(f"wrote {path} ({path.stat().st_size / 2**30:.2f} GiB) in "
                  f"{time.perf_counter() - t0:.0f} s")
    w = run_child("window", str(big), str(big_img))
    print(f"mission window of the 16384 x 16384 DEM and orthoimage: read in {w['read_s']:.2f} s, "
          f"assessed in {w['assess_s']:.2f} s ({w['assess_cpu_s']:.2f} s CPU), peak RSS "
          f"{w['peak_rss_mb']:.0f} MB; {w['window_cells'] / 1e6:.2f} M DEM cells and "
          f"{w['image_window_cells'] / 1e6:.2f} M image pixels of {w['file_cells'] / 1e6:.0f} M "
          f"each in the files")
    r = run_child("plan", str(big), str(big_img))
    print(f"planning inside the 16384 x 16384 DEM with its 16384 x 16384 orthoimage (--image): "
          f"{r['plan_s']:.2f} s ({r['plan_cpu_s']:.2f} s CPU), peak RSS "
          f"{r['peak_rss_mb']:.0f} MB; DEM window "
          f"{r['window_cells'] / 1e6:.2f} M cells of {r['file_cells'] / 1e6:.0f} M in the file")


if __name__ == "__main__":
    main()
