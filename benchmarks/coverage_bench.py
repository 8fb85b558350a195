"""Area and corridor layouts against the lawnmower a ground station draws.

The lawnmower (QGroundControl's Survey, a DJI mapping mission as commonly flown): strips at a
fixed azimuth (north-south) over the polygon's bounding box, every image at one height above
the take-off point (the box's south-west corner), nothing cut. plan-flight's layout
(:mod:`planner.coverage`): strips over the polygon itself at the quickest azimuth, each image
held at its height above the ground under it, images in keep-outs dropped, gaps filled.

Per scenario and method: images, the path through them in strip order (m), the share of the
area covered by images whose centre GSD meets the asked one, and the image-centre GSD range
over the relief (where each image's axis meets the terrain). Layout only: the route search,
roadmap and verifier are not run. Scenarios: a Mavic 3 (gimbal, nadir) over a flat field, a
sloping L-shaped site with a keep-out hole, a 2 km winding-river corridor and 1 km² of rolling
hills; Ingenuity (fixed camera 22° below the horizon) along the two dry channels of
``examples/channels`` on the built-in Mars terrain. Also the time to lay out 1 km² at 2 cm/px,
and to plan it end to end (mission to verified plan, one flight: what fits the battery) (wall
and CPU: on a shared machine CPU is the steadier figure).

    python benchmarks/coverage_bench.py
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import pyproj
import shapely
from affine import Affine
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from planner import coverage
from planner.frames import EARTH
from planner.mission import Target
from planner.pipeline import plan_mission, prepare
from planner.profiles import CameraSpec, load_profile
from planner.settings import make_vehicle
from planner.vehicle import Vehicle
from terrain.analysis import ray_to_ground
from terrain.dem import DEM

ROOT = Path(__file__).resolve().parents[1]

GSD_CM = 2.0


def plane(size: int, slope_deg: float, azimuth_deg: float = 90.0) -> DEM:
    """A plane rising towards ``azimuth_deg`` at ``slope_deg``, centred on the origin."""
    x = np.arange(size) - size / 2 + 0.5
    xx, yy = np.meshgrid(x, -x)
    a = math.radians(azimuth_deg)
    z = math.tan(math.radians(slope_deg)) * (xx * math.sin(a) + yy * math.cos(a))
    return DEM(z, Affine(1, 0, -size / 2, 0, -1, size / 2), pyproj.CRS("EPSG:32633"))


def hills(size: int, amp: float = 25.0, wave: float = 400.0) -> DEM:
    """Rolling ground: two crossed sine waves of ``amp`` metres."""
    x = np.arange(size) - size / 2 + 0.5
    xx, yy = np.meshgrid(x, -x)
    z = amp * (np.sin(2 * np.pi * xx / wave) + np.cos(2 * np.pi * yy / (1.3 * wave)))
    return DEM(z, Affine(1, 0, -size / 2, 0, -1, size / 2), pyproj.CRS("EPSG:32633"))


def path_m(images: list[coverage.Image]) -> float:
    xy = np.array([(im.x, im.y) for im in images])
    return float(np.hypot(*np.diff(xy, axis=0).T).sum()) if len(xy) > 1 else 0.0


def judge(area: BaseGeometry, images: list[coverage.Image], z_abs: list[float], *, dem: DEM,
          cam: CameraSpec, shape: coverage.FrameShape, floor_m: float, gsd_cm: float,
          ) -> tuple[float, float, float, int]:
    """Covered share at the GSD, the image-centre GSD range, and images below the floor.

    Each image's centre is where its axis meets the terrain, its GSD there
    ``slant · ifov / sin(depression)`` (nadir: the height over the ground below). An image
    lower over the ground under it than the profile's floor is unflyable (a flight into rising
    ground): it covers nothing and its GSD is left out of the range.
    """
    good = []
    gsds = []
    low = 0
    sin_dep = math.sin(math.radians(shape.depression_deg))
    for im, z in zip(images, z_abs, strict=True):
        if z - float(dem.sample(im.x, im.y)) < floor_m:
            low += 1
            continue
        hit = ray_to_ground(dem, (im.x, im.y, z), im.heading_deg, shape.depression_deg)
        if hit is None:
            continue
        gsd = math.dist((im.x, im.y, z), hit) * cam.ifov_rad * 100.0 / sin_dep
        gsds.append(gsd)
        if gsd <= gsd_cm * (1 + 1e-6):
            good.append(coverage.image_footprint(cam, shape.pitch_deg, (im.x, im.y, z),
                                                 im.heading_deg, hit[2]))
    covered = shapely.union_all(good).intersection(area).area if good else 0.0
    return covered / area.area, min(gsds, default=math.nan), max(gsds, default=math.nan), low


def mavic() -> Vehicle:
    return make_vehicle(load_profile("mavic3"), EARTH, altitude_m=60, speed_m_s=8)


def scenario(name: str, geom: Polygon | LineString, dem: DEM, keep_out: Polygon | None = None,
             *, vehicle: Vehicle | None = None, gsd_cm: float = GSD_CM, **kw: float) -> None:
    v = vehicle if vehicle is not None else mavic()
    cam = v.camera
    spec = Target(0, name, Point(0, 0), gsd_cm=gsd_cm, **kw)
    obstacles = keep_out if keep_out is not None else MultiPolygon()
    t0, c0 = time.perf_counter(), time.process_time()
    found, lay = coverage.survey_stations(0, spec, geom, vehicle=v, dem=dem,
                                          obstacles=obstacles)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    area = coverage.survey_area(spec, geom, v)
    assert area is not None
    # Each image at its station's own height (lowered where an oblique axis meets falling
    # ground), as the plan flies it.
    ours = list(lay.images)
    ours_z = [ts.stations[0].ground_m + ts.stations[0].agl_m for ts in found if ts.stations]
    floor = v.profile.min_altitude_agl_m
    share, g0, g1, low = judge(area, ours, ours_z, dem=dem, cam=cam, shape=lay.shape,
                               floor_m=floor, gsd_cm=gsd_cm)
    # The lawnmower: north-south strips over the bounding box, one height above take-off.
    bb = box(*area.bounds)
    mower = coverage._strips(bb, lay.shape, 0.0, lay.spacing_m, lay.advance_m)
    home = float(dem.sample(area.bounds[0], area.bounds[1]))
    mower_z = [home + lay.shape.agl_m] * len(mower)
    m_share, m0, m1, m_low = judge(area, mower, mower_z, dem=dem, cam=cam, shape=lay.shape,
                                   floor_m=floor, gsd_cm=gsd_cm)
    print(f"{name}: {area.area / 1e4:.2f} ha")
    print(f"  plan-flight  {len(ours):5d} images  {path_m(ours):8,.0f} m  "
          f"{100 * share:6.2f} % at {gsd_cm:g} cm  GSD {g0:.2f}-{g1:.2f} cm  "
          f"{low} below the floor  (layout {wall:.1f} s wall, {cpu:.1f} s cpu)")
    print(f"  lawnmower    {len(mower):5d} images  {path_m(mower):8,.0f} m  "
          f"{100 * m_share:6.2f} % at {gsd_cm:g} cm  GSD {m0:.2f}-{m1:.2f} cm  "
          f"{m_low} below the floor")


def mars_channels() -> None:
    """Ingenuity along the two dry channels of ``examples/channels`` on the built-in terrain."""
    ctx = prepare(ROOT / "examples" / "channels" / "targets.geojson")
    for t, g in zip(ctx.mission.targets, ctx.local.targets, strict=True):
        assert isinstance(g, LineString)
        assert t.gsd_cm is not None
        assert t.corridor_width_m is not None
        scenario(f"Mars: {t.name}, {g.length:.0f} m x {t.corridor_width_m:g} m (Ingenuity, "
                 f"22° camera)", g, ctx.dem, vehicle=ctx.vehicle, gsd_cm=t.gsd_cm,
                 corridor_width_m=t.corridor_width_m)


def end_to_end_km2() -> None:
    """Plan 1 km² at 2 cm/px end to end on the built-in terrain: mission file to verified plan."""
    lat0, lon0 = 47.3650, 8.5500
    m_lat = 1 / 111_320.0  # degrees per metre north (spherical Earth, ample for a test square)
    m_lon = m_lat / math.cos(math.radians(lat0))
    x0, y0 = 100.0, 100.0  # the square's south-west corner, metres from home
    ring = [[lon0 + (x0 + dx) * m_lon, lat0 + (y0 + dy) * m_lat]
            for dx, dy in ((0, 0), (1000, 0), (1000, 1000), (0, 1000), (0, 0))]
    doc = {"type": "FeatureCollection", "name": "1 km² at 2 cm/px",
           "plan_flight": {"vehicle": "mavic3", "altitude_m": 60, "speed_m_s": 8},
           "features": [
               {"type": "Feature", "properties": {"role": "home", "name": "gate"},
                "geometry": {"type": "Point", "coordinates": [lon0, lat0]}},
               {"type": "Feature", "properties": {"name": "square km", "gsd_cm": GSD_CM},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "km2.geojson"
        path.write_text(json.dumps(doc))
        t0, c0 = time.perf_counter(), time.process_time()
        plan, _ = plan_mission(path)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    [row] = coverage.plan_coverage(plan)
    print(f"1 km² at {GSD_CM:g} cm/px planned end to end (Mavic 3, built-in terrain, verified): "
          f"{wall:.1f} s wall, {cpu:.1f} s cpu")
    print(f"  one flight holds {row.images} images: {row.percent:.1f} % of the area, "
          f"{plan.distance_m:,.0f} m, {plan.duration_s:,.0f} s, {plan.energy_wh:.1f} Wh")


def main() -> None:
    scenario("flat field 300 m x 200 m", box(-150, -100, 150, 100), plane(900, 0.0))
    ell = Polygon([(-200, -200), (200, -200), (200, -50), (-50, -50), (-50, 200), (-200, 200)])
    scenario("L-shaped site on a 10° slope, a keep-out hole", ell, plane(1100, 10.0, 45.0),
             keep_out=box(-150, -150, -100, -100).buffer(10.0))
    xs = np.linspace(-900, 900, 181)
    river = LineString(np.column_stack([xs, 120 * np.sin(xs / 150.0)]))
    scenario(f"corridor along a winding river, {river.length / 1000:.1f} km, 80 m wide", river,
             hills(2400), corridor_width_m=80.0)
    mars_channels()
    scenario("1 km² on rolling hills", box(-500, -500, 500, 500), hills(1600))
    end_to_end_km2()


if __name__ == "__main__":
    main()
