"""``--check`` of MAVLink mission files: QGroundControl ``.plan`` and ``QGC WPL 110``.

A fresh export checks out; the edits an operator makes in Mission Planner or QGroundControl are
caught and named: a waypoint moved into a keep-out, a capture deleted, more images than the hover
holds, a speed beyond the vehicle's, a capture before the vehicle settles, the camera turned away
from its target, a landing moved.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from planner.check import check_plan_file
from planner.cli import app
from planner.errors import InputError
from planner.export import mavlink, render
from planner.pipeline import plan_mission
from planner.settings import PlanOptions

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


class Wpl:
    """A WPL file as rows of text, edited the way Mission Planner's grid edits them."""

    def __init__(self, text: str) -> None:
        lines = text.splitlines()
        self.rows = [line.split("\t") for line in lines[1:]]

    def items(self, command: int) -> list[list[str]]:
        return [r for r in self.rows[1:] if int(r[3]) == command]

    def delete(self, row: list[str]) -> None:
        self.rows.remove(row)
        for k, r in enumerate(self.rows):
            r[0] = str(k)

    def move(self, row: list[str], to: int) -> None:
        self.rows.remove(row)
        self.rows.insert(to, row)
        for k, r in enumerate(self.rows):
            r[0] = str(k)

    def write(self, path: Path) -> Path:
        path.write_text("QGC WPL 110\n" + "\n".join("\t".join(r) for r in self.rows) + "\n")
        return path


@pytest.fixture(scope="module")
def mars(planned, tmp_path_factory):
    """The three-target Mars mission (fixed camera, a keep-out between home and landing)."""
    plan, ctx, mission = planned
    folder = tmp_path_factory.mktemp("mavcheck-mars")
    for suffix in (".plan", ".waypoints"):
        (folder / f"plan{suffix}").write_bytes(render(plan, ctx.hazards, suffix))
    return plan, ctx, mission, folder


@pytest.fixture(scope="module")
def earth(tmp_path_factory):
    """The Mavic 3 survey (gimbal, a required target)."""
    mission = EXAMPLES / "earth" / "targets.geojson"
    plan, ctx = plan_mission(mission)
    folder = tmp_path_factory.mktemp("mavcheck-earth")
    for suffix in (".plan", ".waypoints"):
        (folder / f"plan{suffix}").write_bytes(render(plan, ctx.hazards, suffix))
    return plan, ctx, mission, folder


@pytest.mark.parametrize("which", ["mars", "earth"])
@pytest.mark.parametrize("suffix", [".plan", ".waypoints"])
def test_a_fresh_export_checks_out(which, suffix, request) -> None:
    plan, _, mission, folder = request.getfixturevalue(which)
    report, back = check_plan_file(folder / f"plan{suffix}", mission)
    assert report.ok, report.violations
    # What the file cannot say, the target of each photo, is matched from the mission.
    assert [(p.target, p.count, p.waypoint) for p in back.photos] == \
        [(p.target, p.count, p.waypoint) for p in plan.photos]
    assert [w.action for w in back.waypoints] == [w.action for w in plan.waypoints]
    assert [w.heading_deg is None for w in back.waypoints] == \
        [w.heading_deg is None for w in plan.waypoints]
    for a, b in zip(back.waypoints, plan.waypoints, strict=True):
        assert math.hypot(a.x - b.x, a.y - b.y) < 0.01 and a.alt_m == pytest.approx(b.alt_m,
                                                                                    abs=0.01)
    # Times are the model's at the file's speeds and holds: the plan's, up to the whole
    # seconds of the holds.
    assert 0 <= back.duration_s - plan.duration_s <= 2 * len(plan.photos)
    assert any("record rule does not apply" in n for n in report.notes)
    assert back.vehicle.profile.name == plan.vehicle.profile.name
    assert back.vehicle.cruise_altitude_agl_m == plan.vehicle.cruise_altitude_agl_m


def check_wpl(folder: Path, mission: Path, wpl: Wpl, name: str):
    report, _ = check_plan_file(wpl.write(folder / name), mission)
    return report


def test_a_waypoint_moved_into_a_keep_out(mars, tmp_path) -> None:
    _, ctx, mission, folder = mars
    wpl = Wpl((folder / "plan.waypoints").read_text())
    rover = ctx.mission.keep_outs[0].geometry.centroid
    station = wpl.items(mavlink.NAV_WAYPOINT)[0]  # the first photo station's arrival
    station[8], station[9] = f"{rover.y:.8f}", f"{rover.x:.8f}"
    report = check_wpl(tmp_path, mission, wpl, "moved.waypoints")
    assert "keep-out" in report.rules_broken, report.violations
    assert any("'rover'" in v for v in report.violations)


