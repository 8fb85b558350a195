"""A profile's energy per recharge in place (a sol's charge) caps each flight of a campaign."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from planner.campaign_flow import check_campaign, plan_campaign
from planner.cli import app
from planner.errors import ProfileError
from planner.profiles import load_profile, resources
from planner.settings import PlanOptions
from planner.verify import verify
from tests.planner.test_campaign_flow import row_of_rocks

# NASA's design figure for Ingenuity: enough energy for one ~90 s flight a sol, at about 350 W
# in flight (FACTS): 90 s x 350 W = 8.75 Wh.
SOL_WH = 8.8


def ingenuity_with(**battery: float) -> str:
    text = resources.files("planner").joinpath("profiles", "ingenuity.toml").read_text()
    extra = "".join(f"{k} = {v}\n" for k, v in battery.items())
    return text.replace("[battery]\n", "[battery]\n" + extra, 1)


@pytest.fixture(scope="module")
def sols(tmp_path_factory):
    folder = tmp_path_factory.mktemp("per_charge")
    profile = folder / "sol.toml"
    profile.write_text(ingenuity_with(flight_energy_per_recharge_wh=SOL_WH), encoding="utf-8")
    mission = folder / "rocks.geojson"
    mission.write_text(json.dumps(row_of_rocks(flights=3)), encoding="utf-8")
    return folder, profile, mission


def test_each_flight_in_place_keeps_to_one_recharge(sols) -> None:
    _, profile, mission = sols
    full, _ = plan_campaign(mission)
    assert full.flights[0].energy_wh > SOL_WH  # the battery's budget would allow more
    plan, ctx = plan_campaign(mission, PlanOptions(vehicle=str(profile)))
    assert plan.recharge == "in_place"
    assert ctx.vehicle.profile.budget_energy_wh == pytest.approx(SOL_WH)
    for f in plan.flights:
        assert f.energy_wh <= SOL_WH
        assert verify(f, hazards=ctx.hazards).ok
    assert check_campaign(plan, ctx) == []
    assert any("at most 8.8 Wh, what one recharge in place gives" in w for w in plan.warnings)
    assert "rock D" in plan.targets_photographed  # required: still flown, in shorter hops


def test_the_check_holds_a_campaign_to_one_recharge(sols) -> None:
    folder, profile, mission = sols
    runner = CliRunner()
    res = runner.invoke(app, [str(mission), "--json"])  # planned on the whole battery
    assert res.exit_code == 0, res.stderr
    doc = folder / "full.json"
    doc.write_text(res.stdout, encoding="utf-8")
    ok = runner.invoke(app, [str(mission), "--check", str(doc)])
    assert ok.exit_code == 0, ok.stdout
    held = runner.invoke(app, [str(mission), "--vehicle", str(profile), "--check", str(doc)])
    assert held.exit_code == 4
    assert "flight 1" in held.stdout


def test_at_home_flights_are_not_held_to_a_recharge(tmp_path) -> None:
    profile = tmp_path / "sol.toml"
    profile.write_text(ingenuity_with(flight_energy_per_recharge_wh=SOL_WH), encoding="utf-8")
    mission = tmp_path / "rocks.geojson"
    mission.write_text(json.dumps(row_of_rocks(flights=2, recharge="at_home")),
                       encoding="utf-8")
    plan, ctx = plan_campaign(mission, PlanOptions(vehicle=str(profile)))
    assert ctx.vehicle.profile.budget_energy_wh == pytest.approx(20.7)  # a fresh battery
    assert not any("recharge" in w for w in plan.warnings)


@pytest.mark.parametrize(("value", "needle"), [
    ("21.0", "exceeds what the battery holds for flight"),  # 23 Wh usable less 2.3 reserve
    ("0", "flight_energy_per_recharge_wh"),
    ("-3.0", "flight_energy_per_recharge_wh"),
    ('"a sol"', "flight_energy_per_recharge_wh"),
])
def test_a_bad_energy_per_recharge_is_refused_by_name(tmp_path, value, needle) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(ingenuity_with(flight_energy_per_recharge_wh=value), encoding="utf-8")
    with pytest.raises(ProfileError, match=needle) as err:
        load_profile(str(path))
    assert "battery.flight_energy_per_recharge_wh" in str(err.value)
    mission = tmp_path / "rocks.geojson"
    mission.write_text(json.dumps(row_of_rocks(flights=2)), encoding="utf-8")
    res = CliRunner().invoke(app, [str(mission), "--vehicle", str(path)])
    assert res.exit_code == 2
    assert len(res.output.strip().splitlines()) == 1 and "bad.toml" in res.output


def test_absent_it_changes_nothing() -> None:
    assert load_profile("ingenuity").flight_energy_per_recharge_wh is None
    assert load_profile("mavic3").flight_energy_per_recharge_wh is None
