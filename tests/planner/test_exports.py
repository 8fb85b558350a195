"""Exports, proven with real readers: pymavlink, GDAL (through pyogrio), QGC's structure, the
documented WPML structure through zipfile and ElementTree, Litchi's CSV through the csv module.

The MAVLink missions are also flown: :func:`replay` interprets the mission items the way
ArduPilot Copter does (each DO item when the navigation item before it completes, speeds from
``DO_CHANGE_SPEED``, holds from ``NAV_LOITER_TIME``, images one interval apart from
``IMAGE_START_CAPTURE``) and the test holds the result to the plan: the same time within the
whole-second rounding of the holds, every image after the turn and a settle, N images
``photo_hover_s`` apart, and at least N x ``photo_hover_s`` of hover.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import InputError
from planner.export import (
    ALL_FILES,
    EARTH_FILES,
    FORMATS,
    all_files,
    check_for_body,
    check_target,
    dji,
    format_of,
    mavlink,
    render,
    write_all,
)
from planner.frames import turn_deg
from planner.pipeline import plan_mission
from planner.plan import Action

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()
AP_DEFAULT_SPEED_M_S = 10.0  # ArduPilot Copter's WPNAV_SPEED default, flown without a speed item


@pytest.fixture(scope="module")
def mars(tmp_path_factory):
    """Ingenuity's flight 26 (fixed camera), planned once, every export written."""
    plan, ctx = plan_mission(EXAMPLES / "flight26" / "targets.geojson")
    out = tmp_path_factory.mktemp("flight26")
    write_all(plan, ctx.hazards, [out / n for n in all_files("mars")])
    return plan, ctx, out


@pytest.fixture(scope="module")
def earth(tmp_path_factory):
    """The Mavic 3 survey (gimbal), planned once, every export written."""
    plan, ctx = plan_mission(EXAMPLES / "earth" / "targets.geojson")
    out = tmp_path_factory.mktemp("earth")
    write_all(plan, ctx.hazards, [out / n for n in all_files("earth")])
    return plan, ctx, out


def loader_of(path: Path):
    from pymavlink import mavwp

    loader = mavwp.MAVWPLoader()
    n = loader.load(str(path))
    return [loader.wp(i) for i in range(n)]


def items_of(path: Path) -> list[mavlink.FileItem]:
    return list(mavlink.read_mission_file(path).items)


# ---------------------------------------------------------------------------------------------
# MAVLink: structure, read back with pymavlink


@pytest.mark.parametrize("which", ["mars", "earth"])
def test_pymavlink_reads_the_waypoints(which, request) -> None:
    plan, _, out = request.getfixturevalue(which)
    wps = loader_of(out / "plan.waypoints")
    cmds = [w.command for w in wps]
    assert cmds[1] == mavlink.NAV_TAKEOFF and cmds[-1] == mavlink.NAV_LAND
    nav = [w for w in wps[1:] if w.command in mavlink.NAV_COMMANDS]
    # One navigation item per waypoint, and two loiters (settle, images) per photo station.
    assert len(nav) == len(plan.waypoints) + 2 * len(plan.photos)
    assert all(w.frame == mavlink.FRAME_RELATIVE for w in nav)
    captures = [w for w in wps if w.command == mavlink.IMAGE_START_CAPTURE]
    assert [int(c.param3) for c in captures] == [p.count for p in plan.photos]
    t = plan.vehicle.camera.photo_hover_s
    assert [c.param2 for c in captures] == [t if p.count > 1 else 0 for p in plan.photos]
    home = wps[0]
    assert home.frame == mavlink.FRAME_GLOBAL
    assert home.x == pytest.approx(plan.waypoints[0].lat, abs=1e-7)
    assert home.z == pytest.approx(plan.waypoints[0].ground_m, abs=1e-3)


@pytest.mark.parametrize("which", ["mars", "earth"])
def test_nan_only_where_ardupilot_takes_it(which, request) -> None:
    """ArduPilot refuses a mission with NaN anywhere but a NAV item's yaw (param 4)."""
    _, _, out = request.getfixturevalue(which)
    qgc = json.loads((out / "plan.plan").read_text())["mission"]["items"]
    for item, wp in zip(qgc, loader_of(out / "plan.waypoints")[1:], strict=True):
        params = [wp.param1, wp.param2, wp.param3, wp.param4, wp.x, wp.y, wp.z]
        nans = [k + 1 for k, v in enumerate(params) if math.isnan(v)]
        nulls = [k + 1 for k, v in enumerate(item["params"]) if v is None]
        assert nans == nulls  # the same NaNs in both files
        if nans:
            assert nans == [4] and wp.command in (mavlink.NAV_WAYPOINT, mavlink.NAV_TAKEOFF,
                                                   mavlink.NAV_LAND)


@pytest.mark.parametrize("which", ["mars", "earth"])
def test_yaw_is_kept_between_stations_and_set_at_them(which, request) -> None:
    """The same yaw in every format: NaN (keep) on waypoints that take no photo, the photo's
    heading at a station (the waypoint's yaw and CONDITION_YAW), the take-off's heading."""
    plan, _, out = request.getfixturevalue(which)
    wps = loader_of(out / "plan.waypoints")
    nav_wp = [w for w in wps[1:] if w.command in (mavlink.NAV_WAYPOINT, mavlink.NAV_LAND)]
    by_place = iter(w for w in plan.waypoints[1:])
    for w in nav_wp:
        pw = next(by_place)
        if pw.heading_deg is None:
            assert math.isnan(w.param4), (pw.seq, w.param4)
        else:
            assert w.param4 == pytest.approx(pw.heading_deg % 360, abs=0.01)
    assert wps[1].param4 == pytest.approx(plan.waypoints[0].heading_deg % 360, abs=0.01)
    yaws = [w.param1 for w in wps if w.command == mavlink.CONDITION_YAW]
    headings = [p.heading_deg % 360 for p in plan.photos]
    assert yaws == pytest.approx([h for h in headings for _ in range(2)], abs=0.01)


