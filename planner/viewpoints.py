"""Camera stations: where to hover, how high and which way to look to photograph each target.

For every target, candidate stations are laid on rings around it: heights between the vehicle's
altitude limits, distances that put the target where the camera can see it (for a fixed camera,
near the middle of its vertical field of view), and azimuths all around or within the requested
``view_azimuth_deg``. A candidate is kept only if it lies inside the terrain and outside every
obstacle, respects the standoff, meets the GSD, holds the whole target in frame, and sees it over
the terrain. A station may sit over a keep-out that has heights, but not inside it (a hover
above a pier is fine, one beside a tower's top is not), and things that stand up hide what is
behind them. Each target keeps a few of the best, spread around it, for the route search to choose
from; a target with none is reported with the binding constraint: the last check any candidate
reached.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from planner.camera import Pointing, in_frame_many, obliquity_deg, surface_gsd_cm
from planner.local import Volume, leg_enters, sight_blocked
from planner.mission import Surface, Target
from planner.profiles import Mount
from planner.vehicle import Vehicle
from terrain.analysis import lines_of_sight
from terrain.dem import DEM

AZIMUTH_STEP_DEG = 15.0
"""Spacing of candidate azimuths around a target: 24 directions, finer than any camera's
half field of view (so a direction that sees the target is never stepped over)."""
HEIGHT_LEVELS = 5
"""Candidate heights spread evenly between the profile's floor and ceiling (plus the cruise
height): enough to find a view over a ridge without multiplying the line-of-sight tests."""
GSD_PER_METRE_OF_HEIGHT = 0.05
"""Ranking of candidates: cm of GSD worth one metre of height away from the cruise height, a
gentle preference for stations that need no climb; GSD decides between different ranges."""
SIGHT_SAMPLES = 8
"""Points of a line or polygon target tested for line of sight (besides the aim point)."""


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
    view: int = 0
    """Which of the target's views (:meth:`~planner.mission.Target.view_sectors`) it takes."""

    @property
    def z(self) -> float:
        """Absolute altitude of the station."""
        return self.ground_m + self.agl_m


@dataclass(frozen=True)
class TargetStations:
    """The stations found for one view of a target, or why there are none.

    A target photographed from ``views`` sides has one of these per view (``view`` 0, 1, ...):
    each is a choice of stations in that view's sector, and the route takes one of them.
    """

    target: int
    stations: tuple[Station, ...]
    reason: str = ""
    view: int = 0
    views: int = 1


# In the order the checks run: a target's reason is the furthest check its candidates reached.
_REASONS = {
    "terrain": "every candidate station lies outside the terrain",
    "standoff": "no station respects min_standoff_m",
    "gsd": "no station meets the required GSD",
    "obliquity": "no station sees it squarely enough",
    "elevation": "no station sees it at the view's elevation",
    "frame": "the whole target does not fit the camera frame from any station",
    "obstacle": "every station that would see it lies in a keep-out zone or hazard",
    "sight": "no station has a line of sight to the target over the terrain",
}


def find_stations(targets: Sequence[Target], geoms: Sequence[BaseGeometry], *, dem: DEM,
                  vehicle: Vehicle, obstacles: BaseGeometry, keep: int = 6,
                  azimuth_step_deg: float = AZIMUTH_STEP_DEG, volumes: tuple[Volume, ...] = (),
                  solids: tuple[Volume, ...] = (),
                  budget: int | None = None) -> list[TargetStations]:
    """Find up to ``keep`` camera stations for each view of each target, target by target.

    A target with ``views`` sectors (:meth:`~planner.mission.Target.view_sectors`) gets one
    :class:`TargetStations` per view, in order, each searched within its sector; ``target`` is
    the index in ``targets``. Shared stations (:func:`share_stations`) are added to targets of
    no given side (no ``views`` or ``view_azimuth_deg``): a sibling judged at another target's
    spot need not lie in the sector asked for.

    Parameters
    ----------
    targets
        The mission's targets (what each asks of its photographs).
    geoms
        Each target's geometry in the local frame, in the same order.
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
    volumes
        Keep-outs that have heights (grown, widened by the clearance): no station inside one.
    solids
        Things that stand up, as given: no line of sight through one.
    budget
        Most stations in all (``None``: no bound): shared stations are added only within it,
        the shortest hops they save first (see :func:`share_stations`).
    """
    prepared = obstacles
    shapely.prepare(prepared)
    out = []
    for idx, (geom, spec) in enumerate(zip(geoms, targets, strict=True)):
        sectors = spec.view_sectors() or (None,)
        for view, sector in enumerate(sectors):
            ts = _stations_for(idx, geom, spec, dem=dem, vehicle=vehicle, obstacles=prepared,
                               keep=keep, az_step=azimuth_step_deg, volumes=volumes,
                               solids=solids, sector=sector)
            out.append(replace(ts, view=view, views=len(sectors),
                               stations=tuple(replace(st, view=view) for st in ts.stations)))
    room = None if budget is None else max(budget - sum(len(ts.stations) for ts in out), 0)
    return share_stations(out, targets, geoms, dem=dem, vehicle=vehicle, obstacles=prepared,
                          radius_m=shared_station_radius_m(vehicle), volumes=volumes,
                          solids=solids, room=room)


