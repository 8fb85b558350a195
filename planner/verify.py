"""The independent flight-rule check.

It re-checks a finished plan from the mission, the terrain and the vehicle model alone, sharing no
code with the route search: it never looks at the planner's grown and simplified obstacles, its
roadmap, its camera stations or its cost estimates. Every rule below is checked at every place it
applies, and each violation is one :class:`Finding` naming the waypoint or photo, the rule and
the figures.

Rules (the names a finding carries):

- ``structure``: the plan starts with a take-off, ends with a landing, numbers its waypoints
  1, 2, ... in order, and takes off and lands nowhere else;
- ``take-off``: the take-off is at the mission's home, on known ground, outside every hazard and
  keep-out;
- ``landing site``: the landing is at the mission's landing site (home when it names none), or at
  the spot the plan records it moved to, within the profile's search radius, because the
  requested site is unsafe (as the terrain shows);
- ``landing safety``: the landing spot is safe in the landing-hazard map (slope, rocks, a clear
  circle), always; ``vertical``: the landing is a vertical descent from the last waypoint;
- ``height band``: every waypoint's height above ground lies within the profile's floor and
  ceiling; ``altitude``: its ``alt_m`` is its ground height plus its height above ground;
- ``clearance`` and ``ceiling``: along every leg, sampled at half the terrain's resolution, the
  vehicle stays at least the profile's clearance above the ground and below its ceiling;
- ``terrain``, ``hazard``, ``keep-out``: no leg passes over unknown ground or leaves the terrain,
  crosses a flight hazard, or enters a keep-out zone (as the mission gives it, grown by its
  ``buffer_m``; one that has heights only where the leg's height above ground passes within the
  profile's clearance of them: see :func:`planner.local.leg_enters`), nor does the take-off's
  climb or the landing's descent;
- ``heading``: only the take-off and photo waypoints carry a heading (the others keep theirs);
- ``leg``, ``speed``, ``record``: each waypoint's recorded leg length, mean speed, and cumulative
  time and energy equal the vehicle model's, with every yaw turn and photo hover costed;
- ``energy budget``, ``time budget``: the flight keeps the usable energy less the reserve and the
  maximum flight time;
- ``photo``: each photo is taken at a photo waypoint, from that waypoint's position, every photo
  waypoint takes at least one photo, and photos are numbered 1, 2, ...;
- ``aim``: each photo's heading is its waypoint's heading (the vehicle yaws to it; a fixed camera
  cannot look anywhere else), a fixed camera's pitch is its mount's, a gimbal's within its range;
- ``hover``: each photo waypoint hovers at least its images times the camera's time per image;
- ``trigger`` and ``blur``: a survey strip flown through (waypoints whose trigger distance is
  set: the camera fires every so many metres flown) is flown by a vehicle whose camera is fired
  by distance (its profile's survey capture "distance"), starts at a photo stop of a surveyed
  area and ends at a stop, with one trigger distance throughout; its images are rebuilt along
  the path flown, every trigger distance from its start (the last one before its end stop,
  which takes its own photo), each at the GSD and in sight (as the rules ``gsd`` and ``sight``
  judge a survey image), and every photo the plan records in motion (at a trigger waypoint) is
  one of them. No image is blurred by more than :data:`~planner.coverage.MAX_BLUR_PX` of its
  GSD (commanded ground speed times the camera's exposure: ``blur``), and the images come no
  faster than the camera's least interval (trigger distance over speed);
- ``target``, ``frame``, ``sight``, ``gsd``, ``obliquity``, ``standoff``: each photo's target is
  in the mission, is wholly in frame (its top too, if it stands up), in sight over the terrain
  and past every keep-out that stands up (``height_m``),
  at the GSD it asks for on its surface (the ground, or an upright face), seen within its
  obliquity of square-on, and outside its standoff, re-aimed from the mission's target (not the
  plan's aim);
- ``view``: a target asked to be seen from given sides (its views, its view azimuth) is seen
  from within one of its azimuth sectors, and at a depression within its elevation band (its
  view elevation, or a side view by default);
- ``required``: every required target is photographed, from every side it asks for, each
  photo taking all the images (``photos``) it asks for (the planner credits a target only then:
  a short photo of another target is a note, not counted as photographed);
- ``coverage``: every required area surveyed in strips is seen by its images (rebuilt from the
  plan's positions and attitudes and the camera model), but for ground the vehicle may not fly
  over and its navigation margin; a survey image's centre is judged by ``gsd`` and ``sight``
  (over the terrain and past the things that stand up);
- ``wind``: in the plan's wind (or the one the caller gives, a new forecast), the flight keeps
  the energy and time budgets in every direction of it (:meth:`planner.wind.Wind.directions`,
  the same wind all flight); a plan's figures are for the direction that takes the most energy,
  as it says, and each leg's recorded tail-wind component is the model's;
- ``summary``: the plan's own summary (distance, duration, energy, targets photographed and
  skipped, priority), when it has one, equals what the check recomputes.

The planner runs it before printing: a violation is a planner bug and is reported as one.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon

from planner.camera import in_frame
from planner.coverage import MAX_BLUR_PX, covered_by, is_survey, survey_area
from planner.errors import VerificationError
from planner.following import (
    MIN_SPEED_M_S,
    LegProfile,
    followed_ground,
    holds_ground,
    leg_profile,
)
from planner.frames import heading_deg, turn_deg
from planner.local import leg_enters, sight_blocked
from planner.mission import Target
from planner.plan import Action, FlightPlan, Photo, Waypoint
from planner.profiles import Capture, Mount
from planner.vehicle import Vehicle
from planner.wind import Wind
from terrain.analysis import line_of_sight, ray_to_ground
from terrain.hazards import HazardMaps

POSITION_TOL_M = 0.05
"""Positions that must coincide (take-off and home, a photo and its waypoint) may differ by
this much: a plan file rounds lon/lat to 1e-8 degrees (about a millimetre) and local metres to a
millimetre; 5 cm is far below any vehicle's navigation error."""
HEIGHT_TOL_M = 0.05
"""Heights compared with a limit or with each other may differ by this much (files round them to
a millimetre; 5 cm is far below any altimeter's error)."""
ANGLE_TOL_DEG = 0.05
"""Headings and pitches that must agree may differ by this much (files round them to 0.01°)."""
DISTANCE_TOL = 1e-3
"""Relative tolerance of recorded leg lengths and distances (files round them to a millimetre)."""


@dataclass(frozen=True)
class Finding:
    """One broken rule: which rule, where (a waypoint, a leg, a photo, the plan), and figures."""

    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: {self.message}"


@dataclass(frozen=True)
class Report:
    """What the verifier found; no ``findings`` means the plan keeps every rule."""

    findings: tuple[Finding, ...] = ()
    checks: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def violations(self) -> tuple[str, ...]:
        """Each finding as one line."""
        return tuple(str(f) for f in self.findings)

    @property
    def rules_broken(self) -> frozenset[str]:
        """The names of the rules broken."""
        return frozenset(f.rule for f in self.findings)

    @property
    def ok(self) -> bool:
        """True when no rule is broken."""
        return not self.findings

    def raise_if_failed(self) -> None:
        """Raise :class:`VerificationError` listing the first violations."""
        if self.findings:
            more = f" (and {len(self.findings) - 3} more)" if len(self.findings) > 3 else ""
            raise VerificationError("the plan breaks flight rules, a planner bug: " +
                                    "; ".join(self.violations[:3]) + more)


class _Findings:
    def __init__(self) -> None:
        self.items: list[Finding] = []

    def add(self, rule: str, where: str, message: str) -> None:
        self.items.append(Finding(rule, where, message))