def test_fixed_camera_is_aimed_by_yaw_and_gimbal_by_gimbal(mars, earth) -> None:
    m = loader_of(mars[2] / "plan.waypoints")
    assert any(w.command == mavlink.CONDITION_YAW for w in m)
    assert not any(w.command == mavlink.DO_GIMBAL_MANAGER_PITCHYAW for w in m)
    plan, _, out = earth
    e = loader_of(out / "plan.waypoints")
    gimbal = [w for w in e if w.command == mavlink.DO_GIMBAL_MANAGER_PITCHYAW]
    assert [g.param1 for g in gimbal] == pytest.approx([p.pitch_deg for p in plan.photos],
                                                      abs=0.01)
    assert all(int(g.x) == mavlink.GIMBAL_YAW_LOCK for g in gimbal)
    assert all(turn_deg(g.param2, p.heading_deg) < 0.01
               for g, p in zip(gimbal, plan.photos, strict=True))
    # The vehicle turns too (the Mavic's gimbal cannot pan far).
    assert sum(w.command == mavlink.CONDITION_YAW for w in e) == 2 * len(plan.photos)


def test_holds_are_whole_seconds(mars, earth) -> None:
    """ArduPilot keeps holds in whole seconds: a fraction would be cut off, shortening the
    hover; every hold is whole, rounded up."""
    for _, _, out in (mars, earth):
        for w in loader_of(out / "plan.waypoints")[1:]:
            if w.command in (mavlink.NAV_LOITER_TIME, mavlink.NAV_WAYPOINT):
                assert w.param1 == int(w.param1) >= 0


def test_speed_items_wherever_the_commanded_speed_changes(earth) -> None:
    plan, ctx, _ = earth
    speeds = [8.0, 8.0, 5.5, 5.5, 12.25, 8.0]  # into waypoints 2..7 (7 lands: no leg speed)
    wps = list(plan.waypoints)
    for i, v in enumerate(speeds[:len(wps) - 2], start=1):
        wps[i] = replace(wps[i], leg_speed_m_s=v)
    varied = replace(plan, waypoints=tuple(wps))
    items = mavlink.mission_items(varied)
    cmds = [it.command for it in items]
    changes = [it.params[1] for it in items if it.command == mavlink.DO_CHANGE_SPEED]
    expected = [v for k, v in enumerate(speeds[:len(wps) - 2])
                if k == 0 or v != speeds[k - 1]]
    assert changes == expected
    assert all(it.params[0] == 1 and it.params[2] == -1 for it in items
               if it.command == mavlink.DO_CHANGE_SPEED)  # ground speed, throttle unchanged
    # The first comes right after the take-off, before the first moving leg, and every one
    # right after a navigation item (the first DO there, so no CONDITION_YAW holds it back).
    assert cmds[1] == mavlink.DO_CHANGE_SPEED
    for k, c in enumerate(cmds):
        if c == mavlink.DO_CHANGE_SPEED:
            assert cmds[k - 1] in mavlink.NAV_COMMANDS and cmds[k + 1] == mavlink.NAV_WAYPOINT
    # Flown, each leg takes the vehicle model's time at its commanded speed.
    delta = 0.0
    for a, b in itertools.pairwise(plan.waypoints[:-1]):
        dz = b.alt_m - a.alt_m
        stops = int(a.stop) + int(b.stop)
        new = next(w for w in wps if w.seq == b.seq).leg_speed_m_s
        t_new, _ = plan.vehicle.leg(b.leg_m, max(dz, 0), max(-dz, 0), stops=stops,
                                    speed_m_s=new)
        t_old, _ = plan.vehicle.leg(b.leg_m, max(dz, 0), max(-dz, 0), stops=stops,
                                    speed_m_s=b.leg_speed_m_s)
        delta += float(t_new - t_old)
    base = replay(mavlink.mission_items(plan), plan).duration_s
    assert replay(items, varied).duration_s - base == pytest.approx(delta, abs=1e-3)
    assert abs(delta) > 1.0
    assert render(plan, ctx.hazards, ".plan") != render(varied, ctx.hazards, ".plan")


# ---------------------------------------------------------------------------------------------
# Replay: fly the mission items and hold them to the plan


@dataclass
class Shot:
    """One capture item's images as flown."""

    times: list[float]
    arrival: float
    departure: float
    heading: float | None
    pitch: float | None
    turn_s: float


@dataclass
class Flown:
    duration_s: float
    energy_wh: float
    shots: list[Shot] = field(default_factory=list)


