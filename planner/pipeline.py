"""The flow, one call per stage: a mission file in, a verified flight plan out.

```
prepare ─► sites ─► stations ─► roadmap ─► select ─► assemble ─► verify
```

- :func:`prepare`: read the mission, settle the settings and the vehicle, choose the local frame
  and project the mission into it, load or make the terrain, assess its hazards, and grow the
  obstacles the route must avoid (a :class:`Context`, shared by every flight over that ground);
- :func:`check_sites`: refuse a take-off in a keep-out or hazard, move an unsafe landing spot;
- :func:`camera_stations`, :func:`travel`: where to photograph each target from, and the roadmap
  of legs around the obstacles with the travel table between mission points;
- :func:`selection_problem` and :func:`select_and_assemble`: the selection problem
  (:mod:`planner.selection`), its solve, and the plan's waypoints (:mod:`planner.plan`),
  re-solved with a tighter budget when the exact plan overshoots the search's estimates;
- :func:`plan_mission`: the whole flow, then the independent verifier (:mod:`planner.verify`).

:func:`plan_flight` runs the stages after :func:`prepare` for one flight, so a campaign can run
it once per flight over the same prepared ground.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from planner.errors import (
    COMMAND_LINE,
    DEMError,
    InfeasibleMissionError,
    MissionError,
    feature_label,
)
from planner.frames import Frame
from planner.local import LocalMission, Volume, frame_for, project
from planner.mission import Mission, load_mission
from planner.plan import FlightPlan, LandingMove, Skipped, assemble
from planner.roadmap import Node, NodeKind, Roadmap, TravelTable, build_roadmap, travel_table
from planner.settings import DEFAULT_OPTIONS, PlanOptions, Settings, resolve, vehicle_for
from planner.vehicle import Vehicle
from planner.viewpoints import TargetStations, find_stations
from planner.wind import Wind
from terrain import hazards as hz
from terrain.dem import DEM, Image, check_size, read_dem, read_image, within_file
from terrain.errors import TerrainError

if TYPE_CHECKING:
    from planner import selection

# The route search, coverage layouts, the verifier and the built-in terrain are imported where
# they are used: a mission refused before its terrain (far targets, bad values) needs none of
# them, and the command line starts faster without them (tests/test_early_refusal.py).

SYNTHETIC_BASE_M = {"mars": -2565.0, "earth": 0.0}
"""Floor elevation of the built-in terrain: Jezero's floor near the landing site is about
-2570 m (FACTS: Wright Brothers Field); Earth's built-in hills start at 0 m."""
EXACT_ROADMAP_MAX_POINTS = 400
"""Up to this many mission points the roadmap joins every visible pair (truly shortest paths);
the number of legs to test grows as the square of the points."""
ROADMAP_NEIGHBOURS = 40
"""Beyond :data:`EXACT_ROADMAP_MAX_POINTS`, each mission point gets direct legs to its this many
nearest mission points (and every visible obstacle corner): routes through hundreds of targets
join near neighbours."""
MAX_TERRAIN_CELLS = 36_000_000
"""Largest terrain grid the planner makes or reads (6000 x 6000 cells): the terrain, its
orthoimage and its hazard maps take about 55 bytes a cell (measured at 4096 x 4096,
``benchmarks/terrain_bench.py``), so this bounds them near 2 GB."""
MAX_AUTO_RESOLUTION_M = 4.0
"""Coarsest grid the built-in terrain is made at when 1 m would pass MAX_TERRAIN_CELLS: 4 m
keeps hills and ridges (tens of metres) and the route's detours; past it (a mission area beyond
24 km across) the area is refused and a coarser --resolution must be asked for."""
RESOLVE_ATTEMPTS = 6
"""Times the selection is re-solved with a tighter budget when the exact plan overshoots the
search's leg estimates (legs sampled coarsely, symmetric costs): each attempt tightens by the
overshoot, so one or two suffice in practice."""
RESOLVE_MARGIN = 0.995
"""Extra tightening per re-solve (0.5 %), so a plan that overshot by a rounding does not overshoot
again."""

RELAX_ATTEMPTS = 3
"""In a wind of uncertain direction, times the selection may be re-solved with a looser budget
when the plan, flown in the same wind all the way, costs less than the search's per-leg worst
cases said: loosened by that ratio, and if the looser plan no longer fits, half way back (on a
log scale). Each attempt is one more route search, so planning takes at most four searches'
time; the plan kept is the one that fits with the most priority."""

Progress = Callable[[str], None]


def no_progress(_: str) -> None:
    """A progress callback that reports nothing."""
    return None


@dataclass(frozen=True, eq=False)
class Context:
    """What :func:`prepare` made: the ground and the vehicle that every flight shares."""

    mission: Mission
    local: LocalMission
    vehicle: Vehicle
    dem: DEM
    hazards: hz.HazardMaps
    obstacles: BaseGeometry
    beyond_range: dict[int, str] = field(default_factory=dict)
    """Targets (by index) no flight can reach, with why: left off the terrain and the roadmap."""
    wind: Wind | None = None
    """The steady wind the flights must hold in (checked against the vehicle's limits)."""
    volumes: tuple[Volume, ...] = ()
    """Keep-outs that have heights, grown by the navigation margin and widened by the
    clearance: obstacles only to what passes through them (``obstacles`` holds the others)."""

    @property
    def frame(self) -> Frame:
        """The mission's local frame."""
        return self.local.frame


