"""Hazards on ground the tests did not generate with the built-in terrain: DEM files that are
smooth (a CTX-class product resampled), noisy (white and correlated), or blurred, read as a user's
DEM would be. Each hazard is judged within what such a DEM can resolve."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from affine import Affine
from scipy import ndimage

from terrain.dem import DEFAULT_PRECISION_POSTS, DEM, precision_from_tags, read_dem
from terrain.hazards import HazardLimits, TextureSource, assess
from tests.conftest import MARS_EQC, UTM33

# Ingenuity-like limits (the profile's values, with the image-texture fields proposed).
INGENUITY = HazardLimits(nav_max_slope_deg=20, nav_scale_m=10, nav_min_contrast=0.03,
                         nav_texture_feature_m=0.5, nav_texture_window_m=8,
                         landing_max_slope_deg=10, landing_max_roughness_m=0.1,
                         landing_clear_radius_m=2)


def interior(mask: np.ndarray, k: int = 4) -> np.ndarray:
    """The mask without a ``k``-cell band at the grid's edge (no clear circle fits there)."""
    return mask[k:-k, k:-k]


def noise_field(shape: tuple[int, int], *, rms: float, corr: float, seed: int) -> np.ndarray:
    n = np.random.default_rng(seed).standard_normal(shape)
    if corr:
        n = ndimage.gaussian_filter(n, corr)
    return rms * n / n.std()


def test_ctx_like_smooth_dem_keeps_its_cliff_and_refuses_nothing_for_texture(
        write_raster_tif) -> None:
    from planner.frames import MARS, local_frame

    # 20 m posts in Mars eqc: gentle undulations and a 40 m scarp whose face spans two posts.
    lon, lat = 77.4306, 18.4548
    eqc = pyproj.CRS(MARS_EQC)
    ex, ey = pyproj.Transformer.from_crs("IAU_2015:49900", eqc, always_xy=True).transform(
        lon, lat)
    post = 20.0
    n = 60
    x0, y0 = ex - n * post / 2, ey + n * post / 2
    xs = x0 + (np.arange(n) + 0.5) * post
    ys = y0 - (np.arange(n) + 0.5) * post
    gx, gy = np.meshgrid(xs - ex, ys - ey)
    z = -2560 + 4 * np.sin(gx / 150) * np.cos(gy / 190) + 40 * np.clip((gx - 200) / 40, 0, 1)
    path = write_raster_tif(z, Affine(post, 0, x0, 0, -post, y0), MARS_EQC)
    frame = local_frame(MARS, lon, lat)
    dem = read_dem(path, dst_crs=frame.local, dst_bounds=(-400, -300, 400, 300), resolution=1.0)
    assert dem.posts_m == pytest.approx(20.0)
    assert dem.precision_m == pytest.approx(DEFAULT_PRECISION_POSTS * 20.0)
    assert "assumed" in dem.precision_note
    maps = assess(dem, INGENUITY)
    # Texture: never judged from a DEM, and never a reason to refuse ground.
    assert maps.texture_status == TextureSource.NOT_ASSESSED
    assert not maps.flight_texture.any()
    # The cliff is still there (about 190 m east in true metres, 1/cos(lat) of eqc), the
    # gentle floor is not a hazard.
    xs_l, _ = dem.xy(np.zeros(dem.shape[1]), np.arange(dem.shape[1]))
    cols_hazard = np.flatnonzero(maps.flight_slope.any(axis=0))
    assert len(cols_hazard) > 0
    assert np.all(np.abs(xs_l[cols_hazard] - 200 * np.cos(np.radians(lat)) - 20) < 60)
    # Noise of metres forced a wider slope scale, said so, and rocks are not assessed.
    a = maps.assessment
    assert a.flight_slope.widened
    assert not a.rocks.assessed
    notes = " ".join(a.notes())
    assert "flight slope judged over" in notes and "rocks below" in notes
    assert "not assessed" in notes  # texture