def replay(items: list[mavlink.Item] | list[mavlink.FileItem], plan) -> Flown:
    """Fly mission items as ArduPilot Copter does (see the module docstring).

    Legs use the vehicle model at the commanded speed (ArduPilot's default before any
    ``DO_CHANGE_SPEED``), stopping at waypoints with a 1 m acceptance radius; a
    ``CONDITION_YAW`` turns at its rate while the hold's clock runs.
    """
    v = plan.vehicle
    frame = plan.frame
    home_ground = plan.waypoints[0].ground_m
    t = e = 0.0
    speed = AP_DEFAULT_SPEED_M_S
    pos = None  # (x, y, rel, stops there)
    heading = plan.waypoints[0].heading_deg
    pitch = None
    arrival = 0.0
    shots: list[Shot] = []
    open_shots: list[Shot] = []
    last_turn = 0.0
    for it in items:
        c, p = it.command, it.params
        if c == mavlink.NAV_TAKEOFF:
            dt, de = v.takeoff(p[6])
            t, e = t + dt, e + de
            x, y = (float(q) for q in frame.to_local(p[5], p[4]))
            pos = (x, y, p[6], True)
            heading = p[3] if not math.isnan(p[3]) else heading
            continue
        if c == mavlink.NAV_LAND:
            dt, de = v.landing(pos[2] + home_ground - float(plan.dem.sample(pos[0], pos[1])))
            t, e = t + dt, e + de
            continue
        if c in (mavlink.NAV_WAYPOINT, mavlink.NAV_LOITER_TIME):
            x, y = (float(q) for q in frame.to_local(p[5], p[4]))
            d = math.hypot(x - pos[0], y - pos[1])
            if d > 0.01:
                for s in open_shots:
                    s.departure = t
                open_shots = []
                stop = c == mavlink.NAV_LOITER_TIME or p[1] <= mavlink.ACCEPT_STOP_M
                dz = p[6] - pos[2]
                lt, le = v.leg(d, max(dz, 0.0), max(-dz, 0.0),
                               stops=int(pos[3]) + int(stop), speed_m_s=speed)
                t, e = t + float(lt), e + float(le)
                pos = (x, y, p[6], stop)
                arrival = t
                last_turn = 0.0
            t, e = t + p[0], e + v.hover(p[0])
            continue
        if c == mavlink.DO_CHANGE_SPEED:
            speed = p[1]
        elif c == mavlink.CONDITION_YAW:
            last_turn += turn_deg(heading, p[0]) / p[1]
            heading = p[0]
        elif c == mavlink.DO_GIMBAL_MANAGER_PITCHYAW:
            pitch = p[0]
        elif c == mavlink.IMAGE_START_CAPTURE:
            n = int(p[2])
            shot = Shot([t + k * p[1] for k in range(n)], arrival, math.inf, heading, pitch,
                        last_turn)
            shots.append(shot)
            open_shots.append(shot)
    for s in open_shots:
        s.departure = t
    return Flown(t, e, shots)


@pytest.mark.parametrize("which", ["mars", "earth"])
def test_the_mission_flies_the_plan(which, request) -> None:
    plan, _, out = request.getfixturevalue(which)
    for name in ("plan.waypoints", "plan.plan"):
        flown = replay(items_of(out / name), plan)
        # Time as planned, up to the whole-second rounding of two holds per station.
        # (positions and heights are rounded to about a millimetre in the files).
        assert -0.01 <= flown.duration_s - plan.duration_s <= 2 * len(plan.photos) + 0.01
        assert flown.energy_wh == pytest.approx(plan.energy_wh, rel=0.02)
        cam = plan.vehicle.camera
        t = cam.photo_hover_s
        assert len(flown.shots) == len(plan.photos)
        for shot, ph in zip(flown.shots, plan.photos, strict=True):
            assert len(shot.times) == ph.count
            # The first image after the turn and half an image's settle, the images T apart,
            # the last one half an image's hover before leaving; N x T of hover at least.
            assert shot.times[0] - shot.arrival >= shot.turn_s + t / 2 - 1e-6
            assert all(b - a == pytest.approx(t) for a, b in
                       zip(shot.times, shot.times[1:], strict=False))
            assert shot.departure - shot.times[-1] >= t / 2 - 1e-6
            assert shot.departure - shot.arrival >= ph.count * t + shot.turn_s - 1e-6
            assert turn_deg(shot.heading, ph.heading_deg) < 0.01
            if cam.mount == "gimbal":
                assert shot.pitch == pytest.approx(ph.pitch_deg, abs=0.01)


def test_the_replay_can_fail(earth) -> None:
    """Without the speed items the autopilot flies its own speed; with the capture before the
    settle the first image is taken on arrival: the replay sees both."""
    plan, _, out = earth
    items = items_of(out / "plan.waypoints")
    slow = [it for it in items if it.command != mavlink.DO_CHANGE_SPEED]
    assert abs(replay(slow, plan).duration_s - plan.duration_s) > 2 * len(plan.photos)
    k = next(i for i, it in enumerate(items) if it.command == mavlink.IMAGE_START_CAPTURE)
    arrive = max(i for i in range(k) if items[i].command == mavlink.NAV_WAYPOINT)
    early = [*items[:arrive + 1], items[k], *items[arrive + 1:k], *items[k + 1:]]
    shot = replay(early, plan).shots[0]
    assert shot.times[0] - shot.arrival < plan.vehicle.camera.photo_hover_s / 2


# ---------------------------------------------------------------------------------------------
# MAVLink: reading files back


@pytest.mark.parametrize("which", ["mars", "earth"])
def test_our_wpl_reader_reads_what_pymavlink_reads(which, request) -> None:
    _, _, out = request.getfixturevalue(which)
    ours = mavlink.read_mission_file(out / "plan.waypoints")
    theirs = loader_of(out / "plan.waypoints")
    assert ours.home == pytest.approx((theirs[0].x, theirs[0].y, theirs[0].z))
    assert len(ours.items) == len(theirs) - 1
    for a, b in zip(ours.items, theirs[1:], strict=True):
        assert (a.number, a.command, a.frame) == (b.seq, b.command, b.frame)
        pb = (b.param1, b.param2, b.param3, b.param4, b.x, b.y, b.z)
        assert all((math.isnan(x) and math.isnan(y)) or x == pytest.approx(y)
                   for x, y in zip(a.params, pb, strict=True))
    qgc = mavlink.read_mission_file(out / "plan.plan")
    assert [(i.command, i.frame) for i in qgc.items] == [(i.command, i.frame) for i in
                                                          ours.items]