@dataclass(frozen=True)
class Sites:
    """Where a flight takes off and lands (local metres), and what moved and why."""

    start: tuple[float, float]
    end: tuple[float, float]
    warnings: tuple[str, ...] = ()
    landing_moved: LandingMove | None = None


def prepare(path: str | Path, options: PlanOptions = DEFAULT_OPTIONS, *,
            recorded: tuple[str, Settings] | None = None,
            progress: Progress = no_progress) -> Context:
    """Run the stages up to the hazards: mission, settings and vehicle, frame, terrain, hazards.

    ``recorded`` is a plan file's settings (its origin and values), which lie between the
    command line's and the mission file's in precedence.
    """
    progress("reading the mission")
    mission = load_mission(path, body=options.body)
    check_terrain_body(mission, options)
    layers = [(COMMAND_LINE, options.settings)]
    if recorded is not None:
        layers.append(recorded)
    layers.append((mission.source, mission.settings))
    resolved = resolve(*layers)
    vehicle = vehicle_for(mission.body, resolved)
    frame = frame_for(mission)
    local = project(mission, frame, nav_margin_m=vehicle.profile.nav_margin_m)
    flights = options.flights or mission.campaign.flights or 1
    beyond = out_of_range(mission, local, vehicle, flights=flights)
    if beyond:  # centre the frame on what can be flown
        frame = frame_for(mission, skip=set(beyond))
        local = project(mission, frame, nav_margin_m=vehicle.profile.nav_margin_m)
    xmin, ymin, xmax, ymax = local.bounds(skip=set(beyond))
    m = options.margin_m
    area = (math.floor(xmin - m), math.floor(ymin - m), math.ceil(xmax + m), math.ceil(ymax + m))
    res = options.resolution_m
    if options.dem is None and res is None:
        # The built-in terrain is a stand-in made at 1 m; a mission area too large for that is
        # made at the finest of 2 or 4 m that fits (a warning says so), rather than refused.
        res = 1.0
        while res < MAX_AUTO_RESOLUTION_M and _cells(area, res) > MAX_TERRAIN_CELLS:
            res *= 2
        if res > 1.0:
            options = replace(options, resolution_m=res)
    if res is not None:
        check_size(_cells(area, res), MAX_TERRAIN_CELLS, f"the mission area needs "
                   f"{math.ceil((area[3] - area[1]) / res):,} x "
                   f"{math.ceil((area[2] - area[0]) / res):,} terrain cells at {res:g} m")

    progress(f"loading terrain ({area[2] - area[0]:,} m x {area[3] - area[1]:,} m)")
    dem, image = load_terrain(mission, local, area, options,
                              texture=vehicle.hazard_limits.needs_texture)
    _check_coverage(mission, local, dem, skip=set(beyond))

    progress(f"assessing hazards ({dem.shape[1]:,} x {dem.shape[0]:,} cells)")
    featureless = shapely.union_all(local.featureless) if local.featureless else None
    maps = hz.assess(dem, vehicle.hazard_limits, image=image, featureless=featureless)
    flight_polys = hz.mask_to_polygons(dem, maps.flight, grow=vehicle.profile.nav_margin_m,
                                       simplify=max(dem.resolution, 1.0))
    keep_grown = list(local.full_keep_outs(grown=True))
    obstacles = shapely.union_all([flight_polys, *keep_grown]) if keep_grown or \
        not flight_polys.is_empty else flight_polys
    return Context(mission=mission, local=local, vehicle=vehicle, dem=dem, hazards=maps,
                   obstacles=obstacles, beyond_range=beyond, wind=resolved.settings.wind,
                   volumes=local.volumes(clearance_m=vehicle.profile.min_clearance_m,
                                         grown=True))


def _cells(area: tuple[int, int, int, int], res: float) -> int:
    return math.ceil((area[2] - area[0]) / res) * math.ceil((area[3] - area[1]) / res)


def max_range_m(vehicle: Vehicle, source: str = "<mission>") -> tuple[float, str]:
    """The farthest a vehicle can fly in still air on one battery, and the figures behind it.

    The least of its top speed over the time left after take-off and landing, and the energy
    left then at the speed that goes farthest on it (the least power per metre).
    """
    p = vehicle.profile
    energy, time_s = flight_budgets(vehicle, source)
    by_time = p.max_speed_m_s * time_s
    v = np.linspace(0.25, p.max_speed_m_s, 200)
    per_m = vehicle.level_power_w(v) / v  # J per metre
    k = int(np.argmin(per_m))
    by_energy = energy * 3600.0 / float(per_m[k])
    if by_energy < by_time:
        return by_energy, (f"{energy:.1f} Wh after take-off and landing, at "
                           f"{float(v[k]):.1f} m/s, the speed that goes farthest")
    return by_time, (f"{p.max_speed_m_s:g} m/s for the {time_s:.0f} s left after take-off and "
                     f"landing")


