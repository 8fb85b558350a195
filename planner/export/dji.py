"""DJI exports: WPML/KMZ (DJI Pilot 2 and FlightHub 2, Mavic 3 Enterprise) and Litchi CSV.

Both are for DJI aircraft on Earth: a Mars plan is refused (its lon/lat are Mars
planetocentric). Heights are relative to the take-off point in both, from the plan's terrain
model for every waypoint (terrain following is already in the waypoints), like the MAVLink
exports; the landing is not a waypoint but the mission's end: the last waypoint is above the
landing spot, and the aircraft lands there.

Yaw has the same meaning as in the MAVLink files: the heading is kept between photo stations
(the plan's ``heading_deg`` of ``None``) and turned to the planned heading at each station and at
the take-off waypoint. Speeds are the plan's commanded ground speeds; DJI's speed of a waypoint is
that of the leg *leaving* it, so a waypoint carries the next waypoint's ``leg_speed_m_s``.

WPML (DJI Cloud API documentation, "DJI WPML": overview, template.kml, waylines.wpml and
common elements; github.com/dji-sdk/Cloud-API-Doc, docs/en/60.api-reference/00.dji-wpml)
    A KMZ is a ZIP archive holding ``wpmz/template.kml`` (the editable template) and
    ``wpmz/waylines.wpml`` (what the aircraft executes), both KML 2.2 with the namespace
    ``http://www.dji.com/wpmz/1.0.2`` (the version DJI's documentation uses; Pilot 2 writes
    later ones and reads this). ``missionConfig``: ``flyToWaylineMode`` ``safely`` (climb
    vertically to the first waypoint's height, which is above the take-off point),
    ``finishAction`` ``autoLand`` (land on the spot after the last waypoint, above the landing
    site), ``exitOnRCLost`` ``goContinue`` (keep flying the checked route: going home in a
    straight line could cross keep-outs), ``droneEnumValue`` 77 / ``droneSubEnumValue`` 0
    (Mavic 3E) and ``payloadEnumValue`` 66 (Mavic 3E camera). Heights in
    ``relativeToStartPoint`` mode (template ``heightMode``, waylines ``executeHeightMode``):
    plan-flight knows heights above its terrain model's datum, not the WGS 84 ellipsoid, so the
    template's ``ellipsoidHeight`` repeats that absolute height and the aircraft flies the
    heights above take-off. Heading ``fixed`` everywhere (keep the heading after the waypoint's
    actions); turn mode ``toPointAndStopWithDiscontinuityCurvature`` at stops and
    ``toPointAndPassWithContinuityCurvature`` with ``useStraightLine`` 1 at pass-through terrain
    points (DJI Pilot 2's "turns before waypoint, flies through"), turning at most 1 m before
    them. Actions (``reachPoint``, in sequence): at the take-off waypoint ``rotateYaw`` to the
    take-off heading; at a photo station ``rotateYaw`` to the photo's heading, ``gimbalRotate``
    to its pitch, then ``hover`` T/2, ``takePhoto``, (``hover`` T, ``takePhoto``) for each
    further image, ``hover`` T/2: the images' hover is the plan's ``hold_s`` (N x T), as in the
    MAVLink files.

Litchi (the CSV the Litchi Mission Hub imports and exports)
    Header ``latitude, longitude, altitude(m), heading(deg), curvesize(m), rotationdir,
    gimbalmode, gimbalpitchangle, actiontype1, actionparam1 ... actiontype15, actionparam15,
    altitudemode, speed(m/s), poi_latitude, poi_longitude, poi_altitude(m), poi_altitudemode,
    photo_timeinterval, photo_distinterval`` (as written by the Litchi-compatible writers in
    Intel's Open Mission Control, ``LitchiCsv.java``, and the ``litchi_wp`` package, which also
    validates rows against it). Action types: -1 none, 0 stay for (ms), 1 take photo,
    2 start recording, 3 stop recording, 4 rotate aircraft (degrees), 5 tilt camera (degrees);
    at most 15 per waypoint. ``altitudemode`` 0 (above take-off), ``gimbalmode`` 2
    (interpolate between waypoints' pitches), ``rotationdir`` 0, ``speed`` 0 would mean the
    mission's cruise speed so every row gives its own; POI and photo intervals unused (0 and
    -1). Litchi interpolates the heading between waypoints (fly it with the mission's heading
    mode "Custom"): a waypoint repeats the heading held before it, so the aircraft keeps its
    heading, and a photo station carries the photo's heading, reached on the leg into it and
    made exact by a rotate action there; the gimbal pitch likewise. ``curvesize`` 0 at stops,
    at most 1 m at pass-through terrain points (fly it with "Curved turns").
"""

