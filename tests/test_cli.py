from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner import __version__
from planner.cli import app
from tests.conftest import collection, feature

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()


def test_help_explains_every_option() -> None:
    res = runner.invoke(app, ["--help"], env={"COLUMNS": "100"})
    assert res.exit_code == 0
    for opt in ("--body", "--vehicle", "--dem", "--altitude", "--speed", "--air-density",
                "--usable-energy-wh", "--reserve-wh", "--max-flight-time", "--seed",
                "--quiet", "--json", "--version", "--write-terrain"):
        assert opt in res.output


def test_version() -> None:
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert __version__ in res.output


def test_plan_prints_tables(three_targets, write_json) -> None:
    res = runner.invoke(app, [str(write_json(three_targets))], env={"COLUMNS": "100"})
    assert res.exit_code == 0, res.output
    for title in ("Flight plan", "Waypoints", "Camera commands", "Mars / IAU_2015:49900",
                  "synthetic"):
        assert title in res.output
    assert max(len(line) for line in res.output.splitlines()) <= 100


def test_quiet_prints_only_the_summary(three_targets, write_json) -> None:
    res = runner.invoke(app, [str(write_json(three_targets)), "--quiet"])
    assert res.exit_code == 0
    assert "Flight plan" in res.output and "Waypoints" not in res.output


def test_json_is_the_only_stdout(three_targets, write_json) -> None:
    res = runner.invoke(app, [str(write_json(three_targets)), "--json"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["type"] == "FeatureCollection"
    assert doc["plan"]["body"] == "mars"
    assert {f["properties"]["role"] for f in doc["features"]} >= {"route", "waypoint", "photo"}


@pytest.mark.parametrize(("doc", "code", "needle"), [
    ("{not json", 2, "invalid JSON"),
    ({"type": "Feature"}, 2, "not a GeoJSON FeatureCollection"),
    (collection(feature("Point", [1, 1], name="t")), 2, "home"),
])
def test_bad_input_is_one_line_and_exit_2(doc, code, needle, write_json) -> None:
    path = write_json(doc)
    res = runner.invoke(app, [str(path)])
    assert res.exit_code == code
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1
    assert str(path) in err and needle in err
    assert "Traceback" not in res.output + res.stderr


def test_missing_file_exit_2() -> None:
    res = runner.invoke(app, ["/nonexistent/x.geojson"])
    assert res.exit_code == 2
    assert "no such file" in res.stderr


def test_speed_outside_the_profile_exit_2(three_targets, write_json) -> None:
    res = runner.invoke(app, [str(write_json(three_targets)), "--speed", "40"])
    assert res.exit_code == 2
    assert "speed 40" in res.stderr


def test_infeasible_exit_3(three_targets, write_json) -> None:
    res = runner.invoke(app, [str(write_json(three_targets)), "--max-flight-time", "5"])
    assert res.exit_code == 3
    assert "take-off and landing" in res.stderr


def test_write_terrain(three_targets, write_json, tmp_path) -> None:
    import rasterio

    out = tmp_path / "terrain.tif"
    res = runner.invoke(app, [str(write_json(three_targets)), "-q", "--write-terrain", str(out)])
    assert res.exit_code == 0
    with rasterio.open(out) as ds:
        assert ds.crs is not None and "Mars" in ds.crs.to_wkt()
        assert ds.read(1).std() > 0


def test_real_subprocess_and_python_m(tmp_path) -> None:
    mission = EXAMPLES / "flight3" / "targets.geojson"
    exe = Path(sys.executable).with_name("plan-flight")
    res = subprocess.run([str(exe), str(mission), "--quiet"], capture_output=True, text=True,
                         check=False, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "Flight plan" in res.stdout
    res = subprocess.run([sys.executable, "-m", "planner", "/nonexistent.geojson"],
                         capture_output=True, text=True, check=False, timeout=120)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1


def test_check_an_exported_plan(tmp_path) -> None:
    mission = str(EXAMPLES / "flight3" / "targets.geojson")
    out = tmp_path / "plan.geojson"
    res = runner.invoke(app, [mission, "-q", "--export", str(out)])
    assert res.exit_code == 0
    res = runner.invoke(app, [mission, "--check", str(out)])
    assert res.exit_code == 0, res.output + res.stderr
    assert "OK" in res.stdout
    # Tamper: move the photo station into the rover's keep-out zone.
    doc = json.loads(out.read_text())
    rover = next(f for f in doc["features"] if f["properties"]["role"] == "keep_out")
    lon, lat = rover["geometry"]["coordinates"][0][0]
    for f in doc["features"]:
        if f["properties"]["role"] == "waypoint" and f["properties"]["action"] == "photo":
            f["geometry"]["coordinates"][:2] = [lon, lat]
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(doc))
    res = runner.invoke(app, [mission, "--check", str(bad)])
    assert res.exit_code == 4
    assert "keep-out" in res.stdout
    res = runner.invoke(app, [mission, "--check", str(tmp_path / "missing.geojson")])
    assert res.exit_code == 2


def test_json_is_byte_identical_across_processes(tmp_path) -> None:
    import os

    mission = str(EXAMPLES / "flight26" / "targets.geojson")
    exe = Path(sys.executable).with_name("plan-flight")
    outs = []
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        res = subprocess.run([str(exe), mission, "--json"], capture_output=True, check=False,
                             env=env, timeout=300)
        assert res.returncode == 0, res.stderr
        outs.append(res.stdout)
    assert outs[0] == outs[1]
    json.loads(outs[0])
