"""Exports, proven with real readers: pymavlink, GDAL (through pyogrio), QGC's structure."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.export import mavlink
from planner.pipeline import plan_mission

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def export_all(tmp_path_factory, example: str) -> Path:
    """Plan an example with ``--out`` and return the folder of exports."""
    out = tmp_path_factory.mktemp(example)
    res = runner.invoke(app, [str(EXAMPLES / example / "targets.geojson"), "-q", "--out",
                              str(out)])
    assert res.exit_code == 0, res.output + res.stderr
    return out


@pytest.fixture(scope="module")
def mars_plan_dir(tmp_path_factory):
    return export_all(tmp_path_factory, "flight26")


@pytest.fixture(scope="module")
def earth_plan_dir(tmp_path_factory):
    return export_all(tmp_path_factory, "earth")


@pytest.mark.parametrize("which", ["mars_plan_dir", "earth_plan_dir"])
def test_pymavlink_reads_the_waypoints(which, request) -> None:
    from pymavlink import mavwp

    out = request.getfixturevalue(which)
    doc = json.loads((out / "plan.geojson").read_text())
    loader = mavwp.MAVWPLoader()
    n = loader.load(str(out / "plan.waypoints"))
    cmds = [loader.wp(i).command for i in range(n)]
    photos = [f for f in doc["features"] if f["properties"]["role"] == "photo"]
    waypoints = [f for f in doc["features"] if f["properties"]["role"] == "waypoint"]
    # Home row + per waypoint one NAV item + per photo: aim, capture, loiter.
    assert n == 1 + len(waypoints) + 3 * len(photos)
    assert cmds[1] == mavlink.NAV_TAKEOFF and cmds[-1] == mavlink.NAV_LAND
    assert cmds.count(mavlink.IMAGE_START_CAPTURE) == len(photos)
    captures = [loader.wp(i) for i in range(n) if cmds[i] == mavlink.IMAGE_START_CAPTURE]
    assert [int(c.param3) for c in captures] == [p["properties"]["count"] for p in photos]
    home = loader.wp(0)
    assert home.frame == 0
    assert home.x == pytest.approx(waypoints[0]["geometry"]["coordinates"][1], abs=1e-7)
    nav = [loader.wp(i) for i in range(1, n) if cmds[i] in mavlink.NAV_COMMANDS]
    assert all(w.frame == 3 for w in nav)


def test_fixed_camera_is_aimed_by_yaw_and_gimbal_by_gimbal(mars_plan_dir,
                                                           earth_plan_dir) -> None:
    from pymavlink import mavwp

    def commands(out):
        loader = mavwp.MAVWPLoader()
        n = loader.load(str(out / "plan.waypoints"))
        return [loader.wp(i) for i in range(n)]

    mars = commands(mars_plan_dir)
    assert any(w.command == mavlink.CONDITION_YAW for w in mars)
    assert not any(w.command == mavlink.DO_GIMBAL_MANAGER_PITCHYAW for w in mars)
    earth = commands(earth_plan_dir)
    gimbal = [w for w in earth if w.command == mavlink.DO_GIMBAL_MANAGER_PITCHYAW]
    assert gimbal and all(-90 <= g.param1 <= 35 for g in gimbal)
    assert all(int(g.x) == mavlink.GIMBAL_YAW_LOCK for g in gimbal)
    assert not any(w.command == mavlink.CONDITION_YAW for w in earth)


def test_qgc_plan_structure(earth_plan_dir) -> None:
    doc = json.loads((earth_plan_dir / "plan.plan").read_text())
    assert doc["fileType"] == "Plan" and doc["version"] == 1
    assert doc["groundStation"] == "QGroundControl"
    m = doc["mission"]
    assert m["version"] == 2 and m["firmwareType"] in (3, 12)
    assert len(m["plannedHomePosition"]) == 3
    assert m["items"]
    for i, item in enumerate(m["items"], start=1):
        assert item["type"] == "SimpleItem"
        assert item["doJumpId"] == i
        assert len(item["params"]) == 7
        assert item["autoContinue"] is True
        assert isinstance(item["command"], int) and isinstance(item["frame"], int)
    fence = doc["geoFence"]
    assert fence["version"] == 2
    assert len(fence["polygons"]) == 1 and fence["polygons"][0]["inclusion"] is False
    lat, lon = fence["polygons"][0]["polygon"][0]
    assert 47 < lat < 48 and 8 < lon < 9  # [lat, lon] order
    assert doc["rallyPoints"]["version"] == 2 and doc["rallyPoints"]["points"]
    assert "planFlight" not in doc  # Earth plans need no note


def test_mars_plan_says_it_is_mars(mars_plan_dir) -> None:
    doc = json.loads((mars_plan_dir / "plan.plan").read_text())
    assert doc["planFlight"]["body"] == "mars"
    gj = json.loads((mars_plan_dir / "plan.geojson").read_text())
    assert "IAU_2015" in gj["crs"]["properties"]["name"]
    assert "Mars" in (mars_plan_dir / "plan.kml").read_text()


@pytest.mark.parametrize("which", ["mars_plan_dir", "earth_plan_dir"])
def test_gdal_reads_geojson_and_kml(which, request) -> None:
    import pyogrio

    out = request.getfixturevalue(which)
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


def test_geojson_plan_schema(earth_plan_dir) -> None:
    doc = json.loads((earth_plan_dir / "plan.geojson").read_text())
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


def test_csv_and_png(earth_plan_dir) -> None:
    with (earth_plan_dir / "plan.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["action"] == "takeoff" and rows[-1]["action"] == "land"
    assert float(rows[-1]["energy_used_wh"]) > 0
    png = (earth_plan_dir / "plan.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000


def test_unwritable_or_unknown_exports_fail_before_planning(tmp_path) -> None:
    mission = str(EXAMPLES / "flight3" / "targets.geojson")
    res = runner.invoke(app, [mission, "--export", str(tmp_path / "nope" / "plan.plan")])
    assert res.exit_code == 2 and "does not exist" in res.stderr
    res = runner.invoke(app, [mission, "--export", str(tmp_path / "plan.docx")])
    assert res.exit_code == 2 and "unknown export format" in res.stderr
    res = runner.invoke(app, [mission, "--plot", str(tmp_path / "map.jpg")])
    assert res.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_failed_plan_writes_no_file(tmp_path) -> None:
    mission = str(EXAMPLES / "flight3" / "targets.geojson")
    out = tmp_path / "plan.geojson"
    res = runner.invoke(app, [mission, "--export", str(out), "--max-flight-time", "5"])
    assert res.exit_code == 3
    assert list(tmp_path.iterdir()) == []


def test_exports_are_deterministic(tmp_path) -> None:
    from planner.export import render

    mission = EXAMPLES / "flight26" / "targets.geojson"
    a, ctx_a = plan_mission(mission)
    b, ctx_b = plan_mission(mission)
    for suffix in (".geojson", ".plan", ".waypoints", ".kml", ".csv"):
        assert render(a, ctx_a.hazards, suffix) == render(b, ctx_b.hazards, suffix)