def out_of_range(mission: Mission, local: LocalMission, vehicle: Vehicle, *,
                 flights: int = 1) -> dict[int, str]:
    """Targets no flight can reach, with why; refuse what cannot be out of range.

    A target is out of range when flying from home to it and on to the landing site is longer
    than the vehicle's range (:func:`max_range_m`). A campaign of ``flights`` flights reaches
    that many ranges, and when the mission names no landing site it may end anywhere, so only
    the way from home to the target counts. Checked before any terrain is read or made,
    so a target in the wrong hemisphere costs a second, not the memory of a terrain grid.

    Raises
    ------
    InfeasibleMissionError
        A required target or the landing site out of range.
    MissionError
        A keep-out zone wholly out of range: a mistake in its coordinates (it could never
        matter to a flight).
    """
    reach, why = max_range_m(vehicle, mission.source)
    name = vehicle.profile.name
    if flights > 1:
        reach *= flights
        name = f"{flights} flights of {name}"
    home, land = local.home, local.landing
    open_end = flights > 1 and mission.landing is None
    if home.distance(land) > reach:
        raise InfeasibleMissionError(
            f"{mission.source}: the landing site is {_km(home.distance(land))} from home, "
            f"beyond {name}'s range of at most {_km(reach)} ({why})")
    for k, keep in zip(mission.keep_outs, local.keep_outs, strict=True):
        if keep.distance(home) > reach:
            raise MissionError(f"lies {_km(keep.distance(home))} from home, beyond any flight "
                               f"of {name} (range at most {_km(reach)}): a mistake in its "
                               f"coordinates?", source=mission.source, feature=k.index,
                               name=k.name, field="geometry")
    out: dict[int, str] = {}
    for i, (t, geom) in enumerate(zip(mission.targets, local.targets, strict=True)):
        need = geom.distance(home) + (0.0 if open_end else geom.distance(land))
        if need <= reach:
            continue
        way = "home to it" if open_end else "home to it and on to landing"
        reason = (f"out of range: {way} is at least {_km(need)}, "
                  f"beyond {name}'s range of at most {_km(reach)} ({why})")
        if t.required:
            raise InfeasibleMissionError(f"{mission.source}: required target {t.name!r} cannot "
                                         f"be in the plan: {reason}", target=t.name,
                                         reason=reason)
        out[i] = reason
    return out


def _km(metres: float) -> str:
    return f"{metres / 1000:,.1f} km" if metres >= 10_000 else f"{metres:,.0f} m"


def check_terrain_body(mission: Mission, options: PlanOptions) -> None:
    """Refuse a DEM or orthoimage on another body than the mission, saying how to fix it.

    Checked from the files' CRSs alone, before the vehicle is chosen: a Mars DEM given with a
    mission file that has no ``crs`` member (RFC 7946: Earth lon/lat) is the likeliest cause,
    and the fix is the mission's body, not another vehicle or terrain model.
    """
    from planner.frames import body_of_crs
    from terrain.dem import raster_crs

    for path, what in ((options.dem, "DEM"), (options.image, "orthoimage")):
        if path is None:
            continue
        try:
            crs = raster_crs(path)
            body = body_of_crs(crs) if crs is not None else None
        except (TerrainError, ValueError):
            continue  # reading it says what is wrong with it, with its own message
        if body is None or body == mission.body:
            continue
        given = ("--body " + options.body if options.body is not None else
                 "its plan_flight.body" if mission.settings.body is not None else
                 "lon/lat on Earth, as RFC 7946 takes a file without a crs member"
                 if mission.body.name == "earth" and
                 mission.input_crs == mission.body.geographic_crs else "its crs member")
        there = body.name.capitalize()
        raise DEMError(f"{path}: the {what} is on {there}, the mission {mission.source} on "
                       f"{mission.body.name.capitalize()} ({given}): pass --body {body.name} "
                       f"or give the mission a{'n' if there[0] in 'AEIOU' else ''} {there} "
                       f"crs member ({body.geographic_crs})")