def test_a_deleted_capture(earth, tmp_path) -> None:
    plan, _, mission, folder = earth
    required = next(p for p in plan.photos if p.target == "water tower")
    wpl = Wpl((folder / "plan.waypoints").read_text())
    wpl.delete(wpl.items(mavlink.IMAGE_START_CAPTURE)[required.number - 1])
    report = check_wpl(tmp_path, mission, wpl, "deleted.waypoints")
    assert {"photo", "required"} <= report.rules_broken, report.violations
    assert any(f"waypoint {required.waypoint}: photo: a photo waypoint with no photo" in v
               for v in report.violations)
    assert any("'water tower'" in v and "required" in v for v in report.violations)


def test_more_images_than_the_hover_holds(mars, tmp_path) -> None:
    _, _, mission, folder = mars
    wpl = Wpl((folder / "plan.waypoints").read_text())
    capture = wpl.items(mavlink.IMAGE_START_CAPTURE)[1]
    capture[6] = str(int(capture[6]) + 1)
    capture[5] = "2"  # a series needs its interval
    report = check_wpl(tmp_path, mission, wpl, "more.waypoints")
    assert report.rules_broken == {"hover"}, report.violations
    assert any("images 2 s apart need" in v for v in report.violations)


def test_images_closer_than_the_camera_takes_them(mars, tmp_path) -> None:
    _, _, mission, folder = mars
    wpl = Wpl((folder / "plan.waypoints").read_text())
    capture = next(r for r in wpl.items(mavlink.IMAGE_START_CAPTURE) if int(r[6]) > 1)
    capture[5] = "0.5"
    report = check_wpl(tmp_path, mission, wpl, "close.waypoints")
    assert report.rules_broken == {"hover"}
    assert any("0.5 s apart; the camera needs 2 s each" in v for v in report.violations)


def test_a_speed_beyond_the_vehicles(earth, tmp_path) -> None:
    plan, _, mission, folder = earth
    doc = json.loads((folder / "plan.plan").read_text())
    speed = next(i for i in doc["mission"]["items"] if i["command"] == mavlink.DO_CHANGE_SPEED)
    speed["params"][1] = plan.vehicle.profile.max_speed_m_s + 4
    path = tmp_path / "fast.plan"
    path.write_text(json.dumps(doc))
    report, back = check_plan_file(path, mission)
    assert "speed" in report.rules_broken, report.violations
    assert any("DO_CHANGE_SPEED commands 25 m/s; the mavic3 flies above 0 and at most 21 m/s"
               in v for v in report.violations)
    # The file's faster legs are flown: shorter than planned.
    assert back.duration_s < plan.duration_s


def test_a_slow_speed_that_breaks_the_time_budget(mars, tmp_path) -> None:
    _, _, mission, folder = mars
    wpl = Wpl((folder / "plan.waypoints").read_text())
    for row in wpl.items(mavlink.DO_CHANGE_SPEED):
        row[5] = "0.2"
    report = check_wpl(tmp_path, mission, wpl, "slow.waypoints")
    assert "time budget" in report.rules_broken, report.violations
    assert any("at the file's speeds and holds" in v for v in report.violations)


def test_a_capture_before_the_vehicle_settles(mars, tmp_path) -> None:
    _, _, mission, folder = mars
    wpl = Wpl((folder / "plan.waypoints").read_text())
    capture = wpl.items(mavlink.IMAGE_START_CAPTURE)[0]
    arrival = wpl.items(mavlink.NAV_WAYPOINT)[0]
    wpl.move(capture, wpl.rows.index(arrival) + 1)  # the old order: capture on arrival
    report = check_wpl(tmp_path, mission, wpl, "early.waypoints")
    assert report.rules_broken == {"hover"}, report.violations
    assert any("the first image comes 0 s after arriving" in v for v in report.violations)


def test_a_capture_as_the_vehicle_leaves(mars, tmp_path) -> None:
    _, _, mission, folder = mars
    wpl = Wpl((folder / "plan.waypoints").read_text())
    capture = wpl.items(mavlink.IMAGE_START_CAPTURE)[0]
    loiters = wpl.items(mavlink.NAV_LOITER_TIME)
    wpl.move(capture, wpl.rows.index(loiters[1]))  # after the station's last loiter
    report = check_wpl(tmp_path, mission, wpl, "late.waypoints")
    assert "hover" in report.rules_broken, report.violations
    assert any("taken in flight" in v for v in report.violations)


