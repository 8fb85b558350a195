"""Camera stations: where to hover, how high and which way to look to photograph each target.

For every target, candidate stations are laid on rings around it: heights between the vehicle's
altitude limits, distances that put the target where the camera can see it (for a fixed camera,
near the middle of its vertical field of view), and azimuths all around or within the requested
``view_azimuth_deg``. A candidate is kept only if it lies inside the terrain and outside every
obstacle, respects the standoff, meets the GSD, holds the whole target in frame, and sees it over
the terrain. Each target keeps a few of the best, spread around it, for the route search to choose
from; a target with none is reported with the binding constraint: the last check any candidate
reached.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from planner.camera import Pointing, point_camera
from planner.vehicle import Vehicle
from terrain.analysis import line_of_sight
from terrain.dem import DEM


@dataclass(frozen=True)
class Station:
    """A camera station: a hover point in the local frame and the photo taken from it."""

    target: int  # index into the mission's targets
    x: float
    y: float
    ground_m: float
    agl_m: float
    pointing: Pointing
    aim: tuple[float, float, float]

    @property
    def z(self) -> float:
        """Absolute altitude of the station."""
        return self.ground_m + self.agl_m


@dataclass(frozen=True)
class TargetStations:
    """The stations found for one target, or why there are none."""

    target: int
    stations: tuple[Station, ...]
    reason: str = ""


# In the order the checks run: a target's reason is the furthest check its candidates reached.
_REASONS = {
    "terrain": "every candidate station lies outside the terrain",
    "standoff": "no station respects min_standoff_m",
    "gsd": "no station meets the required GSD",
    "frame": "the whole target does not fit the camera frame from any station",
    "obstacle": "every station that would see it lies in a keep-out zone or hazard",
    "sight": "no station has a line of sight to the target over the terrain",
}


def find_stations(targets_local: list[BaseGeometry], *, target_specs: list[object], dem: DEM,
                  vehicle: Vehicle, obstacles: BaseGeometry, keep: int = 6,
                  azimuth_step_deg: float = 15.0) -> list[TargetStations]:
    """Find up to ``keep`` camera stations for each target.

    Parameters
    ----------
    targets_local
        Each target's geometry in the local frame.
    target_specs
        The mission's :class:`~planner.mission.Target` objects, in the same order.
    dem
        Terrain in the local frame.
    vehicle
        The vehicle (camera, altitude limits).
    obstacles
        Where the vehicle may not be (keep-outs and hazards, already grown by its margins).
    keep
        How many stations to keep per target.
    azimuth_step_deg
        Spacing of candidate azimuths around the target.
    """
    prepared = obstacles
    shapely.prepare(prepared)
    out = []
    for idx, (geom, spec) in enumerate(zip(targets_local, target_specs, strict=True)):
        out.append(_stations_for(idx, geom, spec, dem=dem, vehicle=vehicle, obstacles=prepared,
                                 keep=keep, az_step=azimuth_step_deg))
    return out


def _target_points(geom: BaseGeometry, dem: DEM) -> tuple[np.ndarray, tuple[float, float, float]]:
    """3-D points that must be in frame, and the aim point."""
    if geom.geom_type == "Point":
        xy = np.array([[geom.x, geom.y]])  # type: ignore[attr-defined]
        aim_xy = (geom.x, geom.y)  # type: ignore[attr-defined]
    else:
        coords = shapely.get_coordinates(geom.exterior if geom.geom_type == "Polygon"
                                         else geom)  # type: ignore[attr-defined]
        xy = np.unique(coords, axis=0)
        c = geom.centroid
        aim_xy = (c.x, c.y)
    z = dem.sample(xy[:, 0], xy[:, 1])
    za = float(dem.sample(*aim_xy))
    return np.column_stack([xy, z]), (aim_xy[0], aim_xy[1], za)


def _stations_for(idx: int, geom: BaseGeometry, spec: object, *, dem: DEM, vehicle: Vehicle,
                  obstacles: BaseGeometry, keep: int, az_step: float) -> TargetStations:
    p = vehicle.profile
    cam = vehicle.camera
    pts, aim = _target_points(geom, dem)
    if not np.all(np.isfinite(pts[:, 2])) or not math.isfinite(aim[2]):
        return TargetStations(idx, (), "the target lies on unknown ground (nodata) or outside "
                                       "the terrain")
    gsd_limit = getattr(spec, "gsd_cm", None)
    standoff = float(getattr(spec, "min_standoff_m", 0.0))
    view_az = getattr(spec, "view_azimuth_deg", None)
    view_tol = float(getattr(spec, "view_azimuth_tolerance_deg", 45.0))
    max_range = math.inf if gsd_limit is None else gsd_limit / 100.0 / cam.ifov_rad
    size = float(np.max(np.hypot(pts[:, 0] - aim[0], pts[:, 1] - aim[1]))) if len(pts) > 1 \
        else 0.0

    heights = sorted({round(h, 2) for h in
                      [vehicle.cruise_altitude_agl_m,
                       *np.linspace(p.min_altitude_agl_m, p.max_altitude_agl_m, 5)]})
    if cam.mount == "fixed":
        centre = -cam.fixed_pitch_deg
        half = cam.vfov_deg / 2 - 2.0
        depressions = [d for d in (centre, centre - half / 2, centre + half / 2,
                                   centre - 0.8 * half, centre + 0.8 * half) if 1.0 < d < 89.0]
    else:
        depressions = [d for d in (-cam.gimbal_pitch_min_deg * 0.5, 30.0, 45.0, 60.0, 15.0,
                                   -cam.gimbal_pitch_min_deg * 0.9)
                       if 1.0 < d <= -cam.gimbal_pitch_min_deg]
    if view_az is None:
        azimuths = np.arange(0.0, 360.0, az_step)
    else:
        n = max(int(2 * view_tol // az_step), 0)
        azimuths = (view_az + np.linspace(-view_tol, view_tol, n + 1 if n else 1)) % 360.0
    fails: Counter[str] = Counter()
    found: list[tuple[float, float, Station]] = []
    for h in heights:
        for dep in depressions:
            dist = (h + 0.0) / math.tan(math.radians(dep))
            dist = max(dist, standoff + size, 0.5)
            for az in azimuths:
                a = math.radians(az)
                sx, sy = aim[0] + dist * math.sin(a), aim[1] + dist * math.cos(a)
                g = float(dem.sample(sx, sy))
                if not math.isfinite(g) or not bool(dem.contains(sx, sy, margin=dem.resolution)):
                    fails["terrain"] += 1
                    continue
                if standoff > 0 and geom.distance(Point(sx, sy)) < standoff:
                    fails["standoff"] += 1
                    continue
                station = (sx, sy, g + h)
                ptg = point_camera(cam, station, aim, pts)
                if gsd_limit is not None and ptg.slant_range_m > max_range:
                    fails["gsd"] += 1
                    continue
                if not ptg.in_frame:
                    fails["frame"] += 1
                    continue
                if obstacles.intersects(Point(sx, sy)):
                    fails["obstacle"] += 1
                    continue
                if not all(line_of_sight(dem, station, tuple(q)) for q in
                           (aim, *[tuple(r) for r in pts[:: max(len(pts) // 8, 1)]])):
                    fails["sight"] += 1
                    continue
                # Prefer the finest GSD, then the height nearest the cruise altitude.
                score = ptg.gsd_cm + 0.05 * abs(h - vehicle.cruise_altitude_agl_m)
                found.append((score, az, Station(target=idx, x=sx, y=sy, ground_m=g, agl_m=h,
                                                 pointing=ptg, aim=aim)))
    if not found:
        # The binding constraint: the last check that candidates reached and failed.
        worst = max(fails, key=list(_REASONS).index) if fails else "terrain"
        return TargetStations(idx, (), _reasons_text(worst, fails, gsd_limit))
    # Keep the best few, spread around the target: best per azimuth sector first.
    found.sort(key=lambda t: (t[0], t[1]))
    chosen: list[Station] = []
    sectors: set[int] = set()
    sector = 360.0 / keep
    for _score, az, st in found:
        sec = int(az // sector)
        if sec not in sectors:
            sectors.add(sec)
            chosen.append(st)
        if len(chosen) >= keep:
            break
    for _score, _az, st in found:
        if len(chosen) >= keep:
            break
        if st not in chosen:
            chosen.append(st)
    return TargetStations(idx, tuple(chosen))


def _reasons_text(worst: str, fails: Counter[str], gsd_limit: float | None) -> str:
    text = _REASONS[worst]
    if worst == "gsd" and gsd_limit is not None:
        text += f" ({gsd_limit:g} cm/px)"
    return text