def photo_where(number: int, target: str) -> str:
    """Where a finding about a photo is: ``photo N (target)``; :func:`photo_number` reads it."""
    return f"photo {number} ({target})"


def photo_number(where: str) -> tuple[int, str] | None:
    """The photo number and target of a :func:`photo_where` place, or None for another place.

    >>> photo_number(photo_where(3, "water tower")), photo_number("leg 2")
    ((3, 'water tower'), None)
    """
    m = re.fullmatch(r"photo (\d+) \((.*)\)", where)
    return (int(m.group(1)), m.group(2)) if m else None


def verify(plan: FlightPlan, *, hazards: HazardMaps, record_tolerance: float = 1e-6,
           summary: Mapping[str, Any] | None = None, wind: Wind | None = None) -> Report:
    """Check every rule on a plan; see the module docstring.

    Parameters
    ----------
    plan
        The plan: its waypoints and photos, and the mission, local geometry and vehicle it is
        for. Nothing the planner derived (stations, aims, obstacles) is used.
    hazards
        Hazard maps of the terrain to check against.
    record_tolerance
        How far the plan's recorded times (s) and energies (Wh) may differ from the model's,
        relative: about the arithmetic for plans in memory, about the rounding of a file for
        re-checked exports.
    summary
        The plan's own summary as a file records it (``plan`` member of the GeoJSON plan), to be
        checked against what the verifier recomputes; ``None`` for a plan in memory.
    wind
        The wind to hold the budgets in (rule ``wind``): a new forecast for an existing plan;
        ``None``: the plan's own (:attr:`planner.plan.FlightPlan.wind`). The recorded figures
        are always checked in the plan's own wind.
    """
    out = _Findings()
    checks = {"waypoints": len(plan.waypoints), "leg samples": 0, "photos": 0}
    notes: list[str] = []
    if not _structure(plan, out):
        return Report(tuple(out.items), checks, tuple(notes))
    _sites(plan, hazards, out)
    _heights(plan, hazards, out, notes)
    flown: list[_Flown] = []
    totals = _legs(plan, hazards, out, checks, record_tolerance, flown=flown)
    outlook = wind if wind is not None else plan.wind
    if outlook is not None:
        notes.append(_wind(plan, flown, outlook, totals=totals, out=out, tol=record_tolerance))
    short: dict[str, list[tuple[int, int, int]]] = {}
    views = _photos(plan, hazards, out, checks, short)
    strips = _strips(plan, hazards, out)
    _required(plan, out, views, short, notes)
    _coverage(plan, hazards, out, strips)
    if summary is not None:
        _summary(plan, summary, totals, out, record_tolerance, views=views)
    return Report(tuple(out.items), checks, tuple(notes))


def _structure(plan: FlightPlan, out: _Findings) -> bool:
    """Take-off first, landing last, waypoints numbered in order; False if nothing else can run."""
    wps = plan.waypoints
    if len(wps) < 2 or wps[0].action != Action.TAKEOFF or wps[-1].action != Action.LAND:
        out.add("structure", "plan", "a plan must start with a take-off and end with a landing")
        return False
    seqs = [w.seq for w in wps]
    if seqs != list(range(1, len(wps) + 1)):
        out.add("structure", "plan", f"waypoints must be numbered 1 to {len(wps)} in order, "
                                     f"not {seqs}")
    for w in wps[1:-1]:
        if w.action in (Action.TAKEOFF, Action.LAND):
            out.add("structure", f"waypoint {w.seq}", f"a {w.action} in mid-flight")
    return True


def _sites(plan: FlightPlan, hazards: HazardMaps, out: _Findings) -> None:
    """Take-off at home; landing at the landing site or its recorded move; landing safety."""
    wps, local, p = plan.waypoints, plan.local, plan.vehicle.profile
    dem = hazards.dem
    take, land, before = wps[0], wps[-1], wps[-2]
    home = local.home
    d = math.hypot(take.x - home.x, take.y - home.y)
    if d > POSITION_TOL_M:
        out.add("take-off", f"waypoint {take.seq}", f"takes off {d:.2f} m from the mission's "
                f"home {plan.mission.home.name!r}")
    if not np.isfinite(dem.sample(take.x, take.y)):
        out.add("take-off", f"waypoint {take.seq}", "takes off from unknown ground (nodata) or "
                                                   "outside the terrain")
    if bool(hazards.flight_at(np.array([take.x]), np.array([take.y]))[0]):
        out.add("take-off", f"waypoint {take.seq}", "takes off from a flight hazard")
    for i in local.keep_outs_at(take.x, take.y, 0.0, take.agl_m - HEIGHT_TOL_M,
                                clearance_m=p.min_clearance_m - HEIGHT_TOL_M):
        out.add("take-off", f"waypoint {take.seq}", f"takes off inside keep-out zone "
                                                   f"{plan.mission.keep_outs[i].name!r}")
    # The landing is a vertical descent from the waypoint before it.
    d = math.hypot(land.x - before.x, land.y - before.y)
    if d > POSITION_TOL_M:
        out.add("vertical", f"waypoint {land.seq}", f"lands {d:.2f} m from waypoint "
                f"{before.seq} above it: the landing must be a vertical descent")
    requested = local.landing
    site = plan.mission.landing_site
    d = math.hypot(land.x - requested.x, land.y - requested.y)
    moved = plan.landing_moved
    if d > POSITION_TOL_M:
        if moved is None:
            out.add("landing site", f"waypoint {land.seq}", f"lands {d:.1f} m from the "
                    f"mission's landing site {site.name!r} without recording why")
        else:
            rd = math.hypot(moved.requested_xy[0] - requested.x,
                            moved.requested_xy[1] - requested.y)
            if rd > POSITION_TOL_M:
                out.add("landing site", f"waypoint {land.seq}", "the move it records starts "
                        f"{rd:.1f} m from the mission's landing site {site.name!r}")
            # One finding for the move, giving every reason it breaks the rule.
            why = []
            if not _landing_unsafe(plan, hazards, requested.x, requested.y):
                why.append("which is safe: no cause to move")
            if d > p.landing_search_radius_m + POSITION_TOL_M:
                why.append(f"beyond the {p.landing_search_radius_m:g} m an unsafe site may "
                           f"move")
            if why:
                out.add("landing site", f"waypoint {land.seq}", f"lands {d:.1f} m from "
                        f"{site.name!r}, " + ", and ".join(why))
    unsafe = _landing_unsafe(plan, hazards, land.x, land.y)
    if unsafe:
        out.add("landing safety", f"waypoint {land.seq}", f"landing spot "
                f"({local.from_home(land.x, land.y)}) is unsafe: {unsafe}")


def _landing_unsafe(plan: FlightPlan, hazards: HazardMaps, x: float, y: float) -> str:
    """Why a spot is unsafe to land on, from the terrain and the keep-outs ("" if safe)."""
    reason = hazards.landing_reason_at(x, y)
    if reason:
        return reason
    if bool(hazards.flight_at(np.array([x]), np.array([y]))[0]):
        return "in a flight hazard"
    h = plan.waypoints[-2].agl_m if len(plan.waypoints) > 1 else 0.0  # descends from it
    for i in plan.local.keep_outs_at(x, y, 0.0, h - HEIGHT_TOL_M,
                                     clearance_m=plan.vehicle.profile.min_clearance_m
                                     - HEIGHT_TOL_M):
        return f"inside keep-out zone {plan.mission.keep_outs[i].name!r}"
    return ""


