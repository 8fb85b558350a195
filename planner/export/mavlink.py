"""Mission items in MAVLink terms: QGroundControl ``.plan`` and ``QGC WPL 110`` files, both ways.

The files are written from a plan, and read back (as exported, or as edited in QGroundControl or
Mission Planner) for ``--check``.

Heights
    Every navigation item uses frame 3 (``MAV_FRAME_GLOBAL_RELATIVE_ALT``): heights above the
    home point, computed on the ground from the terrain model for every waypoint (terrain
    following is already in the waypoints), so they do not depend on which vertical datum the
    autopilot's AMSL uses. Row 0 of a WPL file and QGC's ``plannedHomePosition`` carry home's
    absolute height above the terrain's datum.

Target autopilot
    ArduPilot Copter 4.5 or newer (``firmwareType`` 3), whose mission semantics are these:

    - a DO or CONDITION item runs when the navigation item before it *completes* (reached, and
      its hold over), and is dropped if the next navigation item completes first
      (``AP_Mission::advance_current_nav_cmd``, libraries/AP_Mission/AP_Mission.cpp; ArduPilot
      wiki, "Mission Commands");
    - ``NAV_WAYPOINT`` param 1 (hold) and ``NAV_LOITER_TIME`` param 1 are stored as whole
      seconds and compared in whole seconds (``cmd.p1`` is 16 bits;
      ``ModeAuto::verify_loiter_time``, ArduCopter/mode_auto.cpp), so every hold here is a whole
      number of seconds, rounded up;
    - NaN is accepted only in param 4 of ``NAV_WAYPOINT``, ``NAV_TAKEOFF`` and ``NAV_LAND``
      (the yaw; ``AP_Mission::sanity_check_params``): a NaN anywhere else makes the upload
      fail, so unused parameters are 0;
    - Copter ignores ``NAV_WAYPOINT``'s yaw (param 4) and aims the nose with ``CONDITION_YAW``;
      starting any navigation item resets the yaw to ``WP_YAW_BEHAVIOR`` unless that is 0
      (``ModeAuto::wp_start``), while an unfinished ``CONDITION_YAW`` re-takes the yaw until it
      is reached (``ModeAuto::verify_yaw``) and holds back the DO items after it;
    - ``DO_CHANGE_SPEED`` sets the horizontal speed of the leg being started and the ones after
      (``ModeAuto::do_change_speed``);
    - ``IMAGE_START_CAPTURE`` in missions since 4.4, with its interval and image count since 4.5
      (ArduPilot dev docs "Control a Camera"; ArduPilot PRs #24772 and #25075): the first image
      at once, then one every interval.

    PX4 accepts every command used here except ``CONDITION_YAW`` (not in its list of mission
    commands, PX4 user guide "Mission Mode (Multicopter)"); PX4 aims by the waypoint's yaw,
    which these files also carry, but rejects a mission with an unsupported item.

The sequence, leg by leg and at each photo station
    - ``NAV_TAKEOFF`` to the first height, its yaw the plan's take-off heading;
    - ``DO_CHANGE_SPEED`` (ground speed) before the first moving leg and wherever the commanded
      speed of the next leg differs (to the cm/s); it is the first item after the navigation
      item it follows, so no ``CONDITION_YAW`` holds it back;
    - ``NAV_WAYPOINT`` per waypoint: yaw NaN (keep) on every waypoint but photo stations,
      acceptance radius 1 m at stops, 3 m at pass-through terrain points;
    - at a photo station of N images, ``photo_hover_s`` = T apart::

        NAV_WAYPOINT        station, yaw = the photo's heading       arrive and stop
        CONDITION_YAW       heading (absolute, shortest way)         runs on arrival
        DO_GIMBAL_MANAGER_PITCHYAW  pitch, heading, yaw locked        gimbals only, once aimed
        NAV_LOITER_TIME     settle = ceil(yaw time + T/2) s           turn, then settle
        CONDITION_YAW       heading again                             re-asserted: the loiter's
                                                                      start reset the yaw mode
        IMAGE_START_CAPTURE interval T, N images                      after the settle
        NAV_LOITER_TIME     rest = ceil(hold - T/2) s                 the images' hover

      so the first image comes half an image's hover after the turn ends, the images are T
      apart, and the vehicle leaves half an image's hover after the last one: it hovers
      ``hold_s`` (= N x T) plus the turn, as the plan costs it, up to two seconds more for the
      whole-second rounding. A fixed camera (Ingenuity's) is aimed by the yaw alone.
    - a survey strip flown through (waypoints whose ``trigger_m`` is set): after its first
      image's station items, ``DO_SET_CAM_TRIGG_DIST`` (distance m, shutter -1: ignore, 0: no
      image now, the station took it), so the autopilot fires the camera every that many metres
      from the station (``AP_Camera``: the distance from the last image; PX4's camera_trigger
      driver, ``TRIG_MODE`` distance); the images in motion are pass-through ``NAV_WAYPOINT`` s
      (acceptance 3 m) with no camera item; at the strip's last waypoint, a photo station,
      ``DO_SET_CAM_TRIGG_DIST`` 0 as the first item after its ``NAV_WAYPOINT`` stops the
      trigger before the station's own image;
    - ``NAV_LAND`` at the landing spot (a vertical descent from the waypoint above it).

The QGroundControl file also holds the keep-outs (grown by their buffers) as exclusion polygons
in ``geoFence`` (a fence polygon holds out at every height, so a keep-out with heights that the
plan flies over or under is left out of it) and home and the landing site as ``rallyPoints``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import LineString, Point

from planner.errors import InputError
from planner.frames import turn_deg, wrap_deg
from planner.plan import Action, FlightPlan
from planner.profiles import Mount
from planner.values import number

NAV_WAYPOINT = 16
NAV_LOITER_TIME = 19
NAV_LAND = 21
NAV_TAKEOFF = 22
CONDITION_YAW = 115
DO_CHANGE_SPEED = 178
DO_SET_CAM_TRIGG_DIST = 206
DO_GIMBAL_MANAGER_PITCHYAW = 1000
IMAGE_START_CAPTURE = 2000
FRAME_GLOBAL = 0
FRAME_MISSION = 2
FRAME_RELATIVE = 3
FRAME_GLOBAL_INT = 5
FRAME_RELATIVE_INT = 6
FRAME_TERRAIN = 10
FRAME_TERRAIN_INT = 11
GIMBAL_YAW_LOCK = 16
SPEED_GROUND = 1.0
NAV_COMMANDS = {NAV_WAYPOINT, NAV_LOITER_TIME, NAV_LAND, NAV_TAKEOFF}
ACCEPT_STOP_M = 1.0
"""Acceptance radius written at stops."""
ACCEPT_PASS_M = 3.0
"""Acceptance radius written at pass-through terrain points (how a reader tells them apart)."""
FIRMWARE_ARDUPILOT = 3


@dataclass(frozen=True)
class Item:
    """One mission item: command, frame, the seven parameters (NaN only where allowed)."""

    command: int
    frame: int
    params: tuple[float, float, float, float, float, float, float]


@dataclass(frozen=True)
class StationTiming:
    """How a photo station's hover is split: whole seconds before and after the capture."""

    turn_s: float
    settle_s: float
    rest_s: float
    interval_s: float


