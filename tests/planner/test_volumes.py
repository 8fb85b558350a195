"""Things that stand up: keep-outs with a height (a tower, a pier) or a band of airspace.

A Mavic 3 holds absolute heights: cruise 40 m, least clearance 8 m, legs kept within their ends'
heights ± 10 m (its profile). A 40 m tower is in the way at 40 m and is flown around, keeping the
clearance in three dimensions; a 3 m pier is flown over; airspace is flown under, over or
around by its floor and ceiling; Ingenuity (which holds its height above the ground) flies over
a low thing on Mars. The verifier judges a leg by its height profile too.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from planner.export.mavlink import qgc_plan
from planner.following import followed_ground, leg_profile
from planner.local import Volume, leg_enters, sight_blocked
from planner.pipeline import plan_mission
from planner.plan import Action
from planner.verify import verify
from tests.conftest import collection, feature, three_targets_doc

LON, LAT = 8.54, 47.37
M_PER_DEG = 111_320.0  # metres per degree of latitude (and of longitude at the equator)


def off(east: float, north: float) -> list[float]:
    """lon/lat of a point ``east``/``north`` metres from the origin (small offsets on Earth)."""
    return [LON + east / (M_PER_DEG * math.cos(math.radians(LAT))), LAT + north / M_PER_DEG]


def square(cx: float, cy: float, half: float) -> list[list[list[float]]]:
    return [[off(cx - half, cy - half), off(cx + half, cy - half), off(cx + half, cy + half),
             off(cx - half, cy + half), off(cx - half, cy - half)]]


def mavic_mission(*keep_outs: dict[str, Any], targets: tuple[dict[str, Any], ...] = ()
                  ) -> dict[str, Any]:
    """Home and a landing pad 400 m east; the keep-outs 200 m east, on the line between."""
    return collection(feature("Point", off(0, 0), role="home", name="launch"),
                      feature("Point", off(400, 0), role="landing", name="pad"),
                      *keep_outs, *targets, plan_flight={"vehicle": "mavic3"})


def tower(height: float = 40.0, name: str = "water tower") -> dict[str, Any]:
    """A 10 m square thing standing ``height`` m, 200 m east of home."""
    return feature("Polygon", square(200, 0, 5), role="keep_out", name=name, height_m=height)


def flown(plan) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Every leg as flown: sample positions and heights above the terrain's datum."""
    dem = plan.dem
    followed = followed_ground(dem, plan.vehicle)
    out = []
    for a, b in zip(plan.waypoints[:-2], plan.waypoints[1:-1], strict=True):
        leg = leg_profile(dem, followed, plan.vehicle, (a.x, a.y, a.agl_m), (b.x, b.y, b.agl_m))
        out.append((leg.x, leg.y, leg.z))
    return out


def nearest_3d(plan, footprint, height: float) -> float:
    """The plan's nearest approach to a box standing ``height`` m on the ground."""
    best = math.inf
    for x, y, z in flown(plan):
        ground = plan.dem.sample(x, y)
        across = np.array([footprint.distance(Point(px, py)) for px, py in zip(x, y,
                                                                            strict=True)])
        above = np.maximum(z - ground - height, 0.0)
        best = min(best, float(np.min(np.hypot(across, above))))
    return best


def test_a_40_m_water_tower_is_flown_around_at_the_clearance_in_3d(write_json) -> None:
    plan, ctx = plan_mission(write_json(mavic_mission(tower(40.0))))
    p = plan.vehicle.profile
    foot = ctx.local.keep_outs[0]
    route = LineString([(w.x, w.y) for w in plan.waypoints])
    assert route.distance(foot) > 0, "the tower is flown around, not over"
    assert nearest_3d(plan, foot, 40.0) >= p.min_clearance_m - 0.05
    assert verify(plan, hazards=ctx.hazards).ok
    # The geofence holds the tower the plan goes around.
    assert len(qgc_plan(plan)["geoFence"]["polygons"]) == 1


def test_a_low_pier_is_flown_over_at_cruise_height(write_json) -> None:
    plan, ctx = plan_mission(write_json(mavic_mission(tower(3.0, "pier"))))
    assert [w.action for w in plan.waypoints] == [Action.TAKEOFF, Action.WAYPOINT, Action.LAND]
    foot = ctx.local.keep_outs[0]
    crossed = False
    for x, y, z in flown(plan):
        over = np.array([foot.intersects(Point(px, py)) for px, py in zip(x, y, strict=True)])
        agl = z - plan.dem.sample(x, y)
        crossed |= bool(over.any())
        assert np.all(agl[over] >= 3.0 + plan.vehicle.profile.min_clearance_m)
    assert crossed
    assert verify(plan, hazards=ctx.hazards).ok
    # A 2-D geofence around the pier would stop the plan: it is left out.
    assert qgc_plan(plan)["geoFence"]["polygons"] == []


