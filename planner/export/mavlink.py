"""Mission items in MAVLink terms, written as QGroundControl ``.plan`` and ``QGC WPL 110`` files.

Every navigation item uses frame 3 (``MAV_FRAME_GLOBAL_RELATIVE_ALT``): heights above the home
point, computed on the ground from the terrain model for every waypoint (terrain following is
already in the waypoints). Relative heights come from the same terrain as the plan, so they do not
depend on which vertical datum the autopilot's AMSL uses. Row 0 of a WPL file and QGC's
``plannedHomePosition`` carry home's absolute height above the terrain's datum.

Camera aiming: a fixed camera (Ingenuity's) is aimed by yawing the vehicle: ``CONDITION_YAW``
before the photo waypoint, and the waypoint's own yaw. A gimbal gets
``DO_GIMBAL_MANAGER_PITCHYAW`` with the yaw locked to north. Then ``IMAGE_START_CAPTURE`` and a
``NAV_LOITER_TIME`` for the images' hover.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from planner.frames import wrap_deg
from planner.plan import FlightPlan
from planner.profiles import Mount

NAV_WAYPOINT = 16
NAV_LOITER_TIME = 19
NAV_LAND = 21
NAV_TAKEOFF = 22
CONDITION_YAW = 115
DO_GIMBAL_MANAGER_PITCHYAW = 1000
IMAGE_START_CAPTURE = 2000
FRAME_GLOBAL = 0
FRAME_MISSION = 2
FRAME_RELATIVE = 3
GIMBAL_YAW_LOCK = 16
NAV_COMMANDS = {NAV_WAYPOINT, NAV_LOITER_TIME, NAV_LAND, NAV_TAKEOFF}


@dataclass(frozen=True)
class Item:
    """One mission item: command, frame, the seven parameters (NaN where unused)."""

    command: int
    frame: int
    params: tuple[float, float, float, float, float, float, float]


def _nan() -> float:
    return float("nan")


def mission_items(plan: FlightPlan) -> list[Item]:
    """The plan's mission items in order (home is not an item)."""
    cam = plan.vehicle.camera
    home_alt = plan.waypoints[0].ground_m
    photo_at = {ph.waypoint: ph for ph in plan.photos}
    items: list[Item] = []
    nan = _nan()
    for w in plan.waypoints:
        rel = round(w.alt_m - home_alt, 3)
        lat, lon = round(w.lat, 8), round(w.lon, 8)
        if w.action == "takeoff":
            yaw = w.heading_deg if w.heading_deg is not None else nan
            items.append(Item(NAV_TAKEOFF, FRAME_RELATIVE, (0.0, nan, nan, yaw, lat, lon, rel)))
        elif w.action == "land":
            items.append(Item(NAV_LAND, FRAME_RELATIVE, (0.0, 0.0, nan, nan, lat, lon, 0.0)))
        elif w.action == "photo":
            ph = photo_at[w.seq]
            heading = round(ph.heading_deg % 360.0, 2)
            if cam.mount == Mount.FIXED:
                yaw_rate = plan.vehicle.profile.yaw_rate_deg_s
                items.append(Item(CONDITION_YAW, FRAME_MISSION,
                                  (heading, yaw_rate, 0.0, 0.0, 0.0, 0.0, 0.0)))
            else:
                yaw = round(float(wrap_deg(ph.heading_deg)), 2)
                items.append(Item(DO_GIMBAL_MANAGER_PITCHYAW, FRAME_MISSION,
                                  (round(ph.pitch_deg, 2), yaw, nan, nan, GIMBAL_YAW_LOCK,
                                   0.0, 0.0)))
            items.append(Item(NAV_WAYPOINT, FRAME_RELATIVE,
                              (0.0, 1.0, 0.0, heading, lat, lon, rel)))
            interval = cam.photo_hover_s if ph.count > 1 else 0.0
            items.append(Item(IMAGE_START_CAPTURE, FRAME_MISSION,
                              (0.0, interval, float(ph.count), 0.0, 0.0, 0.0, 0.0)))
            items.append(Item(NAV_LOITER_TIME, FRAME_RELATIVE,
                              (round(w.hold_s, 2), 1.0, 0.0, nan, lat, lon, rel)))
        else:
            accept = 1.0 if w.stop else 3.0
            items.append(Item(NAV_WAYPOINT, FRAME_RELATIVE,
                              (0.0, accept, 0.0, nan, lat, lon, rel)))
    return items


