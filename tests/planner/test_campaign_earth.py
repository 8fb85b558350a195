"""examples/campaign-earth: a Mavic 3 site too large for one battery, three flights from home."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.campaign_flow import check_campaign, plan_campaign
from planner.pipeline import plan_mission
from planner.settings import PlanOptions
from planner.verify import verify

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "campaign-earth" / "targets.geojson"
# 2 m cells: the pylons lie 5 km out, and the built-in terrain at its own 1 m over the 9 x 8 km
# site would take minutes (the built-in terrain of a site this large is made at 2 m cells
# without the option, with a warning: the README's command has none).
OPTIONS = PlanOptions(resolution_m=2.0)


@pytest.fixture(scope="module")
def planned():
    return plan_campaign(EXAMPLE, OPTIONS)


def test_the_earth_campaign_is_three_flights_with_swaps_at_home(planned) -> None:
    plan, ctx = planned
    assert plan.recharge == "at_home" and len(plan.flights) == 3
    assert all(legs == ("launch", "launch") for legs in plan.legs)
    assert len(plan.targets_photographed) == 9 and plan.skipped == ()
    p = ctx.vehicle.profile
    for f in plan.flights:
        assert verify(f, hazards=ctx.hazards).ok
        assert f.energy_wh <= p.budget_energy_wh and f.longest_s <= p.max_flight_time_s
        # Each flight flies one group of pylons: the three groups are 8 km apart.
        assert len({t.split(" pylon")[0] for t in f.targets_photographed}) == 1
    assert check_campaign(plan, ctx) == []


def test_one_battery_cannot_fly_the_earth_site(planned) -> None:
    _, ctx = planned
    one, _ = plan_mission(EXAMPLE, OPTIONS, ctx=ctx)
    assert len(one.targets_photographed) < 9
    assert "north pylon 1" in one.targets_photographed  # required