from __future__ import annotations

import csv
import io
import math
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace

from planner.errors import InputError
from planner.frames import wrap_deg
from planner.plan import Action, FlightPlan, Photo, Waypoint

KML_NS = "http://www.opengis.net/kml/2.2"
WPML_NS = "http://www.dji.com/wpmz/1.0.2"
KMZ_TEMPLATE = "wpmz/template.kml"
KMZ_WAYLINES = "wpmz/waylines.wpml"
DRONE_ENUM_M3E = 77
"""``droneEnumValue`` of the Mavic 3 Enterprise series (M3E/M3T/M3M)."""
DRONE_SUB_ENUM_M3E = 0
"""``droneSubEnumValue`` of the Mavic 3E."""
PAYLOAD_ENUM_M3E = 66
"""``payloadEnumValue`` of the Mavic 3E camera."""
TRANSITIONAL_SPEED_MAX_M_S = 15.0
"""WPML's ``globalTransitionalSpeed`` range is [0, 15] m/s."""
PASS_TURN_MAX_M = 1.0
"""How far before a pass-through point the aircraft may start turning (WPML damping distance,
Litchi curve size): a bend of angle a is cut by at most this times sin(a / 2), 17 cm for a
20° bend."""
PASS_TURN_SHARE = 0.4
"""...and at most this share of the shorter leg beside it (two turns must fit on a leg)."""
RTH_MARGIN_M = 10.0
"""Return-to-home height above the highest waypoint (above take-off)."""

LITCHI_ACTIONS = 15
LITCHI_STAY_MAX_MS = 32000
LITCHI_SPEED_MAX_M_S = 15.0
NONE, STAY_FOR, TAKE_PHOTO, ROTATE_AIRCRAFT, TILT_CAMERA = -1, 0, 1, 4, 5
LITCHI_COLUMNS = (
    "latitude", "longitude", "altitude(m)", "heading(deg)", "curvesize(m)", "rotationdir",
    "gimbalmode", "gimbalpitchangle",
    *[f"action{kind}{i}" for i in range(1, LITCHI_ACTIONS + 1) for kind in ("type", "param")],
    "altitudemode", "speed(m/s)", "poi_latitude", "poi_longitude", "poi_altitude(m)",
    "poi_altitudemode", "photo_timeinterval", "photo_distinterval")


def require_earth(plan: FlightPlan, what: str) -> None:
    """Refuse a DJI export of a plan that is not on Earth.

    Raises
    ------
    InputError
        The plan is for another body.
    """
    body = plan.mission.body.name
    if body != "earth":
        raise InputError(f"{plan.mission.source}: {what} is for DJI aircraft on Earth; this "
                         f"plan is on {body.capitalize()} (its lon/lat are not WGS 84)")


@dataclass(frozen=True)
class Stop:
    """A waypoint as DJI formats fly it: where, how high above take-off, what happens there."""

    wp: Waypoint
    height_m: float
    speed_m_s: float
    heading_deg: float
    turn_clockwise: bool
    pitch_deg: float
    pass_turn_m: float | None
    photos: tuple[Photo, ...]
    then: tuple[Stop, ...] = ()
    """Further photo stations at the very same spot (a station shared by several targets),
    flown as this waypoint's further actions: turn, tilt, hover and shoot for each."""