def _vehicle_type(plan: FlightPlan) -> int:
    rotors = plan.vehicle.profile.rotor_count
    return {1: 3, 4: 2, 6: 13, 8: 14}.get(rotors, 2)  # MAV_TYPE: coaxial, quad, hexa, octo


def _num(x: float) -> float | None:
    return None if math.isnan(x) else x


def qgc_plan(plan: FlightPlan, *, firmware_type: int = 3) -> dict[str, Any]:
    """A QGroundControl ``.plan`` document (a plain dict for ``json.dump``)."""
    home = plan.waypoints[0]
    items = []
    for i, it in enumerate(mission_items(plan), start=1):
        entry: dict[str, Any] = {
            "autoContinue": True, "command": it.command, "doJumpId": i, "frame": it.frame,
            "params": [_num(p) for p in it.params], "type": "SimpleItem"}
        if it.command in NAV_COMMANDS:
            entry["Altitude"] = it.params[6]
            entry["AltitudeMode"] = 1  # relative to home
            entry["AMSLAltAboveTerrain"] = None
        items.append(entry)
    fence = []
    for buffered in plan.local.keep_outs_buffered:
        grown = plan.frame.geometry_to_lonlat(buffered)
        for poly in getattr(grown, "geoms", [grown]):
            ring = list(poly.exterior.coords)[:-1]
            fence.append({"inclusion": False, "version": 1,
                          "polygon": [[round(y, 8), round(x, 8)] for x, y in ring]})
    rally = []
    sites = [(plan.mission.home, plan.local.home)]
    if plan.mission.landing is not None:
        sites.append((plan.mission.landing, plan.local.landing))
    for site, local in sites:
        g = float(plan.dem.sample(float(local.x), float(local.y)))
        rally.append([round(site.point.y, 8), round(site.point.x, 8), round(g, 3)])
    doc: dict[str, Any] = {
        "fileType": "Plan", "version": 1, "groundStation": "QGroundControl",
        "mission": {
            "version": 2, "firmwareType": firmware_type, "vehicleType": _vehicle_type(plan),
            "cruiseSpeed": plan.vehicle.cruise_speed_m_s,
            "hoverSpeed": plan.vehicle.cruise_speed_m_s, "globalPlanAltitudeMode": 1,
            "plannedHomePosition": [round(home.lat, 8), round(home.lon, 8),
                                    round(home.ground_m, 3)],
            "items": items},
        "geoFence": {"version": 2, "circles": [], "polygons": fence},
        "rallyPoints": {"version": 2, "points": rally},
    }
    if plan.mission.body.name != "earth":
        doc["planFlight"] = {
            "body": plan.mission.body.name, "crs": plan.mission.body.geographic_crs,
            "note": "latitudes and longitudes are planetocentric on Mars (IAU 2015 sphere), "
                    "not WGS 84; heights are above the terrain model's datum"}
    return doc


def qgc_plan_text(plan: FlightPlan) -> str:
    """The ``.plan`` file's text."""
    return json.dumps(qgc_plan(plan), indent=2) + "\n"


def _fmt(x: float) -> str:
    if math.isnan(x):
        return "0"
    return f"{x:.8f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def wpl_text(plan: FlightPlan) -> str:
    """The ``QGC WPL 110`` file's text: row 0 home (absolute), then the mission items."""
    home = plan.waypoints[0]
    rows = ["QGC WPL 110",
            "\t".join(["0", "1", str(FRAME_GLOBAL), str(NAV_WAYPOINT), "0", "0", "0", "0",
                       _fmt(round(home.lat, 8)), _fmt(round(home.lon, 8)),
                       _fmt(round(home.ground_m, 3)), "1"])]
    for i, it in enumerate(mission_items(plan), start=1):
        rows.append("\t".join([str(i), "0", str(it.frame), str(it.command),
                               *(_fmt(p) for p in it.params), "1"]))
    return "\n".join(rows) + "\n"