def looking_at_nothing(plan, ctx) -> float:
    """A turn of the first station's heading after which no target of the mission is in frame."""
    from planner.camera import in_frame
    from planner.viewpoints import target_points

    ph = plan.photos[0]
    for turn in (180.0, 150.0, 210.0, 120.0, 240.0, 90.0, 270.0):
        heading = (ph.heading_deg + turn) % 360.0
        if not any(in_frame(plan.vehicle.camera, ph.station, heading, ph.pitch_deg,
                            target_points(g, ctx.dem)[0], margin_deg=0.0)
                   for g in ctx.local.targets):
            return turn
    raise AssertionError("every heading sees a target")


def test_a_camera_turned_away_from_its_target(mars, tmp_path) -> None:
    plan, ctx, mission, folder = mars
    turn = looking_at_nothing(plan, ctx)
    wpl = Wpl((folder / "plan.waypoints").read_text())
    yaws = wpl.items(mavlink.CONDITION_YAW)[:2]  # the first station's turn and re-assertion
    for row in yaws:
        row[4] = str((float(row[4]) + turn) % 360.0)
    report = check_wpl(tmp_path, mission, wpl, "away.waypoints")
    assert "target" in report.rules_broken, report.violations
    heading = (plan.photos[0].heading_deg + turn) % 360.0
    assert any(f"target: no target of the mission is in frame at heading {heading:.1f}°" in v
               for v in report.violations), report.violations
    assert any("photographs none of" in n and repr(plan.photos[0].target) in n
               for n in report.notes), report.notes
    # Turning only one of the two changes nothing: the re-asserted yaw wins before the capture.
    wpl = Wpl((folder / "plan.waypoints").read_text())
    row = wpl.items(mavlink.CONDITION_YAW)[0]
    row[4] = str((float(row[4]) + turn) % 360.0)
    report = check_wpl(tmp_path, mission, wpl, "half.waypoints")
    assert "target" not in report.rules_broken, report.violations


def test_a_landing_moved_away_from_its_waypoint(mars, tmp_path) -> None:
    _, _, mission, folder = mars
    wpl = Wpl((folder / "plan.waypoints").read_text())
    land = wpl.items(mavlink.NAV_LAND)[0]
    land[8] = f"{float(land[8]) + 0.0004:.8f}"  # about 24 m north on Mars
    report = check_wpl(tmp_path, mission, wpl, "land.waypoints")
    assert {"vertical", "landing site"} <= report.rules_broken, report.violations


def test_the_files_settings_and_the_command_line(mars, tmp_path) -> None:
    plan, _, mission, folder = mars
    # A WPL file records no vehicle or speed: the take-off height and the first speed item.
    _, back = check_plan_file(folder / "plan.waypoints", mission)
    assert back.vehicle.cruise_speed_m_s == plan.vehicle.cruise_speed_m_s
    doc = json.loads((folder / "plan.plan").read_text())
    doc["planFlight"]["cruise_speed_m_s"] = 2.5
    path = tmp_path / "noted.plan"
    path.write_text(json.dumps(doc))
    _, back = check_plan_file(path, mission)
    assert back.vehicle.cruise_speed_m_s == 2.5
    _, back = check_plan_file(path, mission, PlanOptions(speed_m_s=2.0))
    assert back.vehicle.cruise_speed_m_s == 2.0
    # A first speed the vehicle cannot fly is a finding, not a refusal of the whole file.
    wpl = Wpl((folder / "plan.waypoints").read_text())
    wpl.items(mavlink.DO_CHANGE_SPEED)[0][5] = "50"
    report, back = check_plan_file(wpl.write(tmp_path / "wild.waypoints"), mission)
    assert "speed" in report.rules_broken
    assert back.vehicle.cruise_speed_m_s == plan.vehicle.cruise_speed_m_s


