"""Re-check a MAVLink mission file (QGroundControl ``.plan``, ``QGC WPL 110``) with the verifier.

The file is read by :mod:`planner.export.mavlink` (the one owner of those formats, both ways) and
flown item by item with the semantics its exporter documents (ArduPilot Copter's): each DO item
runs when the navigation item before it completes, ``DO_CHANGE_SPEED`` sets the ground speed of
the legs after it, ``CONDITION_YAW`` (or, where there is none, a waypoint's yaw) aims the nose,
``DO_GIMBAL_MANAGER_PITCHYAW`` (or ``DO_MOUNT_CONTROL``) the gimbal's pitch and yaw (in the
earth's or the vehicle's frame: the camera looks where the gimbal's yaw points it), and
``IMAGE_START_CAPTURE`` takes its images one interval apart while the vehicle holds at the
station (its ``NAV_WAYPOINT`` hold and ``NAV_LOITER_TIME`` items at the same place).
``DO_SET_CAM_TRIGG_DIST`` sets the camera's trigger distance on the legs after it until another
one changes it (0 stops it): the verifier rebuilds the images it takes along a survey strip
from that distance (its rules ``trigger`` and ``blur``), so the images a file takes in motion
need no item of their own.

From that it rebuilds a plan file record (:class:`planner.planfile.PlanFile`): waypoints with
heights made absolute from their height above home on the check's terrain under the file's home,
holds, headings and commanded speeds; photos, each matched to the mission target it sees best
(what a MAVLink file cannot say): of the targets in frame, the one nearest the image centre;
an image whose centre falls in an area or corridor mapped in strips is one of its images.
:func:`planner.planfile.rebuild_plan` and :func:`planner.verify.verify` then run unchanged.

A MAVLink file records no times or energies, so the verifier's ``record``, ``speed`` (recorded
mean speeds) and ``summary`` rules do not apply; time and energy are the vehicle model's with the
file's own speeds and holds, and the budgets are checked on those. The check adds the rules only
the file can break, each a :class:`~planner.verify.Finding`:

- ``speed``: a commanded speed that is not positive or above the profile's maximum;
- ``hover``: a capture that starts before the vehicle has turned and settled at the station
  (the turn at the profile's yaw rate plus half an image's hover), images closer together than
  the camera's ``photo_hover_s``, or more images than fit in the hold left after the capture
  starts (each needs its interval, the last half an image's hover), or a capture as the
  vehicle leaves;
- ``target``: a capture that sees no target of the mission (none in frame);
- ``photo``: a capture of unlimited images;
- ``trigger``: a negative or unknown trigger distance;
- ``time budget`` and ``energy budget`` on the file's own speeds and holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import Point

from planner.camera import in_frame
from planner.coverage import image_footprint, survey_area
from planner.errors import InputError, SettingError
from planner.export import mavlink as mv
from planner.frames import turn_deg
from planner.pipeline import Context, Progress, no_progress, prepare
from planner.plan import Action, FlightPlan
from planner.planfile import PhotoRecord, PlanFile, WaypointRecord, rebuild_plan
from planner.profiles import Mount
from planner.settings import PlanOptions, Settings
from planner.verify import POSITION_TOL_M, Finding, Report, photo_number, photo_where, verify
from planner.viewpoints import target_points
from terrain.analysis import ray_to_ground

SAME_PLACE_M = 0.05
"""Navigation items this close (across and up) are one waypoint: a station's arrival and
loiters (the files round positions to about a millimetre); a ``NAV_WAYPOINT`` after captures
there starts the next station at the same spot."""
RULES_NOT_APPLICABLE = frozenset({"record", "speed", "summary", "time budget", "energy budget"})
"""The verifier's rules about a file's recorded times, mean speeds and summary, and the budgets
it computes at the cruise speed: a MAVLink file records none of the first, and its own commanded
speeds replace the cruise speed for the budgets (checked here instead)."""
TIME_TOL_S = 1e-6
DO_MOUNT_CONTROL = 205
GIMBAL_YAW_IN_VEHICLE_FRAME = 32
GIMBAL_YAW_IN_EARTH_FRAME = 64
"""MAVLink GIMBAL_MANAGER_FLAGS bits for the frame of a gimbal's yaw (with ``YAW_LOCK``, 16,
which the exporter writes: :data:`planner.export.mavlink.GIMBAL_YAW_LOCK`)."""


@dataclass
class _Capture:
    item: mv.FileItem
    after: int  # index, within its waypoint's navigation items, of the item it follows
    count: int
    interval_s: float
    heading: float | None
    pitch: float | None
    gimbal_yaw: tuple[float, bool] | None = None
    """The gimbal's yaw when the capture starts, ``(degrees, earth frame?)``; ``None``: it
    follows the vehicle's heading."""

    def camera_heading(self, vehicle_heading: float) -> float:
        """Where the camera looks (compass degrees) when the vehicle faces its heading."""
        if self.gimbal_yaw is None:
            return vehicle_heading
        yaw, earth = self.gimbal_yaw
        return (yaw if earth else vehicle_heading + yaw) % 360.0