def load_terrain(mission: Mission, local: LocalMission, area: tuple[float, float, float, float],
                 options: PlanOptions, *, texture: bool = True) -> tuple[DEM, Image | None]:
    """The terrain over ``area`` and its orthoimage, if any.

    The DEM the options name (with its vertical precision, given or from its metadata), or the
    built-in terrain: a function of the place and ``terrain_seed`` only, with its own
    orthoimage, and the mission's take-off and landing sites levelled as surveyed airfields. An
    orthoimage the options name replaces the built-in one. Without ``texture`` (a vehicle whose
    navigation reads no ground texture, so the hazards read no image) the built-in terrain is
    made without its orthoimage: the same ground, about a third less work.
    """
    frame = local.frame
    image: Image | None = None
    if options.dem is not None:
        try:
            dem = read_dem(options.dem, dst_crs=frame.local, dst_bounds=area,
                           resolution=options.resolution_m,
                           vertical_precision_m=options.dem_precision_m,
                           max_cells=MAX_TERRAIN_CELLS)
        except TerrainError as exc:
            raise DEMError(str(exc)) from None
    else:
        from terrain.synthetic import EARTH_HILLS, JEZERO, Pad, synthetic_terrain

        body = mission.body
        pads = [Pad(float(local.home.x), float(local.home.y))]
        if mission.landing is not None:
            pads.append(Pad(float(local.landing.x), float(local.landing.y)))
        # User-given airfields were chosen, like the landing site, as surveyed level ground.
        pads.extend(Pad(float(a.x), float(a.y)) for a in local.airfields)
        built = synthetic_terrain(area, frame.local, resolution=options.resolution_m or 1.0,
                                  seed=options.terrain_seed,
                                  base_elevation_m=SYNTHETIC_BASE_M[body.name], pads=pads,
                                  style=JEZERO if body.name == "mars" else EARTH_HILLS,
                                  image=texture and options.image is None)
        dem, image = built.dem, built.image
    if options.image is not None:
        try:
            image = read_image(options.image, dst_crs=frame.local, dst_bounds=area, native=True,
                               max_cells=MAX_TERRAIN_CELLS)
        except TerrainError as exc:
            raise DEMError(str(exc)) from None
    return dem, image


def _check_coverage(mission: Mission, local: LocalMission, dem: DEM, *,
                    skip: set[int]) -> None:
    def fault(geom: BaseGeometry) -> str:
        """Why the terrain cannot tell the ground under ``geom`` ("" when it can)."""
        c = shapely.get_coordinates(geom)
        out = ~dem.contains(c[:, 0], c[:, 1])
        hole = ~out & ~np.isfinite(dem.sample(c[:, 0], c[:, 1]))
        if np.any(hole) and not dem.synthetic:  # past the file's edge, or a hole in it?
            try:
                out |= hole & ~within_file(dem.source, dem.crs, c[:, 0], c[:, 1])
            except TerrainError:  # read a moment ago, unreadable now: which cannot be told
                return f"lies outside the terrain {dem.source} or on nodata"
            hole &= ~out
        if np.any(out):
            return f"lies outside the terrain {dem.source} (beyond its edge)"
        if np.any(hole):
            many = f"{int(np.sum(hole))} of its {len(c)} points lie" if len(c) > 1 else "lies"
            return (f"{many} on nodata in the terrain {dem.source} (a hole: no elevation "
                    f"there)")
        return ""

    sites = [(mission.home, local.home)]
    if mission.landing is not None:
        sites.append((mission.landing, local.landing))
    features = [(s.index, s.name, g) for s, g in sites] + \
        [(t.index, t.name, g) for i, (t, g) in enumerate(zip(mission.targets, local.targets,
                                                               strict=True)) if i not in skip]
    for index, name, geom in features:
        why = fault(geom)
        if why:
            raise MissionError(why, source=mission.source, feature=index, name=name,
                               field="geometry")


def check_sites(ctx: Context) -> Sites:
    """Refuse a take-off in a keep-out or hazard; move an unsafe landing spot to a safe one.

    Raises
    ------
    MissionError
        Home or the landing site inside a keep-out zone, or home in a flight hazard.
    InfeasibleMissionError
        An unsafe landing site with no safe spot near it.
    """
    mission, local, maps, p = ctx.mission, ctx.local, ctx.hazards, ctx.vehicle.profile
    warnings: list[str] = []
    if ctx.dem.synthetic:
        warnings.append(f"terrain is synthetic ({ctx.dem.source}): give --dem for real ground")
        rows, cols = ctx.dem.shape
        if rows * cols * ctx.dem.resolution ** 2 > MAX_TERRAIN_CELLS:
            warnings.append(f"the built-in terrain is made at {ctx.dem.resolution:g} m: at 1 m "
                            f"this mission area would need more than "
                            f"{MAX_TERRAIN_CELLS / 1e6:g} million cells; hazards smaller than "
                            f"a cell are not seen")
    warnings.extend(maps.assessment.notes())
    home, landing = local.home, local.landing
    column = (0.0, ctx.vehicle.cruise_altitude_agl_m)  # climbs to, descends from, cruise
    for site, geom in ((mission.home, home), (mission.landing, landing)):
        if site is None:
            continue
        for i in local.keep_outs_at(geom.x, geom.y, *column, clearance_m=p.min_clearance_m):
            k = mission.keep_outs[i]
            raise MissionError(f"lies inside keep-out zone {k.name!r} (with its buffer"
                               + (f"; {k.heights_text}" if k.heights_text else "") + ")",
                               source=mission.source, feature=site.index, name=site.name,
                               field="geometry")
    if ctx.obstacles.intersects(home) or \
            local.keep_outs_at(home.x, home.y, *column, clearance_m=p.min_clearance_m,
                               grown=True):
        raise MissionError(f"take-off site: {blocked_at(ctx, home.x, home.y)}: no safe take-off",
                           source=mission.source, feature=mission.home.index,
                           name=mission.home.name, field="geometry")
    # The vehicle stands on its gear at take-off as after landing: ground steeper than the
    # landing slope limit (the gear's) may tip it over as the rotors spin up. Only the slope:
    # rocks under the gear at home are where the vehicle already stands.
    steep = [r for r in maps.landing_reasons_at(home.x, home.y) if r.hazard == "slope"]
    if steep:
        raise MissionError(f"take-off site: {steep[0].phrase} (the landing slope limit: the "
                           f"vehicle stands on that ground to take off): no safe take-off",
                           source=mission.source, feature=mission.home.index,
                           name=mission.home.name, field="geometry")
    start = (float(home.x), float(home.y))
    lx, ly = float(landing.x), float(landing.y)
    site = mission.landing_site
    reason, alt = safe_landing(ctx, lx, ly)
    if not reason:
        return Sites(start=start, end=(lx, ly), warnings=tuple(warnings))
    search = p.landing_search_radius_m
    if alt is None:
        raise InfeasibleMissionError(
            f"{mission.source}: {feature_label(site.index)} ({site.name!r}): "
            f"unsafe to land ({reason}) and no safe spot within {search:g} m")
    d = math.hypot(alt[0] - lx, alt[1] - ly)
    what = "landing site" if mission.landing is not None else "home, where the flight lands,"
    warnings.append(f"{what} {site.name!r} is unsafe ({reason}); landing at "
                    f"the nearest safe spot, {d:.1f} m away")
    return Sites(start=start, end=alt, warnings=tuple(warnings),
                 landing_moved=LandingMove(requested_xy=(lx, ly), reason=reason))