def test_items_the_check_cannot_fly_are_refused(mars, tmp_path) -> None:
    _, _, mission, folder = mars
    wpl = Wpl((folder / "plan.waypoints").read_text())
    row = wpl.items(mavlink.NAV_WAYPOINT)[-1]
    row[3] = "20"  # NAV_RETURN_TO_LAUNCH
    path = wpl.write(tmp_path / "rtl.waypoints")
    with pytest.raises(InputError, match=r"rtl\.waypoints: line \d+ \(item \d+\): navigation "
                                         r"command 20 cannot be checked"):
        check_plan_file(path, mission)
    wpl = Wpl((folder / "plan.waypoints").read_text())
    wpl.delete(wpl.items(mavlink.NAV_TAKEOFF)[0])
    with pytest.raises(InputError, match="must start with NAV_TAKEOFF"):
        check_plan_file(wpl.write(tmp_path / "notakeoff.waypoints"), mission)


def test_check_through_the_command_line(mars, tmp_path) -> None:
    _, _, mission, folder = mars
    res = runner.invoke(app, [str(mission), "--check", str(folder / "plan.waypoints")])
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "OK" in res.stdout
    wpl = Wpl((folder / "plan.waypoints").read_text())
    capture = wpl.items(mavlink.IMAGE_START_CAPTURE)[1]
    capture[6] = str(int(capture[6]) + 2)
    bad = wpl.write(tmp_path / "bad.waypoints")
    res = runner.invoke(app, [str(mission), "--check", str(bad)])
    assert res.exit_code == 4
    assert "hover:" in res.stdout and "bad.waypoints" in res.stderr


def test_a_capture_of_fewer_images_than_the_target_asks(earth, tmp_path) -> None:
    """The review's b16: the required water tower asks for 2 images; its capture takes 1."""
    plan, _, mission, folder = earth
    tower = next(p for p in plan.photos if p.target == "water tower")
    assert tower.count == 2
    wpl = Wpl((folder / "plan.waypoints").read_text())
    wpl.items(mavlink.IMAGE_START_CAPTURE)[tower.number - 1][6] = "1"
    report = check_wpl(tmp_path, mission, wpl, "fewer.waypoints")
    assert report.rules_broken == {"required"}, report.violations
    assert f"target 'water tower': required: a required target asks for 2 images at each " \
        f"station; photo {tower.number} takes 1 image" in report.violations


