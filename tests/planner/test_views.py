"""Object targets photographed from several sides: sectors, stations, selection, verification."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyproj
import pytest
from affine import Affine
from shapely.geometry import MultiPolygon, Point

from planner.frames import EARTH, MARS
from planner.mission import Target
from planner.pipeline import plan_mission
from planner.profiles import load_profile
from planner.settings import make_vehicle
from planner.verify import verify
from planner.viewpoints import find_stations
from terrain.dem import DEM

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "backshell-views" / \
    "targets.geojson"


def flat(size: int = 300) -> DEM:
    return DEM(np.zeros((size, size)), Affine(1, 0, -size / 2, 0, -1, size / 2),
               pyproj.CRS("EPSG:32633"))


def target(**kw) -> Target:
    return Target(index=0, name="t", geometry=Point(0, 0), **kw)


def side(st) -> tuple[float, float]:
    """Azimuth the station looks from and the depression of its line of sight, degrees."""
    dx, dy = st.x - st.aim[0], st.y - st.aim[1]
    return (math.degrees(math.atan2(dx, dy)) % 360.0,
            math.degrees(math.atan2(st.z - st.aim[2], math.hypot(dx, dy))))


def off(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


@pytest.mark.parametrize(("views", "az", "tol"), [(1, None, 45.0), (3, None, 45.0),
                                                  (4, None, 45.0), (2, 90.0, 45.0),
                                                  (5, 300.0, 60.0)])
def test_sectors_tile_what_was_asked(views, az, tol) -> None:
    spec = target(views=views, view_azimuth_deg=az, view_azimuth_tolerance_deg=tol)
    sectors = spec.view_sectors()
    if views == 1 and az is None:
        assert sectors == ()
        return
    assert len(sectors) == views
    span = 360.0 if az is None else 2 * tol
    assert sum(2 * h for _, h in sectors) == pytest.approx(span)
    for (c1, h1), (c2, h2) in itertools.pairwise(sectors):  # adjacent, not overlapping
        assert off(c1, c2) == pytest.approx(h1 + h2)
    if az is not None:
        for c, h in sectors:
            assert off(c, az) + h <= tol + 1e-9


def test_default_elevation_is_a_side_view_for_ground_targets_only() -> None:
    assert target().elevation_band() is None
    assert target(views=3).elevation_band() == (30.0, 60.0)
    assert target(view_azimuth_deg=90.0).elevation_band() == (30.0, 60.0)
    from planner.mission import Surface
    assert target(view_azimuth_deg=90.0, surface=Surface.UPRIGHT).elevation_band() is None
    assert target(view_elevation_deg=20.0, view_elevation_tolerance_deg=5.0,
                  ).elevation_band() == (15.0, 25.0)


def test_four_views_with_the_fixed_camera_each_from_its_side() -> None:
    v = make_vehicle(load_profile("ingenuity"), MARS, altitude_m=8, speed_m_s=3)
    spec = target(views=4, gsd_cm=1.5, min_standoff_m=5.0)
    found = find_stations([spec], [Point(0, 0)], dem=flat(), vehicle=v,
                          obstacles=MultiPolygon(), keep=3)
    assert [ts.view for ts in found] == [0, 1, 2, 3]
    for ts, (centre, half) in zip(found, spec.view_sectors(), strict=True):
        assert ts.stations, ts.reason
        for st in ts.stations:
            az, dep = side(st)
            assert st.view == ts.view
            assert off(az, centre) <= half / 2 + 1e-6  # the middle half of its sector
            assert 30.0 - 1e-6 <= dep <= 60.0 + 1e-6
            assert st.pointing.pitch_deg == -22.0  # the camera is fixed: the geometry does it


def test_a_view_azimuth_on_the_ground_is_side_on_not_from_above() -> None:
    # The Mavic 3's gimbal can look straight down; without the side view the best GSD is from
    # above, where the azimuth means nothing.
    v = make_vehicle(load_profile("mavic3"), EARTH, altitude_m=40, speed_m_s=8)
    spec = target(view_azimuth_deg=90.0, view_azimuth_tolerance_deg=20.0, gsd_cm=2.0)
    [ts] = find_stations([spec], [Point(0, 0)], dem=flat(), vehicle=v, obstacles=MultiPolygon())
    assert ts.stations, ts.reason
    for st in ts.stations:
        az, dep = side(st)
        assert off(az, 90.0) <= 20.0 + 1e-6
        assert 30.0 - 1e-6 <= dep <= 60.0 + 1e-6
    [free] = find_stations([target(gsd_cm=2.0)], [Point(0, 0)], dem=flat(), vehicle=v,
                           obstacles=MultiPolygon())
    assert max(side(st)[1] for st in free.stations) > 60.0  # what the side view rules out


def test_an_elevation_the_camera_cannot_give_is_named() -> None:
    v = make_vehicle(load_profile("ingenuity"), MARS, altitude_m=8, speed_m_s=3)
    spec = target(views=2, view_elevation_deg=75.0, view_elevation_tolerance_deg=5.0)
    found = find_stations([spec], [Point(0, 0)], dem=flat(), vehicle=v,
                          obstacles=MultiPolygon())
    assert len(found) == 2
    assert all(not ts.stations and "cannot look 70° to 80°" in ts.reason for ts in found)


@pytest.fixture(scope="module")
def backshell():
    return plan_mission(EXAMPLE)


def test_example_photographs_the_backshell_from_four_sides(backshell) -> None:
    plan, ctx = backshell
    spec = next(t for t in ctx.mission.targets if t.name == "backshell")
    shots = [p for p in plan.photos if p.target == "backshell"]
    assert sorted(p.view for p in shots) == [0, 1, 2, 3]
    sides = []
    for p in shots:
        dx, dy = p.station[0] - p.aim[0], p.station[1] - p.aim[1]
        az = math.degrees(math.atan2(dx, dy)) % 360.0
        centre, half = spec.view_sectors()[p.view]
        assert off(az, centre) <= half
        sides.append(az)
    # Spread around it: neighbouring views at least half a sector (45°) apart.
    assert min(off(a, b) for a, b in itertools.combinations(sides, 2)) >= 45.0 - 1e-6
    report = verify(plan, hazards=ctx.hazards)
    assert report.ok, report.violations
    assert plan.priority_collected >= spec.priority


def test_missing_sides_count_partly_and_break_a_required_target(backshell) -> None:
    plan, ctx = backshell
    spec = next(t for t in ctx.mission.targets if t.name == "backshell")
    keep = [p for p in plan.photos if p.target != "backshell" or p.view in (0, 2)]
    keep = [replace(p, number=k + 1) for k, p in enumerate(keep)]
    partial = replace(plan, photos=tuple(keep))
    others = sum(t.priority for t in ctx.mission.targets
                 if t.name != "backshell" and t.name in partial.targets_photographed)
    assert partial.priority_collected == pytest.approx(others + spec.priority / 2)
    report = verify(partial, hazards=ctx.hazards)
    found = [f for f in report.findings if f.rule == "required"]
    assert found and "from 2 of its 4 sides" in found[0].message, report.violations


def test_a_photo_from_the_wrong_side_is_caught(backshell) -> None:
    plan, ctx = backshell
    spec = next(t for t in ctx.mission.targets if t.name == "backshell")
    turned = replace(spec, view_azimuth_deg=0.0, view_azimuth_tolerance_deg=30.0)
    mission = replace(ctx.mission, targets=tuple(turned if t.name == "backshell" else t
                                                 for t in ctx.mission.targets))
    report = verify(replace(plan, mission=mission), hazards=ctx.hazards)
    views = [f for f in report.findings if f.rule == "view"]
    # Four sides asked within north ± 30°: the photos from the east, south and west are not.
    assert len(views) >= 3, report.violations
    assert all("outside the side(s)" in f.message for f in views)