def safe_landing(ctx: Context, x: float, y: float) -> tuple[str, tuple[float, float] | None]:
    """Why landing at ``(x, y)`` is unsafe ("" if it is safe), and the nearest safe spot then.

    The nearest safe spot is sought within the profile's ``landing_search_radius_m``, outside
    the landing hazards and the obstacles (keep-outs and flight hazards with their margins);
    ``None`` when there is none.
    """
    maps, p = ctx.hazards, ctx.vehicle.profile
    column = (0.0, ctx.vehicle.cruise_altitude_agl_m)  # the descent from cruise
    reason = maps.landing_reason_at(x, y)
    if ctx.obstacles.intersects(Point(x, y)) or \
            ctx.local.keep_outs_at(x, y, *column, clearance_m=p.min_clearance_m, grown=True):
        reason = reason or blocked_at(ctx, x, y)
    if not reason:
        return "", None
    free = maps.landing.copy()
    free |= hz.polygons_mask(ctx.dem, ctx.obstacles)
    for v in ctx.volumes:
        if v.lo < column[1]:  # the descent to the ground passes through it
            free |= hz.polygons_mask(ctx.dem, v.footprint)
    alt = hz.nearest_safe_landing(replace(maps, landing=free), x, y,
                                  max_distance_m=p.landing_search_radius_m)
    return reason, alt


def blocked_at(ctx: Context, x: float, y: float) -> str:
    """Why the vehicle may not be at a point, in words with figures.

    The hazard under it (e.g. "slope 24° above the 20° limit"), or else the keep-out zone or
    hazard within the navigation margin of it.
    """
    here = ctx.hazards.flight_reason_at(x, y)
    if here:
        return here
    margin = ctx.vehicle.profile.nav_margin_m
    spot = Point(x, y)
    for i in ctx.local.keep_outs_at(x, y, 0.0, ctx.vehicle.cruise_altitude_agl_m, grown=True,
                                    clearance_m=ctx.vehicle.profile.min_clearance_m):
        return (f"within the {margin:g} m navigation margin of keep-out zone "
                f"{ctx.mission.keep_outs[i].name!r}")
    near = ctx.hazards.flight_reasons_in(spot.buffer(margin + ctx.dem.resolution))
    if near:
        return f"within the {margin:g} m navigation margin of {near[0].phrase}"
    return f"within the {margin:g} m navigation margin of a flight hazard"


def blocked_between(ctx: Context, a: tuple[float, float], b: tuple[float, float]) -> str:
    """What lies across the straight way from ``a`` to ``b``, in words with figures."""
    line = LineString([a, b])
    parts = [f"keep-out zone {k.name!r}" for k, keep in
             zip(ctx.mission.keep_outs, ctx.local.keep_outs_grown, strict=True)
             if keep.intersects(line)]
    reasons = ctx.hazards.flight_reasons_in(line.buffer(ctx.vehicle.profile.nav_margin_m +
                                                        ctx.dem.resolution))
    parts += [r.phrase for r in reasons[:2]]
    return ", ".join(parts) if parts else "hazards around every way"


