"""The whole flow in one function: a mission file in, a verified flight plan out.

mission -> frame -> terrain -> hazards -> viewpoints -> roadmap -> route -> plan -> verify
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from planner import route as route_core
from planner.errors import DEMError, InfeasibleMissionError, MissionError
from planner.frames import Frame, local_frame
from planner.mission import Mission, load_mission
from planner.plan import FlightPlan, RoutePoint, Skipped, assemble
from planner.roadmap import Node, Roadmap, TravelTable, build_roadmap, travel_table
from planner.vehicle import Vehicle, load_profile, make_vehicle, with_budget
from planner.verify import verify
from planner.viewpoints import Station, TargetStations, find_stations
from terrain import hazards as hz
from terrain.dem import DEM, read_dem
from terrain.errors import TerrainError
from terrain.synthetic import EARTH_HILLS, JEZERO, Pad, synthetic_dem

DEFAULT_VEHICLE = {"mars": "ingenuity", "earth": "mavic3"}
# Assumed floor elevation of the built-in Mars terrain: Jezero's floor near the landing site is
# about -2570 m (FACTS: Wright Brothers Field); Earth's built-in terrain starts at 0 m.
SYNTHETIC_BASE_M = {"mars": -2565.0, "earth": 0.0}


@dataclass(frozen=True)
class PlanOptions:
    """Everything the command line can set; ``None`` means the file's or the profile's value."""

    body: str | None = None
    vehicle: str | None = None
    dem: str | None = None
    altitude_m: float | None = None
    speed_m_s: float | None = None
    air_density_kg_m3: float | None = None
    usable_energy_wh: float | None = None
    reserve_wh: float | None = None
    max_flight_time_s: float | None = None
    resolution_m: float | None = None
    margin_m: float = 150.0
    seed: int = 0
    time_limit_s: float = 20.0
    stations_per_target: int | None = None


@dataclass(frozen=True, eq=False)
class Context:
    """What the stages before the route search produced, for reports, plots and checks."""

    mission: Mission
    frame: Frame
    vehicle: Vehicle
    dem: DEM
    hazards: hz.HazardMaps
    obstacles: BaseGeometry
    keep_outs_local: tuple[BaseGeometry, ...]
    targets_local: tuple[BaseGeometry, ...]


Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None


def _first(*values: float | None) -> float | None:
    """The first value given (the command line's before the file's); 0 counts as given."""
    return next((v for v in values if v is not None), None)


def prepare(path: str | Path, options: PlanOptions = PlanOptions(), *,
            progress: Progress = _noop) -> Context:
    """Run the stages up to and including the hazards."""
    progress("reading the mission")
    mission = load_mission(path, body=options.body)
    body = mission.body
    vehicle_name = options.vehicle or mission.settings.vehicle or DEFAULT_VEHICLE[body.name]
    profile = load_profile(vehicle_name)
    profile = with_budget(profile, usable_energy_wh=options.usable_energy_wh,
                          reserve_wh=options.reserve_wh,
                          max_flight_time_s=options.max_flight_time_s)
    s = mission.settings
    vehicle = make_vehicle(
        profile, body,
        air_density_kg_m3=_first(options.air_density_kg_m3, s.air_density_kg_m3),
        speed_m_s=_first(options.speed_m_s, s.speed_m_s),
        altitude_m=_first(options.altitude_m, s.altitude_m))

    geoms = [mission.home.point, *(t.geometry for t in mission.targets),
             *(k.geometry for k in mission.keep_outs)]
    if mission.landing is not None:
        geoms.append(mission.landing.point)
    lon0, lat0, lon1, lat1 = shapely.total_bounds(geoms)
    frame = local_frame(body, (lon0 + lon1) / 2, (lat0 + lat1) / 2)
    home = frame.geometry_to_local(mission.home.point)
    landing = frame.geometry_to_local(mission.landing_site.point)
    targets_local = tuple(frame.geometry_to_local(t.geometry) for t in mission.targets)
    keeps_local = tuple(frame.geometry_to_local(k.geometry).buffer(k.buffer_m)
                        for k in mission.keep_outs)
    xmin, ymin, xmax, ymax = shapely.total_bounds([home, landing, *targets_local, *keeps_local])
    m = options.margin_m
    area = (math.floor(xmin - m), math.floor(ymin - m), math.ceil(xmax + m), math.ceil(ymax + m))

    progress("loading terrain")
    if options.dem is not None:
        try:
            dem = read_dem(options.dem, dst_crs=frame.local, dst_bounds=area,
                           resolution=options.resolution_m)
        except TerrainError as exc:
            raise DEMError(str(exc)) from None
    else:
        # Deterministic for the area: the seed comes from the body and the mission's centre.
        key = f"{body.name}:{round(frame.lon0, 4)}:{round(frame.lat0, 4)}:{options.seed}"
        pads = [Pad(float(home.x), float(home.y))]
        if mission.landing is not None:
            pads.append(Pad(float(landing.x), float(landing.y)))
        dem = synthetic_dem(area, frame.local, resolution=options.resolution_m or 1.0,
                            seed=zlib.crc32(key.encode()), base_elevation_m=SYNTHETIC_BASE_M[
                                body.name], pads=pads,
                            style=JEZERO if body.name == "mars" else EARTH_HILLS)
    _check_coverage(mission, dem, home, landing, targets_local)

    progress("assessing hazards")
    maps = hz.assess(dem, vehicle.hazard_limits)
    margin = profile.nav_margin_m
    flight_polys = hz.mask_to_polygons(dem, maps.flight, grow=margin,
                                       simplify=max(dem.resolution, 1.0))
    # Mitre joins: the grown polygon contains the round buffer (so it is conservative) with far
    # fewer corners for the roadmap.
    keep_grown = [frame.geometry_to_local(k.geometry).buffer(
        k.buffer_m + margin, join_style="mitre", mitre_limit=2.0) for k in mission.keep_outs]
    obstacles = shapely.union_all([flight_polys, *keep_grown]) if keep_grown or \
        not flight_polys.is_empty else flight_polys
    return Context(mission=mission, frame=frame, vehicle=vehicle, dem=dem, hazards=maps,
                   obstacles=obstacles, keep_outs_local=keeps_local,
                   targets_local=targets_local)


def _check_coverage(mission: Mission, dem: DEM, home: BaseGeometry, landing: BaseGeometry,
                    targets_local: tuple[BaseGeometry, ...]) -> None:
    def inside(geom: BaseGeometry) -> bool:
        c = shapely.get_coordinates(geom)
        return bool(np.all(dem.contains(c[:, 0], c[:, 1])) and
                    np.all(np.isfinite(dem.sample(c[:, 0], c[:, 1]))))

    sites = [(mission.home, home)]
    if mission.landing is not None:
        sites.append((mission.landing, landing))
    for site, geom in sites:
        if not inside(geom):
            raise MissionError(f"lies outside the terrain {dem.source} or on nodata",
                               source=mission.source, feature=site.index, name=site.name,
                               field="geometry")
    for t, geom in zip(mission.targets, targets_local, strict=True):
        if not inside(geom):
            raise MissionError(f"lies outside the terrain {dem.source} or on nodata",
                               source=mission.source, feature=t.index, name=t.name,
                               field="geometry")


def plan_mission(path: str | Path, options: PlanOptions = PlanOptions(), *,
                 progress: Progress = _noop) -> tuple[FlightPlan, Context]:
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
    ctx = prepare(path, options, progress=progress)
    plan = plan_from_context(ctx, options, progress=progress)
    progress("verifying the plan")
    verify(plan, hazards=ctx.hazards, keep_outs=ctx.keep_outs_local).raise_if_failed()
    return plan, ctx


def _site_checks(ctx: Context, home: BaseGeometry, landing: BaseGeometry,
                 warnings: list[str]) -> tuple[float, float]:
    """Refuse a home in an obstacle; move an unsafe landing spot to the nearest safe one."""
    mission, maps, p = ctx.mission, ctx.hazards, ctx.vehicle.profile
    for site, geom in ((mission.home, home), (mission.landing, landing)):
        if site is None:
            continue
        for k, keep in zip(mission.keep_outs, ctx.keep_outs_local, strict=True):
            if keep.intersects(geom):
                raise MissionError(f"lies inside keep-out zone {k.name!r} (with its buffer)",
                                   source=mission.source, feature=site.index, name=site.name,
                                   field="geometry")
    if ctx.obstacles.intersects(home):
        raise MissionError("lies in a flight hazard or within the navigation margin "
                           f"({p.nav_margin_m:g} m) of a keep-out zone: no safe take-off",
                           source=mission.source, feature=mission.home.index,
                           name=mission.home.name, field="geometry")
    lx, ly = float(landing.x), float(landing.y)
    if mission.landing is None:
        return lx, ly
    reason = maps.landing_reason_at(lx, ly)
    if ctx.obstacles.intersects(landing):
        reason = reason or "in a flight hazard or too near a keep-out zone"
    if not reason:
        return lx, ly
    search = max(25.0, 10 * p.landing_clear_radius_m)
    free = maps.landing.copy()
    obst = hz.polygons_mask(ctx.dem, ctx.obstacles)
    free |= obst
    alt = hz.nearest_safe_landing(replace(maps, landing=free), lx, ly, max_distance_m=search)
    if alt is None:
        raise InfeasibleMissionError(
            f"{mission.source}: feature {mission.landing.index} ({mission.landing.name!r}): "
            f"unsafe to land ({reason}) and no safe spot within {search:g} m")
    d = math.hypot(alt[0] - lx, alt[1] - ly)
    warnings.append(f"landing site {mission.landing.name!r} is unsafe ({reason}); landing at "
                    f"the nearest safe spot, {d:.1f} m away")
    return alt


@dataclass(frozen=True, eq=False)
class Selection:
    """The mission's selection problem as the route core sees it, and how to build the plan.

    Node 0 is home, node 1 the landing site, the rest camera stations (``groups`` holds each
    one's target index, -1 for home and landing). ``edge_e`` and ``edge_t`` are the energy (Wh)
    and time (s) from node i to node j along the roadmap's cheapest path, with j's photo hover
    and the yaw turn into j; :meth:`cost` turns them into shares of the budgets left after
    take-off and landing, so a route within 1 keeps both.
    """

    stations: list[TargetStations]
    station_of: dict[int, Station]
    roadmap: Roadmap
    table: TravelTable
    edge_e: np.ndarray
    edge_t: np.ndarray
    energy_avail: float
    time_avail: float
    prize: np.ndarray
    groups: np.ndarray
    warnings: tuple[str, ...]

    def cost(self, scale: float = 1.0) -> np.ndarray:
        """Cost matrix: the larger of each leg's shares of the energy and time budgets."""
        with np.errstate(invalid="ignore"):
            c = np.maximum(self.edge_e / (self.energy_avail * scale),
                           self.edge_t / (self.time_avail * scale))
        c[~np.isfinite(c)] = np.inf
        return c


def selection_problem(ctx: Context, options: PlanOptions = PlanOptions(), *,
                      progress: Progress = _noop) -> Selection:
    """Site checks, camera stations, the roadmap, and the selection problem they make."""
    mission, vehicle, dem = ctx.mission, ctx.vehicle, ctx.dem
    p = vehicle.profile
    warnings: list[str] = []
    if dem.synthetic:
        warnings.append(f"terrain is synthetic ({dem.source}): give --dem for real ground")
    home = ctx.frame.geometry_to_local(mission.home.point)
    landing = ctx.frame.geometry_to_local(mission.landing_site.point)
    landing_xy = _site_checks(ctx, home, landing, warnings)

    progress("finding camera stations")
    n_targets = len(mission.targets)
    keep = options.stations_per_target or min(6, max(2, 1200 // max(n_targets, 1)))
    found = find_stations(list(ctx.targets_local), target_specs=list(mission.targets), dem=dem,
                          vehicle=vehicle, obstacles=ctx.obstacles, keep=keep)
    h = vehicle.cruise_altitude_agl_m
    nodes = [Node(float(home.x), float(home.y), h, "home"),
             Node(landing_xy[0], landing_xy[1], h, "landing")]
    station_of: dict[int, Station] = {}
    for ts in found:
        for st in ts.stations:
            station_of[len(nodes)] = st
            nodes.append(Node(st.x, st.y, st.agl_m, "station"))

    progress(f"building the roadmap ({len(nodes)} mission points)")
    rm = build_roadmap(dem=dem, vehicle=vehicle, obstacles=ctx.obstacles, points=nodes,
                       neighbours=None if len(nodes) <= 400 else 40)
    table = travel_table(rm, list(range(len(nodes))))

    # Budgets left for travel and photos once take-off and landing are paid for.
    t_to, e_to = vehicle.takeoff(h)
    t_la, e_la = vehicle.landing(h)
    energy_avail = p.budget_energy_wh - e_to - e_la
    time_avail = p.max_flight_time_s - t_to - t_la
    if energy_avail <= 0 or time_avail <= 0:
        raise InfeasibleMissionError(
            f"{mission.source}: the battery budget ({p.budget_energy_wh:g} Wh usable after the "
            f"reserve, {p.max_flight_time_s:g} s) does not cover even take-off and landing")
    if not np.isfinite(table.energy_wh[0, 1]):
        raise InfeasibleMissionError(
            f"{mission.source}: no route from home to the landing site avoids the keep-out "
            f"zones and hazards")

    n = len(nodes)
    service_t = np.zeros(n)
    service_e = np.zeros(n)
    heading = np.zeros(n)
    groups = np.full(n, -1)
    prize = np.zeros(n)
    # A required target's prize outweighs all optional ones together, so the best route holds
    # every required target whenever any route within the budget can.
    bonus = sum(t.priority for t in mission.targets) + 1.0
    for i, st in station_of.items():
        spec = mission.targets[st.target]
        hold = spec.photos * vehicle.camera.photo_hover_s
        service_t[i] = hold
        service_e[i] = vehicle.hover(hold)
        heading[i] = st.pointing.heading_deg
        groups[i] = st.target
        prize[i] = spec.priority + (bonus if spec.required else 0.0)
    turn = np.abs((heading[None, :] - heading[:, None] + 180.0) % 360.0 - 180.0)
    turn_t = turn / p.yaw_rate_deg_s
    turn_t[:, :2] = 0.0
    turn_t[:2, :] = 0.0  # the first photo's heading is set on the ground before take-off
    edge_t = table.time_s + service_t[None, :] + turn_t
    edge_e = table.energy_wh + service_e[None, :] + vehicle.hover_power_w * turn_t / 3600.0
    return Selection(stations=found, station_of=station_of, roadmap=rm, table=table,
                     edge_e=edge_e, edge_t=edge_t, energy_avail=energy_avail,
                     time_avail=time_avail, prize=prize, groups=groups,
                     warnings=tuple(warnings))


def plan_from_context(ctx: Context, options: PlanOptions = PlanOptions(), *,
                      progress: Progress = _noop) -> FlightPlan:
    """Viewpoints, roadmap, route and plan for prepared stages."""
    mission, vehicle = ctx.mission, ctx.vehicle
    p = vehicle.profile
    sel = selection_problem(ctx, options, progress=progress)
    progress("choosing targets and their order")
    scale = 1.0
    for _attempt in range(6):
        cost = sel.cost(scale)
        sol = route_core.solve(cost, sel.prize, start=0, end=1, budget=1.0, groups=sel.groups,
                               seed=options.seed, time_limit_s=options.time_limit_s)
        if not sol.order:
            raise InfeasibleMissionError(
                f"{mission.source}: even the direct flight from home to the landing site "
                f"exceeds the budget ({p.budget_energy_wh:g} Wh usable after the reserve, "
                f"{p.max_flight_time_s:g} s)")
        skipped = _skip_reasons(mission, sel.stations, list(sol.order[1:-1]), groups=sel.groups,
                                cost=cost, edge_e=sel.edge_e, edge_t=sel.edge_t,
                                energy_avail=sel.energy_avail, time_avail=sel.time_avail)
        missing = [s for s in skipped if s.required]
        if missing:
            why = missing[0].reason
            if why.startswith("left out"):
                why = "it does not fit in the budget together with the other required targets"
            raise InfeasibleMissionError(
                f"{mission.source}: required target {missing[0].target!r} cannot be in the "
                f"plan: {why}")
        points = _route_points(sol.order, sel.roadmap, sel.table, sel.station_of, mission)
        plan = assemble(points, mission=mission, frame=ctx.frame, vehicle=vehicle, dem=ctx.dem,
                        skipped=skipped, warnings=list(sel.warnings),
                        selection=f"{sol.method}{' (optimal)' if sol.optimal else ''}")
        over = max(plan.energy_wh / p.budget_energy_wh, plan.duration_s / p.max_flight_time_s)
        if over <= 1.0:
            return plan
        # The search's leg costs are estimates; the assembled plan is exact. Tighten and retry.
        scale = scale / over * 0.995
    raise InfeasibleMissionError(f"{mission.source}: no plan within the budget was found")


def _route_points(order: tuple[int, ...], rm: Roadmap, table: TravelTable,
                  station_of: dict[int, Station], mission: Mission) -> list[RoutePoint]:
    nodes = rm.nodes
    pts: list[RoutePoint] = []
    first = nodes[order[0]]
    pts.append(RoutePoint(first.x, first.y, first.agl_m, "home"))
    for a, b in itertools.pairwise(order):
        path = table.path(a, b)
        for v in path[1:-1]:
            nd = nodes[v]
            pts.append(RoutePoint(nd.x, nd.y, nd.agl_m, "corner"))
        nd = nodes[b]
        st = station_of.get(b)
        if st is not None:
            spec = mission.targets[st.target]
            pts.append(RoutePoint(nd.x, nd.y, nd.agl_m, "station", station=st,
                                  target_name=spec.name, photos=spec.photos))
        else:
            pts.append(RoutePoint(nd.x, nd.y, nd.agl_m, nd.kind))
    return pts


def _skip_reasons(mission: Mission, found: list[TargetStations], chosen: list[int], *,
                  groups: np.ndarray, cost: np.ndarray, edge_e: np.ndarray,
                  edge_t: np.ndarray, energy_avail: float, time_avail: float) -> list[Skipped]:
    done = {int(groups[i]) for i in chosen}
    out = []
    for ts in found:
        idx = ts.target
        if idx in done:
            continue
        spec = mission.targets[idx]
        members = np.flatnonzero(groups == idx)
        if not len(members):
            reason = ts.reason
        else:
            alone = cost[0, members] + cost[members, 1]
            if not np.isfinite(alone).any():
                reason = "unreachable around the keep-out zones and hazards"
            elif alone.min() > 1.0:
                k = members[int(np.argmin(alone))]
                need_e = edge_e[0, k] + edge_e[k, 1]
                need_t = edge_t[0, k] + edge_t[k, 1]
                reason = (f"over budget: even alone it needs {need_e:.1f} Wh and {need_t:.0f} s "
                          f"of the {energy_avail:.1f} Wh and {time_avail:.0f} s left after "
                          f"take-off and landing")
            else:
                reason = "left out for higher-priority targets (the budget cannot fit it too)"
        out.append(Skipped(target=spec.name, reason=reason, required=spec.required,
                           priority=spec.priority))
    return out