def test_wpl_reader_takes_mission_planner_and_pymavlink_text(tmp_path) -> None:
    """Mission Planner's and pymavlink's own writing: comments, spaces, lower-case nan."""
    from pymavlink import mavwp

    text = ("QGC WPL 110\n"
            "0\t1\t0\t16\t0.000000\t0.000000\t0.000000\t0.000000\t47.370000\t8.540000\t"
            "22.075000\t1\n"
            "# a comment pymavlink keeps\n"
            "1 0 3 22 0 0 0 nan 47.37 8.54 40 1\n"
            "\n"
            "2\t0\t3\t16\t0.000000\t1.000000\t0.000000\tNaN\t47.371\t8.541\t40.000000\t1\n")
    path = tmp_path / "mp.waypoints"
    path.write_text(text)
    ours = mavlink.read_mission_file(path)
    loader = mavwp.MAVWPLoader()
    assert loader.load(str(path)) == 1 + len(ours.items) == 3
    assert math.isnan(ours.items[0].params[3]) and math.isnan(loader.wp(1).param4)
    assert ours.items[1].lat == loader.wp(2).x == 47.371


@pytest.mark.parametrize(("text", "needle"), [
    ("QGC WPL 100\n", "line 1"),
    ("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t47\t8\t0\n", "line 2: 12 values"),
    ("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t47\t8\t0\t1\n1\t0\t3\tsixteen\t0\t0\t0\t0\t47\t8"
     "\t0\t1\n", "line 3"),
    ("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t47\t8\t0\t1\n1\t0\t3\t16\t0\t0\tx\t0\t47\t8\t0"
     "\t1\n", "param 1 to 7"),
    ("QGC WPL 110\n", "no mission items"),
])
def test_wpl_reader_names_the_broken_line(tmp_path, text, needle) -> None:
    path = tmp_path / "bad.waypoints"
    path.write_text(text)
    with pytest.raises(InputError, match=needle):
        mavlink.read_mission_file(path)


def test_qgc_reader_refuses_complex_items(earth, tmp_path) -> None:
    doc = json.loads((earth[2] / "plan.plan").read_text())
    doc["mission"]["items"].insert(3, {"type": "ComplexItem", "complexItemType": "survey"})
    bad = tmp_path / "survey.plan"
    bad.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=r"item 4.*'ComplexItem'"):
        mavlink.read_mission_file(bad)


def test_qgc_plan_structure(earth) -> None:
    plan, _, out = earth
    doc = json.loads((out / "plan.plan").read_text())
    assert doc["fileType"] == "Plan" and doc["version"] == 1
    assert doc["groundStation"] == "QGroundControl"
    m = doc["mission"]
    assert m["version"] == 2 and m["firmwareType"] == mavlink.FIRMWARE_ARDUPILOT
    assert m["cruiseSpeed"] == plan.vehicle.cruise_speed_m_s
    assert len(m["plannedHomePosition"]) == 3
    for i, item in enumerate(m["items"], start=1):
        assert item["type"] == "SimpleItem"
        assert item["doJumpId"] == i
        assert len(item["params"]) == 7
        assert item["autoContinue"] is True
        assert isinstance(item["command"], int) and isinstance(item["frame"], int)
    fence = doc["geoFence"]
    assert fence["version"] == 2
    # The school yard, and the water tower's structure the plan goes around (issue 11).
    assert len(fence["polygons"]) == 2
    assert all(poly["inclusion"] is False for poly in fence["polygons"])
    lat, lon = fence["polygons"][0]["polygon"][0]
    assert 47 < lat < 48 and 8 < lon < 9  # [lat, lon] order
    assert doc["rallyPoints"]["version"] == 2 and doc["rallyPoints"]["points"]
    # Heights above home, like the mission items: home's rally point at cruise height.
    home_rally = doc["rallyPoints"]["points"][0]
    assert home_rally[2] == pytest.approx(doc["planFlight"]["cruise_altitude_agl_m"], abs=1e-3)
    assert doc["planFlight"]["vehicle"] == "mavic3" and "body" not in doc["planFlight"]


def test_mars_plan_says_it_is_mars(mars) -> None:
    out = mars[2]
    doc = json.loads((out / "plan.plan").read_text())
    assert doc["planFlight"]["body"] == "mars"
    gj = json.loads((out / "plan.geojson").read_text())
    assert "IAU_2015" in gj["crs"]["properties"]["name"]
    assert "Mars" in (out / "plan.kml").read_text()


# ---------------------------------------------------------------------------------------------
# DJI WPML: the KMZ layout and the documented elements

W = f"{{{dji.WPML_NS}}}"
K = f"{{{dji.KML_NS}}}"
# Required elements per level, from DJI's Cloud API documentation ("DJI WPML": template.kml,
# waylines.wpml, common elements), for a waypoint mission of a Mavic 3E.
MISSION_CONFIG = ("flyToWaylineMode", "finishAction", "exitOnRCLost", "takeOffSecurityHeight",
                  "globalTransitionalSpeed", "droneInfo", "payloadInfo")
