from __future__ import annotations

import pytest

from planner.local import frame_for, project
from planner.mission import parse_mission


def test_projected_once_with_three_forms_of_keep_out(three_targets) -> None:
    mission = parse_mission(three_targets)
    frame = frame_for(mission)
    local = project(mission, frame, nav_margin_m=3.0)
    assert local.home.distance(frame.geometry_to_local(mission.home.point)) < 1e-9
    assert abs(local.landing.x - local.home.x - 120.0) < 0.5  # the fixture's 120 m east
    assert len(local.targets) == len(mission.targets)
    (given,), (buffered,), (grown,) = (local.keep_outs, local.keep_outs_buffered,
                                       local.keep_outs_grown)
    # The fixture's 30 m square with a 3 m buffer, then the 3 m navigation margin.
    assert given.area == pytest.approx(900.0, rel=1e-3)
    assert buffered.covers(given) and grown.covers(buffered)
    assert buffered.buffer(-2.99).covers(given)
    assert grown.buffer(-5.99).covers(given)
    x0, y0, x1, y1 = local.bounds()
    assert x0 <= local.home.x <= x1 and y0 <= local.landing.y <= y1


def test_landing_defaults_to_home(three_targets) -> None:
    three_targets["features"] = [f for f in three_targets["features"]
                                 if f["properties"].get("role") != "landing"]
    mission = parse_mission(three_targets)
    local = project(mission, frame_for(mission), nav_margin_m=0.0)
    assert local.landing.equals(local.home)


def test_a_position_in_words_from_home(three_targets) -> None:
    mission = parse_mission(three_targets)
    local = project(mission, frame_for(mission), nav_margin_m=3.0)
    x, y = float(local.home.x) + 150.0, float(local.home.y) - 70.0
    assert local.from_home(x, y) == "150.0 m east, 70.0 m south of home"
    assert local.from_home(float(local.home.x) - 3.4, float(local.home.y) + 91.6, digits=0) == \
        "3 m west, 92 m north of home"
