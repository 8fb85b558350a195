"""Candidate airfields: safe landing spots on a spacing."""

from __future__ import annotations

import itertools

import numpy as np
import pyproj
import pytest
from affine import Affine
from scipy import ndimage
from shapely.geometry import box

from terrain.airfields import landing_spots
from terrain.dem import DEM
from terrain.hazards import HazardLimits, assess
from tests.conftest import textured

LIMITS = HazardLimits(nav_max_slope_deg=20, nav_scale_m=4, nav_min_contrast=0.0,
                      landing_max_slope_deg=10, landing_max_roughness_m=0.1,
                      landing_clear_radius_m=2)


def _ground(size: int = 120, *, ridge: bool = True) -> DEM:
    """Flat textured ground at 1 m, with a steep ridge across the middle columns."""
    z = textured((size, size), amp=0.02, seed=3)
    if ridge:
        cols = np.arange(size)
        z += np.clip(3.0 * (20 - np.abs(cols - size / 2)), 0, None)[None, :]  # 71.6° flanks
    return DEM(z, Affine(1.0, 0, 500, 0, -1.0, 800), pyproj.CRS("EPSG:32633"))


def test_spots_are_safe_spaced_and_cover_the_safe_ground():
    dem = _ground()
    maps = assess(dem, LIMITS)
    spacing = 25.0
    spots = landing_spots(maps, spacing)
    assert spots, "flat ground on both sides of the ridge has room to land"
    for (x1, y1), (x2, y2) in itertools.combinations(spots, 2):
        assert np.hypot(x1 - x2, y1 - y2) >= spacing
    for x, y in spots:
        assert maps.landing_reasons_at(x, y) == [] and maps.flight_reasons_at(x, y) == []
        r, c = (round(float(v)) for v in dem.rowcol(x, y))
        assert not maps.landing[r, c]
    # Every safe cell is within the spacing plus a square's diagonal of a spot.
    safe_r, safe_c = np.nonzero(~maps.landing & ~maps.flight)
    sx, sy = dem.xy(safe_r, safe_c)
    pts = np.asarray(spots)
    d = np.hypot(sx[:, None] - pts[None, :, 0], sy[:, None] - pts[None, :, 1]).min(axis=1)
    assert d.max() <= spacing + spacing * np.sqrt(2) + 1e-9
    # Both sides of the ridge are offered.
    xs = np.array([p[0] for p in spots])
    assert (xs < 500 + 40).any() and (xs > 500 + 80).any()
    assert landing_spots(maps, spacing) == spots  # deterministic


def test_best_margin_first():
    maps = assess(_ground(), LIMITS)
    spots = landing_spots(maps, 30.0)
    dem = maps.dem
    safe = ~maps.landing & ~maps.flight
    margin = ndimage.distance_transform_edt(np.pad(safe, 1))[1:-1, 1:-1]
    m = [margin[tuple(round(float(v)) for v in dem.rowcol(x, y))] for x, y in spots]
    assert m == sorted(m, reverse=True)


def test_blocked_cells_and_hazards_are_never_offered():
    dem = _ground(ridge=False)
    maps = assess(dem, LIMITS)
    blocked = np.zeros(dem.shape, dtype=bool)
    blocked[:, :60] = True  # a keep-out over the western half
    spots = landing_spots(maps, 20.0, blocked=blocked)
    assert spots
    for x, y in spots:
        _, c = dem.rowcol(x, y)
        assert float(c) >= 60
    all_bad = np.ones(dem.shape, dtype=bool)
    assert landing_spots(maps, 20.0, blocked=all_bad) == []


def test_steep_ground_has_no_spot():
    z = np.tile(np.arange(60) * 1.0, (60, 1)) + textured((60, 60), amp=0.02)  # 45°
    dem = DEM(z, Affine(1.0, 0, 0, 0, -1.0, 60), pyproj.CRS("EPSG:32633"))
    assert landing_spots(assess(dem, LIMITS), 10.0) == []


@pytest.mark.parametrize("spacing", [0.0, -5.0, float("nan"), float("inf")])
def test_bad_spacing(spacing):
    maps = assess(_ground(40, ridge=False), LIMITS)
    with pytest.raises(ValueError, match="spacing"):
        landing_spots(maps, spacing)


def test_blocked_on_another_grid_is_refused():
    maps = assess(_ground(40, ridge=False), LIMITS)
    with pytest.raises(ValueError, match="grid"):
        landing_spots(maps, 10.0, blocked=np.zeros((3, 3), dtype=bool))


def test_featureless_ground_is_never_offered():
    # The navigation camera tracks the ground down to touchdown: no spot on featureless sand.
    dem = _ground(ridge=False)
    sand = box(500, 680, 560, 800)  # the western half (x 500-560), all rows
    limits = HazardLimits(nav_max_slope_deg=20, nav_scale_m=4, nav_min_contrast=0.03,
                          landing_max_slope_deg=10, landing_max_roughness_m=0.1,
                          landing_clear_radius_m=2)
    maps = assess(dem, limits, featureless=sand)
    assert not maps.landing[:, :55].all(), "the landing map alone would allow the sand"
    spots = landing_spots(maps, 20.0)
    assert spots
    assert all(x > 560 for x, _ in spots)
