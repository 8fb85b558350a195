from __future__ import annotations

import numpy as np
import pyproj
import pytest
from affine import Affine

from terrain.dem import DEM, read_dem
from terrain.errors import DEMReadError, TerrainCoverageError
from tests.conftest import MARS_EQC, hill_dem


def test_bilinear_sampling_is_exact_on_a_plane() -> None:
    z = np.add.outer(-np.arange(10.0) * 2, np.arange(10.0) * 3)  # rises east 3/px, north 2/px
    dem = DEM(z, Affine(1, 0, 0, 0, -1, 10), pyproj.CRS("EPSG:32633"))
    x, y = np.array([2.5, 3.25, 7.1]), np.array([8.5, 6.0, 2.2])
    row, col = dem.rowcol(x, y)
    np.testing.assert_allclose(dem.sample(x, y), -2 * row + 3 * col)
    assert np.isnan(dem.sample(-5, 5))


def test_nodata_neighbour_makes_sample_unknown() -> None:
    z = np.ones((5, 5))
    z[2, 2] = np.nan
    dem = DEM(z, Affine(1, 0, 0, 0, -1, 5), pyproj.CRS("EPSG:32633"))
    assert np.isnan(dem.sample(2.6, 2.4))
    assert dem.sample(0.6, 4.4) == pytest.approx(1.0)


def test_window_read_matches_full_read_in_mars_eqc(write_tif) -> None:
    # A 400 x 300 analytic surface in the USGS Jezero CRS; read a small window onto the same grid.
    res = 1.0
    x0, y0 = 4_590_000.0, 1_093_000.0
    rows, cols = 300, 400
    yy, xx = np.mgrid[0:rows, 0:cols]
    z = -2570 + 0.05 * xx + 0.02 * yy + 3 * np.sin(xx / 20.0)
    transform = Affine(res, 0, x0, 0, -res, y0)
    path = write_tif(z, transform, MARS_EQC)
    crs = pyproj.CRS(MARS_EQC)
    bounds = (x0 + 100, y0 - 200, x0 + 180, y0 - 150)
    win = read_dem(path, dst_crs=crs, dst_bounds=bounds, resolution=res)
    full = DEM(z.astype(np.float32).astype(float), transform, crs)
    xs = np.linspace(bounds[0] + 1, bounds[2] - 1, 25)
    ys = np.linspace(bounds[1] + 1, bounds[3] - 1, 25)
    np.testing.assert_allclose(win.sample(xs, ys), full.sample(xs, ys), atol=1e-3)
    assert win.shape == (50, 80)  # only the window, not the file


def test_read_reprojects_into_a_local_frame(write_tif) -> None:
    from planner.frames import MARS, local_frame

    res = 2.0
    x0, y0 = 4_590_000.0, 1_093_000.0
    z = np.full((300, 300), -2560.0)
    path = write_tif(z, Affine(res, 0, x0, 0, -res, y0), MARS_EQC)
    eqc = pyproj.Transformer.from_crs(MARS_EQC, "IAU_2015:49900", always_xy=True)
    lon, lat = eqc.transform(x0 + 300, y0 - 300)
    frame = local_frame(MARS, lon, lat)
    dem = read_dem(path, dst_crs=frame.local, dst_bounds=(-100, -100, 100, 100))
    assert dem.resolution == pytest.approx(2.0)
    assert np.nanmax(np.abs(dem.elevation + 2560.0)) < 1e-3


def test_dem_without_crs_is_refused(write_tif) -> None:
    path = write_tif(np.zeros((10, 10)), Affine(1, 0, 0, 0, -1, 10), None)
    with pytest.raises(DEMReadError, match="no CRS"):
        read_dem(path, dst_crs=pyproj.CRS("EPSG:32633"), dst_bounds=(1, 1, 5, 5))


def test_all_nodata_dem_is_refused(write_tif) -> None:
    path = write_tif(np.full((10, 10), -9999.0), Affine(1, 0, 0, 0, -1, 10), "EPSG:32633",
                     nodata=-9999.0)
    with pytest.raises(DEMReadError, match="nodata"):
        read_dem(path, dst_crs=pyproj.CRS("EPSG:32633"), dst_bounds=(2, 2, 8, 8))


def test_area_outside_dem_is_refused(write_tif) -> None:
    path = write_tif(np.zeros((10, 10)), Affine(1, 0, 0, 0, -1, 10), "EPSG:32633")
    with pytest.raises(TerrainCoverageError):
        read_dem(path, dst_crs=pyproj.CRS("EPSG:32633"), dst_bounds=(100, 100, 120, 120))


def test_not_a_raster_is_refused(tmp_path) -> None:
    bad = tmp_path / "x.tif"
    bad.write_text("not a tiff")
    with pytest.raises(DEMReadError):
        read_dem(bad, dst_crs=pyproj.CRS("EPSG:32633"), dst_bounds=(0, 0, 1, 1))