def _heights(plan: FlightPlan, hazards: HazardMaps, out: _Findings, notes: list[str]) -> None:
    """Each waypoint within the height band; alt_m = ground + AGL; ground from this terrain."""
    p = plan.vehicle.profile
    dem = hazards.dem
    worst_ground = 0.0
    for w in plan.waypoints:
        where = f"waypoint {w.seq}"
        if w.action != Action.LAND:
            if w.agl_m < p.min_altitude_agl_m - HEIGHT_TOL_M:
                out.add("height band", where, f"{w.agl_m:.2f} m above ground, below the "
                        f"{p.name} floor of {p.min_altitude_agl_m:g} m")
            if w.agl_m > p.max_altitude_agl_m + HEIGHT_TOL_M:
                out.add("height band", where, f"{w.agl_m:.2f} m above ground, above the "
                        f"{p.name} ceiling of {p.max_altitude_agl_m:g} m")
        elif abs(w.agl_m) > HEIGHT_TOL_M:
            out.add("height band", where, f"a landing {w.agl_m:.2f} m above the ground")
        if abs(w.alt_m - (w.ground_m + w.agl_m)) > HEIGHT_TOL_M:
            out.add("altitude", where, f"alt_m {w.alt_m:.2f} m is not its ground "
                    f"{w.ground_m:.2f} m plus {w.agl_m:.2f} m above it")
        g = float(dem.sample(w.x, w.y))
        if math.isfinite(g):
            worst_ground = max(worst_ground, abs(g - w.ground_m))
    if worst_ground > HEIGHT_TOL_M:
        notes.append(f"the plan's ground heights differ from {dem.source} by up to "
                     f"{worst_ground:.2f} m: it was made on other ground; heights are checked "
                     f"as flown above take-off")


def _flown_z(plan: FlightPlan, dem_ground_home: float, w: Waypoint) -> float:
    """Height of a waypoint above the terrain's datum, as flown.

    The plan's heights relative to its take-off (as every export gives them), placed on this
    terrain's take-off ground.
    """
    return dem_ground_home + (w.alt_m - plan.waypoints[0].ground_m)


def _legs(plan: FlightPlan, hazards: HazardMaps, out: _Findings, checks: dict[str, int],
          record_tolerance: float, *, flown: list[_Flown]) -> tuple[float, float, float]:
    """Every leg sampled; recorded legs, speeds, times and energies recomputed.

    In the plan's wind, from the direction its figures are for; what is flown is kept in
    ``flown`` to be costed in other winds (:func:`_wind`).
    """
    dem = hazards.dem
    p = plan.vehicle.profile
    vehicle = plan.vehicle
    wps = plan.waypoints
    full = {id(g) for g in plan.local.full_keep_outs(grown=False)}
    keeps = [(k.name, g) for k, g in zip(plan.mission.keep_outs, plan.local.keep_outs_buffered,
                                         strict=True) if not g.is_empty and id(g) in full]
    volumes = [(plan.mission.keep_outs[v.index].name, v)
               for v in plan.local.volumes(clearance_m=p.min_clearance_m)]
    home_ground = float(dem.sample(wps[0].x, wps[0].y))
    if not math.isfinite(home_ground):
        home_ground = wps[0].ground_m
    ground_held = holds_ground(vehicle)
    followed = followed_ground(dem, vehicle)
    air = recorded_wind(plan)
    t_s, e_wh = vehicle.takeoff(wps[0].agl_m, air)
    flown.append(_Flown("takeoff", wps[0].agl_m))
    if wps[0].heading_deg is None:
        out.add("heading", f"waypoint {wps[0].seq}", "the take-off has no heading")
    heading = wps[0].heading_deg or 0.0
    distance = 0.0
    _record(wps[0], t_s, e_wh, out, record_tolerance)
    for a, b in itertools.pairwise(wps):
        where = f"leg {a.seq}->{b.seq}"
        d = math.hypot(b.x - a.x, b.y - a.y)
        if b.action == Action.LAND:
            land_t, land_e = vehicle.landing(a.agl_m, air)
            flown.append(_Flown("landing", a.agl_m))
            t_s += land_t
            e_wh += land_e
            _record(b, t_s, e_wh, out, record_tolerance)
            break
        distance += d
        # The height flown: held above the (followed) ground, or a straight line between the
        # plan's heights above take-off, placed on this terrain's take-off ground.
        leg = leg_profile(dem, followed, vehicle, (a.x, a.y, a.agl_m), (b.x, b.y, b.agl_m),
                          za=_flown_z(plan, home_ground, a), zb=_flown_z(plan, home_ground, b))
        xs, ys, ground, along = leg.x, leg.y, leg.ground, leg.s
        checks["leg samples"] += len(xs)
        if not np.all(np.isfinite(ground)) or not np.all(np.isfinite(leg.z)):
            out.add("terrain", where, "passes over unknown ground (nodata) or leaves the terrain")
        else:
            agl = leg.z - ground
            k = int(np.argmin(agl))
            if agl[k] < p.min_clearance_m - HEIGHT_TOL_M:
                out.add("clearance", where, f"comes within {agl[k]:.2f} m of the ground "
                        f"{along[k]:.0f} m along it (clearance {p.min_clearance_m:g} m)")
            k = int(np.argmax(agl))
            if agl[k] > p.max_altitude_agl_m + HEIGHT_TOL_M:
                out.add("ceiling", where, f"rises to {agl[k]:.1f} m above ground {along[k]:.0f} "
                        f"m along it (ceiling {p.max_altitude_agl_m:g} m)")
            if not ground_held:
                lo = min(a.agl_m, b.agl_m) - p.agl_tolerance_m
                hi = max(a.agl_m, b.agl_m) + p.agl_tolerance_m
                k = int(np.argmax(np.maximum(lo - agl, agl - hi)))
                if not lo - HEIGHT_TOL_M <= agl[k] <= hi + HEIGHT_TOL_M:
                    out.add("band", where, f"{agl[k]:.1f} m above ground {along[k]:.0f} m along "
                            f"it, outside its {max(lo, 0):.1f}-{hi:.1f} m band (the ends' "
                            f"heights ± {p.agl_tolerance_m:g} m)")
        hit = hazards.flight_at(xs, ys)
        if hit.any():
            k = int(np.argmax(hit))
            out.add("hazard", where, f"crosses a flight hazard {along[k]:.0f} m along it: "
                    f"{hazards.flight_reason_at(float(xs[k]), float(ys[k])) or 'outside'}")
        if keeps:
            seg = LineString([(a.x, a.y), (b.x, b.y)]) if d > 0 else Point(a.x, a.y)
            for name, keep in keeps:
                if shapely.contains_xy(keep, xs, ys).any() or seg.intersects(keep):
                    out.add("keep-out", where, f"enters keep-out zone {name!r}")
        for name, vol in volumes:
            inside = leg_enters(vol, xs, ys, leg.z - ground, tolerance_m=HEIGHT_TOL_M)
            if inside.any():
                k = int(np.argmax(inside))
                out.add("keep-out", where, f"enters keep-out zone {name!r} {along[k]:.0f} m "
                        f"along it at {leg.z[k] - ground[k]:.1f} m above ground ("
                        f"{plan.mission.keep_outs[vol.index].heights_text}, clearance "
                        f"{p.min_clearance_m:g} m)")
        if abs(b.leg_m - d) > DISTANCE_TOL * max(d, 1.0):
            out.add("leg", f"waypoint {b.seq}", f"records a {b.leg_m:.2f} m leg; it is "
                    f"{d:.2f} m")
        _leg_speed(b, leg, vehicle, out)
        climb, descent = leg.climb_descent()
        stops = int(a.stop or a.action == Action.TAKEOFF) + int(b.stop)
        track = heading_deg(b.x - a.x, b.y - a.y) if d > 0 else 0.0
        flown.append(_Flown("leg", d, climb, descent, stops, max(b.leg_speed_m_s, 1e-3), track))
        lt, le = vehicle.leg(d, climb, descent, stops=stops,
                             speed_m_s=max(b.leg_speed_m_s, 1e-3), heading_deg=track, wind=air)
        tail = air.tailwind_m_s(track) if air is not None and not air.calm and d > 0 else 0.0
        if abs(b.tailwind_m_s - tail) > 0.01:
            out.add("wind", f"waypoint {b.seq}", f"records a {b.tailwind_m_s:+.2f} m/s tail wind "
                    f"on the leg into it; in {air or 'still air'} it is {tail:+.2f} m/s")
        speed = d / float(lt) if lt > 0 else 0.0
        if abs(b.speed_m_s - speed) > max(record_tolerance * speed, 0.01):
            out.add("speed", f"waypoint {b.seq}", f"records {b.speed_m_s:.2f} m/s on the leg "
                    f"into it; the model flies it at {speed:.2f} m/s")
        t_s += float(lt)
        e_wh += float(le)
        if b.action == Action.PHOTO:
            if b.heading_deg is None:
                out.add("heading", f"waypoint {b.seq}", "a photo waypoint has no heading")
            else:
                yt, ye = vehicle.yaw(turn_deg(heading, b.heading_deg), air)
                flown.append(_Flown("hover", yt))
                t_s += yt
                e_wh += ye
                heading = b.heading_deg
            t_s += b.hold_s
            e_wh += vehicle.hover(b.hold_s, air)
            flown.append(_Flown("hover", b.hold_s))
        else:
            if b.heading_deg is not None:
                out.add("heading", f"waypoint {b.seq}", f"a heading ({b.heading_deg:.1f}°) on a "
                        f"{b.action} waypoint: only take-off and photo waypoints turn")
            if b.hold_s > 0:
                out.add("hover", f"waypoint {b.seq}", f"a {b.hold_s:g} s hold on a {b.action} "
                        f"waypoint, which takes no photo")
        _record(b, t_s, e_wh, out, record_tolerance)
    if e_wh > p.budget_energy_wh + 1e-9:
        out.add("energy budget", "plan", f"uses {e_wh:.2f} Wh: more than the usable "
                f"{p.usable_energy_wh:g} Wh less the {p.reserve_wh:g} Wh reserve")
    if t_s > p.max_flight_time_s + 1e-9:
        out.add("time budget", "plan", f"lasts {t_s:.1f} s: longer than the maximum "
                f"{p.max_flight_time_s:g} s")
    return distance, t_s, e_wh


