from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from affine import Affine
from shapely.geometry import box

from terrain.dem import DEM
from terrain.hazards import (
    HazardLimits,
    TextureSource,
    assess,
    mask_to_polygons,
    nearest_safe_landing,
    polygons_mask,
)
from terrain.synthetic import JEZERO, synthetic_dem
from tests.conftest import plane_dem, textured

LIMITS = HazardLimits(nav_max_slope_deg=20, nav_scale_m=4, nav_min_contrast=0.03,
                      landing_max_slope_deg=10, landing_max_roughness_m=0.1,
                      landing_clear_radius_m=2)


def with_texture(z: np.ndarray, seed: int = 0, amp: float = 0.05) -> np.ndarray:
    return z + textured(z.shape, amp=amp, seed=seed)


def test_steep_plane_is_a_flight_and_landing_hazard() -> None:
    dem = plane_dem(30.0)
    maps = assess(DEM(with_texture(dem.elevation), dem.transform, dem.crs), LIMITS)
    assert maps.flight_slope[5:-5, 5:-5].all()
    assert maps.landing[5:-5, 5:-5].all()


def test_gentle_textured_plane_is_safe() -> None:
    dem = plane_dem(3.0)
    maps = assess(DEM(with_texture(dem.elevation), dem.transform, dem.crs), LIMITS)
    assert not maps.flight[5:-5, 5:-5].any()
    assert not maps.landing[5:-5, 5:-5].any()


def test_smooth_dem_without_image_leaves_texture_unassessed() -> None:
    dem = plane_dem(2.0)  # perfectly smooth, as a resampled DEM is: it says nothing of texture
    maps = assess(dem, LIMITS)
    assert not maps.flight_texture.any()
    assert maps.texture_status == TextureSource.NOT_ASSESSED
    assert any("not assessed" in n for n in maps.assessment.notes())
    no_need = assess(dem, HazardLimits(nav_min_contrast=0.0))
    assert no_need.texture_status == TextureSource.NOT_REQUIRED
    assert not any("texture" in n for n in no_need.assessment.notes())


def test_nodata_is_never_a_safe_landing_spot() -> None:
    dem = plane_dem(0.0, size=60, res=1.0)
    z = with_texture(dem.elevation)
    z[20:40, 20:40] = np.nan
    d = DEM(z, dem.transform, dem.crs)
    maps = assess(d, LIMITS)
    assert maps.landing[20:40, 20:40].all()
    assert maps.flight[20:40, 20:40].all()  # flying over unknown ground defaults to no
    cx, cy = d.xy(30, 30)
    spot = nearest_safe_landing(maps, float(cx), float(cy), max_distance_m=30)
    assert spot is not None
    r, c = d.rowcol(*spot)
    assert not np.isnan(z[round(float(r)), round(float(c))])
    assert np.hypot(spot[0] - cx, spot[1] - cy) > 10 + LIMITS.landing_clear_radius_m
    assert maps.landing_reason_at(float(cx), float(cy)) == "unknown ground (nodata)"
    fly = assess(d, HazardLimits(fly_over_nodata=True, nav_min_contrast=0.03))
    assert not fly.flight[28:32, 28:32].any()
    assert fly.landing[28:32, 28:32].all()


def test_all_nodata_has_no_landing_spot() -> None:
    dem = DEM(np.full((20, 20), np.nan), Affine(1, 0, 0, 0, -1, 20), pyproj.CRS("EPSG:32633"))
    maps = assess(dem, LIMITS)
    assert nearest_safe_landing(maps, 10, 10, max_distance_m=50) is None


def test_polygons_cover_every_hazard_cell_and_simplify() -> None:
    dem = synthetic_dem((0, 0, 300, 300), pyproj.CRS("EPSG:32633"), seed=5, style=JEZERO)
    maps = assess(dem, LIMITS)
    mask = maps.flight
    polys = mask_to_polygons(dem, mask, grow=1.0, simplify=2.0)
    rr, cc = np.nonzero(mask)
    xs, ys = dem.xy(rr, cc)
    half = dem.resolution / 2
    corners = [(xs + dx, ys + dy) for dx in (-half, half) for dy in (-half, half)]
    for cx, cy in corners:
        assert shapely.contains_xy(polys, cx, cy).all() or shapely.intersects_xy(
            polys, cx, cy).all()
    # Round trip: the rasterised polygons hold every hazard cell.
    assert (polygons_mask(dem, polys) | ~mask).all()


@pytest.mark.parametrize("res", [1.0, 2.0])
def test_polygons_mask_marks_touched_cells(res: float) -> None:
    dem = plane_dem(0.0, size=30, res=res)
    x0, y0, _, _ = dem.bounds
    m = polygons_mask(dem, box(x0 + 10, y0 + 10, x0 + 20, y0 + 20))
    assert m.sum() >= (10 / res) ** 2
    assert not m[0, 0]


def test_a_slope_note_says_nothing_without_a_limit_and_rounds_the_posts() -> None:
    from terrain.hazards import SlopeStatus

    coarse = SlopeStatus(limit_deg=20.0, named_scale_m=5.0, scale_m=5.0, noise_deg=0.1,
                         posts_m=30.9221)
    assert coarse.note("flight") == ("flight slope at 5.0 m judged from 30.9 m posts: steep "
                                     "ground narrower than that is not seen")
    # A limit of 90° (the Mavic 3's GNSS navigation) is no limit: its scale cannot matter.
    free = SlopeStatus(limit_deg=90.0, named_scale_m=5.0, scale_m=5.0, noise_deg=0.1,
                       posts_m=30.9221)
    assert free.note("flight") == ""


def test_a_coarse_image_note_says_what_pixel_size_would_do() -> None:
    from terrain.hazards import TextureSource, TextureStatus

    status = TextureStatus(TextureSource.IMAGE, min_contrast=0.03, feature_m=1.0, window_m=8.0,
                           image="ortho.tif", image_pixel_m=0.5, requested_feature_m=0.54)
    assert status.note() == ("image contrast read in detail of 1 m, coarser than the 0.54 m "
                             "features the navigation camera tracks (the image's pixels are "
                             "0.5 m; reading them needs pixels of 0.27 m or finer, two to a "
                             "feature)")