DRONE_INFO = ("droneEnumValue", "droneSubEnumValue")
PAYLOAD_INFO = ("payloadEnumValue", "payloadPositionIndex")
TEMPLATE_FOLDER = ("templateType", "templateId", "waylineCoordinateSysParam", "autoFlightSpeed",
                   "globalHeight", "gimbalPitchMode", "globalWaypointHeadingParam",
                   "globalWaypointTurnMode")
COORDINATE_PARAM = ("coordinateMode", "heightMode")
TEMPLATE_PLACEMARK = ("index", "useGlobalHeight", "ellipsoidHeight", "height", "useGlobalSpeed",
                      "waypointSpeed", "useGlobalHeadingParam", "waypointHeadingParam",
                      "useGlobalTurnParam", "waypointTurnParam")
WAYLINES_FOLDER = ("templateId", "waylineId", "autoFlightSpeed", "executeHeightMode")
WAYLINES_PLACEMARK = ("index", "executeHeight", "waypointSpeed", "waypointHeadingParam",
                      "waypointTurnParam")
HEADING_PARAM = ("waypointHeadingMode", "waypointHeadingPathMode")
TURN_PARAM = ("waypointTurnMode", "waypointTurnDampingDist")
ACTION_GROUP = ("actionGroupId", "actionGroupStartIndex", "actionGroupEndIndex",
                "actionGroupMode", "actionTrigger", "action")
ACTION = ("actionId", "actionActuatorFunc", "actionActuatorFuncParam")
ACTION_PARAMS = {
    "takePhoto": ("payloadPositionIndex", "fileSuffix", "useGlobalPayloadLensIndex"),
    "gimbalRotate": ("payloadPositionIndex", "gimbalHeadingYawBase", "gimbalRotateMode",
                     "gimbalPitchRotateEnable", "gimbalPitchRotateAngle",
                     "gimbalRollRotateEnable", "gimbalRollRotateAngle",
                     "gimbalYawRotateEnable", "gimbalYawRotateAngle", "gimbalRotateTimeEnable",
                     "gimbalRotateTime"),
    "rotateYaw": ("aircraftHeading", "aircraftPathMode"),
    "hover": ("hoverTime",)}
ENUMS = {"flyToWaylineMode": {"safely", "pointToPoint"},
         "finishAction": {"goHome", "noAction", "autoLand", "gotoFirstWaypoint"},
         "exitOnRCLost": {"goContinue", "executeLostAction"},
         "executeRCLostAction": {"goBack", "landing", "hover"},
         "templateType": {"waypoint", "mapping2d", "mapping3d", "mappingStrip"},
         "heightMode": {"EGM96", "relativeToStartPoint", "aboveGroundLevel",
                        "realTimeFollowSurface"},
         "executeHeightMode": {"WGS84", "relativeToStartPoint", "realTimeFollowSurface"},
         "gimbalPitchMode": {"manual", "usePointSetting"},
         "waypointHeadingMode": {"followWayline", "manually", "fixed", "smoothTransition",
                                 "towardPOI"},
         "waypointHeadingPathMode": {"clockwise", "counterClockwise", "followBadArc"},
         "waypointTurnMode": {"coordinateTurn", "toPointAndStopWithDiscontinuityCurvature",
                              "toPointAndStopWithContinuityCurvature",
                              "toPointAndPassWithContinuityCurvature"},
         "actionGroupMode": {"sequence"},
         "actionTriggerType": {"reachPoint", "betweenAdjacentPoints", "multipleTiming",
                               "multipleDistance"},
         "aircraftPathMode": {"clockwise", "counterClockwise"}}


def has(el: ET.Element, names: tuple[str, ...]) -> None:
    got = {c.tag.split("}")[1] for c in el}
    missing = [n for n in names if n not in got]
    assert not missing, (el.tag, missing)


def val(el: ET.Element, name: str) -> str:
    found = el.find(W + name)
    assert found is not None and found.text is not None, name
    return found.text


def kmz_docs(out: Path) -> tuple[ET.Element, ET.Element]:
    with zipfile.ZipFile(out / "plan.kmz") as zf:
        assert sorted(zf.namelist()) == [dji.KMZ_TEMPLATE, dji.KMZ_WAYLINES]
        assert zf.testzip() is None
        return (ET.fromstring(zf.read(dji.KMZ_TEMPLATE)),
                ET.fromstring(zf.read(dji.KMZ_WAYLINES)))