@dataclass
class _Group:
    """One waypoint: its navigation items at one place, and the DO items that run there."""

    action: Action
    items: list[mv.FileItem]
    x: float
    y: float
    lon: float
    lat: float
    rel: float
    speed: float | None
    heading_before: float | None
    nav_yaw: float | None = None
    yaw: float | None = None
    pitch: float | None = None
    aims: list[tuple[int, float | None]] = field(default_factory=list)
    captures: list[_Capture] = field(default_factory=list)
    trigger: float = 0.0
    """The camera's trigger distance in force as the vehicle leaves (``DO_SET_CAM_TRIGG_DIST``
    here or before)."""

    @property
    def hold(self) -> float:
        return float(sum(_hold(it) for it in self.items))

    def aimed_here(self) -> list[tuple[int, float | None]]:
        """The aims (CONDITION_YAW, gimbal) that run while the vehicle holds here.

        Not those that run as it leaves: ``(index of the item they follow, heading or None for
        a gimbal command)``.
        """
        return [a for a in self.aims if a[0] < len(self.items) - 1]


def _gimbal_yaw(it: mv.FileItem, before: tuple[float, bool] | None) -> tuple[float, bool] | None:
    """The gimbal's yaw ``(degrees, earth frame?)`` after a pitch-and-yaw command.

    MAVLink's GIMBAL_MANAGER_FLAGS (param 5): ``YAW_LOCK`` (16) or ``YAW_IN_EARTH_FRAME`` (64)
    make the yaw (param 2) a compass bearing, ``YAW_IN_VEHICLE_FRAME`` (32) or none of them an
    angle from the vehicle's nose. ``DO_MOUNT_CONTROL``'s yaw is param 3, in the vehicle's frame
    as ArduPilot Copter flies it (ModeAuto::do_mount_control: set_angle_target(...,
    yaw_is_earth_frame=false)). A NaN yaw leaves the gimbal's yaw as it was.
    """
    if it.command == DO_MOUNT_CONTROL:
        return (it.params[2], False) if math.isfinite(it.params[2]) else before
    yaw, flags = it.params[1], it.params[4]
    if not math.isfinite(yaw):
        return before
    bits = int(flags) if math.isfinite(flags) and flags >= 0 else 0
    earth = bool(bits & (mv.GIMBAL_YAW_LOCK | GIMBAL_YAW_IN_EARTH_FRAME)) and \
        not bits & GIMBAL_YAW_IN_VEHICLE_FRAME
    return (yaw % 360.0 if earth else yaw, earth)


def _hold(it: mv.FileItem) -> float:
    if it.command in (mv.NAV_WAYPOINT, mv.NAV_LOITER_TIME):
        return max(it.params[0], 0.0) if math.isfinite(it.params[0]) else 0.0
    return 0.0


@dataclass
class Rebuilt:
    """A mission file turned into a plan file record, with what only the file can break."""

    record: PlanFile
    findings: list[Finding]
    notes: list[str]
    unmatched_waypoints: set[int]
    photo_items: dict[int, str] = field(default_factory=dict)
    """Each photo's number (every capture in the file's order) and its item in the file."""

    def named(self, finding: Finding) -> Finding:
        """A verifier's finding about a photo, named as this check names them (with its item)."""
        photo = photo_number(finding.where)
        item = self.photo_items.get(photo[0]) if photo else None
        if photo is None or item is None:
            return finding
        return replace(finding, where=photo_where(photo[0], f"{photo[1]}, {item}"))


