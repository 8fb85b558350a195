"""A required area surveyed over several flights: the campaign re-checks the union of its images."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from planner.campaign_flow import check_campaign, plan_campaign
from planner.cli import app
from planner.verify import coverage_gaps, verify
from tests.conftest import collection, feature, mars_offset
from tests.planner.test_campaign_flow import SHORT

# A 24 m x 14 m patch 20 m east of home: at 8 m Ingenuity takes about fourteen images of it,
# more than one two-minute flight holds, so two flights share them.
X0, Y0, W, H = 20.0, -7.0, 24.0, 14.0
GAP = "required target 'patch', its images shared between flights: "


def patch_mission() -> dict:
    ring = [mars_offset(X0, Y0), mars_offset(X0 + W, Y0), mars_offset(X0 + W, Y0 + H),
            mars_offset(X0, Y0 + H), mars_offset(X0, Y0)]
    return collection(
        feature("Point", mars_offset(0, 0), role="home", name="home"),
        feature("Polygon", [ring], name="patch", required=True),
        crs="IAU_2015:49900",
        plan_flight={"altitude_m": 8, "speed_m_s": 3, "flights": 3})


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    folder = tmp_path_factory.mktemp("campaign_coverage")
    path = folder / "patch.geojson"
    path.write_text(json.dumps(patch_mission()), encoding="utf-8")
    plan, ctx = plan_campaign(path, SHORT)
    return plan, ctx, path


def _holders(plan) -> list[int]:
    return [k for k, f in enumerate(plan.flights) if any(p.target == "patch" for p in f.photos)]


def test_the_area_is_split_and_its_union_covers_it(split) -> None:
    plan, ctx, _ = split
    holders = _holders(plan)
    assert len(holders) >= 2  # split between flights
    images = sorted(p.view for f in plan.flights for p in f.photos if p.target == "patch")
    assert images == list(range(len(images)))  # each image once over the campaign
    for f in plan.flights:
        # No flight answers for the area alone: the campaign check does.
        assert not next(t for t in f.mission.targets if t.name == "patch").required
        assert verify(f, hazards=ctx.hazards).ok
    assert coverage_gaps(plan.flights, ctx.hazards, ctx.mission.targets) == []
    assert check_campaign(plan, ctx) == []
    # One flight's images alone leave most of the area unseen: the union is what covers it.
    alone = coverage_gaps([plan.flights[holders[0]]], ctx.hazards, ctx.mission.targets)
    assert [name for name, _ in alone] == ["patch"]


def _without(plan, k: int, view: int):
    f = plan.flights[k]
    cut = replace(f, photos=tuple(p for p in f.photos
                                  if not (p.target == "patch" and p.view == view)))
    return replace(plan, flights=tuple(cut if j == k else g for j, g in enumerate(plan.flights)))


def _gap_making_image(plan, ctx) -> tuple[int, int, str]:
    """A flight and one of its images of the patch whose loss leaves a gap, and the gap's text."""
    for k in reversed(_holders(plan)):
        for p in plan.flights[k].photos:
            if p.target != "patch":
                continue
            gaps = coverage_gaps(_without(plan, k, p.view).flights, ctx.hazards,
                                 ctx.mission.targets)
            if gaps:
                return k, p.view, gaps[0][1]
    raise AssertionError("no single image's loss leaves a gap")


def test_a_flight_s_image_dropped_leaves_a_gap_the_campaign_check_names(split) -> None:
    plan, ctx, _ = split
    k, view, text = _gap_making_image(plan, ctx)
    broken = _without(plan, k, view)
    # The flight's own check cannot see the gap (it does not answer for the area; it finds
    # only its photo numbering broken) ...
    assert "coverage" not in verify(broken.flights[k], hazards=ctx.hazards).rules_broken
    # ... and the campaign names the gap, with its size and where it is.
    problems = check_campaign(broken, ctx)
    hits = [p for p in problems if p.startswith(GAP)]
    assert hits == [GAP + text], problems
    assert " m² of the required area is seen by no image (centred near " in hits[0]
    size = float(text.split(" m²")[0].replace(",", ""))
    assert 1.0 < size < W * H


def test_check_of_a_campaign_document_missing_one_image_exits_4(split, tmp_path) -> None:
    plan, ctx, path = split
    k, view, text = _gap_making_image(plan, ctx)
    res = CliRunner().invoke(app, [str(path), "--max-flight-time", "120", "--json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    good = tmp_path / "campaign.json"
    good.write_text(res.stdout, encoding="utf-8")
    res = CliRunner().invoke(app, [str(path), "--max-flight-time", "120", "--check", str(good)])
    assert res.exit_code == 0, res.stdout
    # Drop flight k's image of the patch (its photo feature) from the document.
    feats = doc["flights"][k]["features"]
    doc["flights"][k]["features"] = [
        f for f in feats if not (f["properties"]["role"] == "photo"
                                 and f["properties"]["target"] == "patch"
                                 and f["properties"]["view"] == view + 1)]
    assert len(doc["flights"][k]["features"]) == len(feats) - 1
    bad = tmp_path / "missing.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    res = CliRunner().invoke(app, [str(path), "--max-flight-time", "120", "--check", str(bad)])
    assert res.exit_code == 4, res.stdout + res.stderr
    assert any(ln.endswith(f": campaign: {GAP}{text}") for ln in res.stdout.splitlines()), \
        res.stdout