@dataclass(frozen=True)
class _Flown:
    """One part of a flight as the check flies it, to be costed again in another wind."""

    kind: str  # "takeoff" or "landing" (height), "leg", "hover" (seconds)
    size: float
    climb: float = 0.0
    descent: float = 0.0
    stops: int = 2
    speed: float = 0.0
    track: float = 0.0


def recorded_wind(plan: FlightPlan) -> Wind | None:
    """The wind the plan's figures are for: its wind, from the direction it states."""
    w = plan.wind
    if w is None or plan.wind_from_deg is None:
        return w
    return Wind.blowing_from(plan.wind_from_deg, w.speed_m_s, w.gust_m_s)


def flight_in_wind(vehicle: Vehicle, flown: list[_Flown],
                   wind: Wind | None) -> tuple[float, float]:
    """Time (s) and energy (Wh) of what was flown, in one wind (one direction or still air)."""
    t, e = 0.0, 0.0
    hover_s = sum(f.size for f in flown if f.kind == "hover")
    t += hover_s
    e += vehicle.hover(hover_s, wind)
    for f in flown:
        if f.kind in ("takeoff", "landing"):
            ft, fe = (vehicle.takeoff if f.kind == "takeoff" else vehicle.landing)(f.size, wind)
            t, e = t + ft, e + fe
    legs = [f for f in flown if f.kind == "leg"]
    for stops in sorted({f.stops for f in legs}):
        group = [f for f in legs if f.stops == stops]
        lt, le = vehicle.leg(np.array([f.size for f in group]),
                             np.array([f.climb for f in group]),
                             np.array([f.descent for f in group]), stops=stops,
                             speed_m_s=np.array([f.speed for f in group]),
                             heading_deg=np.array([f.track for f in group]), wind=wind)
        t, e = t + float(np.sum(lt)), e + float(np.sum(le))
    return t, e


def _wind(plan: FlightPlan, flown: list[_Flown], wind: Wind, *,
          totals: tuple[float, float, float], out: _Findings, tol: float) -> str:
    """Rule ``wind``: the budgets in every direction of ``wind``; the plan's worst is the worst.

    Returns the outcome in words (a note): the worst direction and what is left then.
    """
    vehicle, p = plan.vehicle, plan.vehicle.profile
    cases = [(float(w.from_deg if w.from_deg is not None else 0.0),
              *flight_in_wind(vehicle, flown, w)) for w in wind.candidates()]
    worst_e = max(cases, key=lambda c: (c[2], c[1]))
    worst_t = max(cases, key=lambda c: (c[1], c[2]))
    several = len(cases) > 1
    at_e = f" from {worst_e[0]:g}°" if several else ""
    at_t = f" from {worst_t[0]:g}°" if several else ""
    if worst_e[2] > p.budget_energy_wh + 1e-9:
        out.add("wind", "plan", f"in {wind}{at_e} it uses {worst_e[2]:.2f} Wh: more than the "
                f"usable {p.usable_energy_wh:g} Wh less the {p.reserve_wh:g} Wh reserve")
    if worst_t[1] > p.max_flight_time_s + 1e-9:
        out.add("wind", "plan", f"in {wind}{at_t} it lasts {worst_t[1]:.1f} s: longer than the "
                f"maximum {p.max_flight_time_s:g} s")
    if wind == plan.wind and several and plan.wind_from_deg is not None and \
            worst_e[2] > totals[2] + max(tol * totals[2], 1e-9):
        out.add("wind", "plan", f"its figures are for the wind from {plan.wind_from_deg:g}°, "
                f"but from {worst_e[0]:g}° it takes {worst_e[2]:.3f} Wh, more than its "
                f"{totals[2]:.3f} Wh")
    left = p.budget_energy_wh - worst_e[2]
    return (f"in {wind}{' the worst direction is' + at_e if several else ''}: "
            f"{worst_e[2]:.2f} of {p.budget_energy_wh:g} Wh ({left:.2f} Wh left above the "
            f"reserve), {worst_t[1]:.0f} of {p.max_flight_time_s:g} s{at_t if several else ''}")