def station_timings(plan: FlightPlan) -> dict[int, StationTiming]:
    """The hover split of every photo waypoint (by ``seq``), as the mission items fly it.

    The turn is the plan's: from the heading held since the last photo (or the take-off) to
    the photo's, at the profile's yaw rate. ``settle_s`` = ceil(turn + T/2) and ``rest_s`` =
    ceil(hold - T/2), with T the camera's ``photo_hover_s``.
    """
    cam = plan.vehicle.camera
    half = cam.photo_hover_s / 2
    heading = plan.waypoints[0].heading_deg or 0.0
    out: dict[int, StationTiming] = {}
    for w in plan.waypoints:
        if w.action != Action.PHOTO or w.heading_deg is None:
            continue
        turn, _ = plan.vehicle.yaw(turn_deg(heading, w.heading_deg))
        heading = w.heading_deg
        settle = _whole(turn + half)
        rest = _whole(max(w.hold_s - half, 0.0))
        out[w.seq] = StationTiming(turn_s=turn, settle_s=settle, rest_s=rest,
                                   interval_s=cam.photo_hover_s)
    return out


def _whole(seconds: float) -> float:
    """Whole seconds, rounded up (a float's last bits never add a second)."""
    return float(math.ceil(round(seconds, 6)))


def mission_items(plan: FlightPlan) -> list[Item]:
    """The plan's mission items in order (home is not an item); see the module docstring."""
    cam = plan.vehicle.camera
    home_alt = plan.waypoints[0].ground_m
    photos_at: dict[int, list[Any]] = {}
    for ph in plan.photos:
        photos_at.setdefault(ph.waypoint, []).append(ph)
    timings = station_timings(plan)
    yaw_rate = plan.vehicle.profile.yaw_rate_deg_s
    items: list[Item] = []
    nan = math.nan
    speed: float | None = None
    trigger = 0.0  # the camera's trigger distance in force
    for w in plan.waypoints:
        rel = round(w.alt_m - home_alt, 3)
        lat, lon = round(w.lat, 8), round(w.lon, 8)
        if w.action == Action.TAKEOFF:
            yaw = nan if w.heading_deg is None else round(w.heading_deg % 360.0, 2)
            items.append(Item(NAV_TAKEOFF, FRAME_RELATIVE, (0.0, 0.0, 0.0, yaw, lat, lon, rel)))
            continue
        if w.action == Action.LAND:
            items.append(Item(NAV_LAND, FRAME_RELATIVE, (0.0, 0.0, 0.0, nan, lat, lon, 0.0)))
            continue
        leg_speed = round(w.leg_speed_m_s, 2)
        if leg_speed > 0 and leg_speed != speed:
            items.append(Item(DO_CHANGE_SPEED, FRAME_MISSION,
                              (SPEED_GROUND, leg_speed, -1.0, 0.0, 0.0, 0.0, 0.0)))
            speed = leg_speed
        if w.action != Action.PHOTO or w.heading_deg is None:
            accept = ACCEPT_STOP_M if w.stop else ACCEPT_PASS_M
            items.append(Item(NAV_WAYPOINT, FRAME_RELATIVE,
                              (0.0, accept, 0.0, nan, lat, lon, rel)))
            trigger = _set_trigger(items, trigger, round(w.trigger_m, 3))
            continue
        heading = round(w.heading_deg % 360.0, 2)
        timing = timings[w.seq]
        shots = photos_at.get(w.seq, [])
        count = sum(ph.count for ph in shots)
        items.append(Item(NAV_WAYPOINT, FRAME_RELATIVE,
                          (0.0, ACCEPT_STOP_M, 0.0, heading, lat, lon, rel)))
        if trigger > 0 and w.trigger_m <= 0:  # a strip's last image: stop the trigger first
            trigger = _set_trigger(items, trigger, 0.0)
        items.append(Item(CONDITION_YAW, FRAME_MISSION,
                          (heading, yaw_rate, 0.0, 0.0, 0.0, 0.0, 0.0)))
        if cam.mount == Mount.GIMBAL:
            pitch = round(w.camera_pitch_deg if w.camera_pitch_deg is not None
                          else shots[0].pitch_deg, 2)
            items.append(Item(DO_GIMBAL_MANAGER_PITCHYAW, FRAME_MISSION,
                              (pitch, round(float(wrap_deg(heading)), 2), 0.0, 0.0,
                               float(GIMBAL_YAW_LOCK), 0.0, 0.0)))
        items.append(Item(NAV_LOITER_TIME, FRAME_RELATIVE,
                          (timing.settle_s, 0.0, 0.0, 0.0, lat, lon, rel)))
        items.append(Item(CONDITION_YAW, FRAME_MISSION,
                          (heading, yaw_rate, 0.0, 0.0, 0.0, 0.0, 0.0)))
        if count > 1 and timing.interval_s <= 0:
            raise InputError(f"waypoint {w.seq}: {count} images need the camera's "
                             f"photo_hover_s > 0 to space them")
        # Param 4 is the capture's sequence number for a single image (so a retransmitted
        # command is not taken twice), 0 for a series (MAVLink common.xml).
        items.append(Item(IMAGE_START_CAPTURE, FRAME_MISSION,
                          (0.0, timing.interval_s if count > 1 else 0.0, float(count),
                           float(shots[0].number) if count == 1 else 0.0, 0.0, 0.0, 0.0)))
        items.append(Item(NAV_LOITER_TIME, FRAME_RELATIVE,
                          (timing.rest_s, 0.0, 0.0, 0.0, lat, lon, rel)))
        trigger = _set_trigger(items, trigger, round(w.trigger_m, 3))
    return items


