from __future__ import annotations

import json

import pytest

from planner.check import check_plan_file
from planner.planfile import plan_json
from planner.settings import PlanOptions


@pytest.fixture(scope="module")
def plan_file(planned, tmp_path_factory):
    plan, _, mission = planned
    path = tmp_path_factory.mktemp("check") / "plan.geojson"
    path.write_text(plan_json(plan))
    return plan, mission, path


def test_a_fresh_plan_checks_out(plan_file) -> None:
    plan, mission, path = plan_file
    report, back = check_plan_file(path, mission)
    assert report.ok, report.violations
    assert report.checks["photos"] == len(plan.photos)
    assert back.vehicle.cruise_speed_m_s == plan.vehicle.cruise_speed_m_s


def test_the_plans_settings_are_used_unless_the_command_line_says(plan_file, tmp_path) -> None:
    _, mission, path = plan_file
    doc = json.loads(path.read_text())
    doc["plan"]["cruise_speed_m_s"] = 5.0  # recorded differently from the mission's 3 m/s
    other = tmp_path / "other.geojson"
    other.write_text(json.dumps(doc))
    _, back = check_plan_file(other, mission)
    assert back.vehicle.cruise_speed_m_s == 5.0
    _, back = check_plan_file(other, mission, PlanOptions(speed_m_s=2.0))
    assert back.vehicle.cruise_speed_m_s == 2.0


def test_a_landing_moved_into_the_keep_out_is_caught(plan_file, tmp_path) -> None:
    _, mission, path = plan_file
    doc = json.loads(path.read_text())
    keep = next(f for f in doc["features"] if f["properties"]["role"] == "keep_out")
    lon, lat = keep["geometry"]["coordinates"][0][0]
    wps = [f for f in doc["features"] if f["properties"]["role"] == "waypoint"]
    for f in wps[-2:]:  # the last stop and the landing beneath it
        f["geometry"]["coordinates"][:2] = [lon, lat]
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(doc))
    report, _ = check_plan_file(bad, mission)
    assert not report.ok
    assert any("keep-out" in v for v in report.violations)


def test_a_file_of_another_kind_is_refused_saying_what_check_reads(tmp_path) -> None:
    from pathlib import Path

    from typer.testing import CliRunner

    from planner.cli import app

    mission = Path(__file__).resolve().parents[2] / "examples" / "flight3" / "targets.geojson"
    csv = tmp_path / "plan.csv"
    csv.write_text("seq,lat,lon\n1,18.4,77.4\n", encoding="utf-8")
    res = CliRunner().invoke(app, [str(mission), "--check", str(csv)])
    assert res.exit_code == 2
    line, = res.stderr.strip().splitlines()
    assert "plan.csv" in line and ".plan" in line and ".waypoints" in line