def _leg_speed(b: Waypoint, leg: LegProfile, vehicle: Vehicle, out: _Findings) -> None:
    """The commanded speed of the leg into ``b``: flyable, and followable over the ground."""
    p = vehicle.profile
    v = b.leg_speed_m_s
    where = f"waypoint {b.seq}"
    if not MIN_SPEED_M_S - 1e-9 <= v <= p.max_speed_m_s + 1e-9:
        out.add("speed", where, f"commands {v:g} m/s on the leg into it, outside the "
                f"{MIN_SPEED_M_S:g}-{p.max_speed_m_s:g} m/s {p.name} flies")
        return
    if holds_ground(vehicle) and len(leg.s) > 1:
        ds = np.diff(leg.s)
        # At the slowest commanded speed only the ground must be followable: a steeper height
        # change between the waypoints slows the vehicle further, and the model's time for the
        # leg is then its vertical time (planner.following.followable_speed).
        z = leg.z - leg.h if v <= MIN_SPEED_M_S + 1e-9 else leg.z
        rate = np.divide(np.diff(z), ds, out=np.zeros_like(ds), where=ds > 0) * v
        rate = np.where(np.isfinite(rate), rate, 0.0)
        up, down = float(rate.max()), float(-rate.min())
        if up > p.climb_rate_m_s * (1 + 1e-6) + 1e-9:
            out.add("speed", where, f"at {v:g} m/s the ground needs {up:.2f} m/s of climb; "
                    f"{p.name} climbs at {p.climb_rate_m_s:g} m/s")
        if down > p.descent_rate_m_s * (1 + 1e-6) + 1e-9:
            out.add("speed", where, f"at {v:g} m/s the ground needs {down:.2f} m/s of descent; "
                    f"{p.name} descends at {p.descent_rate_m_s:g} m/s")


def _record(w: Waypoint, t_s: float, e_wh: float, out: _Findings, tol: float) -> None:
    if abs(t_s - w.time_s) > tol * max(t_s, 1) or abs(e_wh - w.energy_wh) > tol * max(e_wh, 1):
        out.add("record", f"waypoint {w.seq}", f"records {w.time_s:.2f} s and "
                f"{w.energy_wh:.3f} Wh; the vehicle model gives {t_s:.2f} s and {e_wh:.3f} Wh")


def _photos(plan: FlightPlan, hazards: HazardMaps, out: _Findings,
            checks: dict[str, int],
            _short: dict[str, list[tuple[int, int, int]]] | None = None) -> dict[str, set[int]]:
    """Every photo: where it is taken, how it is aimed, what it sees; every hover long enough.

    Returns the views each target is photographed in (by the side each photo looks from),
    counting only photos that take all the images their target asks for; the others are put
    in ``_short`` as ``target: [(photo number, images taken, images asked), ...]``.
    """
    views: dict[str, set[int]] = {}
    short = _short if _short is not None else {}
    wps = plan.waypoints
    cam = plan.vehicle.camera
    index_of = {t.name: i for i, t in enumerate(plan.mission.targets)}
    images_at: dict[int, int] = {}
    numbers = [ph.number for ph in plan.photos]
    if numbers != list(range(1, len(numbers) + 1)):
        out.add("photo", "plan", f"photos must be numbered 1 to {len(numbers)} in order, "
                                 f"not {numbers}")
    for ph in plan.photos:
        checks["photos"] += 1
        where = photo_where(ph.number, ph.target)
        if not 1 <= ph.waypoint <= len(wps) or \
                wps[ph.waypoint - 1].action not in (Action.PHOTO, Action.TRIGGER):
            out.add("photo", where, f"waypoint {ph.waypoint} is not a photo waypoint")
            continue
        wp = wps[ph.waypoint - 1]
        if wp.action == Action.TRIGGER and ph.count != 1:
            out.add("photo", where, f"{ph.count} images in motion at waypoint {wp.seq}: a "
                    f"trigger takes one")
        images_at[wp.seq] = images_at.get(wp.seq, 0) + ph.count
        d = math.hypot(ph.station[0] - wp.x, ph.station[1] - wp.y)
        if d > POSITION_TOL_M or abs(ph.station[2] - wp.alt_m) > HEIGHT_TOL_M:
            out.add("photo", where, f"is placed {d:.2f} m across and "
                    f"{ph.station[2] - wp.alt_m:+.2f} m up from its waypoint {wp.seq}")
        if wp.heading_deg is not None and \
                turn_deg(wp.heading_deg, ph.heading_deg) > ANGLE_TOL_DEG:
            out.add("aim", where, f"heading {ph.heading_deg:.1f}° but the vehicle at waypoint "
                    f"{wp.seq} faces {wp.heading_deg:.1f}°")
        if cam.mount == Mount.FIXED and abs(ph.pitch_deg - cam.fixed_pitch_deg) > ANGLE_TOL_DEG:
            out.add("aim", where, f"pitch {ph.pitch_deg:.1f}°: the fixed camera looks "
                    f"{cam.fixed_pitch_deg:g}°")
        if cam.mount == Mount.GIMBAL and not (
                cam.gimbal_pitch_min_deg - ANGLE_TOL_DEG <= ph.pitch_deg <=
                cam.gimbal_pitch_max_deg + ANGLE_TOL_DEG):
            out.add("aim", where, f"gimbal pitch {ph.pitch_deg:.1f}° outside "
                    f"[{cam.gimbal_pitch_min_deg:g}, {cam.gimbal_pitch_max_deg:g}]°")
        ti = index_of.get(ph.target)
        if ti is None:
            out.add("target", where, f"target {ph.target!r} is not in the mission")
            continue
        view = _sees(plan, hazards, ph.number, ti, wp, heading=ph.heading_deg,
                     pitch=ph.pitch_deg, out=out)
        asked = plan.mission.targets[ti].photos
        if ph.count < asked:
            # The planner holds every station for all the images its target asks for and
            # credits the target only then (planner.selection: the station's service time is
            # ``photos`` images): a station with fewer takes no view of it.
            short.setdefault(ph.target, []).append((ph.number, ph.count, asked))
        elif view is not None:
            views.setdefault(ph.target, set()).add(view)
    for w in wps:
        if w.action != Action.PHOTO:
            continue
        need = images_at.get(w.seq, 0) * cam.photo_hover_s
        if not images_at.get(w.seq):
            out.add("photo", f"waypoint {w.seq}", "a photo waypoint with no photo")
        elif w.hold_s < need - 1e-6:
            out.add("hover", f"waypoint {w.seq}", f"hovers {w.hold_s:g} s for "
                    f"{images_at[w.seq]} image(s): at least {need:g} s needed "
                    f"({cam.photo_hover_s:g} s each)")
    return views


