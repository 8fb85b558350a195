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
    padded = [line for line in res.stdout.splitlines() if line.endswith(" ")]
    assert not padded, padded[:3]  # piped: no trailing spaces (rich pads every cell)


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


def test_a_refusal_is_a_json_document_with_json(three_targets, write_json) -> None:
    path = write_json(three_targets)
    res = runner.invoke(app, [str(path), "--max-flight-time", "5", "--json"])
    assert res.exit_code == 3
    assert len(res.stderr.splitlines()) == 1 and "take-off and landing" in res.stderr
    doc = json.loads(res.stdout)
    assert (doc["type"], doc["status"], doc["exit_code"]) == ("plan-flight refusal", "refused", 3)
    assert doc["reason"].startswith("the battery budget")
    assert doc["reason"] in res.stderr
    assert [s["target"] for s in doc["skipped"]] == ["rock A", "rock B", "outcrop"]
    assert all(s["reason"].startswith("not flown: the mission is refused") for s in doc["skipped"])
    # A required target out of reach: its own reason.
    three_targets["features"][5]["properties"]["required"] = True
    three_targets["features"][5]["geometry"]["coordinates"] = [77.6, 18.4]
    res = runner.invoke(app, [str(write_json(three_targets)), "--json"])
    assert res.exit_code == 3, res.stderr
    doc = json.loads(res.stdout)
    own = {s["target"]: s["reason"] for s in doc["skipped"]}
    assert own["outcrop"].startswith("out of range")
    assert own["rock A"].startswith("not flown")


def test_write_terrain(three_targets, write_json, tmp_path) -> None:
    import rasterio

    out = tmp_path / "terrain.tif"
    res = runner.invoke(app, [str(write_json(three_targets)), "-q", "--write-terrain", str(out)])
    assert res.exit_code == 0
    with rasterio.open(out) as ds:
        assert ds.crs is not None and "Mars" in ds.crs.to_wkt()
        assert ds.read(1).std() > 0


def test_real_subprocess_and_python_m(tmp_path) -> None:
    """Piped, as in a log: plain text at 80 columns with nothing cut."""
    import os
    import re

    mission = EXAMPLES / "flight3" / "targets.geojson"
    exe = Path(sys.executable).with_name("plan-flight")
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    res = subprocess.run([str(exe), str(mission), "--export", str(tmp_path / "p.geojson")],
                         capture_output=True, text=True, check=False, timeout=300, env=env)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "Flight plan" in out and "Waypoints: position" in out
    assert "…" not in out and "─" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    pairs = [(float(a), float(b)) for a, b in re.findall(r"(-?\d+\.\d{7})\s+(-?\d+\.\d{7})",
                                                            out)]
    doc = json.loads((tmp_path / "p.geojson").read_text())  # lon/lat to 8 decimals
    for f in doc["features"]:
        if f["properties"]["role"] == "waypoint":
            lon, lat = f["geometry"]["coordinates"][:2]
            assert any(abs(a - lat) <= 1.01e-7 and abs(b - lon) <= 1.01e-7 for a, b in pairs)
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


# Every value checked before planning, every error one line: these runs must never plan.
@pytest.fixture
def no_planning(monkeypatch):
    def fail(*_a, **_k):
        raise AssertionError("planned although the input was bad")

    monkeypatch.setattr("planner.cli.plan_mission", fail)


@pytest.mark.parametrize(("args", "needle"), [
    (["--seed", "-5"], "--seed -5: must be a whole number >= 0"),
    (["--resolution", "-3"], "--resolution -3: must be a number > 0"),
    (["--resolution", "0"], "--resolution 0: must be a number > 0"),
    (["--resolution", "nan"], "--resolution nan: must be a finite number"),
    (["--resolution", "inf"], "--resolution inf: must be a finite number"),
    (["--time-limit", "0"], "--time-limit 0: must be a number > 0"),
    (["--time-limit", "-1"], "--time-limit -1: must be a number > 0"),
    (["--export", "/proc/x.csv"], "/proc/x.csv: cannot write into folder '/proc'"),
    (["--export", "{tmp}/a.geojson", "--export", "/proc/x.csv"], "/proc/x.csv"),
    (["--export", "{tmp}/no/such/plan.csv"], "does not exist"),
    (["--export", "{tmp}"], "unknown export format"),
    (["--export", "{mission}"], "is the mission file"),
    (["--plot", "{tmp}/map.jpg"], "--plot writes PNG"),
    (["--write-terrain", "{tmp}/t.png"], "--write-terrain writes GeoTIFF"),
    (["--out", "/proc/plans"], "/proc/plans: cannot make the folder"),
    (["--check", "{tmp}/p.geojson", "--export", "{tmp}/a.csv"], "--check re-checks a plan"),
    (["--nonsense"], "No such option: --nonsense"),
    (["--seed", "x"], "Invalid value for '--seed'"),
    (["--body", "venus"], "Invalid value for '--body'"),
    (["--export"], "Option '--export' requires an argument"),
])
def test_bad_values_are_one_line_exit_2_before_planning(args, needle, tmp_path, no_planning,
                                                        three_targets, write_json) -> None:
    mission = write_json(three_targets)
    argv = [str(mission), *[a.replace("{tmp}", str(tmp_path)).replace("{mission}", str(mission))
                            for a in args]]
    before = sorted(tmp_path.rglob("*"))
    res = runner.invoke(app, argv)
    assert res.exit_code == 2, (res.exit_code, res.stderr, res.exception)
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("plan-flight: error: ")
    assert needle in err, err
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, nothing left behind