def shared_station_radius_m(vehicle: Vehicle) -> float:
    """How near another target's station must be for a shared station to be tried: v^2 / a.

    A hop shorter than this never reaches the cruise speed ``v``: accelerating at ``a`` to ``v``
    and braking again take ``v^2 / (2a)`` each, so the whole hop is a stop and a restart (the
    trapezoid of :meth:`~planner.vehicle.Vehicle.leg` becomes a triangle) for a few metres of
    progress. A shared station is only ever added as an alternative, so the route search still
    has the original stations: the radius bounds where it is worth looking, not what is flown.

    Examples
    --------
    >>> from planner.frames import EARTH, MARS
    >>> from planner.profiles import load_profile
    >>> from planner.settings import make_vehicle
    >>> shared_station_radius_m(make_vehicle(load_profile("mavic3"), EARTH))  # 8 m/s, 2 m/s²
    32.0
    >>> shared_station_radius_m(make_vehicle(load_profile("ingenuity"), MARS, speed_m_s=3.0))
    18.0
    """
    return vehicle.cruise_speed_m_s ** 2 / vehicle.profile.horizontal_accel_m_s2


def share_stations(found: Sequence[TargetStations], targets: Sequence[Target],
                   geoms: Sequence[BaseGeometry], *, dem: DEM, vehicle: Vehicle,
                   obstacles: BaseGeometry, radius_m: float, volumes: tuple[Volume, ...] = (),
                   solids: tuple[Volume, ...] = (),
                   room: int | None = None) -> list[TargetStations]:
    """Add, for each target, stations shared with other targets' stations nearby.

    Where a station of target A lies within ``radius_m`` (in 3-D) of one of target B's, B is
    judged from A's station exactly (same position and height, every check of
    :func:`find_stations` and the line of sight); if it passes, B gets that spot as one more
    station. The route search can then photograph both from one hover, turning in place,
    instead of flying a hop of a few metres between two stops. Each of B's stations gains at
    most one such sibling: the nearest other target's station within the radius that passes.
    At most ``room`` siblings are added in all (``None``: no bound), those nearest to the
    station they pair with first: the route search's problem stays within its station budget
    (:data:`planner.selection.STATION_BUDGET`), which bounds its time.
    """
    everyone = [(ts.target, st) for ts in found for st in ts.stations]
    if radius_m <= 0 or len({t for t, _ in everyone}) < 2 or room == 0:
        return list(found)
    xyz = np.array([(st.x, st.y, st.z) for _, st in everyone])
    spot_of = [(st.x, st.y, st.agl_m) for _, st in everyone]
    owner = np.array([t for t, _ in everyone])
    # Each target's stations' distances to every station, and the least distance to a spot it
    # could share: a bound below any sibling it can gain (a sibling is one of those spots).
    def gaps(ts: TargetStations) -> NDArray[np.float64]:
        own = np.array([(st.x, st.y, st.z) for st in ts.stations])
        gap = np.linalg.norm(xyz[:, None, :] - own[None, :, :], axis=2)
        gap[owner == ts.target] = np.inf
        return np.asarray(gap, dtype=np.float64)

    todo: list[tuple[float, int]] = []  # (bound, index in found)
    for fi, ts in enumerate(found):
        if not ts.stations or targets[ts.target].view_sectors():
            continue  # a sibling at another target's spot need not be on the side asked for
        gap = gaps(ts)
        taken = {(st.x, st.y, st.agl_m) for st in ts.stations}
        shareable = [i for i in np.flatnonzero((gap <= radius_m).any(axis=1))
                     if spot_of[i] not in taken]
        if shareable:
            todo.append((float(gap[shareable].min()), fi))
    # Targets in order of that bound: once ``room`` siblings are found and the next target's
    # bound is beyond the room-th nearest found, no later target can displace one, so the rest
    # need not be judged (the answer is the same as judging all). The bound is lowered by a
    # nanometre against the rounding between two ways of computing one distance.
    todo.sort()
    extras: list[tuple[float, int, int, Station]] = []  # (hop saved, found index, k, station)
    kth = math.inf  # the room-th nearest sibling found so far
    for bound, fi in todo:
        if kth < bound - 1e-9:
            break
        ts = found[fi]
        gap = gaps(ts)
        own = np.array([(st.x, st.y, st.z) for st in ts.stations])
        taken = {(st.x, st.y, st.agl_m) for st in ts.stations}
        for k in range(len(ts.stations)):
            near = np.flatnonzero(gap[:, k] <= radius_m)
            near = near[np.argsort(gap[near, k], kind="stable")]
            spots = [spot for spot in dict.fromkeys(spot_of[i] for i in near)
                     if spot not in taken]
            got = _stations_at(ts.target, geoms[ts.target], targets[ts.target], spots,
                               dem=dem, vehicle=vehicle, obstacles=obstacles, limit=1,
                               volumes=volumes, solids=solids)
            taken.update((st.x, st.y, st.agl_m) for st in got)
            extras += [(math.dist((st.x, st.y, st.z), own[k]), fi, k, st) for st in got]
        if room is not None and len(extras) >= room:
            kth = sorted(e[0] for e in extras)[room - 1]
    extras.sort(key=lambda e: e[:3])
    if room is not None:
        extras = extras[:room]
    extras.sort(key=lambda e: (e[1], e[2]))
    added: dict[int, tuple[Station, ...]] = {}
    for _, fi, _, st in extras:
        target = found[fi].target
        added[target] = (*added.get(target, ()), st)
    return [replace(ts, stations=ts.stations + added.get(ts.target, ()))
            if ts.target in added and ts.views == 1 else ts for ts in found]


