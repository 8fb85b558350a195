"""Built-in terrain: a function of the place and the terrain seed, with its features and image."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from terrain.hazards import HazardLimits, TextureSource, assess
from terrain.synthetic import (
    EARTH_HILLS,
    JEZERO,
    Pad,
    SyntheticStyle,
    anchor_crs,
    synthetic_dem,
    synthetic_terrain,
)

LIMITS = HazardLimits(nav_max_slope_deg=20, nav_scale_m=10, nav_min_contrast=0.03,
                      nav_texture_feature_m=0.5, nav_texture_window_m=8,
                      landing_max_slope_deg=10, landing_max_roughness_m=0.1,
                      landing_clear_radius_m=2)
LON, LAT = 77.4306, 18.4548


def frame(lon: float = LON, lat: float = LAT) -> pyproj.CRS:
    from planner.frames import MARS, local_frame

    return local_frame(MARS, lon, lat).local


def test_a_patch_is_the_same_whatever_the_window_around_it() -> None:
    crs = frame()
    a = synthetic_terrain((-150, -150, 150, 150), crs, seed=3, resolution=1.0)
    b = synthetic_terrain((-40, -120, 260, 60), crs, seed=3, resolution=1.0)  # other extent
    # Cells of the overlap (x -40..150, y -120..60), away from either window's edge.
    ra, ca = a.dem.rowcol(-30.5, 50.5)
    rb, cb = b.dem.rowcol(-30.5, 50.5)
    ra, ca, rb, cb = (round(float(v)) for v in (ra, ca, rb, cb))
    pa = a.dem.elevation[ra:ra + 160, ca:ca + 170]
    pb = b.dem.elevation[rb:rb + 160, cb:cb + 170]
    # To float32 rounding of positions in the warp: well under a millimetre, 2 mm on cliffs.
    np.testing.assert_allclose(pa, pb, atol=2e-3)
    assert np.median(np.abs(pa - pb)) < 1e-4
    # The anchored grids the two were made on agree exactly where they overlap (away from
    # their outermost pixels, where the image's shading takes one-sided differences).
    for ga, gb in ((a.image.grey, b.image.grey), (a.anchored.elevation, b.anchored.elevation)):
        dc = round(b.image.transform.c - a.image.transform.c)
        dr = round(a.image.transform.f - b.image.transform.f)
        sub_a = ga[dr + 2:dr + 150, dc + 2:dc + 150]
        sub_b = gb[2:150, 2:150]
        assert dr > 0 and dc > 0 and sub_a.shape == sub_b.shape
        np.testing.assert_allclose(sub_a, sub_b, atol=1e-4)


def test_a_target_added_to_the_mission_sees_the_same_ground() -> None:
    # Another mission centre (a target was added 400 m east and 250 m north): another frame.
    first = synthetic_terrain((-200, -200, 200, 200), frame(), seed=9)
    dlon = np.degrees(200 / (3_396_190.0 * np.cos(np.radians(LAT))))
    dlat = np.degrees(125 / 3_396_190.0)
    crs2 = frame(LON + dlon, LAT + dlat)
    second = synthetic_terrain((-300, -300, 100, 100), crs2, seed=9).dem
    # Cell centres of the second DEM, where the first window covers them, compared with the
    # first terrain's anchored grid at the same places on Mars.
    rows, cols = np.mgrid[20:380:7, 20:380:7]
    x2, y2 = second.xy(rows.ravel(), cols.ravel())
    to_anchor = pyproj.Transformer.from_crs(crs2, first.anchored.crs, always_xy=True)
    ax, ay = to_anchor.transform(x2, y2)
    ref = first.anchored.sample(ax, ay)
    inside = np.isfinite(ref)
    assert inside.sum() > 500
    got = second.elevation[rows.ravel(), cols.ravel()]
    np.testing.assert_allclose(got[inside], ref[inside], atol=2e-3)


def test_the_terrain_seed_alone_changes_the_ground() -> None:
    crs = frame()
    a = synthetic_dem((-100, -100, 100, 100), crs, seed=1)
    again = synthetic_dem((-100, -100, 100, 100), crs, seed=1)
    other = synthetic_dem((-100, -100, 100, 100), crs, seed=2)
    assert np.array_equal(a.elevation, again.elevation)
    assert np.abs(a.elevation - other.elevation).mean() > 0.3
    assert a.synthetic and a.precision_m == 0.0


def test_the_features_are_all_there_and_read_as_hazards() -> None:
    crs = frame()
    seen = {"cliff": 0, "sand": 0, "rocks": 0}
    for seed in range(3):
        st = synthetic_terrain((-600, -600, 600, 600), crs, resolution=2.0, seed=seed)
        maps = assess(st.dem, LIMITS, image=st.image)
        assert maps.texture_status == TextureSource.IMAGE
        seen["cliff"] += bool(maps.flight_slope.mean() > 0.005)
        seen["sand"] += bool(maps.flight_texture.mean() > 0.005)
        seen["rocks"] += bool((maps.roughness_m > 0.1).mean() > 0.005)
        # Sand fields are bland in the image; ordinary ground is well textured.
        assert np.nanmedian(maps.contrast) > 2 * LIMITS.nav_min_contrast
    assert min(seen.values()) >= 2, seen


def test_pads_are_flat_clear_and_textured() -> None:
    crs = frame()
    pads = [Pad(0.0, 0.0), Pad(150.0, -80.0, radius_m=6.0)]
    st = synthetic_terrain((-250, -250, 250, 250), crs, seed=4, pads=pads)
    maps = assess(st.dem, LIMITS, image=st.image)
    for p in pads:
        assert maps.landing_reason_at(p.x, p.y) == ""
        assert maps.flight_reason_at(p.x, p.y) == ""
        assert maps.contrast[tuple(round(float(v)) for v in st.dem.rowcol(p.x, p.y))] > 0.03


def test_earth_hills_and_the_anchor_of_each_body() -> None:
    from planner.frames import EARTH, local_frame

    crs = local_frame(EARTH, 8.54, 47.37).local
    st = synthetic_terrain((-300, -300, 300, 300), crs, seed=0, style=EARTH_HILLS)
    maps = assess(st.dem, LIMITS, image=st.image)
    assert not maps.flight_texture.any()  # no sand on the hills
    assert np.ptp(st.dem.elevation) > 5
    assert anchor_crs(crs).ellipsoid.semi_major_metre == pytest.approx(6_378_137.0)
    assert anchor_crs(frame()).ellipsoid.semi_major_metre == pytest.approx(3_396_190.0)
    assert JEZERO.scarp_height_m == 40.0


def test_no_built_in_terrain_near_the_poles() -> None:
    from planner.frames import MARS, local_frame

    with pytest.raises(ValueError, match="80 degrees"):
        synthetic_dem((-50, -50, 50, 50), local_frame(MARS, 10.0, 85.0).local)


@pytest.mark.parametrize("style", [JEZERO, EARTH_HILLS])
def test_the_ground_without_its_image_is_the_same_ground(style: SyntheticStyle) -> None:
    # A caller that reads no texture skips the orthoimage; the elevations must not change,
    # sand ripples, rocks and levelled pads included (the Jezero style has all of them).
    crs, area, pads = frame(), (-300.0, -300.0, 300.0, 300.0), [Pad(10.0, -20.0)]
    full = synthetic_terrain(area, crs, seed=5, pads=pads, style=style)
    bare = synthetic_terrain(area, crs, seed=5, pads=pads, style=style, image=False)
    assert full.image is not None and bare.image is None
    np.testing.assert_array_equal(bare.dem.elevation, full.dem.elevation)
    np.testing.assert_array_equal(bare.anchored.elevation, full.anchored.elevation)
    assert np.ptp(bare.dem.elevation) > 1.0  # real relief, not an empty grid
