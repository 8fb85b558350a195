"""--check of a campaign document: every flight, every hand-off, each target once, the table."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from planner.campaign_check import check_campaign_doc
from planner.campaign_flow import campaign_to_json, plan_campaign
from planner.cli import app
from planner.export import render
from tests.planner.test_campaign_flow import SHORT, row_of_rocks


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    folder = tmp_path_factory.mktemp("campaign_check")
    mission = folder / "rocks.geojson"
    mission.write_text(json.dumps(row_of_rocks(flights=3)), encoding="utf-8")
    plan, ctx = plan_campaign(mission, SHORT)
    assert len(plan.flights) == 2  # rocks A and B, then C and D (tests/planner/test_campaign_flow)
    # Flight 2's own MAVLink file, as --out writes it, for the per-flight check.
    (folder / "rocks-02.waypoints").write_bytes(render(plan.flights[1], ctx.hazards,
                                                            ".waypoints"))
    return mission, campaign_to_json(plan)


def check(mission, doc, tmp_path, *extra: str):
    path = tmp_path / "campaign.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(app, [str(mission), "--max-flight-time", "120", "--check",
                                      str(path), *extra])
    return result.exit_code, result.stdout.splitlines()


def test_a_planned_campaign_passes_its_check(campaign, tmp_path) -> None:
    mission, doc = campaign
    code, lines = check(mission, doc, tmp_path)
    assert code == 0, lines
    assert len(lines) == 1 and "OK: a campaign of 2 flights" in lines[0]


def test_a_broken_hand_off_is_found(campaign, tmp_path) -> None:
    mission, doc = campaign
    broken = copy.deepcopy(doc)
    # Flight 2 starts 10 m north of where flight 1 landed: every position of it moved.
    for f in broken["flights"][1]["features"]:
        if f["geometry"]["type"] == "Point" and f["properties"]["role"] in ("waypoint",
                                                                            "photo"):
            f["geometry"]["coordinates"][1] += 10 / 59_000  # ~10 m of latitude on Mars
    code, lines = check(mission, broken, tmp_path)
    assert code == 4
    assert any("campaign: flight 2 takes off" in ln and "from where flight 1 landed" in ln
               for ln in lines), lines


def test_flights_out_of_order_break_the_hand_offs_and_the_take_off(campaign, tmp_path) -> None:
    mission, doc = campaign
    swapped = copy.deepcopy(doc)
    swapped["flights"].reverse()
    swapped["summary"].reverse()
    for k, row in enumerate(swapped["summary"]):
        row["flight"] = k + 1
    code, lines = check(mission, swapped, tmp_path)
    assert code == 4
    assert any("campaign: flight 2 takes off" in ln for ln in lines), lines
    assert any("flight 1: waypoint 1: take-off" in ln for ln in lines), lines  # not at home


def test_a_target_photographed_twice_is_found(campaign, tmp_path) -> None:
    mission, doc = campaign
    twice = copy.deepcopy(doc)
    # Flight 1 flown again as a third flight from where flight 2 landed would break the
    # hand-off too; the campaign also photographs rocks A and B twice.
    twice["flights"].append(copy.deepcopy(doc["flights"][0]))
    twice["summary"].append({**doc["summary"][0], "flight": 3})
    code, lines = check(mission, twice, tmp_path)
    assert code == 4
    assert any("campaign: target 'rock A' photographed on more than one flight" in ln
               for ln in lines), lines


def test_a_required_target_dropped_is_found(campaign, tmp_path) -> None:
    mission, doc = campaign
    dropped = copy.deepcopy(doc)
    del dropped["flights"][1], dropped["summary"][1]  # flight 2 photographs rock D (required)
    code, lines = check(mission, dropped, tmp_path)
    assert code == 4
    assert any("campaign: required target 'rock D' photographed on no flight" in ln
               for ln in lines), lines


def test_the_campaign_table_must_match_its_flights(campaign, tmp_path) -> None:
    mission, doc = campaign
    table = copy.deepcopy(doc)
    table["summary"][0]["energy_wh"] = 1.0
    table["summary"][1]["targets"] = ["rock C"]
    code, lines = check(mission, table, tmp_path)
    assert code == 4
    assert any("flight 1: summary: the campaign table's energy_wh 1" in ln for ln in lines)
    assert any("flight 2: summary: the campaign table's targets rock C" in ln for ln in lines)


def test_a_flight_over_its_share_of_the_budget_is_found(campaign) -> None:
    mission, doc = campaign
    short = copy.deepcopy(doc)
    short["summary"][1]["budget_fraction"] = 0.5  # flight 2 used ~47 % of the energy, 93 % time
    report = check_campaign_doc(short, "c.json", mission, SHORT)
    assert any(v.startswith("campaign: flight 2 uses") for v in report.violations)


def test_at_home_flights_must_land_where_a_battery_can_be_swapped(campaign) -> None:
    mission, doc = campaign
    swap = copy.deepcopy(doc)
    swap["recharge"] = "at_home"
    # Both flights land at an airfield (field B, field C): a swap can happen at either.
    assert check_campaign_doc(swap, "c.json", mission, SHORT).ok
    moved = copy.deepcopy(swap)
    del moved["flights"][1], moved["summary"][1]
    # Flight 1 now lands at field B and is the last: still an airfield, but rock D is missing.
    report = check_campaign_doc(moved, "c.json", mission, SHORT)
    assert not any("battery swap" in v for v in report.violations)
    assert any("rock D" in v for v in report.violations)


@pytest.mark.parametrize(("change", "field"), [
    ({"recharge": "by_hand"}, "'recharge'"),
    ({"flights": []}, "'flights'"),
    ({"summary": []}, "'summary'"),
    ({"skipped": [3]}, "'skipped'"),
])
def test_bad_campaign_documents_are_refused_in_one_line(campaign, tmp_path, change,
                                                        field) -> None:
    mission, doc = campaign
    path = tmp_path / "campaign.json"
    path.write_text(json.dumps({**doc, **change}), encoding="utf-8")
    result = CliRunner().invoke(app, [str(mission), "--check", str(path)])
    assert result.exit_code == 2
    assert field in result.stderr and str(path) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_bad_flight_in_the_document_names_it(campaign, tmp_path) -> None:
    mission, doc = campaign
    bad = copy.deepcopy(doc)
    bad["flights"][1]["features"] = [f for f in bad["flights"][1]["features"]
                                     if f["properties"]["role"] != "waypoint"]
    path = tmp_path / "campaign.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = CliRunner().invoke(app, [str(mission), "--check", str(path)])
    assert result.exit_code == 2
    assert f"{path}: flight 2: the plan has no waypoint features" in result.stderr


def test_at_home_landing_away_from_every_airfield_is_found(campaign, tmp_path) -> None:
    _, doc = campaign
    swap = copy.deepcopy(doc)
    swap["recharge"] = "at_home"
    without_b = row_of_rocks(flights=3)
    without_b["features"] = [f for f in without_b["features"]
                             if f["properties"]["name"] != "field B"]
    mission = tmp_path / "no_b.geojson"
    mission.write_text(json.dumps(without_b), encoding="utf-8")
    report = check_campaign_doc(swap, "c.json", mission, SHORT)
    assert any(v.startswith("campaign: flight 1 lands 1") and "battery swap ('home')" in v
               for v in report.violations), report.violations
    # In place, the helicopter recharges where it landed: a landing there is no violation.
    assert check_campaign_doc(doc, "c.json", mission, SHORT).ok


def test_one_flight_checked_alone_as_its_flight_of_the_campaign(campaign, tmp_path) -> None:
    """A campaign's per-flight export passes --check unedited, as flight K of the campaign (K
    from its name, either naming, or --flight K): from where flight K-1 landed, with the
    required targets of other flights left to them, said in a note."""
    mission, doc = campaign
    text = json.dumps(doc["flights"][1])

    def run(name: str, *extra: str):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return CliRunner().invoke(app, [str(mission), "--max-flight-time", "120", "--check",
                                        str(path), *extra])

    for name, extra in (("plan_flight2.geojson", ()), ("plan-02.geojson", ()),
                        ("mine.geojson", ("--flight", "2"))):
        result = run(name, *extra)
        assert result.exit_code == 0, (name, result.stdout, result.stderr)
        assert "note: checked as flight 2 of the campaign's 2" in result.stderr
        assert "OK" in result.stdout
    # Without a K: one line, exit 2, saying what to give.
    result = run("mine.geojson")
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "pass --flight K" in lines[0] and "campaign" in lines[0], lines
    # The wrong flight: flight 1 takes off at home, not where flight 2 does.
    result = run("plan_flight1.geojson")
    assert result.exit_code == 4
    assert any(": take-off: " in ln for ln in result.stdout.splitlines()), result.stdout
    result = run("mine.geojson", "--flight", "7")
    assert result.exit_code == 2 and "the campaign is flown in 2 flights" in result.stderr


def test_one_flights_mavlink_export_checked_as_its_flight(campaign) -> None:
    mission, _ = campaign
    path = mission.parent / "rocks-02.waypoints"
    result = CliRunner().invoke(app, [str(mission), "--max-flight-time", "120", "--check",
                                      str(path)])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "note: checked as flight 2 of the campaign's 2" in result.stderr
    # The targets of flight 1 are not this file's to photograph: no note lists them.
    assert "photographs none of" not in result.stderr, result.stderr


def test_flight_k_of_a_whole_campaign_document_is_refused(campaign, tmp_path) -> None:
    mission, doc = campaign
    code, lines = check(mission, doc, tmp_path, "--flight", "2")
    assert code == 2 and not lines