@pytest.mark.parametrize(("floor", "ceiling", "way"), [
    (60.0, None, "under"),     # 40 ± 10 m keeps below 60 - 8 m
    (None, 20.0, "over"),      # and above 20 + 8 m
    (20.0, 100.0, "around"),   # but not through 12-108 m
])
def test_airspace_is_flown_under_over_or_around(write_json, floor, ceiling, way) -> None:
    props = {k: v for k, v in (("floor_m", floor), ("ceiling_m", ceiling)) if v is not None}
    zone = feature("Polygon", square(200, 0, 30), role="keep_out", name="airspace", **props)
    plan, ctx = plan_mission(write_json(mavic_mission(zone)))
    route = LineString([(w.x, w.y) for w in plan.waypoints])
    assert route.intersects(ctx.local.keep_outs[0]) == (way != "around")
    clearance = plan.vehicle.profile.min_clearance_m
    for x, y, z in flown(plan):
        over = np.array([ctx.local.keep_outs[0].intersects(Point(px, py))
                         for px, py in zip(x, y, strict=True)])
        agl = (z - plan.dem.sample(x, y))[over]
        if floor is not None and way == "under":
            assert np.all(agl <= floor - clearance + 0.05)
        if ceiling is not None and way == "over":
            assert np.all(agl >= ceiling + clearance - 0.05)
    assert verify(plan, hazards=ctx.hazards).ok


def test_the_verifier_catches_a_plan_edited_through_the_tower(write_json) -> None:
    plan, ctx = plan_mission(write_json(mavic_mission(tower(40.0))))
    take, before, land = plan.waypoints[0], plan.waypoints[-2], plan.waypoints[-1]
    direct = (take, dataclasses.replace(before, seq=2), dataclasses.replace(land, seq=3))
    edited = dataclasses.replace(plan, waypoints=direct)
    report = verify(edited, hazards=ctx.hazards)
    hits = [f for f in report.findings if f.rule == "keep-out"]
    assert hits and "'water tower'" in hits[0].message and "height 40 m" in hits[0].message
    # The same straight line over a 3 m pier is no violation.
    pier, pctx = plan_mission(write_json(mavic_mission(tower(3.0, "pier")),
                                                "pier.geojson"))
    assert "keep-out" not in verify(pier, hazards=pctx.hazards).rules_broken


def test_stations_stay_out_of_the_tower_they_photograph(write_json) -> None:
    target = feature("Point", off(200, 0), name="tank", height_m=40.0, surface="upright",
                     gsd_cm=1.5, min_standoff_m=15.0, required=True)
    plan, ctx = plan_mission(write_json(mavic_mission(tower(40.0), targets=(target,))))
    assert plan.targets_photographed == ("tank",)
    vols = ctx.local.volumes(clearance_m=plan.vehicle.profile.min_clearance_m)
    for ph in plan.photos:
        wp = plan.waypoints[ph.waypoint - 1]
        assert not leg_enters(vols[0], np.array([wp.x]), np.array([wp.y]),
                              np.array([wp.agl_m]))[0]
    assert verify(plan, hazards=ctx.hazards).ok


def test_ingenuity_flies_over_a_low_thing_and_around_a_tall_one(write_json) -> None:
    for height, over in ((1.0, True), (20.0, False)):
        doc = three_targets_doc()
        doc["features"] = [f for f in doc["features"]
                           if f["properties"].get("role") in ("home", "landing", "keep_out")]
        doc["features"][2]["properties"]["height_m"] = height
        plan, ctx = plan_mission(write_json(doc, f"h{height:g}.geojson"))
        route = LineString([(w.x, w.y) for w in plan.waypoints])
        assert route.intersects(ctx.local.keep_outs_buffered[0]) == over
        assert verify(plan, hazards=ctx.hazards).ok


def test_things_that_stand_up_hide_what_is_behind_them() -> None:
    wall = Volume(0, box(10, -5, 12, 5), -math.inf, 15.0, solid=True)

    def flat(x, y):
        return np.zeros(np.shape(x))

    assert sight_blocked((wall,), flat, (0, 0, 10), (30, 0, 0), step=0.5) is wall
    assert sight_blocked((wall,), flat, (0, 0, 30), (30, 0, 20), step=0.5) is None
    # A target on the wall itself is not hidden by it.
    assert sight_blocked((wall,), flat, (0, 0, 10), (11, 0, 5), step=0.5) is None
    # Airspace (not solid) is left to the caller: solids() holds only things that stand up.
    band = Volume(1, box(10, -5, 12, 5), 50.0, 100.0)
    assert not leg_enters(band, np.array([11.0]), np.array([0.0]), np.array([40.0]))[0]
    assert leg_enters(band, np.array([11.0]), np.array([0.0]), np.array([40.0]),
                      np.array([60.0]))[0]