def recorded_settings(mf: mv.MissionFile) -> Settings:
    """The flight settings a mission file records or implies.

    plan-flight's own ``planFlight`` note (QGroundControl files it wrote) names the vehicle and
    the cruise settings; otherwise the cruise height is the take-off's height above home and
    the cruise speed QGroundControl's ``cruiseSpeed`` or the first ``DO_CHANGE_SPEED``.
    """
    note = mf.note or {}

    def num(key: str) -> float | None:
        v = note.get(key)
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

    speed = num("cruise_speed_m_s") or mf.cruise_speed_m_s
    if speed is None:
        speed = next((it.params[1] for it in mf.items if it.command == mv.DO_CHANGE_SPEED
                      and math.isfinite(it.params[1]) and it.params[1] > 0), None)
    altitude = num("cruise_altitude_agl_m")
    if altitude is None:
        altitude = next((it.alt for it in mf.items if it.command == mv.NAV_TAKEOFF
                         and math.isfinite(it.alt) and it.alt > 0), None)
    vehicle = note.get("vehicle") if isinstance(note.get("vehicle"), str) else None
    return Settings(vehicle=vehicle, altitude_m=altitude, speed_m_s=speed,
                    air_density_kg_m3=num("air_density_kg_m3"))


def check_mission_file(plan_path: str | Path, mission_path: str | Path,
                       options: PlanOptions | None = None, *, flight: int | None = None,
                       progress: Progress = no_progress) -> tuple[Report, FlightPlan]:
    """Verify a QGroundControl ``.plan`` or ``QGC WPL 110`` file against a mission and terrain.

    The vehicle, cruise height and speed default to those the file records or implies (see
    :func:`recorded_settings`); the command line still wins, the mission file fills the rest.
    A cruise setting the file implies but the vehicle cannot fly is left to the mission file
    (the file's own speeds and heights are then checked as findings).

    Raises
    ------
    InputError
        The file cannot be read, or holds an item the check cannot fly (named).
    """
    options = options or PlanOptions()
    mf = mv.read_mission_file(plan_path)
    recorded = recorded_settings(mf)
    ctx = None
    for _attempt in range(3):
        try:
            ctx = prepare(mission_path, options, recorded=(mf.source, recorded),
                          progress=progress)
            break
        except SettingError as exc:
            if exc.origin != mf.source or exc.field not in ("speed_m_s", "altitude_m"):
                raise
            recorded = replace(recorded, **{exc.field: None})
    if ctx is None:  # pragma: no cover - two fields at most are dropped
        raise InputError(f"{mf.source}: its settings cannot be flown")
    from planner.campaign_check import one_flight

    one = one_flight(ctx, options, plan_path, flight, progress=progress)
    if one is not None:  # one flight of a campaign: its airfields, targets and budget
        ctx = one.ctx
    progress("checking the mission")
    rebuilt = rebuild(mf, ctx, elsewhere=frozenset(one.elsewhere if one is not None else ()))
    plan = rebuild_plan(rebuilt.record, mission=ctx.mission, local=ctx.local,
                        vehicle=ctx.vehicle, dem=ctx.dem)
    report = verify(plan, hazards=ctx.hazards, wind=ctx.wind)
    kept = [rebuilt.named(f) for f in report.findings
            if f.rule not in RULES_NOT_APPLICABLE and not (
                f.rule == "photo" and f.message.startswith("a photo waypoint with no photo") and
                f.where in {f"waypoint {s}" for s in rebuilt.unmatched_waypoints}) and not (
                # Captures that see no target are findings of their own, and keep their
                # numbers: the photos of targets are then not numbered 1, 2, ... in a row.
                rebuilt.unmatched_waypoints and f.rule == "photo" and f.where == "plan" and
                f.message.startswith("photos must be numbered"))]
    notes = [*(one.notes if one is not None else ()), *report.notes, *rebuilt.notes]
    return replace(report, findings=(*kept, *rebuilt.findings), notes=tuple(notes)), plan