@pytest.mark.parametrize("tilt", [0.0, 5.0])
@pytest.mark.parametrize("corr", [0.0, 1.0])
@pytest.mark.parametrize("rms", [0.1, 0.3])
def test_noisy_dem_is_not_a_boulder_field(write_raster_tif, rms: float, corr: float,
                                          tilt: float) -> None:
    n = 160
    xs = (np.arange(n) + 0.5)
    z = np.tile(np.tan(np.radians(tilt)) * xs, (n, 1)) + \
        noise_field((n, n), rms=rms, corr=corr, seed=int(10 * rms + corr))
    transform = Affine(1, 0, 500_000.0, 0, -1, 4_000_000.0 + n)
    path = write_raster_tif(z, transform, UTM33, tags={"VERTICAL_PRECISION_M": f"{rms:g}"})
    crs = pyproj.CRS(UTM33)
    dem = read_dem(path, dst_crs=crs, dst_bounds=(500_000.0, 4_000_000.0, 500_000.0 + n,
                                                  4_000_000.0 + n))
    assert dem.precision_m == pytest.approx(rms)
    assert dem.precision_note == "from the file's metadata"
    maps = assess(dem, INGENUITY)
    assert not maps.flight.any()
    assert interior(maps.roughness_m > max(0.1, maps.assessment.rocks.noise_floor_m)).mean() \
        < 0.005
    assert interior(maps.landing).mean() < 0.06
    # The same DEM taken as exact reads its noise as rocks and slopes (the old failure).
    exact = assess(DEM(dem.elevation, dem.transform, dem.crs, vertical_precision_m=0.0),
                   INGENUITY)
    assert interior(exact.landing).mean() > 0.3


def test_precision_from_metadata_override_default_and_round_trip(write_raster_tif,
                                                                 tmp_path) -> None:
    crs = pyproj.CRS(UTM33)
    z = np.zeros((20, 20))
    transform = Affine(2, 0, 500_000.0, 0, -2, 4_000_040.0)
    bounds = (500_004.0, 4_000_004.0, 500_036.0, 4_000_036.0)
    tagged = write_raster_tif(z, transform, UTM33, name="t.tif",
                              tags={"VERTICAL_PRECISION": "25 cm"})
    assert read_dem(tagged, dst_crs=crs, dst_bounds=bounds).precision_m == pytest.approx(0.25)
    given = read_dem(tagged, dst_crs=crs, dst_bounds=bounds, vertical_precision_m=0.05)
    assert given.precision_m == 0.05 and given.precision_note == "given by the caller"
    bare = write_raster_tif(z, transform, UTM33, name="b.tif")
    d = read_dem(bare, dst_crs=crs, dst_bounds=bounds)
    assert d.vertical_precision_m is None
    assert d.precision_m == pytest.approx(DEFAULT_PRECISION_POSTS * 2.0)
    out = tmp_path / "out.tif"
    given.write_geotiff(out)
    assert read_dem(out, dst_crs=crs, dst_bounds=bounds).precision_m == pytest.approx(0.05)
    assert precision_from_tags({"LE68": "0.4"}) == 0.4
    assert precision_from_tags({"VERTICAL_PRECISION_M": "n/a"}) is None


def cliffs_and_rocks(n: int = 200, seed: int = 0) -> np.ndarray:
    """A 30 m scarp with a 60 deg face, boulders 0.6-1.5 m on the floor, pebbly micro-relief."""
    rng = np.random.default_rng(seed)
    xs = np.arange(n) + 0.5
    z = np.tile(np.clip((xs - 120) * np.tan(np.radians(60)), 0, 30), (n, 1))
    yy, xx = np.mgrid[0:n, 0:n]
    for _ in range(60):
        cx, cy = rng.uniform(20, 90), rng.uniform(20, n - 20)
        h = rng.uniform(0.6, 1.5)
        r = 1.6 * h
        z += h * np.clip(1 - ((xx - cx) ** 2 + (yy - cy) ** 2) / (r * r), 0, None)
    return z + noise_field((n, n), rms=0.03, corr=0.6, seed=seed + 1)


