from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import LineString

from planner.errors import InfeasibleMissionError, MissionError
from planner.pipeline import PlanOptions, plan_mission
from tests.conftest import collection, feature, mars_offset

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def route_line(plan):
    return LineString([(w.x, w.y) for w in plan.waypoints])


def test_three_target_mission_plans_around_the_keep_out(three_targets, write_json) -> None:
    plan, ctx = plan_mission(write_json(three_targets))
    assert plan.waypoints[0].action == "takeoff" and plan.waypoints[-1].action == "land"
    line = route_line(plan)
    for keep in ctx.local.keep_outs_buffered:
        assert not line.intersects(keep)
    p = plan.vehicle.profile
    assert plan.energy_wh <= p.usable_energy_wh - p.reserve_wh
    assert plan.duration_s <= p.max_flight_time_s
    assert set(plan.targets_photographed) | {s.target for s in plan.skipped} == \
        {"rock A", "rock B", "outcrop"}
    for ph in plan.photos:
        assert plan.waypoints[ph.waypoint - 1].action == "photo"
        assert ph.pitch_deg == pytest.approx(-22.0)  # Ingenuity's fixed colour camera
    outcrop = [ph for ph in plan.photos if ph.target == "outcrop"]
    assert not outcrop or outcrop[0].count == 3
    # Cumulative time and energy never go backwards.
    assert np.all(np.diff([w.time_s for w in plan.waypoints]) >= 0)
    assert np.all(np.diff([w.energy_wh for w in plan.waypoints]) >= 0)


def direct_flight_s(doc, write_json) -> float:
    """Duration of the same mission's direct flight, home to landing, without targets."""
    bare = {**doc, "features": [f for f in doc["features"]
                                if f["properties"].get("role") in ("home", "landing",
                                                                   "keep_out")]}
    plan, _ = plan_mission(write_json(bare, "direct.geojson"))
    return plan.duration_s


def test_small_budget_skips_targets_with_reasons(three_targets, write_json) -> None:
    budget = direct_flight_s(three_targets, write_json) + 25
    plan, _ = plan_mission(write_json(three_targets), PlanOptions(max_flight_time_s=budget))
    assert plan.duration_s <= budget
    assert plan.skipped
    for s in plan.skipped:
        assert s.reason.startswith(("over budget", "left out for higher-priority",
                                    "no room on this route: adding it needs"))


def test_required_target_that_cannot_fit_is_refused_by_name(three_targets, write_json) -> None:
    # A few seconds more than the direct flight: the outcrop's three photos alone need 6 s.
    budget = direct_flight_s(three_targets, write_json) + 4
    three_targets["features"][5]["properties"]["required"] = True
    with pytest.raises(InfeasibleMissionError, match="required target 'outcrop'"):
        plan_mission(write_json(three_targets), PlanOptions(max_flight_time_s=budget))


def test_budget_that_cannot_cover_takeoff_and_landing(three_targets, write_json) -> None:
    with pytest.raises(InfeasibleMissionError, match=r"does not cover even take-off and "
                                                     r"landing, which need [\d.]+ Wh and "
                                                     r"\d+ s \(climbing to and descending "
                                                     r"from 8 m\)"):
        plan_mission(write_json(three_targets), PlanOptions(max_flight_time_s=10))


def test_a_detour_over_budget_is_said_with_its_figures(three_targets, write_json) -> None:
    # The rover's keep-out sits across the straight line home - landing (120 m): the direct
    # flight turns around it, and a budget a few seconds short of the detour refuses it.
    direct = direct_flight_s(three_targets, write_json)
    with pytest.raises(InfeasibleMissionError) as info:
        plan_mission(write_json(three_targets), PlanOptions(max_flight_time_s=direct - 3))
    text = str(info.value)
    assert "even the direct flight from home to the landing site does not fit" in text
    assert "detouring around hazards and keep-outs" in text
    assert "the straight line is 120 m" in text
    need = float(text.partition(" s with take-off and landing")[0].rsplit(" ", 1)[1])
    assert need == pytest.approx(direct, abs=1)
    assert text.endswith(f"the reserve and {direct - 3:g} s: {need - direct + 3:.0f} s over") \
        or text.endswith(f"the reserve and {direct - 3:g} s: {need - direct + 2:.0f} s over")
    assert " Wh and " not in text.rsplit(": ", 1)[1]  # the energy is within its budget


def test_impossible_gsd_is_a_skip_reason(three_targets, write_json) -> None:
    three_targets["features"][3]["properties"]["gsd_cm"] = 0.01
    plan, _ = plan_mission(write_json(three_targets))
    reasons = {s.target: s.reason for s in plan.skipped}
    assert "GSD" in reasons["rock A"]