def _position(mf: mv.MissionFile, it: mv.FileItem, ctx: Context, home_ground: float,
              prev: tuple[float, float, float, float, float]) -> tuple[float, float, float,
                                                                        float, float]:
    """``(x, y, lon, lat, height above home)`` of a navigation item (0 lat/lon: where it is)."""
    px, py, plon, plat, prel = prev
    if it.lat == 0 and it.lon == 0:
        x, y, lon, lat = px, py, plon, plat
    else:
        if not (math.isfinite(it.lat) and math.isfinite(it.lon)) or abs(it.lat) > 90:
            raise InputError(f"{mf.source}: {it.where}: latitude and longitude must be finite "
                             f"(latitude within 90°)")
        xs, ys = ctx.frame.to_local(it.lon, it.lat)
        x, y, lon, lat = float(xs), float(ys), it.lon, it.lat
    if not math.isfinite(it.alt):
        raise InputError(f"{mf.source}: {it.where}: the altitude must be a number")
    if it.frame in (mv.FRAME_RELATIVE, mv.FRAME_RELATIVE_INT):
        rel = it.alt
    elif it.frame in (mv.FRAME_GLOBAL, mv.FRAME_GLOBAL_INT):
        rel = it.alt - mf.home[2]
    elif it.frame in (mv.FRAME_TERRAIN, mv.FRAME_TERRAIN_INT):
        rel = float(ctx.dem.sample(x, y)) + it.alt - home_ground
    else:
        raise InputError(f"{mf.source}: {it.where}: frame {it.frame} is not one of 0 (AMSL), "
                         f"3 (above home) or 10 (above terrain)")
    if it.alt == 0 and it.command == mv.NAV_LOITER_TIME:
        rel = prel
    return x, y, lon, lat, rel