def test_wpml_kmz_has_the_documented_structure(earth) -> None:
    plan, _, out = earth
    template, waylines = kmz_docs(out)
    for root in (template, waylines):
        assert root.tag == K + "kml"
        doc = root.find(K + "Document")
        assert doc is not None
        cfg = doc.find(W + "missionConfig")
        assert cfg is not None
        has(cfg, MISSION_CONFIG)
        has(cfg.find(W + "droneInfo"), DRONE_INFO)
        has(cfg.find(W + "payloadInfo"), PAYLOAD_INFO)
        assert val(cfg.find(W + "droneInfo"), "droneEnumValue") == "77"  # M3E/M3T/M3M
        assert val(cfg.find(W + "droneInfo"), "droneSubEnumValue") == "0"  # M3E
        assert val(cfg.find(W + "payloadInfo"), "payloadEnumValue") == "66"  # M3E camera
        assert 2 <= float(val(cfg, "takeOffSecurityHeight")) <= 1500
        assert 0 <= float(val(cfg, "globalTransitionalSpeed")) <= 15
        for el in root.iter():
            name = el.tag.split("}")[1]
            if name in ENUMS:
                assert el.text in ENUMS[name], (name, el.text)
        folders = doc.findall(K + "Folder")
        assert len(folders) == 1
    tfolder = template.find(K + "Document").find(K + "Folder")
    has(tfolder, TEMPLATE_FOLDER)
    has(tfolder.find(W + "waylineCoordinateSysParam"), COORDINATE_PARAM)
    assert val(tfolder.find(W + "waylineCoordinateSysParam"), "heightMode") == \
        "relativeToStartPoint"
    wfolder = waylines.find(K + "Document").find(K + "Folder")
    has(wfolder, WAYLINES_FOLDER)
    assert val(wfolder, "executeHeightMode") == "relativeToStartPoint"
    for folder, required in ((tfolder, TEMPLATE_PLACEMARK), (wfolder, WAYLINES_PLACEMARK)):
        marks = folder.findall(K + "Placemark")
        assert [int(val(m, "index")) for m in marks] == list(range(len(plan.waypoints) - 1))
        for m in marks:
            has(m, required)
            has(m.find(W + "waypointHeadingParam"), HEADING_PARAM)
            has(m.find(W + "waypointTurnParam"), TURN_PARAM)
            coords = m.find(K + "Point").find(K + "coordinates").text.split(",")
            assert len(coords) == 2 and -180 <= float(coords[0]) <= 180
            for grp in m.findall(W + "actionGroup"):
                has(grp, ACTION_GROUP)
                assert val(grp, "actionGroupStartIndex") == val(grp, "actionGroupEndIndex") \
                    == val(m, "index")
                for act in grp.findall(W + "action"):
                    has(act, ACTION)
                    func = val(act, "actionActuatorFunc")
                    has(act.find(W + "actionActuatorFuncParam"), ACTION_PARAMS[func])
        ids = [int(val(g, "actionGroupId")) for g in folder.iter(W + "actionGroup")]
        assert ids == list(range(len(ids)))


def test_wpml_flies_the_plan(earth) -> None:
    """Heights above take-off, the next leg's speed, heading kept, each station's turn, pitch,
    images and hovers as planned."""
    plan, _, out = earth
    _, waylines = kmz_docs(out)
    marks = waylines.find(K + "Document").find(K + "Folder").findall(K + "Placemark")
    wps = plan.waypoints
    home = wps[0].ground_m
    t = plan.vehicle.camera.photo_hover_s
    photos = {p.waypoint: p for p in plan.photos}
    for i, m in enumerate(marks):
        w = wps[i]
        lon, lat = (float(c) for c in m.find(K + "Point").find(K + "coordinates").text.split(","))
        assert (lon, lat) == pytest.approx((w.lon, w.lat), abs=1e-8)
        assert float(val(m, "executeHeight")) == pytest.approx(w.alt_m - home, abs=1e-3)
        assert float(val(m, "waypointSpeed")) == pytest.approx(
            wps[i + 1].leg_speed_m_s if i + 1 < len(wps) - 1 else plan.vehicle.cruise_speed_m_s)
        assert val(m.find(W + "waypointHeadingParam"), "waypointHeadingMode") == "fixed"
        acts = [(val(a, "actionActuatorFunc"), a.find(W + "actionActuatorFuncParam"))
                for a in m.iter(W + "action")]
        funcs = [f for f, _ in acts]
        if w.action == Action.PHOTO:
            ph = photos[w.seq]
            assert funcs[:2] == ["rotateYaw", "gimbalRotate"]
            assert turn_deg(float(val(acts[0][1], "aircraftHeading")), ph.heading_deg) < 0.01
            assert float(val(acts[1][1], "gimbalPitchRotateAngle")) == pytest.approx(
                ph.pitch_deg, abs=0.01)
            assert funcs.count("takePhoto") == ph.count
            hovers = [float(val(p, "hoverTime")) for f, p in acts if f == "hover"]
            assert sum(hovers) == pytest.approx(w.hold_s)
            assert hovers[0] == pytest.approx(t / 2) and hovers[-1] == pytest.approx(t / 2)
            assert all(h == pytest.approx(t) for h in hovers[1:-1])
            assert funcs[2:] == ["hover", *["takePhoto", "hover"] * ph.count][:len(funcs) - 2]
        elif i == 0:
            assert funcs == ["rotateYaw"]
            assert turn_deg(float(val(acts[0][1], "aircraftHeading")), w.heading_deg) < 0.01
        else:
            assert funcs == []


def with_terrain_point(plan):
    """The plan with a pass-through terrain point halfway along its second leg."""
    wps = list(plan.waypoints)
    a, b = wps[1], wps[2]
    x, y = (a.x + b.x) / 2, (a.y + b.y) / 2
    lon, lat = (float(v) for v in plan.frame.to_lonlat(x, y))
    mid = replace(b, action=Action.TERRAIN, stop=False, x=x, y=y, lon=lon, lat=lat,
                  leg_m=b.leg_m / 2, heading_deg=None, hold_s=0.0, camera_pitch_deg=None)
    later = [replace(w, seq=w.seq + 1) for w in wps[2:]]
    later[0] = replace(later[0], leg_m=b.leg_m / 2)
    photos = tuple(replace(p, waypoint=p.waypoint + 1) if p.waypoint >= b.seq else p
                   for p in plan.photos)
    return replace(plan, waypoints=(*wps[:2], replace(mid, seq=b.seq), *later), photos=photos)