def test_dem_blurred_by_a_pixel_keeps_its_cliffs_and_is_no_sand_sea(write_raster_tif) -> None:
    crs = pyproj.CRS(UTM33)
    z = cliffs_and_rocks()
    transform = Affine(1, 0, 500_000.0, 0, -1, 4_000_200.0)
    bounds = (500_000.0, 4_000_000.0, 500_200.0, 4_000_200.0)
    sharp = read_dem(write_raster_tif(z, transform, UTM33, name="sharp.tif"), dst_crs=crs,
                     dst_bounds=bounds, vertical_precision_m=0.05)
    blurred = read_dem(write_raster_tif(ndimage.gaussian_filter(z, 1.0), transform, UTM33,
                                        name="blurred.tif"), dst_crs=crs, dst_bounds=bounds,
                       vertical_precision_m=0.05)
    a, b = assess(sharp, INGENUITY), assess(blurred, INGENUITY)
    assert a.flight_slope.sum() > 0
    assert b.flight_slope.sum() >= 0.8 * a.flight_slope.sum()
    # Cliff cells are near the scarp only.
    cols = np.flatnonzero(b.flight_slope.any(axis=0))
    assert cols.min() > 100 and cols.max() < 150
    assert not b.flight_texture.any() and b.texture_status == TextureSource.NOT_ASSESSED
    assert b.flight.mean() < 0.25


def test_reasons_name_the_hazard_and_its_figure() -> None:
    crs = pyproj.CRS(UTM33)
    xs = np.arange(100) + 0.5
    z = np.tile(np.clip(xs - 50, 0, None) * np.tan(np.radians(24)), (100, 1))  # 24 deg east
    z[40:60, 10:20] = np.nan
    dem = DEM(z, Affine(1, 0, 0, 0, -1, 100), crs, vertical_precision_m=0.02)
    maps = assess(dem, INGENUITY)
    (slope,) = maps.flight_reasons_at(80.0, 50.0)
    assert slope.hazard == "slope" and slope.unit == "deg" and slope.limit == 20
    assert slope.value == pytest.approx(24.0, abs=0.3)
    assert slope.phrase == "slope 24° above the 20° limit"
    assert maps.flight_reason_at(15.0, 50.0) == "unknown ground (nodata)"
    assert maps.flight_reasons_at(-10.0, 50.0)[0].hazard == "outside"
    assert maps.flight_reasons_at(30.0, 20.0) == []
    land = maps.landing_reasons_at(80.0, 30.0)
    assert land[0].hazard == "slope" and land[0].limit == 10
    assert land[0].value == pytest.approx(24.0, abs=0.5)
    # A spot just beside the nodata hole: too close, with the distance and what is there.
    (near,) = maps.landing_reasons_at(24.5, 50.0)
    assert near.hazard == "clear_radius" and near.limit == 2.0
    assert near.value is not None and near.value <= 2.0
    assert "unknown ground (nodata)" in near.phrase and "m away" in near.phrase
    assert maps.landing_reason_at(30.0, 20.0) == ""
    # Over a region: each hazard once, with its worst figure and its share, biggest first.
    region = np.zeros(dem.shape, dtype=bool)
    region[:, 5:95] = True
    reasons = maps.flight_reasons_in(region)
    assert [r.hazard for r in reasons] == ["slope", "nodata"]
    assert reasons[0].phrase.startswith("slope up to 2")
    assert sum(r.fraction or 0 for r in reasons) == pytest.approx(1.0)


def test_unstated_precision_is_capped_by_the_dem_s_own_finest_relief() -> None:
    # 3 cm of pebbly relief on 1 m posts, no stated precision: the default rule (25 cm) would
    # hide 30 cm rocks; the DEM's own finest relief shows its noise is far smaller.
    crs = pyproj.CRS(UTM33)
    z = noise_field((120, 120), rms=0.03, corr=0.6, seed=7)
    z[56:64, 56:64] += 0.6  # a 60 cm block 8 m across
    dem = DEM(z, Affine(1, 0, 0, 0, -1, 120), crs)
    maps = assess(dem, INGENUITY)
    a = maps.assessment
    assert a.precision_m < 0.06 and "capped" in a.precision_note
    assert maps.landing_reason_at(60.0, 60.0).startswith("rocks or rough ground (relief ")
    assert maps.landing_reason_at(20.0, 20.0) == ""