def rebuild(mf: mv.MissionFile, ctx: Context, *,
            elsewhere: frozenset[str] = frozenset()) -> Rebuilt:
    """Fly the file's items into waypoints and photos; see the module docstring.

    ``elsewhere``: the targets a campaign photographs on its other flights or skips, left out
    of the note of targets the file does not photograph (one flight of a campaign).

    Raises
    ------
    InputError
        No take-off first, a navigation command the check cannot fly, a frame it does not
        know, or home outside the terrain.
    """
    vehicle, cam, dem = ctx.vehicle, ctx.vehicle.camera, ctx.dem
    p = vehicle.profile
    findings: list[Finding] = []
    notes: list[str] = []
    hx, hy = (float(v) for v in ctx.frame.to_local(mf.home[1], mf.home[0]))
    home_ground = float(dem.sample(hx, hy))
    if not math.isfinite(home_ground):
        raise InputError(f"{mf.source}: home ({mf.home[0]:.7f}, {mf.home[1]:.7f}) lies outside "
                         f"the terrain or on nodata")
    navs = [it for it in mf.items if it.command in mv.NAV_COMMANDS or it.command <= 95]
    if not navs or navs[0].command != mv.NAV_TAKEOFF:
        raise InputError(f"{mf.source}: the mission must start with NAV_TAKEOFF "
                         f"({mv.NAV_TAKEOFF})")
    groups: list[_Group] = []
    speed: float | None = None
    heading: float | None = None
    pitch: float | None = cam.fixed_pitch_deg if cam.mount == Mount.FIXED else None
    gimbal_yaw: tuple[float, bool] | None = None
    pos = (hx, hy, mf.home[1], mf.home[0], 0.0)
    ignored: dict[int, list[str]] = {}
    trigger = 0.0
    for it in mf.items:
        if it.command in mv.NAV_COMMANDS or it.command <= 95:
            if it.command not in mv.NAV_COMMANDS:
                raise InputError(f"{mf.source}: {it.where}: navigation command {it.command} "
                                 f"cannot be checked (NAV_TAKEOFF, NAV_WAYPOINT, "
                                 f"NAV_LOITER_TIME and NAV_LAND can)")
            if it.command == mv.NAV_TAKEOFF:
                if groups:
                    raise InputError(f"{mf.source}: {it.where}: a second NAV_TAKEOFF")
                rel = it.alt if math.isfinite(it.alt) else 0.0
                if it.frame in (mv.FRAME_GLOBAL, mv.FRAME_GLOBAL_INT):
                    rel -= mf.home[2]
                pos = (hx, hy, mf.home[1], mf.home[0], rel)
                yaw = it.params[3] if math.isfinite(it.params[3]) else None
                heading = yaw
                groups.append(_Group(Action.TAKEOFF, [it], hx, hy, mf.home[1], mf.home[0], rel,
                                     None, None, nav_yaw=yaw, yaw=yaw))
                continue
            if not groups:
                raise InputError(f"{mf.source}: {it.where}: the mission must start with "
                                 f"NAV_TAKEOFF ({mv.NAV_TAKEOFF})")
            x, y, lon, lat, rel = _position(mf, it, ctx, home_ground, pos)
            last = groups[-1]
            same = math.hypot(x - last.x, y - last.y) <= SAME_PLACE_M and \
                abs(rel - last.rel) <= SAME_PLACE_M
            if it.command == mv.NAV_LAND:
                groups.append(_Group(Action.LAND, [it], x, y, lon, lat, 0.0, None, heading))
                trigger = 0.0
            elif same and last.action not in (Action.TAKEOFF, Action.LAND) and not (
                    it.command == mv.NAV_WAYPOINT and last.captures):
                # (A NAV_WAYPOINT at the spot where images were just taken is the next station
                # of a spot shared by several targets: a waypoint of its own, no leg between.)
                last.items.append(it)
            else:
                nav_yaw = it.params[3] if it.command == mv.NAV_WAYPOINT and \
                    math.isfinite(it.params[3]) else None
                groups.append(_Group(Action.WAYPOINT, [it], x, y, lon, lat, rel, speed,
                                     heading, nav_yaw=nav_yaw, trigger=trigger))
            pos = (x, y, lon, lat, rel)
            continue
        if not groups:
            raise InputError(f"{mf.source}: {it.where}: a command before NAV_TAKEOFF")
        g = groups[-1]
        after = len(g.items) - 1
        if it.command == mv.DO_CHANGE_SPEED:
            v = it.params[1]
            if not math.isfinite(v) or v == -1:
                continue
            if v <= 0 or v > p.max_speed_m_s + 1e-9:
                findings.append(Finding("speed", it.where, f"DO_CHANGE_SPEED commands "
                                        f"{v:g} m/s; the {p.name} flies above 0 and at most "
                                        f"{p.max_speed_m_s:g} m/s"))
            speed = v
        elif it.command == mv.CONDITION_YAW:
            angle = it.params[0]
            if not math.isfinite(angle):
                continue
            if it.params[3] > 0:  # relative to the current heading
                sign = -1.0 if it.params[2] < 0 else 1.0
                heading = ((heading or 0.0) + sign * angle) % 360.0
            else:
                heading = angle % 360.0
            g.aims.append((after, heading))
        elif it.command in (mv.DO_GIMBAL_MANAGER_PITCHYAW, DO_MOUNT_CONTROL):
            if cam.mount != Mount.GIMBAL:
                continue
            # Both pitch in param 1; the yaw: see _gimbal_yaw.
            if math.isfinite(it.params[0]):
                pitch = it.params[0]
                g.pitch = pitch
                g.aims.append((after, None))
            gimbal_yaw = _gimbal_yaw(it, gimbal_yaw)
        elif it.command == mv.DO_SET_CAM_TRIGG_DIST:
            d = it.params[0]
            if not math.isfinite(d) or d < 0:
                findings.append(Finding("trigger", it.where, f"DO_SET_CAM_TRIGG_DIST sets a "
                                        f"trigger distance of {d:g} m"))
                continue
            trigger = g.trigger = d
        elif it.command == mv.IMAGE_START_CAPTURE:
            count = int(it.params[2]) if math.isfinite(it.params[2]) else 0
            if count <= 0:
                findings.append(Finding("photo", it.where, "IMAGE_START_CAPTURE takes images "
                                        "until stopped (total images 0): give their number"))
                continue
            g.captures.append(_Capture(it, after, count,
                                       it.params[1] if math.isfinite(it.params[1]) else 0.0,
                                       heading, pitch, gimbal_yaw))
        else:
            ignored.setdefault(it.command, []).append(it.where)
    for cmd, where in sorted(ignored.items()):
        notes.append(f"command {cmd} ignored by the check ({len(where)} item(s), first "
                     f"{where[0]})")
    if groups[-1].action != Action.LAND:
        notes.append("the mission does not end with NAV_LAND")
    return _records(mf, ctx, groups, home_ground=home_ground, findings=findings, notes=notes,
                    elsewhere=elsewhere)