def _set_trigger(items: list[Item], trigger: float, wanted: float) -> float:
    """Append ``DO_SET_CAM_TRIGG_DIST`` where the trigger distance in force changes."""
    if wanted != trigger:
        items.append(Item(DO_SET_CAM_TRIGG_DIST, FRAME_MISSION,
                          (wanted, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0)))
    return wanted


def _vehicle_type(plan: FlightPlan) -> int:
    rotors = plan.vehicle.profile.rotor_count
    return {1: 3, 4: 2, 6: 13, 8: 14}.get(rotors, 2)  # MAV_TYPE: coaxial, quad, hexa, octo


def _num(x: float) -> float | None:
    return None if math.isnan(x) else x


def qgc_plan(plan: FlightPlan, *, firmware_type: int = FIRMWARE_ARDUPILOT) -> dict[str, Any]:
    """A QGroundControl ``.plan`` document (a plain dict for ``json.dump``).

    NaN parameters are ``null``, as QGroundControl writes them.
    """
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
    # A geofence polygon is 2-D: it holds the vehicle out at every height. A keep-out that has
    # heights and that the plan flies over (or under) would stop the plan, so it is left out;
    # one the plan goes around stays in.
    route = LineString([(w.x, w.y) for w in plan.waypoints]) if len(plan.waypoints) > 1 \
        else Point(plan.waypoints[0].x, plan.waypoints[0].y)
    for i, buffered in enumerate(plan.local.keep_outs_buffered):
        if plan.local.band(i) != (-math.inf, math.inf) and buffered.intersects(route):
            continue
        grown = plan.frame.geometry_to_lonlat(buffered)
        for poly in getattr(grown, "geoms", [grown]):
            ring = list(poly.exterior.coords)[:-1]
            fence.append({"inclusion": False, "version": 1,
                          "polygon": [[round(y, 8), round(x, 8)] for x, y in ring]})
    rally = []
    sites = [(plan.mission.home, plan.local.home)]
    if plan.mission.landing is not None:
        sites.append((plan.mission.landing, plan.local.landing))
    # A rally point's altitude is relative to home, like the mission items (QGroundControl
    # sends it as MAV_CMD_NAV_RALLY_POINT in MAV_FRAME_GLOBAL_RELATIVE_ALT): the height to
    # reach it at, cruise height above the ground under it.
    for site, local in sites:
        g = float(plan.dem.sample(float(local.x), float(local.y)))
        rel = g + plan.vehicle.cruise_altitude_agl_m - home.ground_m
        rally.append([round(site.point.y, 8), round(site.point.x, 8), round(rel, 3)])
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
    note: dict[str, Any] = {
        "vehicle": plan.vehicle.profile.name,
        "cruise_altitude_agl_m": plan.vehicle.cruise_altitude_agl_m,
        "cruise_speed_m_s": plan.vehicle.cruise_speed_m_s,
        "air_density_kg_m3": plan.vehicle.air_density_kg_m3}
    if plan.mission.body.name != "earth":
        note.update({
            "body": plan.mission.body.name, "crs": plan.mission.body.geographic_crs,
            "note": "latitudes and longitudes are planetocentric on Mars (IAU 2015 sphere), "
                    "not WGS 84; heights are above the terrain model's datum"})
    doc["planFlight"] = note
    return doc


