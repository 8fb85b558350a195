"""plan_flight.auto_airfields: safe landing spots found on the terrain offered as airfields."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from shapely.geometry import Point
from typer.testing import CliRunner

from planner.campaign_flow import (
    AIRFIELDS_MAX,
    check_campaign,
    found_airfields,
    one_flight_reach_m,
    plan_campaign,
)
from planner.cli import app
from planner.errors import InfeasibleMissionError, MissionError
from planner.pipeline import safe_landing
from planner.settings import PlanOptions
from planner.verify import verify
from tests.conftest import feature, square
from tests.planner.test_campaign_flow import SHORT, row_of_rocks

EARTH = Path(__file__).resolve().parents[2] / "examples" / "campaign-earth" / "targets.geojson"


def rocks_without_airfields(**plan_flight):
    doc = row_of_rocks(flights=3, **plan_flight)
    doc["features"] = [f for f in doc["features"] if f["properties"].get("role") != "airfield"]
    return doc


@pytest.fixture(scope="module")
def auto(tmp_path_factory):
    path = tmp_path_factory.mktemp("auto") / "auto.geojson"
    doc = rocks_without_airfields(auto_airfields=True)
    # A keep-out beside the row of rocks: no found spot may lie in it.
    doc["features"].append(feature("Polygon", square(200, -40, 15), role="keep_out",
                                   name="dune", buffer_m=3))
    path.write_text(json.dumps(doc), encoding="utf-8")
    plan, ctx = plan_campaign(path, SHORT)
    return plan, ctx, path


def test_without_airfields_rock_d_is_out_of_reach(tmp_path) -> None:
    path = tmp_path / "none.geojson"
    path.write_text(json.dumps(rocks_without_airfields()), encoding="utf-8")
    # In place with home the only airfield, every flight lands back at home: rock D, 260 m out,
    # needs a flight of more than two minutes there and back.
    with pytest.raises(InfeasibleMissionError, match="rock D"):
        plan_campaign(path, SHORT)


def test_found_airfields_let_the_campaign_reach_everything(auto) -> None:
    plan, ctx, _ = auto
    assert sorted(plan.targets_photographed) == ["rock A", "rock B", "rock C", "rock D"]
    assert any(b.startswith("spot ") for _, b in plan.legs)
    assert all(verify(f, hazards=ctx.hazards).ok for f in plan.flights)
    assert check_campaign(plan, ctx) == []
    assert any(w.startswith("auto_airfields: ") for w in plan.warnings)


def test_found_airfields_are_safe_spaced_within_reach_and_capped(auto) -> None:
    _, ctx, _ = auto
    fields, note = found_airfields(ctx, [])
    assert 0 < len(fields) <= AIRFIELDS_MAX - 1
    spacing = ctx.vehicle.profile.landing_search_radius_m
    reach = one_flight_reach_m(ctx)
    home = ctx.local.home
    dune = ctx.local.keep_outs_buffered[0]
    for i, a in enumerate(fields):
        x, y = a.xy
        assert safe_landing(ctx, x, y)[0] == ""
        assert math.hypot(x - home.x, y - home.y) <= reach
        assert math.hypot(x - home.x, y - home.y) >= spacing
        assert not dune.buffer(ctx.vehicle.profile.min_clearance_m).contains(Point(x, y))
        for b in fields[i + 1:]:
            assert math.hypot(x - b.xy[0], y - b.xy[1]) >= spacing
    assert f"{len(fields)} safe landing spots" in note


def test_the_reach_bounds_every_flight(auto) -> None:
    plan, ctx, _ = auto
    reach = one_flight_reach_m(ctx)
    for f in plan.flights:
        a, b = f.waypoints[0], f.waypoints[-1]
        assert math.hypot(b.x - a.x, b.y - a.y) <= reach
        assert f.distance_m <= reach  # the path flown, not only the displacement


def test_the_cap_counts_given_airfields(auto) -> None:
    _, ctx, _ = auto
    all_found, _ = found_airfields(ctx, [])
    fewer, _ = found_airfields(ctx, all_found[:10])
    assert len(fewer) <= AIRFIELDS_MAX - 1 - 10
    given = {a.xy for a in all_found[:10]}
    spacing = ctx.vehicle.profile.landing_search_radius_m
    assert all(min(math.hypot(f.xy[0] - g[0], f.xy[1] - g[1]) for g in given) >= spacing
               for f in fewer)


@pytest.mark.parametrize(("plan_flight", "message"), [
    ({"auto_airfields": "yes"}, "field 'plan_flight.auto_airfields': must be true or false"),
    ({"auto_airfields": True, "recharge": "at_home"}, "needs recharge in_place"),
])
def test_bad_auto_airfields_are_refused(tmp_path, plan_flight, message) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(rocks_without_airfields(**plan_flight)), encoding="utf-8")
    result = CliRunner().invoke(app, [str(path)])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_auto_airfields_on_earth_need_in_place(tmp_path) -> None:
    doc = json.loads(EARTH.read_text(encoding="utf-8"))
    del doc["plan_flight"]["recharge"]  # Earth's default: at_home
    doc["plan_flight"]["auto_airfields"] = True
    path = tmp_path / "earth.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    # 20 m cells: the refusal comes before any route is planned.
    with pytest.raises(MissionError, match="needs recharge in_place") as err:
        plan_campaign(path, PlanOptions(resolution_m=20.0))
    assert err.value.exit_code == 2
