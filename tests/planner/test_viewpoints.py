from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
from affine import Affine
from shapely.geometry import MultiPolygon, Point, box

import planner.viewpoints as vp
from planner.frames import EARTH, MARS
from planner.mission import Target
from planner.profiles import load_profile
from planner.settings import make_vehicle
from planner.viewpoints import find_stations
from terrain.dem import DEM


def flat(size: int = 300, z: float = 0.0) -> DEM:
    return DEM(np.full((size, size), z), Affine(1, 0, -size / 2, 0, -1, size / 2),
               pyproj.CRS("EPSG:32633"))


def target(**kw) -> Target:
    return Target(index=0, name="t", geometry=Point(0, 0), **kw)


def ingenuity():
    return make_vehicle(load_profile("ingenuity"), MARS, altitude_m=8, speed_m_s=3)


def test_fixed_camera_stations_meet_gsd_standoff_and_frame() -> None:
    v = ingenuity()
    spec = target(gsd_cm=1.0, min_standoff_m=10.0)
    [ts] = find_stations([spec], [Point(0, 0)], dem=flat(), vehicle=v, obstacles=MultiPolygon(),
                         keep=6)
    assert len(ts.stations) == 6
    for st in ts.stations:
        assert math.hypot(st.x, st.y) >= 10.0 - 1e-9
        assert st.pointing.gsd_cm <= 1.0 + 1e-9
        assert st.pointing.pitch_deg == pytest.approx(-22.0)
        assert v.profile.min_altitude_agl_m <= st.agl_m <= v.profile.max_altitude_agl_m
        # Aimed at the target: heading from station to target.
        want = math.degrees(math.atan2(-st.x, -st.y)) % 360.0
        assert st.pointing.heading_deg == pytest.approx(want, abs=1e-6)
    # Spread around the target: six sectors of 60 degrees, one station each.
    sectors = {int(round(math.degrees(math.atan2(st.x, st.y)), 6) % 360 // 60)
               for st in ts.stations}
    assert len(sectors) == 6


def test_view_azimuth_is_respected() -> None:
    spec = target(view_azimuth_deg=90.0, view_azimuth_tolerance_deg=20.0)
    [ts] = find_stations([spec], [Point(0, 0)], dem=flat(), vehicle=ingenuity(),
                         obstacles=MultiPolygon(), keep=4)
    assert ts.stations
    for st in ts.stations:
        bearing = math.degrees(math.atan2(st.x, st.y)) % 360.0  # from the target to the station
        assert abs(bearing - 90.0) <= 20.0 + 1e-6


def test_reasons_name_the_binding_constraint() -> None:
    v = ingenuity()
    [ts] = find_stations([target(gsd_cm=0.01)], [Point(0, 0)], dem=flat(), vehicle=v,
                         obstacles=MultiPolygon())
    assert not ts.stations and "GSD" in ts.reason and "0.01" in ts.reason
    walled = box(-150, -150, 150, 150).difference(box(-1, -1, 1, 1))
    [ts] = find_stations([target()], [Point(0, 0)], dem=flat(), vehicle=v, obstacles=walled)
    assert not ts.stations and "keep-out zone or hazard" in ts.reason
    dem = flat()
    dem.elevation[140:160, 140:160] = np.nan
    [ts] = find_stations([target()], [Point(0, 0)], dem=dem, vehicle=v, obstacles=MultiPolygon())
    assert not ts.stations and "nodata" in ts.reason


def test_a_wall_blocks_the_line_of_sight() -> None:
    # A 40 m wall all around the target at 20 m, stations kept outside it: none sees over.
    dem = flat()
    yy, xx = np.mgrid[0:300, 0:300]
    r = np.hypot(xx - 149.5, yy - 149.5)
    dem.elevation[(r > 18) & (r < 22)] = 40.0
    [ts] = find_stations([target(min_standoff_m=25.0)], [Point(0, 0)], dem=dem,
                         vehicle=ingenuity(),
                         obstacles=MultiPolygon())
    assert not ts.stations
    assert "line of sight" in ts.reason


def test_gimbal_camera_pitches_to_the_target() -> None:
    v = make_vehicle(load_profile("mavic3"), EARTH)
    [ts] = find_stations([target(gsd_cm=2.0)], [Point(0, 0)], dem=flat(), vehicle=v,
                         obstacles=MultiPolygon())
    assert ts.stations
    for st in ts.stations:
        horiz = math.hypot(st.x, st.y)
        want = -math.degrees(math.atan2(st.agl_m, horiz))
        assert st.pointing.pitch_deg == pytest.approx(want, abs=1e-6)


def test_an_area_too_large_for_one_photo_is_called_that() -> None:
    v = make_vehicle(load_profile("mavic3"), EARTH)
    cam = v.camera
    # 2 cm/px: one 5280 x 3956 image covers about 106 x 79 m seen square-on.
    w, h = cam.image_width_px * 0.02, cam.image_height_px * 0.02
    field = box(-120, -40, 120, 40)  # 240 m long: longer than the frame's diagonal
    [ts] = find_stations([target(gsd_cm=2.0)], [field], dem=flat(400), vehicle=v,
                         obstacles=MultiPolygon(), keep=6)
    assert not ts.stations
    assert ts.reason.startswith("too large for one photo at the required GSD")
    assert f"about {w:.0f} x {h:.0f} m" in ts.reason and "spans 240 x 80 m" in ts.reason
    assert "split it" in ts.reason
    # A field that fits one frame but asks for a GSD no station reaches keeps the GSD reason.
    [ts] = find_stations([target(gsd_cm=0.05)], [box(-0.4, -0.4, 0.4, 0.4)], dem=flat(),
                         vehicle=v, obstacles=MultiPolygon(), keep=6)
    assert not ts.stations
    assert ts.reason.startswith("no station meets the required GSD (0.05 cm/px")
    # A field well within one frame at 2 cm/px is photographed.
    [ts] = find_stations([target(gsd_cm=2.0)], [box(-15, -10, 15, 10)], dem=flat(400),
                         vehicle=v, obstacles=MultiPolygon(), keep=6)
    assert ts.stations


def test_a_station_budget_keeps_the_nearest_shared_stations_and_judges_fewer() -> None:
    # Targets in a loose grid on flat ground, one station each: many could share a station
    # with a neighbour's. Within a room of r siblings the r shortest hops are kept (ties in the
    # targets' order), exactly as if every sibling had been judged, and fewer are judged.
    v = ingenuity()
    rng = np.random.default_rng(3)
    xy = [(float(x), float(y)) for x, y in rng.uniform(-100, 100, (40, 2))]
    specs = [Target(index=i, name=f"t{i}", geometry=Point(p), gsd_cm=1.0)
             for i, p in enumerate(xy)]
    geoms = [Point(p) for p in xy]
    kw = {"dem": flat(), "vehicle": v, "obstacles": MultiPolygon()}
    alone = find_stations(specs, geoms, keep=1, budget=0, **kw)
    assert all(len(ts.stations) == 1 for ts in alone)
    judged: list[int] = []
    real = vp._stations_at

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        judged.append(1)
        return real(*args, **kwargs)

    radius = vp.shared_station_radius_m(v)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(vp, "_stations_at", counted)
        full = vp.share_stations(alone, specs, geoms, radius_m=radius, **kw)
        everything = len(judged)
        hops = sorted((math.dist((ts.stations[1].x, ts.stations[1].y, ts.stations[1].z),
                                 (own.stations[0].x, own.stations[0].y, own.stations[0].z)), i)
                      for i, (own, ts) in enumerate(zip(alone, full, strict=True))
                      if len(ts.stations) == 2)
        assert len(hops) >= 6, "the grid must offer siblings for this test to mean anything"
        for room in (1, 3, len(hops) - 1, len(hops), len(hops) + 5):
            judged.clear()
            capped = vp.share_stations(alone, specs, geoms, radius_m=radius, room=room, **kw)
            want = {i for _, i in hops[:room]}
            for i, (ts, whole) in enumerate(zip(capped, full, strict=True)):
                assert ts.stations == (whole.stations if i in want else alone[i].stations)
            if room < len(hops) // 2:
                assert len(judged) < everything