def qgc_plan_text(plan: FlightPlan) -> str:
    """The ``.plan`` file's text."""
    return json.dumps(qgc_plan(plan), indent=2) + "\n"


def _fmt(x: float) -> str:
    """A parameter as WPL text: NaN as ``NaN``, integers bare.

    ``NaN`` is what Python's ``float()`` and .NET's en-US ``double.Parse``, used by pymavlink
    and Mission Planner, both read.
    """
    if math.isnan(x):
        return "NaN"
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


# ---------------------------------------------------------------------------------------------
# Reading mission files back


@dataclass(frozen=True)
class FileItem:
    """A mission item as a file gives it: where (item number, line), command, frame, params."""

    number: int
    where: str
    command: int
    frame: int
    params: tuple[float, float, float, float, float, float, float]

    @property
    def lat(self) -> float:
        """Param 5."""
        return self.params[4]

    @property
    def lon(self) -> float:
        """Param 6."""
        return self.params[5]

    @property
    def alt(self) -> float:
        """Param 7."""
        return self.params[6]


@dataclass(frozen=True)
class MissionFile:
    """A MAVLink mission file read and validated.

    ``home`` is ``(lat, lon, alt)`` with the altitude absolute (AMSL as the file says);
    ``cruise_speed_m_s`` and ``note`` (plan-flight's ``planFlight`` member) are what a
    QGroundControl file may add; a WPL file has neither.
    """

    source: str
    kind: str
    home: tuple[float, float, float]
    items: tuple[FileItem, ...]
    cruise_speed_m_s: float | None = None
    note: dict[str, Any] | None = None


