"""The independent flight-rule check.

It re-checks a finished plan from its waypoints alone, sharing no code with the route search:
legs are sampled at half the DEM's resolution and looked up in the hazard rasters and the
keep-out polygons (not the planner's grown and simplified obstacles), heights are recomputed from
the terrain, time and energy are recomputed from the vehicle model, and every photo is re-aimed
and re-checked for frame, line of sight and GSD. The planner runs it before printing: a violation
is a bug and is reported as one.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString

from planner.camera import in_frame
from planner.errors import VerificationError
from planner.frames import turn_deg
from planner.plan import FlightPlan
from planner.profiles import Mount
from terrain.analysis import line_of_sight
from terrain.hazards import HazardMaps

_TOL_M = 0.05


@dataclass(frozen=True)
class Report:
    """What the verifier found; empty ``violations`` means the plan keeps every rule."""

    violations: tuple[str, ...] = ()
    checks: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    def raise_if_failed(self) -> None:
        """Raise :class:`VerificationError` listing the first violations."""
        if self.violations:
            more = f" (and {len(self.violations) - 3} more)" if len(self.violations) > 3 else ""
            raise VerificationError("the plan breaks flight rules, a planner bug: " +
                                    "; ".join(self.violations[:3]) + more)


def verify(plan: FlightPlan, *, hazards: HazardMaps, record_tolerance: float = 1e-6) -> Report:
    """Check every rule on a plan; see the module docstring.

    Parameters
    ----------
    plan
        The plan; only its waypoints, photos (target, waypoint, heading, pitch) and the mission,
        frame and vehicle are used.
    hazards
        Hazard rasters of the terrain.
    record_tolerance
        How far the plan's recorded times (s) and energies (Wh) may differ from the model's:
        relative for plans in memory, and about the rounding of a file for re-checked exports.
    """
    v: list[str] = []
    checks = {"leg samples": 0, "photos": 0}
    dem = hazards.dem
    p = plan.vehicle.profile
    vehicle = plan.vehicle
    wps = plan.waypoints
    keeps = [k for k in plan.local.keep_outs_buffered if not k.is_empty]
    if not wps or wps[0].action != "takeoff" or wps[-1].action != "land":
        v.append("a plan must start with take-off and end with landing")
        return Report(tuple(v), checks)

    # Every leg, sampled.
    step = dem.resolution / 2
    t_s, e_wh = vehicle.takeoff(wps[0].agl_m)
    heading = wps[0].heading_deg or 0.0
    for a, b in itertools.pairwise(wps):
        if b.action == "land":
            break
        d = math.hypot(b.x - a.x, b.y - a.y)
        n = max(math.ceil(d / step), 1) + 1
        t = np.linspace(0.0, 1.0, n)
        xs, ys = a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)
        ground = dem.sample(xs, ys)
        za, zb = dem.sample(a.x, a.y) + a.agl_m, dem.sample(b.x, b.y) + b.agl_m
        alt = za + (zb - za) * t
        checks["leg samples"] += n
        where = f"leg {a.seq}->{b.seq}"
        if not np.all(np.isfinite(ground)):
            v.append(f"{where} passes over unknown ground or leaves the terrain")
            continue
        agl = alt - ground
        if agl.min() < p.min_clearance_m - _TOL_M:
            v.append(f"{where} comes within {agl.min():.2f} m of the ground "
                     f"(clearance {p.min_clearance_m:g} m)")
        if agl.max() > p.max_altitude_agl_m + _TOL_M:
            v.append(f"{where} rises to {agl.max():.1f} m above ground "
                     f"(ceiling {p.max_altitude_agl_m:g} m)")
        if hazards.flight_at(xs, ys).any():
            v.append(f"{where} crosses a flight hazard")
        if keeps:
            seg = LineString([(a.x, a.y), (b.x, b.y)]) if d > 0 else None
            for k in keeps:
                if shapely.contains_xy(k, xs, ys).any() or (seg is not None and
                                                            seg.intersects(k)):
                    v.append(f"{where} enters a keep-out zone")
                    break
        dz = float(zb - za)
        lt, le = vehicle.leg(d, max(dz, 0.0), max(-dz, 0.0),
                             stops=int(a.stop or a.action == "takeoff") + int(b.stop))
        t_s += float(lt)
        e_wh += float(le)
        if b.action == "photo":
            assert b.heading_deg is not None
            yt, ye = vehicle.yaw(turn_deg(heading, b.heading_deg))
            t_s += yt + b.hold_s
            e_wh += ye + vehicle.hover(b.hold_s)
            heading = b.heading_deg
        if abs(t_s - b.time_s) > record_tolerance * max(t_s, 1) or \
                abs(e_wh - b.energy_wh) > record_tolerance * max(e_wh, 1):
            v.append(f"waypoint {b.seq}: recorded time/energy ({b.time_s:.2f} s, "
                     f"{b.energy_wh:.3f} Wh) differ from the vehicle model's ({t_s:.2f} s, "
                     f"{e_wh:.3f} Wh)")
    last = wps[-2]
    land_t, land_e = vehicle.landing(last.agl_m)
    t_s += land_t
    e_wh += land_e
    if e_wh > p.budget_energy_wh + 1e-9:
        v.append(f"energy {e_wh:.2f} Wh exceeds the usable {p.usable_energy_wh:g} Wh less the "
                 f"{p.reserve_wh:g} Wh reserve")
    if t_s > p.max_flight_time_s + 1e-9:
        v.append(f"duration {t_s:.1f} s exceeds the maximum {p.max_flight_time_s:g} s")
    if abs(t_s - plan.duration_s) > record_tolerance * max(t_s, 1):
        v.append(f"the plan's duration {plan.duration_s:.2f} s differs from the model's "
                 f"{t_s:.2f} s")

    # The landing spot.
    land = wps[-1]
    if (land.x, land.y) != (wps[0].x, wps[0].y) and \
            bool(hazards.landing_at(np.array([land.x]), np.array([land.y]))[0]):
        v.append(f"landing spot ({land.x:.1f}, {land.y:.1f}) is unsafe: "
                 f"{hazards.landing_reason_at(land.x, land.y)}")

    # Every photo.
    index_of = {t.name: i for i, t in enumerate(plan.mission.targets)}
    cam = vehicle.camera
    for ph in plan.photos:
        checks["photos"] += 1
        ti = index_of.get(ph.target)
        if ti is None:
            v.append(f"photo {ph.number}: target {ph.target!r} is not in the mission")
            continue
        if not 1 <= ph.waypoint <= len(wps) or wps[ph.waypoint - 1].action != "photo":
            v.append(f"photo {ph.number}: waypoint {ph.waypoint} is not a photo waypoint")
            continue
        spec = plan.mission.targets[ti]
        geom = plan.local.targets[ti]
        ring = geom.exterior if geom.geom_type == "Polygon" else geom
        xy = np.unique(shapely.get_coordinates(ring), axis=0)
        pts = np.column_stack([xy, dem.sample(xy[:, 0], xy[:, 1])])
        # The aim point from the mission itself: the target point, or a line's or polygon's
        # centroid, on the ground.
        c = geom if geom.geom_type == "Point" else geom.centroid
        aim = (float(c.x), float(c.y), float(dem.sample(c.x, c.y)))
        wp = wps[ph.waypoint - 1]
        station = (wp.x, wp.y, float(dem.sample(wp.x, wp.y)) + wp.agl_m)
        if not in_frame(cam, station, ph.heading_deg, ph.pitch_deg, pts, margin_deg=0.5):
            v.append(f"photo {ph.number} ({ph.target}): the target is not wholly in frame")
        if cam.mount == Mount.FIXED and abs(ph.pitch_deg - cam.fixed_pitch_deg) > 1e-6:
            v.append(f"photo {ph.number}: a fixed camera cannot pitch to {ph.pitch_deg:.1f}°")
        if cam.mount == Mount.GIMBAL and not (cam.gimbal_pitch_min_deg - 1e-6 <= ph.pitch_deg <=
                                          cam.gimbal_pitch_max_deg + 1e-6):
            v.append(f"photo {ph.number}: gimbal pitch {ph.pitch_deg:.1f}° out of range")
        if not line_of_sight(dem, station, aim):
            v.append(f"photo {ph.number} ({ph.target}): no line of sight to the target")
        slant = math.dist(station, aim)
        gsd = slant * cam.ifov_rad * 100.0
        if spec.gsd_cm is not None and gsd > spec.gsd_cm + 1e-6:
            v.append(f"photo {ph.number} ({ph.target}): GSD {gsd:.2f} cm exceeds "
                     f"{spec.gsd_cm:g} cm")
        if spec.min_standoff_m > 0:
            dist = geom.distance(shapely.Point(station[0], station[1]))
            if dist < spec.min_standoff_m - _TOL_M:
                v.append(f"photo {ph.number} ({ph.target}): {dist:.1f} m from the target, "
                         f"inside its {spec.min_standoff_m:g} m standoff")
    return Report(tuple(v), checks)