def _sees(plan: FlightPlan, hazards: HazardMaps, number: int, ti: int, wp: Waypoint, *,
          heading: float, pitch: float, out: _Findings) -> int | None:
    """Frame, sight, GSD, view and standoff of one photo, re-aimed from the mission's target.

    Returns the view the photo takes (see :func:`_view`), ``None`` if it takes none.
    """
    dem = hazards.dem
    cam = plan.vehicle.camera
    spec = plan.mission.targets[ti]
    geom = plan.local.targets[ti]
    where = photo_where(number, spec.name)
    if is_survey(spec, geom, plan.vehicle):
        _survey_photo(plan, hazards, wp, spec, where, heading=heading, pitch=pitch, out=out)
        return 0
    ring = geom.exterior if isinstance(geom, Polygon) else geom
    xy = np.unique(shapely.get_coordinates(ring), axis=0)
    base = dem.sample(xy[:, 0], xy[:, 1])
    pts = np.column_stack([xy, base])
    if spec.height_m > 0:  # a target that stands up: its top must be in frame too
        pts = np.vstack([pts, np.column_stack([xy, base + spec.height_m])])
    # The aim point from the mission itself: the target point, or a line's or polygon's
    # centroid, on the ground, or half way up a target that stands up.
    c = geom if isinstance(geom, Point) else geom.centroid
    ground_t = float(dem.sample(c.x, c.y))
    aim = (float(c.x), float(c.y), ground_t + spec.height_m / 2)
    if holds_ground(plan.vehicle):  # hovering, it holds its height above the ground under it
        station = (wp.x, wp.y, float(dem.sample(wp.x, wp.y)) + wp.agl_m)
    else:
        home_ground = float(dem.sample(plan.waypoints[0].x, plan.waypoints[0].y))
        if not math.isfinite(home_ground):
            home_ground = plan.waypoints[0].ground_m
        station = (wp.x, wp.y, _flown_z(plan, home_ground, wp))
    if not np.all(np.isfinite(pts[:, 2])) or not math.isfinite(aim[2]):
        out.add("sight", where, "the target lies on unknown ground (nodata)")
        return None
    if not in_frame(cam, station, heading, pitch, pts, margin_deg=0.5):
        out.add("frame", where, f"the target is not wholly in frame at heading {heading:.1f}°, "
                f"pitch {pitch:.1f}°")
    if not line_of_sight(dem, station, aim):
        out.add("sight", where, "no line of sight to the target over the terrain")
    else:
        hidden = sight_blocked(plan.local.solids(), dem.sample, station, aim,
                               step=dem.resolution / 2)
        if hidden is not None:
            k = plan.mission.keep_outs[hidden.index]
            out.add("sight", where, f"the view passes through {k.name!r} ({k.heights_text})")
    # The sample distance on the target's surface: the ground (normal up) or an upright face
    # turned to the camera (normal level); a pixel stretches by 1/cos of the angle between the
    # line of sight and that normal.
    dx, dy, dz = (station[0] - aim[0], station[1] - aim[1], station[2] - aim[2])
    slant = math.sqrt(dx * dx + dy * dy + dz * dz)
    elevation = math.degrees(math.atan2(dz, math.hypot(dx, dy)))
    upright = spec.surface == "upright"
    oblique = abs(elevation) if upright else 90.0 - elevation
    surface = "upright face" if upright else "ground"
    if oblique > spec.max_obliquity_deg + ANGLE_TOL_DEG:
        out.add("obliquity", where, f"seen {oblique:.1f}° from square-on to its {surface}, "
                f"beyond the {spec.max_obliquity_deg:g}° allowed")
    cos = math.cos(math.radians(min(oblique, 90.0)))
    gsd = slant * cam.ifov_rad * 100.0 / cos if cos > 0 else math.inf
    # Positions may be off by the position tolerance (a file's rounding): so may the range.
    tol = POSITION_TOL_M * cam.ifov_rad * 100.0 / max(cos, 1e-3)
    if spec.gsd_cm is not None and gsd > spec.gsd_cm + tol:
        out.add("gsd", where, f"GSD {gsd:.2f} cm on its {surface} at {slant:.1f} m and "
                f"{oblique:.0f}° from square-on is coarser than the {spec.gsd_cm:g} cm asked for")
    if spec.min_standoff_m > 0:
        dist = geom.distance(Point(station[0], station[1]))
        if spec.height_m > 0:  # to the nearest point of a target that stands up
            above = max(station[2] - (ground_t + spec.height_m), ground_t - station[2], 0.0)
            dist = math.hypot(dist, above)
        if dist < spec.min_standoff_m - POSITION_TOL_M:
            out.add("standoff", where, f"{dist:.1f} m from the target, inside its "
                    f"{spec.min_standoff_m:g} m standoff")
    return _view(spec, station, aim, where, out)


def _station(plan: FlightPlan, hazards: HazardMaps, wp: Waypoint) -> tuple[float, float, float]:
    """Where a photo waypoint is, as flown over this terrain."""
    dem = hazards.dem
    if holds_ground(plan.vehicle):  # hovering, it holds its height above the ground under it
        return (wp.x, wp.y, float(dem.sample(wp.x, wp.y)) + wp.agl_m)
    home_ground = float(dem.sample(plan.waypoints[0].x, plan.waypoints[0].y))
    if not math.isfinite(home_ground):
        home_ground = plan.waypoints[0].ground_m
    return (wp.x, wp.y, _flown_z(plan, home_ground, wp))


def _axis_on_ground(hazards: HazardMaps, station: tuple[float, float, float], heading: float,
                    pitch: float) -> tuple[float, float, float] | None:
    """Where the camera's axis meets the terrain, or None."""
    return ray_to_ground(hazards.dem, station, heading, -pitch)


def _survey_photo(plan: FlightPlan, hazards: HazardMaps, wp: Waypoint, spec: Target, where: str,
                  *, heading: float, pitch: float, out: _Findings) -> None:
    """A survey image: its centre on the area's ground, in sight, at the GSD asked for."""
    _survey_shot(plan, hazards, _station(plan, hazards, wp), spec, where, heading=heading,
                 pitch=pitch, out=out)


def _survey_shot(plan: FlightPlan, hazards: HazardMaps, station: tuple[float, float, float],
                 spec: Target, where: str, *, heading: float, pitch: float, out: _Findings,
                 ) -> float | None:
    """:func:`_survey_photo` of an image taken from ``station``; its GSD (cm), or None."""
    centre = _axis_on_ground(hazards, station, heading, pitch)
    if centre is None:
        out.add("sight", where, "the image's centre falls on no known ground")
        return None
    if not line_of_sight(hazards.dem, station, centre):
        out.add("sight", where, "no line of sight to the image's centre over the terrain")
    else:
        hidden = sight_blocked(plan.local.solids(), hazards.dem.sample, station, centre,
                               step=hazards.dem.resolution / 2)
        if hidden is not None:
            k = plan.mission.keep_outs[hidden.index]
            out.add("sight", where, f"the view of the image's centre passes through "
                    f"{k.name!r} ({k.heights_text})")
    slant = math.dist(station, centre)
    oblique = 90.0 - math.degrees(math.atan2(station[2] - centre[2],
                                             math.hypot(station[0] - centre[0],
                                                        station[1] - centre[1])))
    cos = math.cos(math.radians(min(oblique, 90.0)))
    gsd = slant * plan.vehicle.camera.ifov_rad * 100.0 / cos if cos > 0 else math.inf
    tol = POSITION_TOL_M * plan.vehicle.camera.ifov_rad * 100.0 / max(cos, 1e-3)
    if spec.gsd_cm is not None and gsd > spec.gsd_cm + tol:
        out.add("gsd", where, f"GSD {gsd:.2f} cm at the image centre, {slant:.1f} m away, is "
                f"coarser than the {spec.gsd_cm:g} cm asked for")
    return gsd


Shot = tuple[tuple[float, float, float], float, float, float]
"""An image rebuilt for coverage: ``(station, heading, pitch, ground height at its centre)``."""


