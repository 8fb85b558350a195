"""Campaigns through the whole flow: several flights over one prepared ground, each verified."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from planner.campaign_flow import campaign_to_json, check_campaign, plan_campaign
from planner.cli import app
from planner.errors import InfeasibleMissionError
from planner.pipeline import plan_mission
from planner.settings import PlanOptions
from planner.verify import verify
from tests.conftest import collection, feature, mars_offset

# Ingenuity held to two minutes a flight (its profile allows about three): a budget that keeps
# the missions small while four targets along 280 m still cannot fit one flight.
SHORT = PlanOptions(max_flight_time_s=120.0)


def row_of_rocks(**plan_flight):
    """Home, two airfields 140 m apart eastwards, four rocks along the way (rock D required)."""
    return collection(
        feature("Point", mars_offset(0, 0), role="home", name="home"),
        feature("Point", mars_offset(140, 10), role="airfield", name="field B"),
        feature("Point", mars_offset(280, 0), role="airfield", name="field C"),
        feature("Point", mars_offset(60, 30), name="rock A", priority=2),
        feature("Point", mars_offset(120, -30), name="rock B", priority=1),
        feature("Point", mars_offset(200, 30), name="rock C", priority=2),
        feature("Point", mars_offset(260, -30), name="rock D", priority=1, required=True),
        crs="IAU_2015:49900",
        plan_flight={"altitude_m": 8, "speed_m_s": 3, **plan_flight},
    )


@pytest.fixture(scope="module")
def in_place(tmp_path_factory):
    path = tmp_path_factory.mktemp("campaign") / "rocks.geojson"
    path.write_text(json.dumps(row_of_rocks(flights=3)), encoding="utf-8")
    plan, ctx = plan_campaign(path, SHORT)
    return plan, ctx, path


def test_targets_beyond_one_flight_are_flown_as_several(in_place) -> None:
    plan, ctx, path = in_place
    one = row_of_rocks()
    one["features"] = [f for f in one["features"] if f["properties"]["name"] != "rock D"]
    single_path = path.with_name("one.geojson")
    single_path.write_text(json.dumps(one), encoding="utf-8")
    single, _ = plan_mission(single_path, SHORT)
    assert len(single.targets_photographed) < 3  # one flight cannot hold even A, B and C
    assert 2 <= len(plan.flights) <= 3
    assert sorted(plan.targets_photographed) == ["rock A", "rock B", "rock C", "rock D"]
    assert plan.skipped == ()
    budget = ctx.vehicle.profile
    for f in plan.flights:
        assert verify(f, hazards=ctx.hazards).ok
        assert f.duration_s <= budget.max_flight_time_s
        assert f.energy_wh <= budget.budget_energy_wh
    # Each flight takes off where the last landed (in place, Mars's default), the first at home.
    first = plan.flights[0].waypoints[0]
    assert math.hypot(first.x - ctx.local.home.x, first.y - ctx.local.home.y) < 1e-6
    for a, b in zip(plan.flights, plan.flights[1:], strict=False):
        assert (a.waypoints[-1].x, a.waypoints[-1].y) == pytest.approx(
            (b.waypoints[0].x, b.waypoints[0].y), abs=1e-6)
        assert b.mission.home.name == a.mission.landing_site.name
    assert plan.recharge == "in_place"
    assert plan.legs[0][0] == "home" and plan.legs[-1][1] != "home"
    assert check_campaign(plan, ctx) == []


def test_the_campaign_check_finds_a_broken_hand_off(in_place) -> None:
    plan, ctx, _ = in_place
    swapped = replace(plan, flights=plan.flights[::-1], legs=plan.legs[::-1])
    assert any("takes off" in p for p in check_campaign(swapped, ctx))
    dropped = replace(plan, flights=plan.flights[:1], legs=plan.legs[:1])
    assert any("required target 'rock D'" in p for p in check_campaign(dropped, ctx))


def test_the_json_document_holds_every_flight(in_place) -> None:
    plan, _, _ = in_place
    doc = json.loads(json.dumps(campaign_to_json(plan)))
    assert len(doc["flights"]) == len(plan.flights) == len(doc["summary"])
    assert all(f["type"] == "FeatureCollection" for f in doc["flights"])
    assert sum(len(s["targets"]) for s in doc["summary"]) == 4


def test_at_home_every_flight_returns(tmp_path) -> None:
    doc = collection(
        feature("Point", mars_offset(0, 0), role="home", name="home"),
        feature("Point", mars_offset(-110, 20), name="west rock", priority=1),
        feature("Point", mars_offset(110, -20), name="east rock", priority=1),
        crs="IAU_2015:49900",
        plan_flight={"altitude_m": 8, "speed_m_s": 3, "flights": 2, "recharge": "at_home"})
    path = tmp_path / "two.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    single, _ = plan_mission(path, SHORT)
    assert len(single.targets_photographed) == 1  # both sides do not fit one flight
    plan, ctx = plan_campaign(path, SHORT)
    assert len(plan.flights) == 2
    assert sorted(plan.targets_photographed) == ["east rock", "west rock"]
    for f in plan.flights:
        for w in (f.waypoints[0], f.waypoints[-1]):
            # takes off and lands at home
            assert math.hypot(w.x - ctx.local.home.x, w.y - ctx.local.home.y) < 1e-6
    assert plan.legs == (("home", "home"), ("home", "home"))


def test_a_required_target_out_of_every_flights_reach_is_refused(tmp_path) -> None:
    doc = row_of_rocks(flights=2)
    doc["features"].append(feature("Point", mars_offset(-150, 300), name="far dune",
                                   required=True))
    path = tmp_path / "far.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InfeasibleMissionError, match="required target 'far dune'"):
        plan_campaign(path, SHORT)


def test_one_flight_is_todays_plan_byte_for_byte(tmp_path) -> None:
    runner = CliRunner()
    plain = row_of_rocks()
    plain["features"] = [f for f in plain["features"]
                         if f["properties"].get("role") != "airfield"]
    for f in plain["features"]:
        f["properties"].pop("required", None)  # rock D is beyond one flight
    asked = json.loads(json.dumps(plain))
    asked["plan_flight"]["flights"] = 1
    outs = []
    for name, doc, extra in (("plain", plain, []), ("asked", asked, []),
                             ("option", plain, ["--flights", "1"])):
        path = tmp_path / "mission.geojson"
        path.write_text(json.dumps(doc), encoding="utf-8")
        res = runner.invoke(app, [str(path), "--max-flight-time", "120", "--json", *extra])
        assert res.exit_code == 0, (name, res.stderr)
        outs.append(res.stdout)
    assert outs[0] == outs[1] == outs[2]
    assert json.loads(outs[0])["type"] == "FeatureCollection"


def test_the_command_line_writes_one_file_per_flight(tmp_path) -> None:
    path = tmp_path / "rocks.geojson"
    path.write_text(json.dumps(row_of_rocks()), encoding="utf-8")
    res = CliRunner().invoke(app, [str(path), "--max-flight-time", "120", "--flights", "3",
                                   "--quiet", "--export", str(tmp_path / "rocks.plan")])
    assert res.exit_code == 0, res.stderr
    assert "Campaign" in res.stdout and "Flight 1 of " in res.stdout
    written = sorted(p.name for p in tmp_path.glob("rocks-*.plan"))
    assert written and written[0] == "rocks-01.plan"
    assert not (tmp_path / "rocks.plan").exists()
    assert f"Flight {len(written)} of {len(written)}" in res.stdout


def test_the_mars_campaign_example() -> None:
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "campaign-mars" / "targets.geojson"
    plan, ctx = plan_campaign(path)
    # Flight 26 photographs the backshell (from its four sides) and the parachute and lands
    # where flight 27 can reach the area near the ridge; flight 27 ends at the airfield from
    # which one more flight reaches the area left for later.
    assert len(plan.flights) == 2
    assert set(plan.flights[0].targets_photographed) == {"backshell", "parachute"}
    assert {p.view for p in plan.flights[0].photos if p.target == "backshell"} == {0, 1, 2, 3}
    assert plan.flights[1].targets_photographed == ("Seitah ridge area",)
    assert plan.legs[0][0] == "Airfield Q" and plan.legs[0][1] == plan.legs[1][0]
    assert [s.target for s in plan.skipped] == ["next area"]
    assert plan.legs[-1][1] == "candidate U"
    assert plan.end_note.startswith("one more flight from there reaches 2 of the priority left")
    assert all(verify(f, hazards=ctx.hazards).ok for f in plan.flights)
    assert check_campaign(plan, ctx) == []
    # The README shows this campaign table, as printed at 80 columns.
    import io

    from rich.console import Console

    from planner.report import campaign_table

    out = io.StringIO()
    first = plan.flights[0]
    as_run = replace(first, mission=replace(first.mission,
                                            source="examples/campaign-mars/targets.geojson"))
    Console(file=out, width=80, color_system=None).print(
        campaign_table(replace(plan, flights=(as_run, *plan.flights[1:]))))
    root = Path(__file__).resolve().parents[2]
    printed = [ln.rstrip() for ln in out.getvalue().splitlines()]
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ plan-flight examples/campaign-mars/targets.geojson --quiet\n")[1]
    shown = [ln for ln in block.split("```")[0].splitlines() if ln.strip()]
    table = [ln for ln in printed if ln.strip()]
    # The README shows the whole output (examples/render.py): the campaign table comes first.
    assert shown[:len(table)] == table, "\n".join(shown[:len(table)])


def test_the_campaign_ends_where_one_more_flight_reaches_what_is_left(tmp_path) -> None:
    # Rock D too far for the two flights asked: with no landing site, the campaign ends at
    # the airfield nearer it (field C), not back at home or at field B.
    doc = row_of_rocks(flights=2)
    doc["features"][6]["properties"].update(required=False, priority=1)
    doc["features"][6]["geometry"]["coordinates"] = mars_offset(400, -20)
    path = tmp_path / "far.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    plan, ctx = plan_campaign(path, SHORT)
    assert "rock D" not in plan.targets_photographed
    assert plan.legs[-1][1] == "field C"
    assert "(rock D)" in plan.end_note
    assert check_campaign(plan, ctx) == []
    doc = campaign_to_json(plan)
    assert doc["ends_at"] == "field C" and doc["ends_at_why"] == plan.end_note


def test_each_flight_keeps_its_own_share_of_the_budget(tmp_path) -> None:
    path = tmp_path / "shares.geojson"
    doc = row_of_rocks(flights=3, flight_budgets=[1.0, 0.7, 1.0])
    path.write_text(json.dumps(doc), encoding="utf-8")
    plan, ctx = plan_campaign(path, SHORT)
    p = ctx.vehicle.profile
    assert len(plan.budgets) == len(plan.flights)
    for f, share in zip(plan.flights, plan.budgets, strict=True):
        assert f.energy_wh <= share * p.budget_energy_wh
        assert f.duration_s <= share * p.max_flight_time_s
    assert 0.7 in plan.budgets or len(plan.flights) < 3
    assert "rock D" in plan.targets_photographed


def sides_taken(plan, name):
    """The views of target ``name`` each flight photographs (a list per flight)."""
    return [sorted({p.view for p in f.photos if p.target == name}) for f in plan.flights]


def test_a_target_of_three_views_is_photographed_whole_over_the_campaign(tmp_path) -> None:
    doc = row_of_rocks(flights=3)
    doc["features"][3]["properties"].update(views=3, required=True)  # rock A from three sides
    path = tmp_path / "views.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    plan, ctx = plan_campaign(path, SHORT)
    taken = sides_taken(plan, "rock A")
    assert sorted(v for f in taken for v in f) == [0, 1, 2]  # each side once, on some flight
    assert set(plan.targets_photographed) == {"rock A", "rock B", "rock C", "rock D"}
    assert all(verify(f, hazards=ctx.hazards).ok for f in plan.flights)
    assert check_campaign(plan, ctx) == []
    # The campaign check answers for the sides: one left out is found and named.
    first = next(k for k, f in enumerate(taken) if f)
    f = plan.flights[first]
    cut = replace(f, photos=tuple(p for p in f.photos
                                  if p.target != "rock A" or p.view != taken[first][0]))
    short = replace(plan, flights=(*plan.flights[:first], cut, *plan.flights[first + 1:]))
    assert any("required target 'rock A' photographed from 2 of its 3 sides" in p
               for p in check_campaign(short, ctx))


def test_a_target_s_sides_may_be_split_between_flights(tmp_path) -> None:
    # Rock C from four sides, required: with rock D (required) on the way, its sides do not
    # all fit the flight that passes it, and the next flight comes back for the rest.
    doc = row_of_rocks(flights=3)
    doc["features"][5]["properties"].update(views=4, required=True)
    path = tmp_path / "split.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    plan, ctx = plan_campaign(path, SHORT)
    taken = sides_taken(plan, "rock C")
    assert sorted(v for f in taken for v in f) == [0, 1, 2, 3]
    assert sum(map(bool, taken)) >= 2  # split: each flight's share of the sides once
    assert plan.skipped == () and not any("rock C" in w for w in plan.warnings)
    for f in plan.flights:
        assert verify(f, hazards=ctx.hazards).ok
        # A flight answers for a required target only when it alone photographs it.
        assert not next(t for t in f.mission.targets if t.name == "rock C").required
    assert check_campaign(plan, ctx) == []
    # One side photographed on two flights is found by the campaign check.
    a, b = (k for k, f in enumerate(taken) if f)
    extra = next(p for p in plan.flights[b].photos if p.target == "rock C")
    twice = replace(plan.flights[a], photos=(*plan.flights[a].photos, extra))
    doubled = replace(plan, flights=tuple(twice if k == a else f
                                          for k, f in enumerate(plan.flights)))
    assert any("'rock C' (view or image" in p and "on more than one flight" in p
               for p in check_campaign(doubled, ctx))
    # The campaign document passes --check, each flight answering for its own sides.
    res = CliRunner().invoke(app, [str(path), "--max-flight-time", "120", "--json"])
    assert res.exit_code == 0, res.stderr
    doc_path = tmp_path / "split.json"
    doc_path.write_text(res.stdout, encoding="utf-8")
    res = CliRunner().invoke(app, [str(path), "--max-flight-time", "120", "--check",
                                   str(doc_path)])
    assert res.exit_code == 0, res.stdout
    assert "OK: a campaign of" in res.stdout


def test_a_required_area_surveyed_image_by_image_in_a_campaign(tmp_path) -> None:
    doc = row_of_rocks(flights=3)
    x0, y0 = 150, -60  # a 14 m by 10 m patch south of the row
    ring = [mars_offset(x0, y0), mars_offset(x0 + 14, y0), mars_offset(x0 + 14, y0 + 10),
            mars_offset(x0, y0 + 10), mars_offset(x0, y0)]
    doc["features"].append(feature("Polygon", [ring], name="patch", required=True))
    path = tmp_path / "survey.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    plan, ctx = plan_campaign(path, SHORT)
    images = [p.view for f in plan.flights for p in f.photos if p.target == "patch"]
    assert len(images) >= 2 and sorted(images) == list(range(len(images)))  # each image once
    assert set(plan.targets_photographed) == {"rock A", "rock B", "rock C", "rock D", "patch"}
    # Whole on one flight here, so that flight's own verification checks the area's coverage.
    on = [f for f in plan.flights if "patch" in f.targets_photographed]
    assert len(on) == 1 and next(t for t in on[0].mission.targets if t.name == "patch").required
    assert all(verify(f, hazards=ctx.hazards).ok for f in plan.flights)
    assert check_campaign(plan, ctx) == []