def test_repositioning_flight(write_json) -> None:
    doc = collection(feature("Point", mars_offset(0, 0), role="home", name="Q"),
                     feature("Point", mars_offset(-20, -150), role="landing", name="R"),
                     crs="IAU_2015:49900")
    plan, _ = plan_mission(write_json(doc))
    assert not plan.photos
    assert plan.distance_m >= 150
    assert plan.waypoints[-1].action == "land"


def test_home_inside_keep_out_is_bad_input(write_json) -> None:
    from tests.conftest import square

    doc = collection(feature("Point", mars_offset(0, 0), role="home", name="Q"),
                     feature("Polygon", square(0, 0, 10), role="keep_out", name="rover"),
                     crs="IAU_2015:49900")
    with pytest.raises(MissionError, match="keep-out zone 'rover'"):
        plan_mission(write_json(doc))


def test_same_input_same_plan(three_targets, write_json) -> None:
    import json

    from planner.planfile import plan_to_geojson

    path = write_json(three_targets)
    a = json.dumps(plan_to_geojson(plan_mission(path)[0]))
    b = json.dumps(plan_to_geojson(plan_mission(path)[0]))
    assert a == b


@pytest.mark.parametrize("name", ["flight26", "flight3", "earth"])
def test_examples_plan_and_verify(name: str) -> None:
    plan, ctx = plan_mission(EXAMPLES / name / "targets.geojson")
    assert plan.photos
    required = {t.name for t in plan.mission.targets if t.required}
    assert required <= set(plan.targets_photographed)
    line = route_line(plan)
    for keep in ctx.local.keep_outs_buffered:
        assert not line.intersects(keep)


def test_flight26_resembles_the_flown_flight() -> None:
    plan, _ = plan_mission(EXAMPLES / "flight26" / "targets.geojson")
    assert plan.mission.body.name == "mars"
    assert sum(ph.count for ph in plan.photos) == 10  # ten colour images
    assert 200 <= plan.distance_m <= 450  # about 360 m flown, with manoeuvres
    assert 120 <= plan.duration_s <= 180  # 159 s flown
    assert plan.waypoints[-1].lat == pytest.approx(18.45165, abs=2e-5)  # lands at Airfield R


def test_flight3_photographs_the_rover_from_afar() -> None:
    plan, _ = plan_mission(EXAMPLES / "flight3" / "targets.geojson")
    ph = plan.photos[0]
    assert 80 <= ph.slant_range_m <= 90  # about 85 m away
    assert plan.waypoints[-1].x == pytest.approx(plan.waypoints[0].x)  # back to the field
    assert 60 <= plan.duration_s <= 100  # 80 s flown


def test_a_target_out_of_range_is_skipped_without_growing_the_terrain(three_targets,
                                                                      write_json) -> None:
    import time

    three_targets["features"].append(feature("Point", mars_offset(0, 3_000_000), name="far"))
    start = time.perf_counter()
    plan, ctx = plan_mission(write_json(three_targets))
    assert time.perf_counter() - start < 60  # not the minutes a 3000 km terrain would take
    reasons = {s.target: s.reason for s in plan.skipped}
    assert reasons["far"].startswith("out of range: home to it and on to landing is at least")
    assert "range of at most" in reasons["far"]
    rows, cols = ctx.dem.shape
    assert rows < 2000 and cols < 2000  # the terrain covers the reachable mission only
    assert ctx.beyond_range and list(ctx.beyond_range) == [3]


def test_a_large_area_gets_coarser_built_in_terrain_with_a_warning(write_json,
                                                                   monkeypatch) -> None:
    from planner import pipeline

    doc = collection(feature("Point", mars_offset(0, 0), role="home", name="Q"),
                     feature("Point", mars_offset(-20, -150), role="landing", name="R"),
                     crs="IAU_2015:49900")
    path = write_json(doc)
    one_m, _ = plan_mission(path)
    cells = one_m.dem.shape[0] * one_m.dem.shape[1]
    assert one_m.dem.resolution == 1.0
    assert not any("built-in terrain is made at" in w for w in one_m.warnings)
    monkeypatch.setattr(pipeline, "MAX_TERRAIN_CELLS", cells // 2)  # 1 m no longer fits
    coarse, _ = plan_mission(path)
    assert coarse.dem.resolution == 2.0
    assert any("built-in terrain is made at 2 m" in w for w in coarse.warnings)
    assert coarse.waypoints[-1].action == "land"
    monkeypatch.setattr(pipeline, "MAX_TERRAIN_CELLS", cells // 100)  # not even at 4 m
    with pytest.raises(Exception, match="terrain cells at 4 m"):
        plan_mission(path)
