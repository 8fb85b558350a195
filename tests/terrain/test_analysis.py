from __future__ import annotations

import numpy as np
import pyproj
import pytest
from affine import Affine

from terrain.analysis import line_of_sight, profile, roughness, slope_deg, texture
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


def test_plane_is_perfectly_smooth_and_featureless() -> None:
    dem = plane_dem(20.0)
    assert np.nanmax(roughness(dem, window_m=6.0)[5:-5, 5:-5]) < 1e-3
    assert np.nanmax(texture(dem, window_m=8.0)[5:-5, 5:-5]) < 1e-3


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