def _stations_at(idx: int, geom: BaseGeometry, spec: Target,
                 spots: Sequence[tuple[float, float, float]], *, dem: DEM, vehicle: Vehicle,
                 obstacles: BaseGeometry, limit: int, volumes: tuple[Volume, ...] = (),
                 solids: tuple[Volume, ...] = ()) -> tuple[Station, ...]:
    """Stations of target ``idx`` at the given ``(x, y, agl)`` spots that pass every check."""
    if not spots or limit <= 0:
        return ()
    pts, aim = target_points(geom, dem, height_m=spec.height_m)
    if not np.all(np.isfinite(pts[:, 2])) or not math.isfinite(aim[2]):
        return ()
    arr = np.array(spots, dtype=float)
    j = _judge(geom, spec, pts, aim, sx=arr[:, 0], sy=arr[:, 1], hh=arr[:, 2], dem=dem,
               vehicle=vehicle, obstacles=obstacles, volumes=volumes)
    alive = np.flatnonzero(j.alive)
    seen = _sees(dem, np.column_stack([j.sx[alive], j.sy[alive], j.sz[alive]]), pts, aim,
                 solids)
    return tuple(j.station(idx, spec, int(i), aim) for i in alive[seen][:limit])


def target_points(geom: BaseGeometry, dem: DEM, *, height_m: float = 0.0,
                  ) -> tuple[np.ndarray, tuple[float, float, float]]:
    """3-D points of a target that must be in frame, and the aim point.

    The aim is the target point itself, or the centroid of a line or polygon, on the ground, or
    half way up a target that stands ``height_m`` tall (whose tops must be in frame too).
    """
    if isinstance(geom, Point):
        xy = np.array([[geom.x, geom.y]])
        aim_xy = (geom.x, geom.y)
    else:
        coords = shapely.get_coordinates(geom.exterior if isinstance(geom, Polygon) else geom)
        xy = np.unique(coords, axis=0)
        c = geom.centroid
        aim_xy = (c.x, c.y)
    z = dem.sample(xy[:, 0], xy[:, 1])
    za = float(dem.sample(*aim_xy))
    pts = np.column_stack([xy, z])
    if height_m > 0:
        pts = np.vstack([pts, np.column_stack([xy, z + height_m])])
    return pts, (aim_xy[0], aim_xy[1], za + height_m / 2)