def test_dji_pass_through_points_turn_early_and_stops_stop(earth) -> None:
    passing = with_terrain_point(earth[0])
    k = 2
    wps = passing.waypoints
    root = ET.fromstring(dji.waylines_wpml(passing))
    marks = root.find(K + "Document").find(K + "Folder").findall(K + "Placemark")
    modes = [val(m.find(W + "waypointTurnParam"), "waypointTurnMode") for m in marks]
    assert modes[k] == "toPointAndPassWithContinuityCurvature"
    assert val(marks[k], "useStraightLine") == "1"
    damping = float(val(marks[k].find(W + "waypointTurnParam"), "waypointTurnDampingDist"))
    assert 0 < damping <= min(dji.PASS_TURN_MAX_M, dji.PASS_TURN_SHARE * wps[k].leg_m)
    assert all(m == "toPointAndStopWithDiscontinuityCurvature" for i, m in enumerate(modes)
               if i != k)
    rows = list(csv.DictReader(io.StringIO(dji.litchi_csv(passing))))
    assert float(rows[k]["curvesize(m)"]) == pytest.approx(damping)
    assert all(float(r["curvesize(m)"]) == 0 for i, r in enumerate(rows) if i != k)
    items = mavlink.mission_items(passing)
    accept = [it.params[1] for it in items if it.command == mavlink.NAV_WAYPOINT]
    assert accept.count(mavlink.ACCEPT_PASS_M) == 1


# ---------------------------------------------------------------------------------------------
# Litchi


def test_litchi_csv_as_litchi_reads_it(earth) -> None:
    plan, _, out = earth
    with (out / "plan.litchi.csv").open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    assert header == [
        "latitude", "longitude", "altitude(m)", "heading(deg)", "curvesize(m)", "rotationdir",
        "gimbalmode", "gimbalpitchangle",
        *[f"action{k}{i}" for i in range(1, 16) for k in ("type", "param")],
        "altitudemode", "speed(m/s)", "poi_latitude", "poi_longitude", "poi_altitude(m)",
        "poi_altitudemode", "photo_timeinterval", "photo_distinterval"]
    assert len(header) == 46 and all(len(r) == 46 for r in rows)
    wps = plan.waypoints
    assert len(rows) == len(wps) - 1  # every waypoint but the landing
    photos = {p.waypoint: p for p in plan.photos}
    t_ms = plan.vehicle.camera.photo_hover_s * 1000
    held = wps[0].heading_deg
    for i, r in enumerate(rows):
        d = dict(zip(header, r, strict=True))
        w = wps[i]
        assert (float(d["latitude"]), float(d["longitude"])) == pytest.approx((w.lat, w.lon),
                                                                              abs=1e-8)
        assert float(d["altitude(m)"]) == pytest.approx(w.alt_m - wps[0].ground_m, abs=0.01)
        assert d["altitudemode"] == "0" and d["gimbalmode"] == "2" and d["rotationdir"] == "0"
        assert 0 < float(d["speed(m/s)"]) <= 15
        acts = [(int(d[f"actiontype{k}"]), float(d[f"actionparam{k}"])) for k in range(1, 16)]
        assert all(-1 <= a <= 5 for a, _ in acts)
        used = [a for a in acts if a[0] != -1]
        if w.action == Action.PHOTO:
            ph = photos[w.seq]
            held = ph.heading_deg
            assert used[0] == (4, pytest.approx(round(ph.heading_deg % 360, 2)))
            assert used[1] == (5, pytest.approx(round(ph.pitch_deg, 2)))
            assert [a for a, _ in used[2:]].count(1) == ph.count
            stays = [p for a, p in used if a == 0]
            assert sum(stays) == pytest.approx(w.hold_s * 1000)
            assert stays[0] == stays[-1] == pytest.approx(t_ms / 2)
            assert float(d["gimbalpitchangle"]) == pytest.approx(ph.pitch_deg, abs=0.01)
        elif i > 0:
            assert used == []
        # The heading column holds the heading kept since the last station (Litchi
        # interpolates between waypoints' headings).
        assert turn_deg(float(d["heading(deg)"]), held) < 0.01


def test_dji_exports_refuse_mars_and_too_many_images(mars, earth) -> None:
    plan, ctx, out = mars
    assert not (out / "plan.kmz").exists() and not (out / "plan.litchi.csv").exists()
    for suffix in (".kmz", ".litchi.csv"):
        with pytest.raises(InputError, match="Earth"):
            render(plan, ctx.hazards, suffix)
    with pytest.raises(InputError, match=r"plan\.kmz.*Earth.*Mars"):
        check_for_body([out / "plan.kmz"], "mars")
    check_for_body([out / "plan.kmz", out / "plan.litchi.csv"], "earth")
    check_for_body([out / "plan.csv", out / "plan.plan"], "mars")
    eplan = earth[0]
    photos = tuple(replace(p, count=7) if p.waypoint == 3 else p for p in eplan.photos)
    wps = tuple(replace(w, hold_s=14.0) if w.seq == 3 else w for w in eplan.waypoints)
    big = replace(eplan, photos=photos, waypoints=wps)
    with pytest.raises(InputError, match="waypoint 3: 7 images need 17 Litchi actions"):
        dji.litchi_csv(big)
    dji.wpml_kmz(big)  # WPML has no such limit


def test_mars_refuses_dji_files_on_the_command_line(tmp_path) -> None:
    mission = str(EXAMPLES / "flight26" / "targets.geojson")
    for name in ("plan.kmz", "plan.litchi.csv"):
        res = runner.invoke(app, [mission, "-q", "--export", str(tmp_path / name)])
        assert res.exit_code == 2, res.stderr
        assert "Earth" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_formats_and_suffixes() -> None:
    assert format_of("a/PLAN.LITCHI.csv") == ".litchi.csv"
    assert format_of("plan.csv") == ".csv" and format_of("x.kmz") == ".kmz"
    assert set(all_files("earth")) == {*ALL_FILES, *EARTH_FILES}
    assert set(all_files("mars")) == set(ALL_FILES)
    assert {format_of(n) for n in all_files("earth")} == set(FORMATS)