def camera_stations(ctx: Context, options: PlanOptions = DEFAULT_OPTIONS, *,
                    progress: Progress = no_progress) -> list[TargetStations]:
    """Camera stations for every view of every target (see :mod:`planner.viewpoints`).

    One :class:`TargetStations` per view, target by target (an area or corridor mapped in
    strips: one per image, :mod:`planner.coverage`). A target out of the vehicle's range gets
    one with none, with why; so does one left off the shortlist of a mission of more targets
    than the route search takes (:func:`selection.shortlist`; areas are not shortlisted).
    """
    from planner import coverage, selection

    targets = ctx.mission.targets
    out: dict[int, list[TargetStations]] = {}
    for i, (t, g) in enumerate(zip(targets, ctx.local.targets, strict=True)):
        if i not in ctx.beyond_range and coverage.is_survey(t, g, ctx.vehicle):
            out[i] = _survey(ctx, i)
    in_range = [i for i in range(len(targets)) if i not in ctx.beyond_range and i not in out]
    near, dropped = selection.shortlist(targets, ctx.local.targets, home=ctx.local.home,
                                        landing=ctx.local.landing, candidates=in_range)
    keep = options.stations_per_target or selection.stations_per_target(len(near))
    if dropped:
        progress(f"shortlisted {len(near):,} of {len(in_range):,} targets in range")
    progress(f"finding camera stations ({len(near):,} targets, up to {keep} each)")
    found = find_stations([targets[i] for i in near], [ctx.local.targets[i] for i in near],
                          dem=ctx.dem, vehicle=ctx.vehicle, obstacles=ctx.obstacles, keep=keep,
                          volumes=ctx.volumes, solids=ctx.local.solids(),
                          budget=selection.STATION_BUDGET)
    out.update({i: [] for i in near})
    for ts in found:  # one per view of each target, target by target
        i = near[ts.target]
        out[i].append(replace(ts, target=i,
                              stations=tuple(replace(st, target=i) for st in ts.stations)))
    out.update({i: [TargetStations(i, (), why)] for i, why in ctx.beyond_range.items()})
    out.update({i: [TargetStations(i, (), why)] for i, why in dropped.items()})
    return [ts for i in range(len(targets)) for ts in out[i]]


def _survey(ctx: Context, i: int) -> list[TargetStations]:
    """An area target's images as stations (see :mod:`planner.coverage`).

    Raises
    ------
    InfeasibleMissionError
        A required area whose strips, cut by the obstacles, leave ground unseen outside them.
    """
    from planner import coverage

    spec, geom = ctx.mission.targets[i], ctx.local.targets[i]
    area = coverage.survey_area(spec, geom, ctx.vehicle)
    assert isinstance(geom, Polygon | MultiPolygon | LineString)
    assert area is not None
    found, lay = coverage.survey_stations(i, spec, geom, vehicle=ctx.vehicle, dem=ctx.dem,
                                          obstacles=ctx.obstacles, volumes=ctx.volumes,
                                          solids=ctx.local.solids())
    if spec.required and lay.images:
        # Keep-outs with heights may stay unseen too, as the verifier allows (rule coverage).
        gap = area.difference(lay.covered).difference(ctx.obstacles)
        for v in ctx.volumes:
            gap = gap.difference(ctx.local.keep_outs_grown[v.index])
        # Less than one terrain cell unseen is below what the terrain model can tell.
        if gap.area > ctx.dem.resolution ** 2:
            c = gap.centroid
            raise InfeasibleMissionError(
                f"{ctx.mission.source}: required area {spec.name!r} cannot be covered: "
                f"{gap.area:,.0f} m² of it outside the keep-outs and hazards is seen by no "
                f"image (around {c.x:.0f} m east, {c.y:.0f} m north of the frame's origin)")
    return found


def travel(ctx: Context, nodes: tuple[Node, ...], *,
           progress: Progress = no_progress) -> tuple[Roadmap, TravelTable]:
    """The roadmap over ``nodes`` and the obstacles' corners, and travel between the nodes."""
    rm = build_roadmap(dem=ctx.dem, vehicle=ctx.vehicle, obstacles=ctx.obstacles,
                       points=list(nodes),
                       neighbours=None if len(nodes) <= EXACT_ROADMAP_MAX_POINTS
                       else ROADMAP_NEIGHBOURS, volumes=ctx.volumes, wind=ctx.wind)
    progress(f"travel table ({len(nodes):,} x {len(nodes):,} mission points over "
             f"{len(rm.nodes):,} roadmap nodes, {rm.leg_count:,} "
             f"legs)")
    return rm, travel_table(rm, list(range(len(nodes))))


def flight_budgets(vehicle: Vehicle, source: str,
                   wind: Wind | None = None) -> tuple[float, float]:
    """Energy (Wh) and time (s) left for travel and photos once take-off and landing are paid.

    In a ``wind`` the vertical climb and descent hold the place against it.

    Raises
    ------
    InfeasibleMissionError
        When the budget does not cover even take-off and landing (``source`` names the mission).
    """
    p = vehicle.profile
    h = vehicle.cruise_altitude_agl_m
    t_to, e_to = vehicle.takeoff(h, wind)
    t_la, e_la = vehicle.landing(h, wind)
    energy = p.budget_energy_wh - e_to - e_la
    time_s = p.max_flight_time_s - t_to - t_la
    if energy <= 0 or time_s <= 0:
        raise InfeasibleMissionError(
            f"{source}: the battery budget ({p.budget_energy_wh:.3g} Wh: {p.usable_energy_wh:g} "
            f"Wh usable less the {p.reserve_wh:g} Wh reserve; {p.max_flight_time_s:g} s) does "
            f"not cover even take-off and landing, "
            f"which need {e_to + e_la:.1f} Wh and {t_to + t_la:.0f} s (climbing to and "
            f"descending from {h:g} m)")
    return energy, time_s


