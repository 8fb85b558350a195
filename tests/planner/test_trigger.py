"""Survey strips flown through with the camera fired by distance: profile, planner, verifier,
plan file, MAVLink exports and their re-check."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from planner import coverage
from planner.check import check_plan_file
from planner.errors import InputError, ProfileError
from planner.export import render
from planner.export.mavlink import (
    DO_SET_CAM_TRIGG_DIST,
    NAV_WAYPOINT,
    qgc_plan_text,
    wpl_text,
)
from planner.pipeline import plan_mission
from planner.plan import Action
from planner.planfile import plan_json, read_plan_file
from planner.profiles import Capture, builtin_profile_text, load_profile
from planner.settings import PlanOptions
from planner.verify import verify

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "field-survey" / "targets.geojson"


def mapper_text(capture: str = "distance", exposure_s: float = 0.001,
                interval_s: float = 0.7) -> str:
    """The Mavic 3 profile, as a vehicle whose autopilot fires its camera by distance.

    1/1000 s is a usual daylight mapping shutter (GeoCue recommends 1/800 s for drone mapping);
    0.7 s the least interval of a mapping camera (DJI's figure for the Mavic 3 Enterprise).
    Test figures only: the shipped Mavic 3 profile stops to shoot.
    """
    text = builtin_profile_text("mavic3").replace('name = "mavic3"', 'name = "mapper"')
    return text.replace('survey_capture = "stop"',
                        f'survey_capture = "{capture}"\nexposure_s = {exposure_s}\n'
                        f'min_trigger_interval_s = {interval_s}')


@pytest.fixture(scope="module")
def mapper(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("trigger") / "mapper.toml"
    path.write_text(mapper_text())
    return path


@pytest.fixture(scope="module")
def through(mapper):
    """The field survey flown through by distance trigger."""
    return plan_mission(EXAMPLE, PlanOptions(vehicle=str(mapper)))


TIGHT = PlanOptions(max_flight_time_s=200.0)
"""A flight time the whole field does not fit in, stop and shoot (it takes 340 s)."""


@pytest.fixture(scope="module")
def optional_field(tmp_path_factory) -> Path:
    doc = json.loads(EXAMPLE.read_text())
    for f in doc["features"]:
        if f["properties"].get("name") == "field":
            f["properties"]["required"] = False
    path = tmp_path_factory.mktemp("optional") / "field.geojson"
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture(scope="module")
def stopped(optional_field):
    """The field, optional, stop and shoot (the shipped Mavic 3 profile) in 200 s."""
    return plan_mission(optional_field, TIGHT)


def strips(plan) -> list[list]:
    """Waypoints of each strip flown through: from its first photo stop to its last."""
    out, cur = [], []
    for w in plan.waypoints:
        if w.trigger_m > 0:
            cur.append(w)
        elif cur:
            out.append([*cur, w])
            cur = []
    return out


# --- profile ---------------------------------------------------------------------------------

def test_shipped_profiles_stop_to_shoot_and_a_distance_camera_needs_its_figures(mapper) -> None:
    for name in ("ingenuity", "mavic3"):
        cam = load_profile(name).camera
        assert cam.survey_capture == Capture.STOP
        assert not cam.flies_through
    cam = load_profile(str(mapper)).camera
    assert cam.survey_capture == Capture.DISTANCE
    assert (cam.exposure_s, cam.min_trigger_interval_s) == (0.001, 0.7)


@pytest.mark.parametrize(("text", "needles"), [
    (mapper_text(capture="interval"), ["camera.survey_capture", "'interval'", "'distance'"]),
    (mapper_text(exposure_s=0.0), ["camera.exposure_s"]),
    (mapper_text(exposure_s=-0.001), ["camera.exposure_s"]),
    (mapper_text(interval_s=0.0), ["camera.min_trigger_interval_s"]),
    (mapper_text().replace("exposure_s = 0.001\n", ""), ["camera.exposure_s is missing"]),
])
def test_bad_capture_fields_are_refused_by_name(text, needles, tmp_path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ProfileError) as err:
        load_profile(str(path))
    assert all(n in str(err.value) for n in ["bad.toml", *needles]), str(err.value)


# --- planner -------------------------------------------------------------------------------

def test_strips_are_flown_through_with_images_at_the_trigger_distance(through) -> None:
    plan, ctx = through
    spec = ctx.mission.targets[0]
    d = coverage.survey_advance_m(spec, plan.vehicle)
    runs = strips(plan)
    assert runs, "no strip flown through"
    by_wp = {}
    for ph in plan.photos:
        by_wp.setdefault(ph.waypoint, []).append(ph)
    for run in runs:
        first, last = run[0], run[-1]
        assert first.action == last.action == Action.PHOTO
        assert first.stop and last.stop and last.trigger_m == 0
        assert all(w.trigger_m == pytest.approx(d) for w in run[:-1])
        inner = run[1:-1]
        assert all(not w.stop and w.hold_s == 0 and w.heading_deg is None for w in inner)
        # Every image in motion lies a whole number of trigger distances along the strip.
        along = 0.0
        for a, b in itertools.pairwise(run):
            along += math.hypot(b.x - a.x, b.y - a.y)
            if b.action == Action.TRIGGER:
                assert along / d == pytest.approx(round(along / d), abs=1e-3)
                [ph] = by_wp[b.seq]
                assert ph.heading_deg == pytest.approx(first.heading_deg)
        # Flown no faster than the blur and the camera's interval allow, nor above cruise.
        cam = plan.vehicle.camera
        fastest = coverage.through_speed_m_s(cam, gsd_cm=min(ph.gsd_cm for ph in plan.photos),
                                             spacing_m=d)
        for w in run[1:]:
            assert w.leg_speed_m_s <= min(fastest, plan.vehicle.cruise_speed_m_s) + 1e-9
    assert sum(w.action == Action.TRIGGER for w in plan.waypoints) == \
        sum(len(r) - 2 for r in runs) - sum(w.action == Action.TERRAIN for r in runs
                                            for w in r)


def test_flying_through_covers_the_field(through) -> None:
    plan, ctx = through
    assert verify(plan, hazards=ctx.hazards).ok
    [row] = coverage.plan_coverage(plan)
    assert row.percent == pytest.approx(100.0, abs=0.1)
    assert row.images == len(plan.photos) > 20


def test_in_the_same_flight_time_flying_through_maps_more(optional_field, mapper,
                                                         stopped) -> None:
    # The route search costs a step along a strip as the forward flight it is, so the same
    # budget holds more images than stop and shoot: the whole field here.
    slow, slow_ctx = stopped
    fast, fast_ctx = plan_mission(optional_field, replace(TIGHT, vehicle=str(mapper)))
    assert verify(slow, hazards=slow_ctx.hazards).ok
    assert verify(fast, hazards=fast_ctx.hazards).ok
    assert max(slow.duration_s, fast.duration_s) <= 200.0
    [slow_row] = coverage.plan_coverage(slow)
    [fast_row] = coverage.plan_coverage(fast)
    assert fast_row.images > slow_row.images
    assert fast_row.percent > slow_row.percent + 20.0


def test_a_long_exposure_slows_the_strips_to_half_a_pixel_of_blur(tmp_path) -> None:
    path = tmp_path / "slow.toml"
    path.write_text(mapper_text(exposure_s=0.004))
    plan, ctx = plan_mission(EXAMPLE, PlanOptions(vehicle=str(path)))
    runs = strips(plan)
    assert runs
    # 0.5 px of 2 cm in 4 ms: 2.5 m/s at most.
    limit = coverage.MAX_BLUR_PX * 0.02 / 0.004
    assert all(w.leg_speed_m_s <= limit + 1e-9 for r in runs for w in r[1:])
    assert max(w.leg_speed_m_s for r in runs for w in r[1:]) == pytest.approx(limit)
    assert verify(plan, hazards=ctx.hazards).ok


# --- verifier ------------------------------------------------------------------------------

def _edit_waypoints(plan, change):
    return replace(plan, waypoints=tuple(change(w) for w in plan.waypoints))


def test_verifier_catches_a_strip_flown_faster_than_the_blur_allows(through) -> None:
    plan, ctx = through
    fast = _edit_waypoints(plan, lambda w: replace(w, leg_speed_m_s=12.0)
                           if w.action == Action.TRIGGER else w)
    report = verify(fast, hazards=ctx.hazards)
    blur = [f for f in report.findings if f.rule == "blur"]
    assert blur, report.violations
    assert "0.60 px at 12 m/s" in blur[0].message


def test_verifier_finds_the_gap_a_widened_trigger_distance_leaves(through) -> None:
    plan, ctx = through
    wide = _edit_waypoints(plan, lambda w: replace(w, trigger_m=w.trigger_m * 6)
                           if w.trigger_m > 0 else w)
    report = verify(wide, hazards=ctx.hazards)
    assert {"coverage", "trigger"} <= report.rules_broken, report.violations
    gap = next(f for f in report.findings if f.rule == "coverage")
    assert "m² of the required area is seen by no image" in gap.message


def test_verifier_refuses_a_trigger_the_camera_does_not_have(through, stopped) -> None:
    plan, ctx = through
    stop_vehicle = stopped[0].vehicle  # the shipped Mavic 3 at the same height and speed
    assert stop_vehicle.cruise_altitude_agl_m == plan.vehicle.cruise_altitude_agl_m
    report = verify(replace(plan, vehicle=stop_vehicle), hazards=ctx.hazards)
    assert any(f.rule == "trigger" and "cannot be fired by distance" in f.message
               for f in report.findings), report.violations


def test_verifier_refuses_an_image_in_motion_off_the_trigger_points(through) -> None:
    plan, ctx = through
    k = next(i for i, ph in enumerate(plan.photos)
             if plan.waypoints[ph.waypoint - 1].action == Action.TRIGGER)
    ph = plan.photos[k]
    moved = replace(ph, station=(ph.station[0] + 1.0, *ph.station[1:]))
    photos = (*plan.photos[:k], moved, *plan.photos[k + 1:])
    report = verify(replace(plan, photos=photos), hazards=ctx.hazards)
    assert any(f.rule == "trigger" and f"photo {ph.number}" in f.where
               for f in report.findings), report.violations


# --- plan file, exports and --check --------------------------------------------------------

def test_plan_file_carries_the_trigger_and_rechecks(through, mapper, tmp_path) -> None:
    plan, _ = through
    path = tmp_path / "plan.geojson"
    path.write_text(plan_json(plan))
    back = read_plan_file(path)
    assert [w.trigger_m for w in back.waypoints] == \
        [pytest.approx(w.trigger_m, abs=1e-3) for w in plan.waypoints]
    assert Action.TRIGGER in {w.action for w in back.waypoints}
    report, _ = check_plan_file(path, EXAMPLE, PlanOptions(vehicle=str(mapper)))
    assert report.ok, report.violations


def test_mavlink_files_set_the_trigger_at_strip_starts_and_stop_it_at_their_ends(
        through, tmp_path) -> None:
    from pymavlink import mavwp

    plan, _ = through
    path = tmp_path / "plan.waypoints"
    path.write_text(wpl_text(plan))
    loader = mavwp.MAVWPLoader()
    n = loader.load(str(path))
    rows = [loader.wp(i) for i in range(n)]
    trig = [r for r in rows if r.command == DO_SET_CAM_TRIGG_DIST]
    d = strips(plan)[0][0].trigger_m
    assert [r.param1 for r in trig] == [pytest.approx(d, abs=1e-3), 0.0] * len(strips(plan))
    assert all(r.param2 == -1 and r.param3 == 0 for r in trig)
    # Between a start and its stop: pass-through waypoints only (3 m acceptance), no capture.
    on = False
    for r in rows:
        if r.command == DO_SET_CAM_TRIGG_DIST:
            on = r.param1 > 0
        elif on:
            assert r.command in (NAV_WAYPOINT, 178), r.command
            if r.command == NAV_WAYPOINT and r.param2 != 1.0:
                assert r.param2 == 3.0


def test_qgc_plan_items_follow_formats(through) -> None:
    plan, _ = through
    doc = json.loads(qgc_plan_text(plan))
    items = doc["mission"]["items"]
    assert [it["doJumpId"] for it in items] == list(range(1, len(items) + 1))
    trig = [it for it in items if it["command"] == DO_SET_CAM_TRIGG_DIST]
    assert trig and len(trig) % 2 == 0
    for it in trig:
        assert it["type"] == "SimpleItem" and it["frame"] == 2 and it["autoContinue"] is True
        assert len(it["params"]) == 7 and None not in it["params"]
        assert "Altitude" not in it  # a DO item has no position


@pytest.mark.parametrize("suffix", [".plan", ".waypoints"])
def test_mavlink_files_recheck_and_a_widened_trigger_fails_with_exit_4(
        through, mapper, suffix, tmp_path) -> None:
    from typer.testing import CliRunner

    from planner.cli import app

    plan, _ = through
    good = tmp_path / f"good{suffix}"
    good.write_text(qgc_plan_text(plan) if suffix == ".plan" else wpl_text(plan))
    report, rebuilt = check_plan_file(good, EXAMPLE, PlanOptions(vehicle=str(mapper)))
    assert report.ok, report.violations
    assert any(w.trigger_m > 0 for w in rebuilt.waypoints)
    if suffix == ".plan":
        doc = json.loads(good.read_text())
        for it in doc["mission"]["items"]:
            if it["command"] == DO_SET_CAM_TRIGG_DIST and it["params"][0] > 0:
                it["params"][0] *= 6
        text = json.dumps(doc)
    else:
        lines = good.read_text().splitlines()
        for i, line in enumerate(lines[1:], start=1):
            f = line.split("\t")
            if f[3] == str(DO_SET_CAM_TRIGG_DIST) and float(f[4]) > 0:
                f[4] = str(float(f[4]) * 6)
                lines[i] = "\t".join(f)
        text = "\n".join(lines) + "\n"
    bad = tmp_path / f"bad{suffix}"
    bad.write_text(text)
    res = CliRunner().invoke(app, [str(EXAMPLE), "--vehicle", str(mapper), "--check",
                                   str(bad)])
    assert res.exit_code == 4, res.output
    assert "coverage" in res.stdout and "seen by no image" in res.stdout


def test_dji_formats_refuse_a_plan_flown_through(through, tmp_path) -> None:
    plan, ctx = through
    for suffix in (".kmz", ".litchi.csv"):
        with pytest.raises(InputError) as err:
            render(plan, ctx.hazards, suffix)
        assert "photo waypoints only" in str(err.value)
        assert "'distance'" in str(err.value)
    assert render(plan, ctx.hazards, ".csv").decode().splitlines()[0].endswith("trigger_m")


def test_out_leaves_the_dji_files_out_of_a_plan_flown_through(through, stopped,
                                                              tmp_path) -> None:
    from planner.export.files import output_paths

    plan, _ = through
    named = tmp_path / "mine.kmz"
    outputs = output_paths(mission=EXAMPLE, export=[named], plot=None, out=tmp_path / "out",
                           write_terrain=None, body="earth")
    assert {p.name for p in outputs.optional} == {"plan.kmz", "plan.litchi.csv"}
    kept, notes = outputs.suited([plan])
    assert named in kept.exports  # asked for by name: refused when written, not dropped
    assert {p.name for p in kept.exports} == \
        {"mine.kmz", "plan.geojson", "plan.plan", "plan.waypoints", "plan.kml", "plan.csv",
         "plan.png"}
    assert len(notes) == 2 and all("photo waypoints only" in n for n in notes)
    # A plan that stops to shoot keeps every file.
    assert outputs.suited([stopped[0]]) == (outputs, [])


# --- route search ----------------------------------------------------------------------------

def test_route_search_costs_a_step_along_a_strip_as_forward_flight(mapper) -> None:
    import numpy as np
    from shapely.geometry import Point

    from planner.camera import Pointing
    from planner.frames import EARTH
    from planner.mission import Target
    from planner.selection import through_costs
    from planner.settings import make_vehicle
    from planner.viewpoints import Station

    vehicle = make_vehicle(load_profile(str(mapper)), EARTH, altitude_m=60, speed_m_s=8)
    spec = Target(index=0, name="field", geometry=Point(0, 0), gsd_cm=2.0)
    d = coverage.survey_advance_m(spec, vehicle)
    ptg = Pointing(heading_deg=90.0, pitch_deg=-90.0, slant_range_m=60.0, gsd_cm=2.0,
                   in_frame=True)

    def station(x: float, y: float, view: int) -> Station:
        return Station(target=0, x=x, y=y, ground_m=0.0, agl_m=60.0, pointing=ptg,
                       aim=(x, y, 0.0), view=view)

    # Three images a spacing apart eastwards on one strip, one on the next strip north.
    stations = [None, None, station(0, 0, 0), station(d, 0, 1), station(2 * d, 0, 2),
                station(d, 30.0, 3)]
    n = len(stations)
    time_s, energy_wh = np.zeros((n, n)), np.zeros((n, n))
    through_costs(time_s, energy_wh, stations=stations, targets=[spec], vehicle=vehicle)
    v = coverage.strip_speed_m_s(vehicle, gsd_cm=2.0, spacing_m=d)
    assert v == vehicle.cruise_speed_m_s  # 8 m/s: 0.5 px of 2 cm in 1 ms allows 10
    step_t, step_e = vehicle.leg(d, 0.0, 0.0, stops=0, speed_m_s=v)
    for i, j in [(2, 3), (3, 4), (4, 3), (3, 2)]:  # either way along the strip
        assert time_s[i, j] == pytest.approx(float(step_t))
        assert energy_wh[i, j] == pytest.approx(float(step_e))
    # Leaving a strip anywhere but to the next image pays its end stops and last hover.
    far = max(100.0, 4 * v * v / vehicle.profile.horizontal_accel_m_s2)
    stops_t = float(vehicle.leg(far, 0.0, 0.0, stops=2, speed_m_s=v)[0] -
                    vehicle.leg(far, 0.0, 0.0, stops=0, speed_m_s=v)[0])
    for i, j in [(2, 4), (4, 5), (3, 1)]:
        assert time_s[i, j] == pytest.approx(stops_t + vehicle.camera.photo_hover_s)
    # An image on no strip the route can fly through keeps its costs.
    assert not time_s[5].any() and not time_s[:, 5][[0, 1]].any()
    assert time_s[2, 3] < time_s[2, 4]
    # In a wind of uncertain direction too (each step at its track's worst).
    from planner.wind import parse_wind

    windy_t, windy_e = np.zeros((n, n)), np.zeros((n, n))
    through_costs(windy_t, windy_e, stations=stations, targets=[spec], vehicle=vehicle,
                  wind=parse_wind("6@200-300"))
    assert np.isfinite(windy_t).all() and windy_t[2, 3] > 0 and windy_e[2, 3] > 0


def test_the_summary_says_how_the_strips_are_flown(through) -> None:
    from planner.report import strip_words

    plan, _ = through
    words = strip_words(plan)
    assert words.startswith(f"{len(strips(plan))} flown through, ")
    assert f"every {round(strips(plan)[0][0].trigger_m, 1):g} m" in words
    assert "exposure 0.001 s" in words


# --- the mission's say -----------------------------------------------------------------------

def test_a_mission_may_make_a_vehicle_stop_to_shoot(mapper) -> None:
    from planner.settings import Settings, apply_survey_capture, resolve

    profile = load_profile(str(mapper))
    stop = apply_survey_capture(profile, resolve(("m.geojson", Settings(survey_capture="stop"))))
    assert stop.camera.survey_capture == Capture.STOP
    assert not stop.camera.flies_through
    same = apply_survey_capture(profile, resolve(("m.geojson", Settings())))
    assert same.camera.survey_capture == Capture.DISTANCE


@pytest.mark.parametrize(("value", "needles"), [
    ("sometimes", ["plan_flight.survey_capture", "not 'sometimes'"]),
    (3, ["plan_flight.survey_capture", "must be a string"]),
    ("distance", ["plan_flight.survey_capture", "mavic3", "exposure_s"]),
])
def test_a_mission_asking_a_capture_the_vehicle_cannot_is_refused(value, needles,
                                                                 tmp_path) -> None:
    from typer.testing import CliRunner

    from planner.cli import app

    doc = json.loads(EXAMPLE.read_text())
    doc["plan_flight"]["survey_capture"] = value
    path = tmp_path / "mission.geojson"
    path.write_text(json.dumps(doc))
    res = CliRunner().invoke(app, [str(path), "--quiet"])
    assert res.exit_code == 2, res.output
    line, = res.stderr.strip().splitlines()
    assert all(n in line for n in ["mission.geojson", *needles]), line