def _stations_for(idx: int, geom: BaseGeometry, spec: Target, *, dem: DEM, vehicle: Vehicle,
                  obstacles: BaseGeometry, keep: int, az_step: float,
                  volumes: tuple[Volume, ...] = (),
                  solids: tuple[Volume, ...] = (),
                  sector: tuple[float, float] | None = None) -> TargetStations:
    p = vehicle.profile
    cam = vehicle.camera
    pts, aim = target_points(geom, dem, height_m=spec.height_m)
    if not np.all(np.isfinite(pts[:, 2])) or not math.isfinite(aim[2]):
        return TargetStations(idx, (), "the target lies on unknown ground (nodata) or outside "
                                       "the terrain")
    standoff = spec.min_standoff_m
    band = spec.elevation_band()
    size = float(np.max(np.hypot(pts[:, 0] - aim[0], pts[:, 1] - aim[1]))) if len(pts) > 1 \
        else 0.0

    heights = sorted({round(h, 2) for h in
                      [vehicle.cruise_altitude_agl_m,
                       *np.linspace(p.min_altitude_agl_m, p.max_altitude_agl_m,
                                    HEIGHT_LEVELS)]})
    if cam.mount == Mount.FIXED:
        centre = -cam.fixed_pitch_deg
        half = cam.vfov_deg / 2 - 2.0
        depressions = [d for d in (centre, centre - half / 2, centre + half / 2,
                                   centre - 0.8 * half, centre + 0.8 * half) if 1.0 < d < 89.0]
    else:
        depressions = [d for d in (-cam.gimbal_pitch_min_deg * 0.5, 30.0, 45.0, 60.0, 15.0,
                                   -cam.gimbal_pitch_min_deg * 0.9)
                       if 1.0 < d <= -cam.gimbal_pitch_min_deg]
    if band is not None:
        # The depressions the camera can give (a fixed one: near the middle of its vertical
        # field, as above; a gimbal: its range), within the band, the band's ends and middle too.
        if cam.mount == Mount.FIXED:
            lo_cam, hi_cam = centre - 0.8 * half, centre + 0.8 * half
        else:
            lo_cam, hi_cam = 1.0, -cam.gimbal_pitch_min_deg
        extra = [band[0] + 0.5, (band[0] + band[1]) / 2, band[1] - 0.5]
        depressions = sorted({round(d, 3) for d in [*depressions, *extra]
                              if band[0] <= d <= band[1] and lo_cam <= d <= hi_cam
                              and 1.0 < d < 89.0})
        if not depressions:
            return TargetStations(idx, (), f"the camera cannot look {band[0]:g}° to {band[1]:g}° "
                                           f"below the horizon, the view's elevation")
    if sector is None:
        azimuths = np.arange(0.0, 360.0, az_step)
    else:
        # One of several views keeps to the middle half of its sector, so that neighbouring
        # views are at least half a sector apart (45° for four views): spread around the
        # target, not bunched at a shared border; a single view may use its whole tolerance.
        centre_az, spread = sector[0], sector[1] / 2 if spec.views > 1 else sector[1]
        n = max(int(2 * spread // az_step), 0)
        azimuths = (centre_az + np.linspace(-spread, spread, n + 1 if n else 1)) % 360.0
    # Every candidate at once: heights x depressions x azimuths.
    hh, dd, aa = (g.ravel() for g in np.meshgrid(heights, depressions, azimuths, indexing="ij"))
    dist = np.maximum(hh / np.tan(np.radians(dd)), max(standoff + size, 0.5))
    sx = aim[0] + dist * np.sin(np.radians(aa))
    sy = aim[1] + dist * np.cos(np.radians(aa))
    j = _judge(geom, spec, pts, aim, sx=sx, sy=sy, hh=hh, dem=dem, vehicle=vehicle,
               obstacles=obstacles, volumes=volumes)
    alive, fails, gsd, oblique, sz = j.alive, j.fails, j.gsd, j.oblique, j.sz
    # Line of sight last, best candidates first, only until enough are kept: the finest GSD on
    # the target's surface, then the height nearest the cruise altitude; one per azimuth sector
    # first.
    score = gsd + GSD_PER_METRE_OF_HEIGHT * np.abs(hh - vehicle.cruise_altitude_agl_m)
    order = np.flatnonzero(alive)[np.lexsort((aa[alive], score[alive]))]
    spread_step = 360.0 / keep
    chosen: list[int] = []
    sectors: set[int] = set()
    seen_sight: dict[int, bool] = {}
    ranked = order.tolist()
    rank = {c: k for k, c in enumerate(ranked)}

    def sees(i: int) -> bool:
        # Tested a few at once: this candidate and, for each other sector, the next untested
        # one in rank order: those the first pass below tests next when they see the target.
        if i not in seen_sight:
            batch, secs = [i], {int(aa[i] // spread_step)}
            for c in ranked[rank[i] + 1:]:
                if len(secs) >= keep:
                    break
                sec = int(aa[c] // spread_step)
                if sec not in secs and c not in seen_sight:
                    batch.append(c)
                    secs.add(sec)
            got = _sees(dem, np.column_stack([sx[batch], sy[batch], sz[batch]]), pts, aim,
                        solids)
            seen_sight.update(zip(batch, got.tolist(), strict=True))
        return seen_sight[i]

    for first_pass in (True, False):
        for i in order:
            if len(chosen) >= keep:
                break
            sec = int(aa[i] // spread_step)
            if (first_pass and sec in sectors) or int(i) in chosen:
                continue
            if sees(int(i)):
                chosen.append(int(i))
                sectors.add(sec)
    if not chosen:
        fails["sight"] += int(alive.sum())
        failed = [k for k, n in fails.items() if n > 0]
        worst = max(failed, key=list(_REASONS).index) if failed else "terrain"
        best = None
        if j.reached.any():
            k = int(np.flatnonzero(j.reached)[np.argmin(gsd[j.reached])])
            best = (float(gsd[k]), float(oblique[k]))
        return TargetStations(idx, (), _reasons_text(
            worst, spec, best, span=_too_large(geom, spec, vehicle) if worst == "gsd" else None))
    return TargetStations(idx, tuple(j.station(idx, spec, i, aim) for i in chosen))


@dataclass(frozen=True)
class _Judged:
    """Candidate stations ``(sx, sy, hh)`` after every check but the line of sight."""

    sx: NDArray[np.float64]
    sy: NDArray[np.float64]
    hh: NDArray[np.float64]
    ground: NDArray[np.float64]
    sz: NDArray[np.float64]
    alive: NDArray[np.bool_]
    reached: NDArray[np.bool_]
    fails: Counter[str]
    gsd: NDArray[np.float64]
    oblique: NDArray[np.float64]
    heading: NDArray[np.float64]
    pitch: NDArray[np.float64]
    slant: NDArray[np.float64]

    def station(self, idx: int, spec: Target, i: int,
                aim: tuple[float, float, float]) -> Station:
        """Candidate ``i`` as the station of target ``idx``."""
        ptg = Pointing(heading_deg=float(self.heading[i]), pitch_deg=float(self.pitch[i]),
                       slant_range_m=float(self.slant[i]), gsd_cm=float(self.gsd[i]),
                       in_frame=True, obliquity_deg=float(self.oblique[i]),
                       surface=spec.surface.value)
        return Station(target=idx, x=float(self.sx[i]), y=float(self.sy[i]),
                       ground_m=float(self.ground[i]), agl_m=float(self.hh[i]), pointing=ptg,
                       aim=aim)


def _judge(geom: BaseGeometry, spec: Target, pts: NDArray[np.float64],
           aim: tuple[float, float, float], *, sx: NDArray[np.float64],
           sy: NDArray[np.float64], hh: NDArray[np.float64], dem: DEM, vehicle: Vehicle,
           obstacles: BaseGeometry, volumes: tuple[Volume, ...] = ()) -> _Judged:
    """Check candidate stations at ``(sx, sy)``, ``hh`` above the ground, for one target.

    In order: inside the terrain, the standoff, the GSD, the obliquity, the whole target in
    frame, outside every obstacle and every volume. ``alive`` holds the candidates that pass
    them all, ``fails`` how many each check removed, ``reached`` those that reached the GSD
    check.
    """
    cam = vehicle.camera
    standoff = spec.min_standoff_m
    gsd_limit = spec.gsd_cm
    upright = spec.surface == Surface.UPRIGHT
    ground = dem.sample(sx, sy)
    sz = ground + hh
    fails: Counter[str] = Counter()
    alive = np.isfinite(ground) & dem.contains(sx, sy, margin=dem.resolution)
    fails["terrain"] += int((~alive).sum())

    def cut(ok: NDArray[np.bool_], reason: str) -> None:
        nonlocal alive
        fails[reason] += int((alive & ~ok).sum())
        alive = alive & ok

    if standoff > 0:
        away = shapely.distance(geom, shapely.points(sx, sy))
        if spec.height_m > 0:  # to the nearest point of a target that stands up
            base = aim[2] - spec.height_m / 2
            above = np.maximum.reduce([sz - (base + spec.height_m), base - sz,
                                       np.zeros_like(sz)])
            away = np.hypot(away, above)
        cut(np.asarray(away >= standoff, dtype=bool), "standoff")
    dx, dy, dz = aim[0] - sx, aim[1] - sy, aim[2] - sz
    slant = np.sqrt(dx * dx + dy * dy + dz * dz)
    stations_xyz = np.column_stack([sx, sy, sz])
    oblique = obliquity_deg(stations_xyz, np.asarray(aim), upright=upright)
    gsd = surface_gsd_cm(slant, cam.ifov_rad, oblique)
    reached = alive.copy()
    if gsd_limit is not None:
        cut(gsd <= gsd_limit, "gsd")
    cut(oblique <= spec.max_obliquity_deg, "obliquity")
    band = spec.elevation_band()
    if band is not None:  # the actual depression, over the actual ground at the station
        depression = np.degrees(np.arctan2(sz - aim[2], np.hypot(dx, dy)))
        cut((depression >= band[0]) & (depression <= band[1]), "elevation")
    heading = np.degrees(np.arctan2(dx, dy)) % 360.0
    if cam.mount == Mount.FIXED:
        pitch = np.full(sx.shape, cam.fixed_pitch_deg)
    else:
        needed = np.degrees(np.arctan2(dz, np.hypot(dx, dy)))
        pitch = np.clip(needed, cam.gimbal_pitch_min_deg, cam.gimbal_pitch_max_deg)
    cut(in_frame_many(cam, stations_xyz, heading, pitch, pts), "frame")
    if alive.any():
        idx_alive = np.flatnonzero(alive)
        clear = ~shapely.intersects_xy(obstacles, sx[idx_alive], sy[idx_alive])
        for v in volumes:
            clear &= ~leg_enters(v, sx[idx_alive], sy[idx_alive], np.asarray(hh)[idx_alive])
        ok = np.zeros(sx.shape, dtype=bool)
        ok[idx_alive] = clear
        cut(ok, "obstacle")
    return _Judged(sx=sx, sy=sy, hh=np.asarray(hh, dtype=np.float64), ground=ground, sz=sz,
                   alive=alive, reached=reached, fails=fails, gsd=gsd, oblique=oblique,
                   heading=heading, pitch=pitch, slant=slant)


def _sees(dem: DEM, stations: NDArray[np.float64], pts: NDArray[np.float64],
          aim: tuple[float, float, float], solids: tuple[Volume, ...] = ()) -> NDArray[np.bool_]:
    """Line of sight from each station (rows ``x, y, z``) to the aim and some target points.

    The points tested are the aim and up to :data:`SIGHT_SAMPLES` of ``pts``; the terrain and
    every thing that stands up (``solids``) may block it. The terrain's lines are tested all
    at once (:func:`~terrain.analysis.lines_of_sight`).
    """
    sight = np.array([aim, *[tuple(r) for r in pts[:: max(len(pts) // SIGHT_SAMPLES, 1)]]],
                     dtype=float)
    st = np.asarray(stations, dtype=float).reshape(-1, 3)
    ok: NDArray[np.bool_] = np.asarray(lines_of_sight(
        dem, np.repeat(st, len(sight), axis=0), np.tile(sight, (len(st), 1)),
    ).reshape(len(st), len(sight)).all(axis=1), dtype=bool)
    for i in np.flatnonzero(ok) if solids else ():
        station = (float(st[i, 0]), float(st[i, 1]), float(st[i, 2]))
        ok[i] = all(sight_blocked(solids, dem.sample, station, tuple(q),
                                  step=dem.resolution / 2) is None for q in sight.tolist())
    return ok


def _too_large(geom: BaseGeometry, spec: Target, vehicle: Vehicle,
               ) -> tuple[float, float, float, float] | None:
    """Why no station meets the GSD, when it is the target's size: ``(W, H, L, S)``.

    At the required GSD ``g`` one image seen square-on covers ``W x H`` = its pixels times ``g``
    on the target's surface; the target's smallest enclosing rectangle is ``L x S``. It cannot
    fit such a frame when ``S > H`` or its diagonal exceeds the frame's (both necessary for any
    placement), so no photo at that GSD holds it whole. ``None`` when it could fit, or for an
    upright target (its face's extent is not its ground plan).
    """
    if spec.gsd_cm is None or spec.surface == Surface.UPRIGHT or isinstance(geom, Point):
        return None
    cam = vehicle.camera
    w = max(cam.image_width_px, cam.image_height_px) * spec.gsd_cm / 100.0
    h = min(cam.image_width_px, cam.image_height_px) * spec.gsd_cm / 100.0
    rect = shapely.get_coordinates(shapely.minimum_rotated_rectangle(geom))
    sides = np.hypot(*np.diff(rect[:3], axis=0).T) if len(rect) >= 3 else np.zeros(2)
    big, small = float(sides.max()), float(sides.min())
    if small > h or math.hypot(big, small) > math.hypot(w, h):
        return (w, h, big, small)
    return None


def _reasons_text(worst: str, spec: Target, best: tuple[float, float] | None, *,
                  span: tuple[float, float, float, float] | None = None) -> str:
    """The reason in words, with the figures of the best station the checks reached.

    ``span`` (see :func:`_too_large`): the target is too large for one photo at its GSD, which
    is then the reason given, with the figures.
    """
    text = _REASONS[worst]
    surface = "upright face" if spec.surface == Surface.UPRIGHT else "ground"
    if worst == "gsd" and spec.gsd_cm is not None:
        if span is not None:
            w, h, big, small = span
            text = (f"too large for one photo at the required GSD: at {spec.gsd_cm:g} cm/px "
                    f"one image seen square-on covers about {w:.0f} x {h:.0f} m and the "
                    f"target spans {big:.0f} x {small:.0f} m; split it into smaller targets")
            figures = []
        else:
            figures = [f"{spec.gsd_cm:g} cm/px on its {surface}"]
        if best is not None:
            figures.append(f"the best station gives {best[0]:.2f} cm/px, {best[1]:.0f}° from "
                           f"square-on")
        text += f" ({'; '.join(figures)})" if figures else ""
    band = spec.elevation_band()
    if worst == "elevation" and band is not None:
        text += f" ({band[0]:g}° to {band[1]:g}° below the horizon)"
    if worst == "obliquity":
        text += (f" (within {spec.max_obliquity_deg:g}° of square-on to its {surface}"
                 + (f"; the best is {best[1]:.0f}°" if best is not None else "") + ")")
    return text