def _records(mf: mv.MissionFile, ctx: Context, groups: list[_Group], *, home_ground: float,
             findings: list[Finding], notes: list[str],
             elsewhere: frozenset[str] = frozenset()) -> Rebuilt:
    vehicle, cam, dem = ctx.vehicle, ctx.vehicle.camera, ctx.dem
    p = vehicle.profile
    half = cam.photo_hover_s / 2
    take = groups[0]
    if take.yaw is None:
        take.yaw = next((h for _, h in take.aims if h is not None), None)
    for g in groups[1:]:
        if g.action == Action.WAYPOINT:
            if g.captures or (g.hold > 0 and g.aimed_here()):
                g.action = Action.PHOTO
            elif g.hold == 0 and g.items[0].command == mv.NAV_WAYPOINT and \
                    g.items[0].params[1] > (mv.ACCEPT_STOP_M + mv.ACCEPT_PASS_M) / 2:
                g.action = Action.TERRAIN
    # Photos: aim, timing, target.
    photos: list[PhotoRecord] = []
    unmatched: set[int] = set()
    photo_items: dict[int, str] = {}
    number = 0
    targets = [(t, target_points(geom, dem)) for t, geom in
               zip(ctx.mission.targets, ctx.local.targets, strict=True)]
    areas = [survey_area(t, geom, vehicle) for t, geom in
             zip(ctx.mission.targets, ctx.local.targets, strict=True)]
    for seq, g in enumerate(groups, start=1):
        if g.action != Action.PHOTO:
            continue
        yaws = [h for _, h in g.aimed_here() if h is not None]
        first = g.captures[0].heading if g.captures else None
        g_heading = first if first is not None else (
            yaws[-1] if yaws else g.nav_yaw if g.nav_yaw is not None else g.heading_before)
        g.yaw = g_heading
        station = (g.x, g.y, home_ground + g.rel)
        turn_s = vehicle.yaw(turn_deg(g.heading_before or 0.0, g_heading or 0.0))[0] \
            if g_heading is not None else 0.0
        holds = [_hold(it) for it in g.items]
        for cap in g.captures:
            # Every capture is a photo, numbered in the file's order, named like the
            # verifier's photos (with its target once matched) and its item in the file.
            number += 1
            found: list[tuple[str, str]] = []
            before = sum(holds[:cap.after + 1])
            left = sum(holds[cap.after + 1:])
            need_gap = cam.photo_hover_s
            if cap.after == len(g.items) - 1:
                found.append(("hover", f"the capture starts as the vehicle "
                                   f"leaves waypoint {seq}: its images are taken in "
                                        f"flight"))
            elif before < turn_s + half - TIME_TOL_S:
                found.append(("hover", f"the first image comes {before:g} s "
                                        f"after arriving at waypoint {seq}, before the "
                                        f"{turn_s:.1f} s turn and {half:g} s settle"))
            if cap.count > 1 and cap.interval_s < need_gap - TIME_TOL_S:
                found.append(("hover", f"images {cap.interval_s:g} s apart; "
                                        f"the camera needs {need_gap:g} s each"))
            fit = (cap.count - 1) * max(cap.interval_s, need_gap) + half
            if cap.after < len(g.items) - 1 and left < fit - TIME_TOL_S:
                found.append(("hover", f"{cap.count} images "
                                        f"{max(cap.interval_s, need_gap):g} s apart need "
                                        f"{fit:g} s of hold after the capture starts; "
                                        f"waypoint {seq} holds {left:g} s"))
            heading = cap.heading if cap.heading is not None else g_heading
            pitch = cap.pitch if cap.pitch is not None else (
                cam.fixed_pitch_deg if cam.mount == Mount.FIXED else 0.0)
            if heading is None:
                found.append(("aim", "no heading: neither CONDITION_YAW nor the waypoint's yaw "
                                     "aims the camera"))
                heading = 0.0
            # The camera looks where the gimbal's yaw points it (the verifier's ``aim`` rule
            # then holds it to the vehicle's heading, as plan-flight's gimbal yaws with it).
            facing = heading
            heading = cap.camera_heading(facing)
            gimbal = "" if abs(turn_deg(heading, facing)) <= 1e-6 else (
                f" (the gimbal's yaw turns the camera from the vehicle's heading "
                f"{facing:.1f}°)")
            best = _match(targets, cam, station, heading, pitch)
            # An image of an area mapped in strips: its centre falls in the area, or else the
            # part of it the coverage counts (nearer than the centre for an oblique camera, as
            # the planner lays strips: coverage.image_footprint) overlaps the area, the most
            # overlapped area taken; unless it is aimed at a target's own centre (within 1°:
            # far above a file's rounding of angles, far below any image's half field).
            centre = ray_to_ground(dem, station, heading, -pitch) if any(areas) else None
            survey = _survey_of(areas, cam, station, heading, pitch, centre=centre)
            if survey is not None and centre is not None and \
                    not (best[0] is not None and best[2] <= 1.0):
                best = (survey, ctx.mission.targets[survey].name, 0.0)
            else:
                centre = None
            name = ctx.mission.targets[best[0]].name if best[0] is not None else ""
            where = f"photo {number} ({name + ', ' if name else ''}{cap.item.where})"
            findings += [Finding(rule, where, text) for rule, text in found]
            photo_items[number] = cap.item.where
            if best[0] is None:
                unmatched.add(seq)
                findings.append(Finding("target", where, f"no target of the mission is in "
                                        f"frame at heading {heading:.1f}°, pitch {pitch:.1f}°"
                                        + gimbal
                                        + (f"; nearest the image centre: {best[1]!r}, "
                                           f"{best[2]:.0f}° off it" if best[1] else "")))
                continue
            aim = centre if centre is not None else targets[best[0]][1][1]
            slant = math.dist(station, aim)
            photos.append(PhotoRecord(
                number=number, target=name,
                waypoint=seq, count=cap.count, heading_deg=heading, pitch_deg=pitch,
                slant_range_m=slant, gsd_cm=slant * cam.ifov_rad * 100.0, lon=g.lon,
                lat=g.lat, alt_m=home_ground + g.rel, obliquity_deg=0.0, surface="ground"))
        if photos and photos[-1].waypoint == seq:
            g.pitch = photos[-1].pitch_deg
    waypoints, totals = _fly(ctx, groups, home_ground)
    t_total, e_total = totals
    if e_total > p.budget_energy_wh + 1e-9:
        findings.append(Finding("energy budget", "plan", f"uses {e_total:.2f} Wh at the "
                                f"file's speeds and holds: more than the usable "
                                f"{p.usable_energy_wh:g} Wh less the {p.reserve_wh:g} Wh "
                                f"reserve"))
    if t_total > p.max_flight_time_s + 1e-9:
        findings.append(Finding("time budget", "plan", f"lasts {t_total:.1f} s at the file's "
                                f"speeds and holds: longer than the maximum "
                                f"{p.max_flight_time_s:g} s"))
    notes.append("times and energies are the vehicle model's at the file's commanded speeds "
                 "and holds: a MAVLink file records none, so the record rule does not apply")
    done = {ph.target for ph in photos}
    # (Of a campaign's flight: not those its other flights photograph or the campaign skips.)
    missed = [t.name for t in ctx.mission.targets if t.name not in done and
              t.name not in elsewhere]
    if missed:
        notes.append("targets the file photographs none of (required ones are findings): " +
                     ", ".join(repr(n) for n in missed))
    summary: dict[str, Any] = {
        "vehicle": p.name, "cruise_speed_m_s": vehicle.cruise_speed_m_s,
        "cruise_altitude_agl_m": vehicle.cruise_altitude_agl_m,
        "air_density_kg_m3": vehicle.air_density_kg_m3,
        "selection": f"from {mf.kind} file",
        "targets_skipped": [{"target": t.name, "reason": "not photographed in the file",
                             "required": t.required}
                            for t in ctx.mission.targets if t.name not in done],
        "warnings": []}
    land = waypoints[-1]
    site = ctx.mission.landing_site
    lx, ly = (float(v) for v in ctx.frame.to_local(land.lon, land.lat))
    if land.action == Action.LAND and math.hypot(lx - float(ctx.local.landing.x),
                                                 ly - float(ctx.local.landing.y)) > \
            POSITION_TOL_M:
        # A MAVLink file cannot say why it lands elsewhere: the verifier checks that the site
        # asked for is unsafe and the spot near enough, as for a move a plan file records.
        summary["landing_moved"] = {"from": [site.point.x, site.point.y],
                                    "reason": "the file lands away from the landing site"}
    record = PlanFile(source=mf.source, schema_version=1, summary=summary,
                      waypoints=tuple(waypoints), photos=tuple(photos))
    return Rebuilt(record=record, findings=findings, notes=notes, unmatched_waypoints=unmatched,
                   photo_items=photo_items)


