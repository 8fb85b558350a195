from __future__ import annotations

import math

import pytest

from planner.camera import footprint, gsd_cm, in_frame, point_camera
from planner.profiles import CameraSpec, Mount, load_profile

RTE = load_profile("ingenuity").camera
GIMBAL = load_profile("mavic3").camera


def test_gsd_is_range_times_ifov() -> None:
    assert gsd_cm(100.0, 1e-3) == pytest.approx(10.0)
    assert RTE.ifov_rad == pytest.approx(0.26e-3, rel=0.01)


def test_fixed_camera_aims_by_heading_only() -> None:
    h = 8.0
    d = h / math.tan(math.radians(22))
    p = point_camera(RTE, (0, 0, h), (d, 0, 0))
    assert p.heading_deg == pytest.approx(90.0)
    assert p.pitch_deg == -22.0
    assert p.in_frame
    # Straight below is outside a camera that looks 22 degrees down with a 46.5 degree field.
    assert not point_camera(RTE, (0, 0, h), (0.5, 0, 0)).in_frame


def test_gimbal_pitches_to_the_target_within_its_range() -> None:
    p = point_camera(GIMBAL, (0, 0, 40), (0, 40, 0))
    assert p.pitch_deg == pytest.approx(-45.0)
    assert p.in_frame
    up = point_camera(GIMBAL, (0, 0, 0), (0, 1, 10))
    assert up.pitch_deg == pytest.approx(35.0)  # clamped at the gimbal's top


def test_polygon_must_fit_the_frame() -> None:
    cam = CameraSpec("c", 1000, 1000, 40.0, 40.0, Mount.GIMBAL, gimbal_pitch_min_deg=-90,
                     gimbal_pitch_max_deg=0)
    small = [(-1, 9, 0), (1, 9, 0), (1, 11, 0), (-1, 11, 0)]
    big = [(-30, 0, 0), (30, 0, 0), (30, 60, 0), (-30, 60, 0)]
    assert point_camera(cam, (0, 0, 10), (0, 10, 0), small).in_frame
    assert not point_camera(cam, (0, 0, 10), (0, 10, 0), big).in_frame
    assert not in_frame(cam, (0, 0, 10), 180.0, -45.0, small)  # looking away


def test_nadir_footprint_is_the_expected_rectangle() -> None:
    cam = CameraSpec("c", 1000, 800, 60.0, 40.0, Mount.GIMBAL, gimbal_pitch_min_deg=-90,
                     gimbal_pitch_max_deg=0)
    fp = footprint(cam, (0, 0, 50), 0.0, -90.0, 0.0)
    w = 2 * 50 * math.tan(math.radians(30))
    h = 2 * 50 * math.tan(math.radians(20))
    assert fp.area == pytest.approx(w * h, rel=1e-6)
    assert fp.centroid.distance(fp.centroid.__class__(0, 0)) < 1e-6


def test_oblique_footprint_is_finite_and_ahead() -> None:
    fp = footprint(RTE, (0, 0, 8), 0.0, -22.0, 0.0, max_range_m=300)
    assert fp.is_valid and fp.area > 0
    _, miny, _, maxy = fp.bounds
    assert miny > 0  # all ahead (north) of the camera
    assert maxy <= 300 + 1e-6
