from __future__ import annotations

import json

import pytest

from planner.errors import InputError
from planner.plan import Action
from planner.planfile import SCHEMA_VERSION, plan_json, read_plan_file, rebuild_plan


@pytest.fixture(scope="module")
def written(planned, tmp_path_factory):
    plan, ctx, _ = planned
    path = tmp_path_factory.mktemp("planfile") / "plan.geojson"
    path.write_text(plan_json(plan))
    return plan, ctx, path


def test_written_and_read_back(written) -> None:
    plan, ctx, path = written
    doc = json.loads(path.read_text())
    assert doc["plan"]["schema_version"] == SCHEMA_VERSION
    assert doc["plan"]["selection_stopped_by_time"] is False
    rec = read_plan_file(path)
    assert [w.seq for w in rec.waypoints] == [w.seq for w in plan.waypoints]
    assert [w.action for w in rec.waypoints] == [w.action for w in plan.waypoints]
    assert rec.settings.vehicle == plan.vehicle.profile.name
    assert rec.settings.altitude_m == plan.vehicle.cruise_altitude_agl_m
    back = rebuild_plan(rec, mission=ctx.mission, local=ctx.local, vehicle=ctx.vehicle,
                        dem=ctx.dem)
    for a, b in zip(plan.waypoints, back.waypoints, strict=True):
        assert abs(a.x - b.x) < 1e-3 and abs(a.y - b.y) < 1e-3
        assert b.time_s == pytest.approx(a.time_s, abs=0.01)
        assert b.stop == a.stop
    for a, b in zip(plan.photos, back.photos, strict=True):
        # Aims come from the mission's targets, footprints from the camera model: no NaNs.
        assert b.aim == pytest.approx(a.aim)
        assert b.footprint.symmetric_difference(a.footprint).area < 1e-2 * a.footprint.area
    assert back.selection == plan.selection
    assert [s.target for s in back.skipped] == [s.target for s in plan.skipped]


def test_an_old_file_without_a_version_is_layout_one(written, tmp_path) -> None:
    _, _, path = written
    doc = json.loads(path.read_text())
    del doc["plan"]["schema_version"]
    old = tmp_path / "old.geojson"
    old.write_text(json.dumps(doc))
    assert read_plan_file(old).schema_version == 1


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda d: d["plan"].update(schema_version=99), "schema_version"),
    (lambda d: d.update(plan=[]), "not a plan-flight GeoJSON plan"),
    (lambda d: d.update(features=[f for f in d["features"]
                                  if f["properties"]["role"] != "waypoint"]), "no waypoint"),
    (lambda d: d["features"][1]["properties"].update(action="hover"), "feature 1: field 'action'"),
    (lambda d: d["features"][1]["properties"].update(time_s="12"), "feature 1: field 'time_s'"),
    (lambda d: d["features"][1]["properties"].update(seq=1.5), "feature 1: field 'seq'"),
    (lambda d: d["features"][1]["geometry"].update(coordinates=["77.4", "18.4", 0]),
     "feature 1: field 'geometry'"),
    (lambda d: d["features"][1]["geometry"].update(coordinates=[77.4, 18.4]),
     "3-D Point"),
    (lambda d: d["plan"].update(cruise_speed_m_s=True), "cruise_speed_m_s"),
])
def test_bad_plan_files_are_refused_by_field(written, tmp_path, edit, needle) -> None:
    _, _, path = written
    doc = json.loads(path.read_text())
    edit(doc)
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=needle):
        read_plan_file(bad)


def test_actions_are_the_plan_kinds(written) -> None:
    rec = read_plan_file(written[2])
    assert rec.waypoints[0].action is Action.TAKEOFF
    assert rec.waypoints[-1].action is Action.LAND