def _survey_of(areas: list[Any], cam: Any, station: tuple[float, float, float], heading: float,
               pitch: float, *, centre: Any) -> int | None:
    """The area (index into ``areas``) an image maps: see :func:`_records`."""
    if centre is None:
        return None
    inside = next((k for k, a in enumerate(areas)
                   if a is not None and a.covers(Point(centre[0], centre[1]))), None)
    if inside is not None:
        return inside
    counted = image_footprint(cam, pitch, station, heading, float(centre[2]))
    overlaps = [(counted.intersection(a).area if a is not None else 0.0, k)
                for k, a in enumerate(areas)]
    area, k = max(overlaps, default=(0.0, -1))
    return k if area > 0.0 else None


def _match(targets: list[Any], cam: Any, station: tuple[float, float, float], heading: float,
           pitch: float) -> tuple[int | None, str, float]:
    """The target in frame nearest the image centre: ``(index or None, nearest name, angle)``."""
    h, pr = math.radians(heading), math.radians(pitch)
    fwd = np.array([math.sin(h) * math.cos(pr), math.cos(h) * math.cos(pr), math.sin(pr)])
    best: tuple[float, int] | None = None
    nearest: tuple[float, str] = (math.inf, "")
    for i, (spec, (pts, aim)) in enumerate(targets):
        if not np.all(np.isfinite(pts)) or not math.isfinite(aim[2]):
            continue
        d = np.asarray(aim, float) - np.asarray(station, float)
        norm = float(np.linalg.norm(d))
        if norm < 1e-9:
            continue
        angle = math.degrees(math.acos(max(-1.0, min(1.0, float(d @ fwd) / norm))))
        if angle < nearest[0]:
            nearest = (angle, spec.name)
        if in_frame(cam, station, heading, pitch, pts, margin_deg=0.0) and \
                (best is None or angle < best[0]):
            best = (angle, i)
    return (best[1] if best else None), nearest[1], nearest[0]