def selection_problem(ctx: Context, options: PlanOptions = DEFAULT_OPTIONS, *,
                      sites: Sites | None = None,
                      progress: Progress = no_progress) -> selection.Problem:
    """Sites, camera stations, the roadmap, and the selection problem they make."""
    from planner import selection

    sites = sites or check_sites(ctx)
    found = camera_stations(ctx, options, progress=progress)
    h = ctx.vehicle.cruise_altitude_agl_m
    start = Node(sites.start[0], sites.start[1], h, NodeKind.HOME)
    end = Node(sites.end[0], sites.end[1], h, NodeKind.LANDING)
    nodes, _ = selection.problem_nodes(start, end, found)
    progress(f"building the roadmap ({len(nodes):,} mission points)")
    rm, table = travel(ctx, nodes, progress=progress)
    energy, time_s = flight_budgets(ctx.vehicle, ctx.mission.source, ctx.wind)
    if not np.isfinite(table.energy_wh[selection.START, selection.END]):
        raise InfeasibleMissionError(
            f"{ctx.mission.source}: route: no way from home to the landing site avoids the "
            f"keep-out zones and hazards; the direct line meets "
            f"{blocked_between(ctx, sites.start, sites.end)}")
    return selection.build_problem(start=start, end=end, found=found,
                                   targets=ctx.mission.targets, roadmap=rm, table=table,
                                   vehicle=ctx.vehicle, energy_budget_wh=energy,
                                   time_budget_s=time_s, wind=ctx.wind,
                                   still_budgets=flight_budgets(ctx.vehicle, ctx.mission.source)
                                   if ctx.wind is not None else None)


def select_and_assemble(ctx: Context, problem: selection.Problem, sites: Sites,
                        options: PlanOptions = DEFAULT_OPTIONS) -> FlightPlan:
    """Choose the targets and their order, and assemble the plan within the budget.

    Raises
    ------
    InfeasibleMissionError
        Not even the direct flight fits, a required target cannot be in the plan, or no plan
        within the budget was found.
    """
    from planner import selection

    mission, p = ctx.mission, ctx.vehicle.profile
    scale = 1.0
    fitted: FlightPlan | None = None  # the best plan that fits so far, and its search's scale
    fitted_scale = scale
    relaxed = 0
    for _attempt in range(RESOLVE_ATTEMPTS):
        choice = selection.choose(problem, scale=scale, seed=options.seed,
                                  time_limit_s=options.time_limit_s)
        if choice is None:
            raise InfeasibleMissionError(_no_direct_flight(ctx, problem, sites))
        if choice.missing_required:
            missing = choice.missing_required[0]
            why = missing.reason
            if why.startswith("left out"):
                why = "it does not fit in the budget together with the other required targets"
            raise InfeasibleMissionError(
                f"{mission.source}: required target {missing.target!r} cannot be in the "
                f"plan: {why}", target=missing.target, reason=why)
        skipped = [_with_blockers(ctx, sites, s) for s in choice.skipped]
        plan = assemble(selection.route_points(problem, choice.order), mission=mission,
                        local=ctx.local, vehicle=ctx.vehicle, dem=ctx.dem,
                        skipped=skipped,
                        warnings=[*sites.warnings, *_partial_warnings(choice.partial)],
                        selection=choice.description, stopped_by_time=choice.stopped_by_time,
                        landing_moved=sites.landing_moved, wind=ctx.wind)
        # In an uncertain wind the plan's figures are its worst direction's; the longest
        # flight may come from another direction.
        over = max(plan.energy_wh / p.budget_energy_wh,
                   plan.longest_s / p.max_flight_time_s)
        if over <= 1.0:
            if fitted is None or plan.priority_collected > fitted.priority_collected:
                fitted, fitted_scale = plan, scale
            if len(plan.wind_cases) < 2 or relaxed >= RELAX_ATTEMPTS:
                return fitted
            # Each leg at its own worst direction bounds any one wind from above; flown in one
            # wind the whole way the plan is cheaper: loosen the search's budget by as much.
            loose = _loosened(problem, choice.order, plan) * RESOLVE_MARGIN
            if loose <= scale:
                return fitted
            relaxed, scale = relaxed + 1, loose
            continue
        if fitted is not None:  # loosened too far: try half way back, then keep what fitted
            if relaxed >= RELAX_ATTEMPTS:
                return fitted
            relaxed, scale = relaxed + 1, math.sqrt(scale * fitted_scale)
            continue
        # The search's leg costs are estimates; the assembled plan is exact. Tighten and retry.
        scale = scale / over * RESOLVE_MARGIN
    if fitted is not None:
        return fitted
    raise InfeasibleMissionError(f"{mission.source}: no plan within the budget was found")