def _strips(plan: FlightPlan, hazards: HazardMaps, out: _Findings) -> dict[str, list[Shot]]:
    """Rules ``trigger`` and ``blur``: the strips flown through, their images rebuilt.

    Returns the images the camera's distance trigger takes in motion, by target, for the
    coverage rule (which counts them in place of the photos the plan records in motion).
    """
    wps = plan.waypoints
    cam = plan.vehicle.camera
    shots: dict[str, list[Shot]] = {}
    photos_at: dict[int, list[Photo]] = {}
    for ph in plan.photos:
        photos_at.setdefault(ph.waypoint, []).append(ph)
    claimed: set[int] = set()  # photos in motion matched to an image the trigger takes
    heading = wps[0].heading_deg or 0.0
    i = 0
    while i < len(wps):
        w = wps[i]
        if w.heading_deg is not None:
            heading = w.heading_deg
        if w.trigger_m <= 0 or w.action == Action.LAND:
            i += 1
            continue
        first = j = i
        while j + 1 < len(wps) and wps[j].trigger_m > 0 and wps[j + 1].action != Action.LAND:
            j += 1
        # The trigger is in force on every leg from waypoint ``first`` to waypoint ``j``.
        seg = wps[first:j + 1]
        where = f"strip {w.seq}->{wps[j].seq}"
        i = j if wps[j].trigger_m <= 0 else j + 1  # the end's own heading is read next
        if cam.survey_capture != Capture.DISTANCE:
            out.add("trigger", where, f"{plan.vehicle.profile.name}'s camera cannot be fired "
                    f"by distance (survey_capture {cam.survey_capture.value!r})")
            continue
        assert cam.exposure_s is not None
        assert cam.min_trigger_interval_s is not None
        start = [ph for ph in photos_at.get(w.seq, []) if w.action == Action.PHOTO]
        index = {t.name: k for k, t in enumerate(plan.mission.targets)}
        ti = index.get(start[0].target) if start else None
        if ti is None or not is_survey(plan.mission.targets[ti], plan.local.targets[ti],
                                       plan.vehicle):
            out.add("trigger", where, f"starts at waypoint {w.seq}, which is no photo stop of "
                    f"an area or corridor surveyed in strips")
            continue
        spec = plan.mission.targets[ti]
        pitch = start[0].pitch_deg
        d = w.trigger_m
        if any(abs(v.trigger_m - d) > 1e-6 for v in seg[:-1]):
            out.add("trigger", where, f"changes its trigger distance along the strip (from "
                    f"{d:g} m at waypoint {w.seq})")
        if not wps[j].stop:
            out.add("trigger", where, f"ends at waypoint {wps[j].seq}, a point flown through: "
                    f"the strip must end at a stop")
        for v in seg[1:-1]:
            if v.stop:
                out.add("trigger", f"waypoint {v.seq}", f"a stop inside the strip from "
                        f"waypoint {w.seq}, flown through by distance trigger")
        # The images along the path flown, every d metres from the start, short of the end
        # by half a spacing (the end's stop takes its own photo).
        end_total = sum(math.hypot(b.x - a.x, b.y - a.y) for a, b in itertools.pairwise(seg))
        home_ground = float(hazards.dem.sample(wps[0].x, wps[0].y))
        if not math.isfinite(home_ground):
            home_ground = wps[0].ground_m
        ground_held = holds_ground(plan.vehicle)
        along = 0.0
        k = 1
        matched: list[tuple[float, float]] = []
        for a, b in itertools.pairwise(seg):
            length = math.hypot(b.x - a.x, b.y - a.y)
            total_end = along + length
            speed = max(b.leg_speed_m_s, 0.0)
            if speed > 0 and d / speed < cam.min_trigger_interval_s - 1e-9:
                out.add("trigger", f"waypoint {b.seq}", f"images every {d / speed:.2f} s "
                        f"({d:g} m at {speed:g} m/s): faster than the camera's least interval "
                        f"of {cam.min_trigger_interval_s:g} s")
            while k * d <= min(total_end, end_total - d / 2) + 1e-9:
                f = (k * d - along) / length if length > 0 else 0.0
                x, y = a.x + f * (b.x - a.x), a.y + f * (b.y - a.y)
                if ground_held:
                    z = float(hazards.dem.sample(x, y)) + a.agl_m + f * (b.agl_m - a.agl_m)
                else:
                    za, zb = _flown_z(plan, home_ground, a), _flown_z(plan, home_ground, b)
                    z = za + f * (zb - za)
                shot_where = f"image {k} of {where} ({spec.name})"
                gsd = _survey_shot(plan, hazards, (x, y, z), spec, shot_where, heading=heading,
                                   pitch=pitch, out=out)
                if gsd is not None:
                    blur = speed * cam.exposure_s / (gsd / 100.0)
                    if blur > MAX_BLUR_PX + 1e-6:
                        out.add("blur", shot_where, f"blurred {blur:.2f} px at {speed:g} m/s "
                                f"and a {cam.exposure_s:g} s exposure (GSD {gsd:.2f} cm; at "
                                f"most {MAX_BLUR_PX:g} px)")
                    centre = _axis_on_ground(hazards, (x, y, z), heading, pitch)
                    assert centre is not None
                    shots.setdefault(spec.name, []).append(((x, y, z), heading, pitch,
                                                            centre[2]))
                matched.append((x, y))
                k += 1
            along = total_end
        for v in seg[1:-1]:
            for ph in photos_at.get(v.seq, []):
                if v.action != Action.TRIGGER:
                    continue
                claimed.add(ph.number)
                if not any(math.hypot(ph.station[0] - x, ph.station[1] - y) <= POSITION_TOL_M
                           for x, y in matched):
                    out.add("trigger", photo_where(ph.number, ph.target), f"is not where the "
                            f"camera fires, every {d:g} m from waypoint {w.seq}")
                elif turn_deg(ph.heading_deg, heading) > ANGLE_TOL_DEG:
                    out.add("aim", photo_where(ph.number, ph.target), f"heading "
                            f"{ph.heading_deg:.1f}° but the vehicle flies the strip facing "
                            f"{heading:.1f}°")
    for ph in plan.photos:
        if 1 <= ph.waypoint <= len(wps) and wps[ph.waypoint - 1].action == Action.TRIGGER \
                and ph.number not in claimed:
            out.add("trigger", photo_where(ph.number, ph.target), f"taken in motion at "
                    f"waypoint {ph.waypoint}, on no strip the camera's trigger is set for")
    return shots



def _coverage(plan: FlightPlan, hazards: HazardMaps, out: _Findings,
              strips: Mapping[str, list[Shot]]) -> None:
    """Every required area seen by the images, but where the vehicle may not fly.

    Images taken in motion count where the camera's trigger takes them (``strips``, rebuilt
    by :func:`_strips`), not where the plan records them.
    """
    for name, message in coverage_gaps([plan], hazards, strips=[strips]):
        out.add("coverage", f"target {name!r}", message)


