from __future__ import annotations

import itertools

import numpy as np
import pyproj
import pytest
from affine import Affine

from planner.frames import MARS, local_frame
from planner.plan import Action, RoutePoint, assemble, terrain_split
from planner.profiles import load_profile
from planner.roadmap import NodeKind
from planner.settings import make_vehicle
from terrain.analysis import profile
from terrain.dem import DEM
from tests.conftest import hill_dem


def test_terrain_split_keeps_a_leg_over_a_hill_within_its_band() -> None:
    dem = hill_dem(size=64, height=20.0)
    a, b = (5.0, 32.0, 8.0), (59.0, 32.0, 8.0)
    pts = terrain_split(dem, a, b, clearance=2.0, ceiling=24.0)
    assert pts, "a straight line at 8 m over a 20 m hill must be split"
    chain = [a, *pts, b]
    for (x0, y0, h0), (x1, y1, h1) in itertools.pairwise(chain):
        prof = profile(dem, x0, y0, x1, y1)
        z0 = float(dem.sample(x0, y0)) + h0
        z1 = float(dem.sample(x1, y1)) + h1
        t = prof.distance / max(prof.distance[-1], 1e-9)
        agl = z0 + (z1 - z0) * t - prof.ground
        assert agl.min() >= 2.0 - 1e-6
        assert agl.max() <= 24.0 + 1e-6
    xs = [p[0] for p in chain]
    assert xs == sorted(xs)  # in order along the leg


def test_terrain_split_leaves_a_level_leg_alone() -> None:
    dem = DEM(np.zeros((50, 50)), Affine(1, 0, 0, 0, -1, 50), pyproj.CRS("EPSG:32633"))
    assert terrain_split(dem, (2, 25, 8), (48, 25, 8), clearance=2, ceiling=24) == []


def test_assemble_costs_every_leg_turn_and_hover() -> None:
    dem = DEM(np.zeros((120, 120)), Affine(1, 0, -60, 0, -1, 60), pyproj.CRS("EPSG:32633"))
    vehicle = make_vehicle(load_profile("ingenuity"), MARS, altitude_m=8, speed_m_s=3)
    frame = local_frame(MARS, 77.4, 18.4)
    from planner.camera import point_camera
    from planner.local import LocalMission
    from planner.viewpoints import Station

    pointing = point_camera(vehicle.camera, (20.0, 0.0, 8.0), (20.0, 20.0, 0.0))
    station = Station(target=0, x=20.0, y=0.0, ground_m=0.0, agl_m=8.0, pointing=pointing,
                      aim=(20.0, 20.0, 0.0))
    pts = [RoutePoint(-40.0, 0.0, 8.0, NodeKind.HOME),
           RoutePoint(20.0, 0.0, 8.0, NodeKind.STATION, station=station, target_name="rock",
                      photos=3),
           RoutePoint(40.0, 0.0, 8.0, NodeKind.LANDING)]
    from shapely.geometry import Point

    local = LocalMission(frame=frame, home=Point(-40, 0), landing=Point(40, 0), targets=(),
                         keep_outs=(), keep_outs_buffered=(), keep_outs_grown=())
    from planner.mission import Mission, Site

    mission = Mission(source="m", body=MARS, input_crs="IAU_2015:49900",
                      home=Site(0, "home", Point(77.4, 18.4)), landing=None, targets=(),
                      keep_outs=())
    plan = assemble(pts, mission=mission, local=local, vehicle=vehicle, dem=dem, skipped=[],
                    warnings=[], selection="test")
    actions = [w.action for w in plan.waypoints]
    assert actions == [Action.TAKEOFF, Action.PHOTO, Action.WAYPOINT, Action.LAND]
    photo_wp = plan.waypoints[1]
    assert photo_wp.heading_deg == pytest.approx(0.0)
    assert photo_wp.hold_s == pytest.approx(3 * vehicle.camera.photo_hover_s)
    # The same figures from the vehicle model, piece by piece: the first photo's heading is set
    # on the ground, so no turn before it.
    t, e = vehicle.takeoff(8.0)
    lt, le = vehicle.leg(60.0, 0.0, 0.0, stops=2)
    t += float(lt) + photo_wp.hold_s
    e += float(le) + vehicle.hover(photo_wp.hold_s)
    assert photo_wp.time_s == pytest.approx(t)
    assert photo_wp.energy_wh == pytest.approx(e)
    lt, le = vehicle.leg(20.0, 0.0, 0.0, stops=2)
    lt2, le2 = vehicle.landing(8.0)
    assert plan.duration_s == pytest.approx(t + float(lt) + lt2)
    assert plan.energy_wh == pytest.approx(e + float(le) + le2)
    assert plan.distance_m == pytest.approx(80.0)
    assert plan.photos[0].waypoint == 2 and plan.photos[0].count == 3
    assert plan.photos[0].footprint.contains(Point(20, 20))
    assert plan.waypoints[-1].agl_m == 0.0
    assert all(w.alt_m == pytest.approx(w.ground_m + w.agl_m) for w in plan.waypoints)


def test_plan_properties(planned) -> None:
    plan, _, _ = planned
    assert plan.targets_photographed == tuple(dict.fromkeys(p.target for p in plan.photos))
    assert plan.priority_total == sum(t.priority for t in plan.mission.targets)
    assert plan.priority_collected <= plan.priority_total
    assert plan.frame is plan.local.frame
    assert not plan.stopped_by_time
