from __future__ import annotations

import numpy as np
import pyproj
import pytest
from affine import Affine

from terrain.analysis import line_of_sight, lines_of_sight, profile, roughness, slope_deg
from terrain.dem import DEM
from tests.conftest import MARS_EQC, hill_dem, plane_dem


@pytest.mark.parametrize("angle", [0.0, 5.0, 17.0, 30.0, 45.0])
@pytest.mark.parametrize("crs", ["EPSG:32633", MARS_EQC])
def test_plane_of_known_slope_gives_that_slope(angle: float, crs: str) -> None:
    dem = plane_dem(angle, crs=crs)
    s = slope_deg(dem)
    np.testing.assert_allclose(s[2:-2, 2:-2], angle, atol=1e-3)
    s2 = slope_deg(dem, scale_m=4.0)  # smoothing a plane leaves it a plane
    np.testing.assert_allclose(s2[5:-5, 5:-5], angle, atol=1e-3)


def test_plane_is_perfectly_smooth() -> None:
    dem = plane_dem(20.0)
    assert np.nanmax(roughness(dem, window_m=6.0)[5:-5, 5:-5]) < 1e-3


def test_roughness_sees_rocks() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(0, 0.3, (50, 50))
    dem = DEM(z, Affine(1, 0, 0, 0, -1, 50), pyproj.CRS("EPSG:32633"))
    assert np.nanmedian(roughness(dem, window_m=4.0)) > 0.15


def test_nodata_stays_unknown() -> None:
    dem = plane_dem(10.0)
    z = dem.elevation.copy()
    z[10:14, 10:14] = np.nan
    d2 = DEM(z, dem.transform, dem.crs)
    assert np.isnan(slope_deg(d2)[12, 12])
    assert np.isnan(roughness(d2, window_m=4.0)[12, 12])


def cone_dem() -> DEM:
    yy, xx = np.mgrid[0:101, 0:101]
    z = np.maximum(0.0, 30.0 - np.hypot(xx - 50, yy - 50))  # a 30 m cone in the middle
    return DEM(z, Affine(1, 0, -0.5, 0, -1, 100.5), pyproj.CRS("EPSG:32633"))


def test_cone_blocks_line_of_sight_behind_it() -> None:
    dem = cone_dem()
    # Points at 5 m above the plain either side of the cone: blocked.
    assert not line_of_sight(dem, (10.0, 50.0, 5.0), (90.0, 50.0, 5.0))
    # Over the top with room to spare: clear.
    assert line_of_sight(dem, (10.0, 50.0, 40.0), (90.0, 50.0, 40.0))
    # Beside the cone: clear.
    assert line_of_sight(dem, (10.0, 5.0, 5.0), (90.0, 5.0, 5.0))
    # A point on the ground can be seen from above without blocking itself.
    assert line_of_sight(dem, (20.0, 5.0, 10.0), (60.0, 5.0, 0.0))


def test_profile_samples_at_resolution() -> None:
    dem = hill_dem(res=2.0)
    p = profile(dem, 10, 64, 110, 64)
    assert p.distance[-1] == pytest.approx(100.0)
    assert np.diff(p.distance).max() <= 2.0 + 1e-9
    assert p.ground.max() == pytest.approx(120.0, abs=0.5)  # the hill's top at the middle


@pytest.mark.parametrize("corr", [0.0, 1.0, 2.5])
@pytest.mark.parametrize("sigma", [0.0, 1.0, 3.0, 6.0])
def test_slope_noise_matches_noise_measured_through_the_same_filter(corr: float,
                                                                    sigma: float) -> None:
    from scipy import ndimage

    from terrain.analysis import gradient_squared, slope_noise

    rng = np.random.default_rng(3)
    n = rng.standard_normal((400, 400))
    if corr:
        n = ndimage.gaussian_filter(n, corr)
    n = (0.2 * n / n.std()).astype(np.float32)  # 20 cm of noise on 2 m posts
    g2 = gradient_squared(n, 2.0, sigma)[30:-30, 30:-30]
    expected = slope_noise(0.2, 2.0, sigma_px=sigma, corr_px=corr)
    # E|g|^2 = 2 s^2 for noise alone.
    assert np.sqrt(g2.mean() / 2) == pytest.approx(expected, rel=0.12)


@pytest.mark.parametrize("corr", [0.0, 1.0, 3.0])
@pytest.mark.parametrize("detrend", [1.0, 2.0, 4.0, 8.0])
def test_residual_noise_matches_noise_measured_through_the_same_filter(corr: float,
                                                                       detrend: float) -> None:
    from scipy import ndimage

    from terrain.analysis import mean_square_residual, residual_noise

    rng = np.random.default_rng(4)
    n = rng.standard_normal((400, 400))
    if corr:
        n = ndimage.gaussian_filter(n, corr)
    n = (0.1 * n / n.std()).astype(np.float32)
    ms = mean_square_residual(n, detrend_px=detrend, window_px=5)[30:-30, 30:-30]
    assert np.sqrt(ms.mean()) == pytest.approx(
        residual_noise(0.1, detrend_px=detrend, corr_px=corr), rel=0.08)


def test_image_contrast_ignores_exposure_and_sees_bland_ground() -> None:
    from terrain.analysis import image_contrast

    rng = np.random.default_rng(5)
    grey = 100 * (1 + 0.1 * rng.standard_normal((200, 200)))
    grey[50:150, 50:150] = 100 * (1 + 0.002 * rng.standard_normal((100, 100)))
    c = image_contrast(grey, pixel_m=(0.25, 0.25), feature_m=0.5, window_m=5.0)
    c3 = image_contrast(3 * grey + 0.0, pixel_m=(0.25, 0.25), feature_m=0.5, window_m=5.0)
    np.testing.assert_allclose(c, c3, rtol=1e-4)
    assert np.nanmedian(c[80:120, 80:120]) < 0.005
    assert np.nanmedian(c[:30, :30]) > 0.06
    dark = grey.copy()
    dark[:20, :] = np.nan
    cd = image_contrast(dark, pixel_m=(0.25, 0.25), feature_m=0.5, window_m=5.0)
    assert np.isnan(cd[:20]).all()  # no light, no contrast: unknown


def test_lines_of_sight_agree_with_one_line_at_a_time() -> None:
    # Over hills, from below and above the ground, some off the grid, some of no length:
    # the batched test samples and sums as the single one does, so the answers are the same.
    from terrain.synthetic import EARTH_HILLS, synthetic_terrain

    crs = pyproj.CRS("+proj=aeqd +lat_0=47.37 +lon_0=8.54 +datum=WGS84")
    dem = synthetic_terrain((-150, -150, 150, 150), crs, seed=1, style=EARTH_HILLS,
                            image=False).dem
    rng = np.random.default_rng(0)
    a = np.column_stack([rng.uniform(-160, 160, (600, 2)), rng.uniform(-5, 30, 600)])
    b = np.column_stack([rng.uniform(-160, 160, (600, 2)), rng.uniform(-5, 30, 600)])
    b[:20] = a[:20]
    for p in (a, b):
        p[:, 2] += dem.sample(np.clip(p[:, 0], -149, 149), np.clip(p[:, 1], -149, 149))
    one = [line_of_sight(dem, tuple(p), tuple(q)) for p, q in zip(a, b, strict=True)]
    many = lines_of_sight(dem, a, b)
    assert many.tolist() == one
    assert 0.2 < np.mean(one) < 0.8  # both answers are well represented