def coverage_gaps(plans: Sequence[FlightPlan], hazards: HazardMaps,
                  targets: Sequence[Target] | None = None, *,
                  strips: Sequence[Mapping[str, list[Shot]]] | None = None,
                  ) -> list[tuple[str, str]]:
    """Required areas that the images of ``plans`` together leave unseen: (target, why).

    The ``coverage`` rule, over one flight or over every flight of a campaign that surveys an
    area in turns: each image is rebuilt from its flight's positions and attitudes and the
    camera model, the union of all of them laid over the area, and what is left unseen, but
    for ground the vehicle may not fly over and its navigation margin, is named with its size
    when it exceeds one terrain cell. ``targets`` are those to answer for (default: the first
    plan's mission's; a campaign passes the whole mission's, whose required areas its flights
    share); the plans must share one mission and local frame. Images taken in motion count
    where the camera's trigger takes them: ``strips``, one per plan, as :func:`_strips`
    rebuilds them (rebuilt here when not given).
    """
    if not plans:
        return []
    if strips is None:
        strips = [_strips(plan, hazards, _Findings()) for plan in plans]
    dem = hazards.dem
    first = plans[0]
    cam = first.vehicle.camera
    margin = first.vehicle.profile.nav_margin_m
    blocked = None
    gaps: list[tuple[str, str]] = []
    specs = first.mission.targets if targets is None else targets
    for t, geom in zip(specs, first.local.targets, strict=True):
        area = survey_area(t, geom, first.vehicle) if t.required else None
        if area is None:
            continue
        shots = [shot for rebuilt in strips for shot in rebuilt.get(t.name, [])]
        for plan in plans:
            for ph in plan.photos:
                if ph.target != t.name or not 1 <= ph.waypoint <= len(plan.waypoints) or \
                        plan.waypoints[ph.waypoint - 1].action == Action.TRIGGER:
                    continue
                station = _station(plan, hazards, plan.waypoints[ph.waypoint - 1])
                centre = _axis_on_ground(hazards, station, ph.heading_deg, ph.pitch_deg)
                if centre is not None:
                    shots.append((station, ph.heading_deg, ph.pitch_deg, centre[2]))
        gap = area.difference(covered_by(cam, area, shots))
        keeps = [g.buffer(margin) for g in first.local.keep_outs_buffered if not g.is_empty]
        if keeps:
            gap = gap.difference(shapely.union_all(keeps))
        if gap.is_empty:
            continue
        # Ground the vehicle may not fly over, and its navigation margin, may stay unseen: the
        # flight hazards grown by the margin, on the terrain's own grid.
        if blocked is None:
            from scipy import ndimage

            r = max(math.ceil(margin / dem.resolution), 0)
            yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
            blocked = ndimage.binary_dilation(hazards.flight,
                                              structure=(xx * xx + yy * yy) <= r * r)
        x0, y0, x1, y1 = gap.bounds
        res = dem.resolution
        gx, gy = np.meshgrid(np.arange(x0 + res / 2, x1, res), np.arange(y0 + res / 2, y1, res))
        gx, gy = gx.ravel(), gy.ravel()
        inside = shapely.contains_xy(gap, gx, gy)
        gx, gy = gx[inside], gy[inside]
        row, col = dem.rowcol(gx, gy)
        ri, ci = np.rint(row).astype(np.intp), np.rint(col).astype(np.intp)
        on_grid = (ri >= 0) & (ri < dem.shape[0]) & (ci >= 0) & (ci < dem.shape[1])
        open_ground = on_grid.copy()
        open_ground[on_grid] = ~blocked[ri[on_grid], ci[on_grid]]
        unseen = float(open_ground.sum()) * res * res
        # Less than one terrain cell is below what the terrain model can tell.
        if unseen > res * res:
            cx, cy = float(gx[open_ground].mean()), float(gy[open_ground].mean())
            gaps.append((t.name, f"{unseen:,.0f} m² of the required area is seen by no image "
                                 f"(centred near {first.local.from_home(cx, cy, digits=0)})"))
    return gaps


def _view(spec: Target, station: tuple[float, float, float],
          aim: tuple[float, float, float], where: str, out: _Findings) -> int | None:
    """Which of the target's views a photo takes, by the side it looks from; rule ``view``.

    The compass azimuth from the target to the station must lie in one of the target's sectors
    (:meth:`~planner.mission.Target.view_sectors`, the nearest centre wins), and the line of
    sight's depression within its elevation band. ``None`` when it lies in no sector; 0 for a
    target any side of which will do.
    """
    dx, dy = station[0] - aim[0], station[1] - aim[1]
    horiz = math.hypot(dx, dy)
    depression = math.degrees(math.atan2(station[2] - aim[2], horiz))
    # Positions may be off by the position tolerance: so may the angles, by its arc at range.
    slack = ANGLE_TOL_DEG + math.degrees(math.atan2(POSITION_TOL_M, max(horiz, 1e-9)))
    band = spec.elevation_band()
    if band is not None and not band[0] - slack <= depression <= band[1] + slack:
        out.add("view", where, f"seen {depression:.1f}° below the horizon, outside the "
                f"{band[0]:g}° to {band[1]:g}° the view asks for")
    sectors = spec.view_sectors()
    if not sectors:
        return 0
    azimuth = math.degrees(math.atan2(dx, dy)) % 360.0
    off = [abs((azimuth - c + 180.0) % 360.0 - 180.0) for c, _ in sectors]
    k = int(np.argmin(off))
    if off[k] > sectors[k][1] + slack:
        wanted = ", ".join(f"{c:.0f}° ± {h:g}°" for c, h in sectors)
        out.add("view", where, f"seen from azimuth {azimuth:.1f}°, outside the side(s) it is "
                f"to be seen from ({wanted})")
        return None
    return k


def _required(plan: FlightPlan, out: _Findings, views: dict[str, set[int]],
              short: dict[str, list[tuple[int, int, int]]], notes: list[str]) -> None:
    """Every required target photographed, with all its images, from every side it asks for.

    A photo with fewer images than its target's ``photos`` takes none of its views (the
    planner credits a station only with all of them; an area's every image is a station):
    a required target left short is a finding, another one a note.
    """
    done = {ph.target for ph in plan.photos}
    for t, geom in zip(plan.mission.targets, plan.local.targets, strict=True):
        few = "; ".join(f"photo {n} takes {got} image{'s' if got != 1 else ''}"
                        for n, got, _ in short.get(t.name, ()))
        seen = views.get(t.name, set())
        survey = is_survey(t, geom, plan.vehicle)
        text = f"asks for {t.photos} images at each station; {few}"
        if t.required and t.name not in done:
            out.add("required", f"target {t.name!r}", "a required target is not photographed")
        elif few and (survey or not seen):
            if t.required:
                out.add("required", f"target {t.name!r}", f"a required target {text}")
            else:
                notes.append(f"target {t.name!r} is not counted as photographed: it {text}")
        elif t.required and t.views > 1 and len(seen) < t.views:
            sectors = t.view_sectors()
            missing = ", ".join(f"{sectors[k][0]:.0f}° ± {sectors[k][1]:g}°"
                                for k in range(t.views) if k not in seen)
            out.add("required", f"target {t.name!r}", f"a required target is photographed "
                    f"from {len(seen)} of its {t.views} sides; not from {missing}"
                    + (f" (it {text})" if few else ""))


def _summary(plan: FlightPlan, summary: Mapping[str, Any], totals: tuple[float, float, float],
             out: _Findings, tol: float, *, views: dict[str, set[int]]) -> None:
    """The plan's own summary against what the check recomputed."""
    distance, duration, energy = totals
    for key, value, unit in (("distance_m", distance, "m"), ("duration_s", duration, "s"),
                             ("energy_used_wh", energy, "Wh")):
        got = summary.get(key)
        if not isinstance(got, int | float) or isinstance(got, bool) or \
                abs(got - value) > max(tol * max(abs(value), 1.0), 0.01):
            out.add("summary", "plan", f"{key} is {got!r}; the plan flies {value:.2f} {unit}")
    photographed = list(dict.fromkeys(ph.target for ph in plan.photos))
    if summary.get("targets_photographed") != photographed:
        out.add("summary", "plan", f"targets_photographed is "
                f"{summary.get('targets_photographed')!r}; the photos are of {photographed!r}")
    skipped = summary.get("targets_skipped")
    names = [s.get("target") for s in skipped if isinstance(s, dict)] \
        if isinstance(skipped, list) else None
    left = [t.name for t in plan.mission.targets if t.name not in set(photographed)]
    if names is None or sorted(map(str, names)) != sorted(left):
        out.add("summary", "plan", f"targets_skipped lists {names!r}; the targets not "
                f"photographed are {left!r}")
    # A target photographed from several sides collects the share of its sides seen.
    share = {t.name: t.priority * (1.0 if t.views == 1 else
                                   len(views.get(t.name, ())) / t.views)
             for t in plan.mission.targets}
    collected = float(sum(share.get(n, 0.0) for n in photographed))
    total = float(sum(t.priority for t in plan.mission.targets))
    for key, value in (("priority_collected", collected), ("priority_total", total)):
        got = summary.get(key)
        if not isinstance(got, int | float) or isinstance(got, bool) or abs(got - value) > 1e-9:
            out.add("summary", "plan", f"{key} is {got!r}; it is {value:g}")