def stops(plan: FlightPlan) -> list[Stop]:
    """The plan's waypoints up to the one above the landing, with what DJI formats need.

    ``heading_deg`` is the heading held at the waypoint (the photo's at a station, the one
    before it elsewhere), ``pitch_deg`` likewise the gimbal's; ``pass_turn_m`` is the turn
    distance at a pass-through point, ``None`` at a stop.
    """
    wps = [w for w in plan.waypoints if w.action != Action.LAND]
    home_alt = plan.waypoints[0].ground_m
    photos_at: dict[int, list[Photo]] = {}
    for ph in plan.photos:
        photos_at.setdefault(ph.waypoint, []).append(ph)
    first_pitch = next((ph.pitch_deg for ph in plan.photos), 0.0)
    heading = wps[0].heading_deg if wps[0].heading_deg is not None else 0.0
    pitch = first_pitch
    out: list[Stop] = []
    for i, w in enumerate(wps):
        previous = heading
        if w.action == Action.PHOTO and w.heading_deg is not None:
            heading = w.heading_deg
            shots = photos_at.get(w.seq, [])
            if w.camera_pitch_deg is not None:
                pitch = w.camera_pitch_deg
            elif shots:
                pitch = shots[0].pitch_deg
        nxt = wps[i + 1].leg_speed_m_s if i + 1 < len(wps) else plan.vehicle.cruise_speed_m_s
        pass_turn = None
        if not w.stop and 0 < i < len(wps) - 1:
            legs = [w.leg_m, wps[i + 1].leg_m]
            pass_turn = round(min(PASS_TURN_MAX_M, PASS_TURN_SHARE * min(legs)), 2)
            if pass_turn < 0.1:
                pass_turn = None  # too close to turn early: stop there
        clockwise = (heading - previous) % 360.0 <= 180.0
        stop = Stop(wp=w, height_m=round(w.alt_m - home_alt, 3), speed_m_s=round(nxt, 2),
                    heading_deg=heading % 360.0, turn_clockwise=clockwise,
                    pitch_deg=pitch, pass_turn_m=pass_turn,
                    photos=tuple(photos_at.get(w.seq, [])))
        if out and _same_spot(out[-1], stop):
            # A station shared by several targets: one waypoint, the photos one after another.
            out[-1] = replace(out[-1], speed_m_s=stop.speed_m_s,
                              then=(*out[-1].then, stop))
        else:
            out.append(stop)
    return out


def _same_spot(a: Stop, b: Stop) -> bool:
    """``b`` is a photo station at ``a``'s photo station: no leg between them at all."""
    return (a.wp.action == b.wp.action == Action.PHOTO and b.wp.leg_m == 0.0
            and (a.wp.x, a.wp.y, a.wp.agl_m) == (b.wp.x, b.wp.y, b.wp.agl_m))


# ---------------------------------------------------------------------------------------------
# WPML