def test_write_geotiff_round_trip(tmp_path) -> None:
    dem = hill_dem()
    out = tmp_path / "hill.tif"
    dem.write_geotiff(out)
    back = read_dem(out, dst_crs=dem.crs, dst_bounds=(10, 10, 50, 50), resolution=1.0)
    xs = np.linspace(12, 48, 10)
    np.testing.assert_allclose(back.sample(xs, xs), dem.sample(xs, xs), atol=1e-3)


@pytest.mark.parametrize("code", ["IAU_2015:49910", MARS_EQC])
def test_mars_dem_by_iau_code_or_proj_string(write_tif, code: str) -> None:
    from planner.frames import MARS, local_frame

    # A plane rising 0.1 m per metre eastward, in Mars equirectangular metres.
    x0, y0 = 4_590_000.0, 1_093_000.0
    cols = np.arange(400) + 0.5
    z = np.tile(-2570 + 0.1 * cols, (300, 1))
    path = write_tif(z, Affine(1, 0, x0, 0, -1, y0), code)
    to_geo = pyproj.Transformer.from_crs(code, "IAU_2015:49900", always_xy=True)
    lon, lat = to_geo.transform(x0 + 200, y0 - 150)
    frame = local_frame(MARS, lon, lat)
    dem = read_dem(path, dst_crs=frame.local, dst_bounds=(-50, -50, 50, 50))
    # At the frame's centre the plane is at -2570 + 0.1 * 200; it rises 0.1 m/m eastward.
    assert dem.sample(0, 0) == pytest.approx(-2550.0, abs=0.05)
    # eqc with lat_ts=0 stretches east-west metres by 1/cos(lat): 40 true m are longer there.
    expected = 0.1 * 40.0 / np.cos(np.radians(lat))
    assert dem.sample(20, 0) - dem.sample(-20, 0) == pytest.approx(expected, abs=0.02)


def test_earth_dem_in_geographic_degrees(write_tif) -> None:
    from planner.frames import EARTH, local_frame

    # 0.0001 degree cells (~7.5 m east, ~11 m north at 47 N); elevation rises with latitude.
    res = 1e-4
    lon0, lat1 = 8.53, 47.38
    rows, cols = 200, 200
    lats = lat1 - (np.arange(rows) + 0.5) * res
    z = np.tile(((lats - 47.37) * 111_200.0 * 0.05)[:, None], (1, cols))  # 5 % slope north
    path = write_tif(z, Affine(res, 0, lon0, 0, -res, lat1), "EPSG:4326")
    frame = local_frame(EARTH, 8.54, 47.37)
    dem = read_dem(path, dst_crs=frame.local, dst_bounds=(-200, -200, 200, 200))
    assert 5 <= dem.resolution <= 12  # converted from degrees to metres
    assert dem.sample(0, 100) - dem.sample(0, -100) == pytest.approx(10.0, rel=0.02)


@pytest.mark.parametrize("view", ["contiguous", "strided"])
def test_bilinear_matches_the_four_neighbour_formula(view: str) -> None:
    """The flat-index look-up and the 2-D one give the textbook bilinear value, NaN outside."""
    from terrain.dem import bilinear

    rng = np.random.default_rng(3)
    full = rng.normal(size=(40, 60)).astype(np.float32)
    full[7, 8] = np.nan  # column 4 of the strided view
    grid = full if view == "contiguous" else full[:, ::2]
    rows, cols = grid.shape
    r = rng.uniform(-2, rows + 1, 500)
    c = rng.uniform(-2, cols + 1, 500)
    r[:3], c[:3] = [0, rows - 1, 6.5], [0, cols - 1, 8.5 if view == "contiguous" else 4.25]
    got = bilinear(grid, r, c)
    for k in range(len(r)):
        if not (0 <= r[k] <= rows - 1 and 0 <= c[k] <= cols - 1):
            assert np.isnan(got[k])
            continue
        r0, c0 = min(int(np.floor(r[k])), rows - 2), min(int(np.floor(c[k])), cols - 2)
        fr, fc = r[k] - r0, c[k] - c0
        want = (grid[r0, c0] * (1 - fr) * (1 - fc) + grid[r0, c0 + 1] * (1 - fr) * fc
                + grid[r0 + 1, c0] * fr * (1 - fc) + grid[r0 + 1, c0 + 1] * fr * fc)
        assert np.isnan(got[k]) if np.isnan(want) else got[k] == pytest.approx(want, abs=1e-9)
    assert np.isnan(got[2])  # next to the NaN cell
    assert float(bilinear(grid, 1.5, 2.5)) == pytest.approx(
        float(bilinear(grid, [1.5], [2.5])[0]))  # scalars too