# ---------------------------------------------------------------------------------------------
# GIS formats, the map, failures, determinism


@pytest.mark.parametrize("which", ["mars", "earth"])
def test_gdal_reads_geojson_and_kml(which, request) -> None:
    import pyogrio

    out = request.getfixturevalue(which)[2]
    info = pyogrio.read_info(out / "plan.geojson")
    assert info["features"] > 3
    meta, _fids, _geoms, fields = pyogrio.raw.read(out / "plan.geojson")
    names = list(meta["fields"])
    roles = fields[names.index("role")]
    assert {"route", "waypoint", "photo", "footprint"} <= set(roles)
    kml_layers = pyogrio.list_layers(out / "plan.kml")
    assert len(kml_layers) >= 1
    kinfo = pyogrio.read_info(out / "plan.kml", layer=kml_layers[0][0])
    doc = json.loads((out / "plan.geojson").read_text())
    assert kinfo["features"] == len(doc["features"])


def test_geojson_plan_schema(earth) -> None:
    doc = json.loads((earth[2] / "plan.geojson").read_text())
    s = doc["plan"]
    for key in ("body", "crs", "vehicle", "distance_m", "duration_s", "energy_used_wh",
                "energy_usable_wh", "reserve_wh", "targets_photographed", "targets_skipped"):
        assert key in s
    route = [f for f in doc["features"] if f["properties"]["role"] == "route"]
    assert len(route) == 1 and all(len(c) == 3 for c in route[0]["geometry"]["coordinates"])
    wp = next(f for f in doc["features"] if f["properties"]["role"] == "waypoint")
    for key in ("seq", "action", "alt_agl_m", "alt_m", "time_s", "energy_used_wh"):
        assert key in wp["properties"]
    ph = next(f for f in doc["features"] if f["properties"]["role"] == "photo")
    for key in ("target", "heading_deg", "camera_pitch_deg", "slant_range_m", "gsd_cm"):
        assert key in ph["properties"]
    assert any(f["properties"]["role"] == "keep_out" for f in doc["features"])
    assert "crs" not in doc  # RFC 7946 on Earth


def test_csv_and_png(earth) -> None:
    out = earth[2]
    with (out / "plan.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["action"] == "takeoff" and rows[-1]["action"] == "land"
    assert float(rows[-1]["energy_used_wh"]) > 0
    plan = earth[0]
    # East/north from home, as in the printed table; heading and camera pitch on every row.
    assert (float(rows[0]["east_m"]), float(rows[0]["north_m"])) == (0.0, 0.0)
    assert plan.local.home.x != 0.0  # the frame's origin is the mission's centre, not home
    for row, wp in zip(rows, plan.waypoints, strict=True):
        assert float(row["east_m"]) == pytest.approx(wp.x - plan.local.home.x, abs=1e-3)
        assert float(row["leg_speed_m_s"]) == pytest.approx(wp.leg_speed_m_s, abs=1e-3)
        if wp.action == Action.PHOTO:
            photo = next(p for p in plan.photos if p.waypoint == wp.seq)
            assert float(row["heading_deg"]) == pytest.approx(photo.heading_deg, abs=0.01)
            assert float(row["camera_pitch_deg"]) == pytest.approx(photo.pitch_deg, abs=0.01)
        else:
            assert row["camera_pitch_deg"] == ""
    png = (out / "plan.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000


def test_out_writes_every_format_of_the_body(tmp_path) -> None:
    mission = str(EXAMPLES / "flight26" / "targets.geojson")
    res = runner.invoke(app, [mission, "-q", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(all_files("mars"))


def test_unwritable_or_unknown_exports_fail_before_planning(tmp_path) -> None:
    mission = str(EXAMPLES / "flight3" / "targets.geojson")
    res = runner.invoke(app, [mission, "--export", str(tmp_path / "nope" / "plan.plan")])
    assert res.exit_code == 2 and "does not exist" in res.stderr
    res = runner.invoke(app, [mission, "--export", str(tmp_path / "plan.docx")])
    assert res.exit_code == 2 and "unknown export format" in res.stderr
    res = runner.invoke(app, [mission, "--plot", str(tmp_path / "map.jpg")])
    assert res.exit_code == 2
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InputError, match="unknown export format"):
        check_target(tmp_path / "plan.dji.kml.zip")
    assert check_target(tmp_path / "plan.Litchi.csv").name == "plan.Litchi.csv"


def test_failed_plan_writes_no_file(tmp_path) -> None:
    mission = str(EXAMPLES / "flight3" / "targets.geojson")
    out = tmp_path / "plan.geojson"
    res = runner.invoke(app, [mission, "--export", str(out), "--max-flight-time", "5"])
    assert res.exit_code == 3
    assert list(tmp_path.iterdir()) == []


def test_exports_are_deterministic(earth) -> None:
    plan, ctx, _ = earth
    again, ctx2 = plan_mission(EXAMPLES / "earth" / "targets.geojson")
    for suffix in (".geojson", ".plan", ".waypoints", ".kmz", ".litchi.csv", ".kml", ".csv"):
        assert render(plan, ctx.hazards, suffix) == render(again, ctx2.hazards, suffix), suffix