def _el(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    ns = KML_NS if tag[0].isupper() or tag in ("coordinates",) else WPML_NS
    e = ET.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        e.text = _text(text)
    return e


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.8f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


def _mission_config(doc: ET.Element, plan: FlightPlan, first_height: float,
                    rth_height: float | None) -> None:
    cfg = _el(doc, "missionConfig")
    _el(cfg, "flyToWaylineMode", "safely")
    _el(cfg, "finishAction", "autoLand")
    _el(cfg, "exitOnRCLost", "goContinue")
    _el(cfg, "executeRCLostAction", "hover")
    _el(cfg, "takeOffSecurityHeight", float(round(min(max(first_height, 2.0), 1500.0), 2)))
    _el(cfg, "globalTransitionalSpeed",
        float(round(min(plan.vehicle.cruise_speed_m_s, TRANSITIONAL_SPEED_MAX_M_S), 2)))
    if rth_height is not None:
        _el(cfg, "globalRTHHeight", rth_height)
    drone = _el(cfg, "droneInfo")
    _el(drone, "droneEnumValue", DRONE_ENUM_M3E)
    _el(drone, "droneSubEnumValue", DRONE_SUB_ENUM_M3E)
    payload = _el(cfg, "payloadInfo")
    _el(payload, "payloadEnumValue", PAYLOAD_ENUM_M3E)
    _el(payload, "payloadSubEnumValue", 0)
    _el(payload, "payloadPositionIndex", 0)


def _heading_param(parent: ET.Element, tag: str = "waypointHeadingParam") -> None:
    hp = _el(parent, tag)
    _el(hp, "waypointHeadingMode", "fixed")
    _el(hp, "waypointHeadingAngle", 0)
    _el(hp, "waypointPoiPoint", "0.000000,0.000000,0.000000")
    _el(hp, "waypointHeadingPathMode", "followBadArc")


def _turn_param(parent: ET.Element, stop: Stop) -> None:
    tp = _el(parent, "waypointTurnParam")
    if stop.pass_turn_m is None:
        _el(tp, "waypointTurnMode", "toPointAndStopWithDiscontinuityCurvature")
        _el(tp, "waypointTurnDampingDist", 0)
    else:
        _el(tp, "waypointTurnMode", "toPointAndPassWithContinuityCurvature")
        _el(tp, "waypointTurnDampingDist", stop.pass_turn_m)


def _aircraft_heading(deg: float) -> float:
    return float(round(float(wrap_deg(deg)), 2))


def _actions(stop: Stop, index: int, plan: FlightPlan) -> list[tuple[str, dict[str, object]]]:
    """The waypoint's actions, in order: (function, parameters)."""
    acts: list[tuple[str, dict[str, object]]] = []
    rotate: tuple[str, dict[str, object]] = ("rotateYaw", {
        "aircraftHeading": _aircraft_heading(stop.heading_deg),
        "aircraftPathMode": "clockwise" if stop.turn_clockwise else "counterClockwise"})
    if index == 0:
        return [rotate]
    if stop.wp.action != Action.PHOTO:
        return []
    acts.append(rotate)
    acts.append(("gimbalRotate", {
        "gimbalHeadingYawBase": "north", "gimbalRotateMode": "absoluteAngle",
        "gimbalPitchRotateEnable": 1, "gimbalPitchRotateAngle": float(round(stop.pitch_deg, 2)),
        "gimbalRollRotateEnable": 0, "gimbalRollRotateAngle": 0,
        "gimbalYawRotateEnable": 0, "gimbalYawRotateAngle": 0,
        "gimbalRotateTimeEnable": 0, "gimbalRotateTime": 0, "payloadPositionIndex": 0}))
    for step in photo_sequence(stop, plan):
        if step.kind == "hover":
            acts.append(("hover", {"hoverTime": step.seconds}))
        else:
            acts.append(("takePhoto", {"fileSuffix": step.name, "payloadPositionIndex": 0,
                                       "useGlobalPayloadLensIndex": 1}))
    for more in stop.then:
        acts += _actions(more, index, plan)
    return acts


@dataclass(frozen=True)
class Step:
    """One step of a photo station: a hover of ``seconds``, or a photo named ``name``."""

    kind: str
    seconds: float = 0.0
    name: str = ""


def photo_sequence(stop: Stop, plan: FlightPlan) -> list[Step]:
    """Hovers and photos at a station: T/2, photo, (T, photo) ..., T/2; hovers of 0 left out.

    The hovers add up to the waypoint's ``hold_s`` (N x T in the plan), the images T apart.
    """
    t = plan.vehicle.camera.photo_hover_s
    n = sum(ph.count for ph in stop.photos)
    if n == 0:
        return []
    extra = max(stop.wp.hold_s - n * t, 0.0)
    seq: list[Step] = []

    def hover(seconds: float) -> None:
        if seconds > 1e-9:
            seq.append(Step("hover", seconds=float(round(seconds, 3))))

    hover(t / 2)
    k = 0
    for ph in stop.photos:
        for j in range(ph.count):
            if k > 0:
                hover(t)
            seq.append(Step("photo", name=f"photo{ph.number}_{j + 1}"))
            k += 1
    hover(t / 2 + extra)
    return seq


def _action_group(parent: ET.Element, group_id: int, index: int,
                  actions: list[tuple[str, dict[str, object]]]) -> None:
    grp = _el(parent, "actionGroup")
    _el(grp, "actionGroupId", group_id)
    _el(grp, "actionGroupStartIndex", index)
    _el(grp, "actionGroupEndIndex", index)
    _el(grp, "actionGroupMode", "sequence")
    trig = _el(grp, "actionTrigger")
    _el(trig, "actionTriggerType", "reachPoint")
    for k, (func, params) in enumerate(actions):
        act = _el(grp, "action")
        _el(act, "actionId", k)
        _el(act, "actionActuatorFunc", func)
        par = _el(act, "actionActuatorFuncParam")
        for key, value in params.items():
            _el(par, key, value)


def _point(pm: ET.Element, w: Waypoint) -> None:
    pt = _el(pm, "Point")
    _el(pt, "coordinates", f"{w.lon:.8f},{w.lat:.8f}")


def _document(build: Callable[[ET.Element], None]) -> bytes:
    ET.register_namespace("", KML_NS)
    ET.register_namespace("wpml", WPML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _el(root, "Document")
    build(doc)
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def template_kml(plan: FlightPlan) -> bytes:
    """``wpmz/template.kml``: the waypoint template DJI Pilot 2 opens for editing."""
    require_earth(plan, "a DJI WPML mission")
    st = stops(plan)
    cruise = plan.vehicle.cruise_speed_m_s

    def build(doc: ET.Element) -> None:
        _el(doc, "author", "plan-flight")
        _mission_config(doc, plan, st[0].height_m, None)
        folder = _el(doc, "Folder")
        _el(folder, "templateType", "waypoint")
        _el(folder, "templateId", 0)
        coords = _el(folder, "waylineCoordinateSysParam")
        _el(coords, "coordinateMode", "WGS84")
        _el(coords, "heightMode", "relativeToStartPoint")
        _el(folder, "autoFlightSpeed", float(round(cruise, 2)))
        _el(folder, "globalHeight", float(round(plan.vehicle.cruise_altitude_agl_m, 2)))
        _el(folder, "gimbalPitchMode", "manual")
        _heading_param(folder, "globalWaypointHeadingParam")
        _el(folder, "globalWaypointTurnMode", "toPointAndStopWithDiscontinuityCurvature")
        _el(folder, "globalUseStraightLine", 1)
        group = 0
        for i, s in enumerate(st):
            pm = _el(folder, "Placemark")
            _point(pm, s.wp)
            _el(pm, "index", i)
            _el(pm, "useGlobalHeight", 0)
            _el(pm, "ellipsoidHeight", float(round(s.wp.alt_m, 3)))
            _el(pm, "height", s.height_m)
            _el(pm, "useGlobalSpeed", 0)
            _el(pm, "waypointSpeed", s.speed_m_s)
            _el(pm, "useGlobalHeadingParam", 0)
            _heading_param(pm)
            _el(pm, "useGlobalTurnParam", 0)
            _turn_param(pm, s)
            if s.pass_turn_m is not None:
                _el(pm, "useStraightLine", 1)
            acts = _actions(s, i, plan)
            if acts:
                _action_group(pm, group, i, acts)
                group += 1
        payload = _el(folder, "payloadParam")
        _el(payload, "payloadPositionIndex", 0)
        _el(payload, "imageFormat", "wide")

    return _document(build)


def waylines_wpml(plan: FlightPlan) -> bytes:
    """``wpmz/waylines.wpml``: the wayline the aircraft executes."""
    require_earth(plan, "a DJI WPML mission")
    st = stops(plan)
    rth = float(math.ceil(max(s.height_m for s in st) + RTH_MARGIN_M))

    def build(doc: ET.Element) -> None:
        _mission_config(doc, plan, st[0].height_m, rth)
        folder = _el(doc, "Folder")
        _el(folder, "templateId", 0)
        _el(folder, "executeHeightMode", "relativeToStartPoint")
        _el(folder, "waylineId", 0)
        _el(folder, "distance", float(round(plan.distance_m, 2)))
        _el(folder, "duration", float(round(plan.duration_s, 2)))
        _el(folder, "autoFlightSpeed", float(round(plan.vehicle.cruise_speed_m_s, 2)))
        group = 0
        for i, s in enumerate(st):
            pm = _el(folder, "Placemark")
            _point(pm, s.wp)
            _el(pm, "index", i)
            _el(pm, "executeHeight", s.height_m)
            _el(pm, "waypointSpeed", s.speed_m_s)
            _heading_param(pm)
            _turn_param(pm, s)
            if s.pass_turn_m is not None:
                _el(pm, "useStraightLine", 1)
            acts = _actions(s, i, plan)
            if acts:
                _action_group(pm, group, i, acts)
                group += 1
        payload = _el(folder, "payloadParam")
        _el(payload, "payloadPositionIndex", 0)
        _el(payload, "imageFormat", "wide")

    return _document(build)


def wpml_kmz(plan: FlightPlan) -> bytes:
    """The KMZ: a ZIP of ``wpmz/template.kml`` and ``wpmz/waylines.wpml``.

    Byte for byte the same for the same plan (fixed member times).
    """
    files = [(KMZ_TEMPLATE, template_kml(plan)), (KMZ_WAYLINES, waylines_wpml(plan))]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Litchi


def litchi_csv(plan: FlightPlan) -> str:
    """The Litchi mission CSV (see the module docstring).

    Raises
    ------
    InputError
        A Mars plan; a leg faster than Litchi's 15 m/s; a station needing more than Litchi's 15
        actions per waypoint (at most 6 images).
    """
    require_earth(plan, "a Litchi mission")
    st = stops(plan)
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(LITCHI_COLUMNS)
    for i, s in enumerate(st):
        if s.speed_m_s > LITCHI_SPEED_MAX_M_S:
            raise InputError(f"{plan.mission.source}: waypoint {s.wp.seq}: Litchi flies at "
                             f"most {LITCHI_SPEED_MAX_M_S:g} m/s; the leg after it is "
                             f"{s.speed_m_s:g} m/s")
        actions = _litchi_actions(s, i, plan)
        if len(actions) > LITCHI_ACTIONS:
            n = sum(ph.count for one in (s, *s.then) for ph in one.photos)
            raise InputError(f"{plan.mission.source}: waypoint {s.wp.seq}: {n} images need "
                             f"{len(actions)} Litchi actions; Litchi allows "
                             f"{LITCHI_ACTIONS} per waypoint")
        actions += [(NONE, 0)] * (LITCHI_ACTIONS - len(actions))
        row: list[object] = [f"{s.wp.lat:.8f}", f"{s.wp.lon:.8f}", f"{s.height_m:.2f}",
                             f"{s.heading_deg:.2f}",
                             "0" if s.pass_turn_m is None else _text(s.pass_turn_m), 0, 2,
                             f"{s.pitch_deg:.2f}"]
        for kind, param in actions:
            row += [kind, _text(float(param)) if kind != NONE else 0]
        row += [0, f"{s.speed_m_s:.2f}", 0, 0, 0, 0, -1, -1]
        out.writerow(row)
    return buf.getvalue()


def _litchi_actions(s: Stop, i: int, plan: FlightPlan) -> list[tuple[int, float]]:
    """A Litchi waypoint's actions: (type, parameter), those of the stations it folds too."""
    actions: list[tuple[int, float]] = []
    if i == 0 or s.wp.action == Action.PHOTO:
        actions.append((ROTATE_AIRCRAFT, round(s.heading_deg, 2)))
    if s.wp.action == Action.PHOTO:
        actions.append((TILT_CAMERA, round(s.pitch_deg, 2)))
        for step in photo_sequence(s, plan):
            if step.kind == "photo":
                actions.append((TAKE_PHOTO, 0))
                continue
            ms = round(step.seconds * 1000)
            while ms > 0:
                actions.append((STAY_FOR, min(ms, LITCHI_STAY_MAX_MS)))
                ms -= LITCHI_STAY_MAX_MS
    for more in s.then:
        actions += _litchi_actions(more, i, plan)
    return actions