def test_missing_argument_is_one_line() -> None:
    res = runner.invoke(app, [])
    assert res.exit_code == 2
    assert res.stderr.strip() == ("plan-flight: error: Missing argument 'MISSION'; see "
                                  "plan-flight --help")


def test_help_documents_the_exit_codes() -> None:
    res = runner.invoke(app, ["--help"], env={"COLUMNS": "100"})
    assert res.exit_code == 0
    text = " ".join(res.stdout.split())
    for code in ("0 a verified plan", "2 bad input", "3 no plan", "4 the verifier",
                 "130 interrupted (Ctrl-C)", "1 an internal error"):
        assert code in text


def test_ctrl_c_is_exit_130_and_removes_the_new_out_folder(monkeypatch, tmp_path,
                                                           three_targets, write_json) -> None:
    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr("planner.cli.plan_mission", interrupted)
    out = tmp_path / "new" / "plans"
    res = runner.invoke(app, [str(write_json(three_targets)), "--out", str(out)])
    assert res.exit_code == 130
    assert res.stderr.strip() == "plan-flight: error: interrupted"
    assert not (tmp_path / "new").exists()


def test_out_makes_its_folder(monkeypatch, tmp_path, planned) -> None:
    plan, ctx, mission = planned
    monkeypatch.setattr("planner.cli.plan_mission", lambda *_a, **_k: (plan, ctx))
    out = tmp_path / "flights" / "today"
    res = runner.invoke(app, [str(mission), "-q", "--out", str(out)])
    assert res.exit_code == 0, res.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["plan.geojson", "plan.plan", "plan.waypoints", "plan.kml", "plan.csv", "plan.png"])


def test_exports_are_written_all_or_none(monkeypatch, tmp_path, planned) -> None:
    """The second export's folder vanishes after the paths were checked: nothing is written."""
    plan, ctx, mission = planned
    keep, gone = tmp_path / "keep", tmp_path / "gone"
    keep.mkdir()
    gone.mkdir()
    (keep / "plan.geojson").write_text("the old plan")

    def plan_and_lose_a_folder(*_a, **_k):
        gone.rmdir()
        return plan, ctx

    monkeypatch.setattr("planner.cli.plan_mission", plan_and_lose_a_folder)
    res = runner.invoke(app, [str(mission), "-q", "--export", str(keep / "plan.geojson"),
                              "--export", str(keep / "plan.csv"), "--export",
                              str(gone / "plan.kml")])
    assert res.exit_code == 2
    assert "gone/plan.kml: cannot write" in res.stderr and "no output was written" in res.stderr
    assert sorted(p.name for p in keep.iterdir()) == ["plan.geojson"]  # no temporary left
    assert (keep / "plan.geojson").read_text() == "the old plan"


def test_write_together_keeps_every_destination_on_failure(tmp_path) -> None:
    from planner.errors import InputError
    from planner.export.files import write_together

    def full_disk(_path):
        raise OSError(28, "No space left on device")

    a = tmp_path / "a.csv"
    with pytest.raises(InputError, match=r"b.kml: cannot write \(No space left on device\)"):
        write_together([(a, lambda p: p.write_text("a")), (tmp_path / "b.kml", full_disk)])
    assert list(tmp_path.iterdir()) == []
    write_together([(a, lambda p: p.write_text("a"))])
    assert a.read_text() == "a" and a.stat().st_mode & 0o777 != 0o600