MISSION_SUFFIXES = {".plan": "QGroundControl plan", ".waypoints": "QGC WPL 110",
                    ".txt": "QGC WPL 110"}
"""Suffixes of the MAVLink mission files :func:`read_mission_file` reads."""


def read_mission_file(path: str | Path) -> MissionFile:
    """Read a QGroundControl ``.plan`` or a ``QGC WPL 110`` file (``.waypoints``, ``.txt``).

    Raises
    ------
    InputError
        The file cannot be read or is not a mission file of its kind; a line or item is wrong
        (named with its line or item number).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot be read ({exc})") from None
    if p.suffix.lower() == ".plan":
        return _read_qgc(str(p), text)
    return _read_wpl(str(p), text)


def _param(where: str, index: int, value: object) -> float:
    if value is None:
        return math.nan
    if isinstance(value, float) and math.isnan(value):
        return math.nan
    try:
        return number(value)
    except ValueError as exc:
        raise InputError(f"{where}: param {index} {exc}") from None


def _read_qgc(src: str, text: str) -> MissionFile:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{src}: invalid JSON at line {exc.lineno} column {exc.colno}: "
                         f"{exc.msg}") from None
    mission = doc.get("mission") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or doc.get("fileType") != "Plan" or \
            not isinstance(mission, dict) or not isinstance(mission.get("items"), list):
        raise InputError(f"{src}: not a QGroundControl plan (fileType 'Plan' with "
                         f"mission.items)")
    home_raw = mission.get("plannedHomePosition")
    if not isinstance(home_raw, list) or len(home_raw) != 3:
        raise InputError(f"{src}: field 'mission.plannedHomePosition' must be [lat, lon, alt]")
    try:
        home = tuple(number(v) for v in home_raw)
    except ValueError as exc:
        raise InputError(f"{src}: field 'mission.plannedHomePosition' {exc}") from None
    items: list[FileItem] = []
    for i, raw in enumerate(mission["items"], start=1):
        where = f"{src}: item {i}"
        if not isinstance(raw, dict):
            raise InputError(f"{where}: must be an object")
        if raw.get("type") != "SimpleItem":
            raise InputError(f"{where}: a {raw.get('type')!r} item (survey, corridor or "
                             f"structure scan) cannot be checked; only simple mission items "
                             f"can")
        params = raw.get("params")
        if not isinstance(params, list) or len(params) != 7:
            raise InputError(f"{where}: field 'params' must hold 7 values")
        try:
            command = int(number(raw.get("command"), minimum=0, whole=True))
            frame = int(number(raw.get("frame"), minimum=0, whole=True))
        except ValueError as exc:
            raise InputError(f"{where}: field 'command' or 'frame' {exc}") from None
        values = tuple(_param(where, k + 1, v) for k, v in enumerate(params))
        items.append(FileItem(number=i, where=f"item {i}", command=command, frame=frame,
                              params=values))  # type: ignore[arg-type]
    speed = mission.get("cruiseSpeed")
    note = doc.get("planFlight")
    return MissionFile(
        source=src, kind="QGroundControl plan", home=home,  # type: ignore[arg-type]
        items=tuple(items),
        cruise_speed_m_s=float(speed) if isinstance(speed, int | float) and
        not isinstance(speed, bool) and math.isfinite(speed) and speed > 0 else None,
        note=note if isinstance(note, dict) else None)


def _wpl_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if n == 1 or not stripped or stripped.startswith("#"):
            continue
        yield n, stripped.split()


def _read_wpl(src: str, text: str) -> MissionFile:
    first = text.splitlines()[0].strip() if text.strip() else ""
    if first != "QGC WPL 110":
        raise InputError(f"{src}: line 1 must be 'QGC WPL 110' (a MAVLink mission text "
                         f"file), not {first[:40]!r}")
    rows: list[tuple[int, int, int, tuple[float, ...]]] = []
    for n, cols in _wpl_rows(text):
        where = f"{src}: line {n}"
        if len(cols) != 12:
            raise InputError(f"{where}: 12 values expected (index, current, frame, command, "
                             f"param 1 to 7, autocontinue), found {len(cols)}")
        try:
            seq, frame, command = int(cols[0]), int(cols[2]), int(cols[3])
            int(cols[1]), int(cols[11])
        except ValueError:
            raise InputError(f"{where}: index, current, frame, command and autocontinue "
                             f"must be whole numbers") from None
        try:
            values = tuple(float(c) for c in cols[4:11])
        except ValueError:
            raise InputError(f"{where}: param 1 to 7 must be numbers") from None
        if any(math.isinf(v) for v in values):
            raise InputError(f"{where}: a parameter is infinite")
        rows.append((n, seq, frame, (command, *values)))
    if not rows:
        raise InputError(f"{src}: no mission items (not even the home row)")
    n0, seq0, _frame0, home_row = rows[0]
    if seq0 != 0:
        raise InputError(f"{src}: line {n0}: the first row must be home (index 0)")
    home = (home_row[5], home_row[6], home_row[7])
    if not all(math.isfinite(v) for v in home):
        raise InputError(f"{src}: line {n0}: home needs a finite latitude, longitude and "
                         f"altitude")
    items = []
    for n, seq, frame, row in rows[1:]:
        items.append(FileItem(number=seq, where=f"line {n} (item {seq})", command=int(row[0]),
                              frame=frame,
                              params=tuple(row[1:8])))  # type: ignore[arg-type]
    return MissionFile(source=src, kind="QGC WPL 110", home=home, items=tuple(items))