def gimbal_items(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    doc = json.loads((folder / "plan.plan").read_text())
    items = [it for it in doc["mission"]["items"]
             if it["command"] == mavlink.DO_GIMBAL_MANAGER_PITCHYAW]
    return doc, items


def test_the_gimbals_yaw_turned_away_with_the_heading_unchanged(earth, tmp_path) -> None:
    """The review's b6d: the water tower's gimbal yaw turned 180° (locked to north, flags 16)
    while the vehicle's heading stays: the camera looks away from the tower."""
    plan, _, mission, folder = earth
    tower = next(p for p in plan.photos if p.target == "water tower")
    doc, items = gimbal_items(folder)
    assert all(it["params"][4] == mavlink.GIMBAL_YAW_LOCK for it in items)
    item = items[tower.number - 1]
    item["params"][1] = (item["params"][1] + 180.0) % 360.0
    path = tmp_path / "yaw.plan"
    path.write_text(json.dumps(doc))
    report, _ = check_plan_file(path, mission)
    assert {"target", "required"} <= report.rules_broken, report.violations
    away = (tower.heading_deg + 180.0) % 360.0
    assert any(f"no target of the mission is in frame at heading {away:.1f}°" in v and
               f"the vehicle's heading {tower.heading_deg:.1f}°" in v
               for v in report.violations), report.violations


@pytest.mark.parametrize(("flags", "yaw", "ok"), [
    (32.0, 0.0, True),  # in the vehicle's frame, straight ahead: where the vehicle looks
    (0.0, 0.0, True),  # no frame flag: the vehicle's frame
    (32.0, 20.0, False),  # 20° right of the nose: still sees the tower, but off the heading
    (64.0, None, True),  # in the earth frame, at the heading itself
])
def test_the_gimbals_yaw_frame(earth, tmp_path, flags, yaw, ok) -> None:
    plan, _, mission, folder = earth
    tower = next(p for p in plan.photos if p.target == "water tower")
    doc, items = gimbal_items(folder)
    item = items[tower.number - 1]
    item["params"][4] = flags
    item["params"][1] = tower.heading_deg if yaw is None else yaw
    path = tmp_path / "frame.plan"
    path.write_text(json.dumps(doc))
    report, _ = check_plan_file(path, mission)
    assert report.ok is ok, report.violations
    if not ok:
        assert "aim" in report.rules_broken or "target" in report.rules_broken, \
            report.violations


def test_a_photo_is_named_one_way_in_every_finding(mars, tmp_path) -> None:
    """The review's f26 case: the check's own findings on a capture (here an early capture)
    and the verifier's (here a GSD the mission now asks finer) name the photo the same way:
    its number, its target and its item in the file."""
    plan, _, mission, folder = mars
    mdoc = json.loads(Path(mission).read_text())
    for f in mdoc["features"]:
        if f["properties"].get("name") == plan.photos[0].target:
            f["properties"]["gsd_cm"] = 0.01
    finer = tmp_path / "finer.geojson"
    finer.write_text(json.dumps(mdoc))
    wpl = Wpl((folder / "plan.waypoints").read_text())
    capture = wpl.items(mavlink.IMAGE_START_CAPTURE)[0]
    arrival = wpl.items(mavlink.NAV_WAYPOINT)[0]
    wpl.move(capture, wpl.rows.index(arrival) + 1)
    report, _ = check_plan_file(wpl.write(tmp_path / "early.waypoints"), finer)
    hover = next(f for f in report.findings if f.rule == "hover")
    gsd = next(f for f in report.findings if f.rule == "gsd")
    assert hover.where == gsd.where, report.violations
    assert hover.where.startswith(f"photo 1 ({plan.photos[0].target}, line "), hover.where


def test_a_mount_control_yaw_is_in_the_vehicles_frame(earth, tmp_path) -> None:
    """DO_MOUNT_CONTROL (ArduPilot: pitch param 1, yaw param 3 from the nose) in place of the
    gimbal manager's command: straight ahead checks out; turned 180° it sees no tower."""
    plan, _, mission, folder = earth
    tower = next(p for p in plan.photos if p.target == "water tower")
    for yaw, ok in ((0.0, True), (180.0, False)):
        doc, items = gimbal_items(folder)
        item = items[tower.number - 1]
        item["command"] = 205
        item["params"] = [item["params"][0], 0.0, yaw, 0.0, 0.0, 0.0, 2.0]
        path = tmp_path / "mount.plan"
        path.write_text(json.dumps(doc))
        report, _ = check_plan_file(path, mission)
        assert report.ok is ok, report.violations
        assert not any("command 205 ignored" in n for n in report.notes), report.notes


def test_flight_k_of_a_single_flight_mission_is_refused(mars) -> None:
    _, _, mission, folder = mars
    res = runner.invoke(app, [str(mission), "--check", str(folder / "plan.waypoints"),
                              "--flight", "2"])
    assert res.exit_code == 2, res.stdout + res.stderr
    assert "--flight 2" in res.stderr and "plans one flight, not a campaign" in res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    # A file whose name says flight 2 is simply a plan of a single-flight mission.
    named = folder / "plan_flight2.waypoints"
    named.write_bytes((folder / "plan.waypoints").read_bytes())
    res = runner.invoke(app, [str(mission), "--check", str(named)])
    assert res.exit_code == 0, res.stdout + res.stderr


def test_an_oblique_image_of_a_narrow_area_is_found_by_the_part_it_counts() -> None:
    """A corridor image of Ingenuity's fixed 22° camera counts only nearer than its centre: its
    axis may meet the ground beyond a narrow channel while the counted part maps it (the
    channels example's flight 3 was read as "no target in frame" before)."""
    from shapely.geometry import Point, box

    from planner.mavcheck import _survey_of
    from tests.planner.test_coverage import ingenuity

    cam = ingenuity().camera
    station = (0.0, 0.0, 8.0)  # 8 m above level ground at z = 0, looking north at -22°
    reach = 8.0 / math.tan(math.radians(22.0))  # the axis meets the ground ~19.8 m north
    channel = box(-20.0, reach - 8.0, 20.0, reach - 4.0)  # 4 m wide, nearer than the centre
    far = box(-20.0, reach + 30.0, 20.0, reach + 34.0)
    centre = (0.0, reach, 0.0)
    assert not channel.covers(Point(0.0, reach))
    assert _survey_of([None, far, channel], cam, station, 0.0, -22.0, centre=centre) == 2
    # Looking away from it, the counted part misses both areas: no survey image.
    assert _survey_of([None, far, channel], cam, station, 180.0, -22.0,
                      centre=(0.0, -reach, 0.0)) is None
    # An axis that falls inside an area decides it.
    assert _survey_of([far, channel], cam, station, 0.0, -22.0,
                      centre=(0.0, reach + 32.0, 0.0)) == 0