def _no_direct_flight(ctx: Context, problem: selection.Problem, sites: Sites) -> str:
    """Why not even home to the landing site fits: the shortest safe route's needs and budget.

    Figures are the whole flight's (take-off and landing included), against the profile's
    budget; a route that turns at hazards or keep-outs says so, with the straight line's length,
    since the straight line may fit where the detour does not.
    """
    from planner import selection

    p = ctx.vehicle.profile
    a, b = selection.START, selection.END
    # What take-off and landing cost: the budget less what the problem leaves for travel.
    energy = float(problem.energy_wh[a, b]) + p.budget_energy_wh - problem.energy_budget_wh
    time_s = float(problem.time_s[a, b]) + p.max_flight_time_s - problem.time_budget_s
    length = float(problem.table.length_m[a, b])
    straight = math.dist(sites.start, sites.end)
    turns = len(problem.table.path(a, b)) - 2
    route = (f"even the direct flight from home to the landing site does not fit: its "
             f"shortest safe route ({length:,.0f} m"
             + (f", detouring around hazards and keep-outs at {turns} turn"
                f"{'s' if turns > 1 else ''}; the straight line is {straight:,.0f} m)"
                if turns > 0 else ")"))
    over = [f"{need - have:{fmt}} {unit}"
            for need, have, unit, fmt in ((energy, p.budget_energy_wh, "Wh", ".1f"),
                                          (time_s, p.max_flight_time_s, "s", ".0f"))
            if need > have]
    verdict = (f"{' and '.join(over)} over" if over else
               "too close to the budget for the plan's exact figures to fit")
    wind = "" if ctx.wind is None or ctx.wind.calm else f" {ctx.wind.phrase()}"
    return (f"{ctx.mission.source}: {route} needs {energy:.1f} Wh and {time_s:.0f} s with "
            f"take-off and landing{wind}; the budget is {p.budget_energy_wh:g} Wh usable after "
            f"the reserve and {p.max_flight_time_s:g} s: {verdict}")


def _partial_warnings(partial: tuple[Skipped, ...]) -> list[str]:
    """One line per target some of whose views or images the plan leaves out."""
    by_target: dict[str, list[Skipped]] = {}
    for v in partial:
        by_target.setdefault(v.target, []).append(v)
    out = []
    for name, left in by_target.items():
        more = f" (and {len(left) - 1} more)" if len(left) > 1 else ""
        out.append(f"target {name!r}: left out {left[0].reason}{more}")
    return out


def _loosened(problem: selection.Problem, order: tuple[int, ...], plan: FlightPlan) -> float:
    """How far the search's costs overstate a route's that fits.

    Its cost by the search's per-leg bounds over its share of the budgets as flown in the worst
    one wind; more than 1 means room.
    """
    cost = problem.cost()
    bound = float(sum(cost[a, b] for a, b in itertools.pairwise(order)))
    p = plan.vehicle.profile
    fixed_e = p.budget_energy_wh - problem.energy_budget_wh  # take-off and landing
    fixed_t = p.max_flight_time_s - problem.time_budget_s
    flown = max((plan.energy_wh - fixed_e) / problem.energy_budget_wh,
                (plan.longest_s - fixed_t) / problem.time_budget_s)
    return bound / flown if flown > 0 else 1.0


def _with_blockers(ctx: Context, sites: Sites, skipped: Skipped) -> Skipped:
    """An unreachable target's reason, with what lies across the way to it."""
    if not skipped.reason.startswith("unreachable"):
        return skipped
    names = [t.name for t in ctx.mission.targets]
    c = ctx.local.targets[names.index(skipped.target)].centroid
    return replace(skipped, reason=f"{skipped.reason}; the direct line from take-off meets "
                                   f"{blocked_between(ctx, sites.start, (c.x, c.y))}")


def plan_flight(ctx: Context, options: PlanOptions = DEFAULT_OPTIONS, *,
                progress: Progress = no_progress) -> FlightPlan:
    """Plan one flight over prepared ground: sites, stations, roadmap, selection, assembly."""
    sites = check_sites(ctx)
    problem = selection_problem(ctx, options, sites=sites, progress=progress)
    progress(f"choosing targets and their order ({len(problem.nodes) - 2:,} stations of "
             f"{len({st.target for st in problem.stations if st is not None}):,} targets)")
    return select_and_assemble(ctx, problem, sites, options)


def plan_mission(path: str | Path, options: PlanOptions = DEFAULT_OPTIONS, *,
                 progress: Progress = no_progress,
                 ctx: Context | None = None) -> tuple[FlightPlan, Context]:
    """Plan a mission file and verify the plan.

    Raises
    ------
    InputError
        Bad input (exit code 2).
    InfeasibleMissionError
        No plan can satisfy the mission (exit code 3).
    VerificationError
        The independent check found a violation: a planner bug (exit code 4).
    """
    from planner.verify import verify

    ctx = ctx or prepare(path, options, progress=progress)
    plan = plan_flight(ctx, options, progress=progress)
    progress(f"verifying the plan ({len(plan.waypoints):,} waypoints, "
             f"{len(plan.photos):,} photo{'' if len(plan.photos) == 1 else 's'})")
    verify(plan, hazards=ctx.hazards).raise_if_failed()
    return plan, ctx


__all__ = ["Context", "PlanOptions", "Progress", "Sites", "camera_stations", "check_sites",
           "flight_budgets", "no_progress", "plan_flight", "plan_mission", "prepare",
           "select_and_assemble", "selection_problem", "travel"]