def _fly(ctx: Context, groups: list[_Group], home_ground: float) -> tuple[
        list[WaypointRecord], tuple[float, float]]:
    """Waypoint records with the model's legs, mean speeds, times and energies.

    Legs at the file's commanded speeds (the vehicle's cruise speed before any
    ``DO_CHANGE_SPEED``), stops everywhere but pass-through terrain points, each station's holds
    (its turn happens within them, as the autopilot turns while the loiter's clock runs).
    """
    vehicle, dem = ctx.vehicle, ctx.dem
    recs: list[WaypointRecord] = []
    xs = np.array([g.x for g in groups])
    ys = np.array([g.y for g in groups])
    ground = dem.sample(xs, ys)
    t, e = 0.0, 0.0
    for i, g in enumerate(groups):
        gr = float(ground[i])
        alt = home_ground + g.rel if g.action != Action.LAND else gr
        leg_m = mean = 0.0
        leg_speed = 0.0
        if i == 0:
            dt, de = vehicle.takeoff(g.rel)
            t, e = t + dt, e + de
        elif g.action == Action.LAND:
            a = groups[i - 1]
            dt, de = vehicle.landing(home_ground + a.rel - float(ground[i - 1]))
            t, e = t + dt, e + de
        else:
            a = groups[i - 1]
            leg_m = math.hypot(g.x - a.x, g.y - a.y)
            dz = g.rel - a.rel
            leg_speed = g.speed if g.speed is not None and g.speed > 0 \
                else vehicle.cruise_speed_m_s
            stops = int(a.action in (Action.TAKEOFF, Action.WAYPOINT, Action.PHOTO)) + \
                int(g.action != Action.TERRAIN)
            lt, le = vehicle.leg(leg_m, max(dz, 0.0), max(-dz, 0.0), stops=stops,
                                 speed_m_s=leg_speed)
            mean = leg_m / float(lt) if lt > 0 else 0.0
            t, e = t + float(lt) + g.hold, e + float(le) + vehicle.hover(g.hold)
        heading = g.yaw if g.action in (Action.TAKEOFF, Action.PHOTO) else None
        recs.append(WaypointRecord(
            seq=i + 1, action=g.action, lon=g.lon, lat=g.lat,
            ground_m=gr if math.isfinite(gr) else math.nan,
            agl_m=(alt - gr) if g.action != Action.LAND else 0.0, alt_m=alt, leg_m=leg_m,
            speed_m_s=mean, time_s=t, energy_wh=e, heading_deg=heading,
            hold_s=g.hold if g.action not in (Action.TAKEOFF, Action.LAND) else 0.0,
            leg_speed_m_s=leg_speed,
            camera_pitch_deg=g.pitch if g.action == Action.PHOTO else None,
            trigger_m=g.trigger if g.action != Action.LAND else 0.0))
    return recs, (t, e)


__all__ = ["Rebuilt", "check_mission_file", "rebuild", "recorded_settings"]
