"""Orthoimages: reading them by window in any CRS and data type, and texture read off them."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from affine import Affine
from scipy import ndimage
from shapely.geometry import box

from terrain.dem import DEM, read_image
from terrain.errors import ImageReadError, TerrainCoverageError
from terrain.hazards import HazardLimits, TextureSource, assess
from tests.conftest import MARS_EQC, UTM33

# Ingenuity-like texture limits: 3 % contrast in detail of 0.5 m, over 8 m.
LIMITS = HazardLimits(nav_max_slope_deg=20, nav_scale_m=10, nav_min_contrast=0.03,
                      nav_texture_feature_m=0.5, nav_texture_window_m=8.0)


def speckle(shape: tuple[int, int], *, rms: float, seed: int = 0) -> np.ndarray:
    """Relative brightness of ground with detail a pixel or two across, of RMS ``rms``."""
    n = ndimage.gaussian_filter(np.random.default_rng(seed).standard_normal(shape), 0.7)
    return 1 + rms * n / n.std()


def mars_frame() -> tuple[pyproj.CRS, float, float]:
    from planner.frames import MARS, local_frame

    lon, lat = 77.4306, 18.4548
    return local_frame(MARS, lon, lat).local, lon, lat


def eqc_ortho_with_bland_square(*, half_m: float, centre: tuple[float, float],
                                extent_m: float = 70.0, px: float = 0.25) -> tuple[
                                    np.ndarray, Affine, pyproj.CRS]:
    """An 8-bit HiRISE-like orthoimage in Mars eqc around the frame, bland in a local square."""
    local, _, lat = mars_frame()
    eqc = pyproj.CRS(MARS_EQC)
    to_eqc = pyproj.Transformer.from_crs(local, eqc, always_xy=True)
    ex, ey = to_eqc.transform(0.0, 0.0)
    k = 1 / np.cos(np.radians(lat))  # eqc metres per true metre east-west
    cols, rows = int(2 * extent_m * k / px), int(2 * extent_m / px)
    x0, y0 = ex - extent_m * k, ey + extent_m
    transform = Affine(px, 0, x0, 0, -px, y0)
    grey = 100 * speckle((rows, cols), rms=0.10)
    # Pixels whose centres fall in the square (in the local frame) are bland sand.
    xs = x0 + (np.arange(cols) + 0.5) * px
    ys = y0 - (np.arange(rows) + 0.5) * px
    gx, gy = np.meshgrid(xs, ys)
    lx, ly = pyproj.Transformer.from_crs(eqc, local, always_xy=True).transform(gx, gy)
    inside = (np.abs(lx - centre[0]) < half_m) & (np.abs(ly - centre[1]) < half_m)
    grey[inside] = 100 * speckle((rows, cols), rms=0.003, seed=1)[inside]
    return np.clip(np.rint(grey), 0, 255), transform, eqc


def flat_local_dem(local: pyproj.CRS, half: float = 50.0) -> DEM:
    n = int(2 * half)
    return DEM(np.full((n, n), -2560.0), Affine(1, 0, -half, 0, -1, half), local,
               vertical_precision_m=0.2)


def test_bland_patch_in_a_mars_eqc_orthoimage_is_featureless(write_raster_tif) -> None:
    grey, transform, _ = eqc_ortho_with_bland_square(half_m=12.0, centre=(20.0, 0.0))
    path = write_raster_tif(grey, transform, MARS_EQC, dtype="uint8")
    local, _, _ = mars_frame()
    dem = flat_local_dem(local)
    img = read_image(path, dst_crs=local, dst_bounds=dem.bounds, native=True)
    assert img.crs == pyproj.CRS(MARS_EQC)
    maps = assess(dem, LIMITS, image=img)
    assert maps.texture_status == TextureSource.IMAGE
    assert bool(maps.flight_at(np.array([20.0]), np.array([0.0]))[0])
    assert not maps.flight_at(np.array([-25.0, -20.0]), np.array([-25.0, 30.0])).any()
    (why,) = maps.flight_reasons_at(20.0, 0.0)
    assert why.hazard == "featureless" and why.unit == "%" and why.limit == pytest.approx(3.0)
    assert why.value is not None and why.value < 1.0
    assert why.phrase.startswith("featureless ground (image contrast ")
    assert why.phrase.endswith(" % below 3 %)")
    # Textured ground reads well above the limit (10 % speckle).
    assert np.nanmedian(maps.contrast[:20, :20]) > 0.06
    # The bland square, and only it, is refused: about 24 m x 24 m of the 100 m x 100 m.
    assert 0.03 < maps.flight_texture.mean() < 0.08


def test_bland_patch_narrower_than_the_texture_window_is_no_hazard(write_raster_tif) -> None:
    grey, transform, _ = eqc_ortho_with_bland_square(half_m=2.0, centre=(0.0, 0.0))
    path = write_raster_tif(grey, transform, MARS_EQC, dtype="uint8")
    local, _, _ = mars_frame()
    dem = flat_local_dem(local)
    maps = assess(dem, LIMITS, image=read_image(path, dst_crs=local, dst_bounds=dem.bounds,
                                                native=True))
    assert not maps.flight_texture.any()


def utm_ortho(shape: tuple[int, int] = (240, 240)) -> np.ndarray:
    """Relative brightness in UTM: textured, with a bland band across the middle."""
    rel = speckle(shape, rms=0.08, seed=2)
    rel[90:150, :] = speckle(shape, rms=0.002, seed=3)[90:150, :]
    return rel


@pytest.mark.parametrize(("dtype", "scale", "offset"), [
    ("uint8", 120.0, 0.0), ("uint16", 30000.0, 0.0), ("float32", 0.21, 0.0),
    ("float64", 1.0, 0.0)])
def test_8_bit_16_bit_and_float_images_read_the_same_texture(write_raster_tif, dtype: str,
                                                             scale: float,
                                                             offset: float) -> None:
    rel = utm_ortho()
    data = rel * scale + offset
    if dtype.startswith("uint"):
        data = np.rint(data)
    transform = Affine(0.5, 0, 500_000.0, 0, -0.5, 4_000_120.0)
    path = write_raster_tif(data, transform, UTM33, dtype=dtype)
    crs = pyproj.CRS(UTM33)
    dem = DEM(np.zeros((100, 100)), Affine(1, 0, 500_010.0, 0, -1, 4_000_110.0), crs,
              vertical_precision_m=0.1)
    maps = assess(dem, LIMITS, image=read_image(path, dst_crs=crs, dst_bounds=dem.bounds,
                                                native=True))
    # Rows 90-150 of the image (0.5 m) are y 4,000,075-4,000,045: DEM rows 35-65.
    assert maps.flight_texture[42:58, 10:90].all()
    assert not maps.flight_texture[:25].any() and not maps.flight_texture[75:].any()
    # The same contrast whatever the data type, scale or bit depth.
    from terrain.analysis import image_contrast

    ref = image_contrast(rel, pixel_m=(0.5, 0.5), feature_m=0.5, window_m=8.0)
    assert float(np.nanmedian(maps.contrast[:25])) == pytest.approx(
        float(np.nanmedian(ref[:50])), rel=0.05)


def test_rgb_image_becomes_luminance_and_alpha_is_nodata(write_raster_tif) -> None:
    rng = np.random.default_rng(4)
    rgb = rng.integers(40, 200, size=(3, 60, 80)).astype(float)
    alpha = np.full((1, 60, 80), 255.0)
    alpha[0, :, :20] = 0
    transform = Affine(1, 0, 500_000.0, 0, -1, 4_000_060.0)
    path = write_raster_tif(np.concatenate([rgb, alpha]), transform, UTM33, dtype="uint8",
                            colorinterp=["red", "green", "blue", "alpha"])
    img = read_image(path, dst_crs=pyproj.CRS(UTM33),
                     dst_bounds=(500_000.0, 4_000_000.0, 500_080.0, 4_000_060.0), native=True)
    luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    rr, cc = img.rowcol(500_050.5, 4_000_030.5)
    r, c = round(float(rr)), round(float(cc))
    assert img.grey[r, c] == pytest.approx(luma[29, 50], abs=1e-3)
    assert img.transform.c == 500_000.0  # the whole file is the window
    assert np.isnan(img.grey[:, :20]).all()
    assert np.isfinite(img.grey[:, 20:]).all()


def test_image_nodata_leaves_texture_unknown_not_refused(write_raster_tif) -> None:
    rel = utm_ortho()
    data = np.rint(rel * 30000)
    data[:, :120] = 0  # no image over the western half, bland band included
    transform = Affine(0.5, 0, 500_000.0, 0, -0.5, 4_000_120.0)
    path = write_raster_tif(data, transform, UTM33, dtype="uint16", nodata=0)
    crs = pyproj.CRS(UTM33)
    dem = DEM(np.zeros((100, 100)), Affine(1, 0, 500_010.0, 0, -1, 4_000_110.0), crs,
              vertical_precision_m=0.1)
    img = read_image(path, dst_crs=crs, dst_bounds=dem.bounds, native=True)
    assert np.isnan(img.grey[:, :100]).all()
    maps = assess(dem, LIMITS, image=img)
    assert not maps.flight_texture[:, :45].any()  # unknown, not featureless
    assert maps.flight_texture[45:55, 70:90].all()  # the bland band where the image sees it
    status = maps.assessment.texture
    assert 0.4 < status.unknown_fraction < 0.65
    assert any("texture unknown on" in n for n in maps.assessment.notes())


def test_resampled_image_lands_on_the_requested_grid(write_raster_tif) -> None:
    data = np.rint(utm_ortho() * 100)
    transform = Affine(0.5, 0, 500_000.0, 0, -0.5, 4_000_120.0)
    path = write_raster_tif(data, transform, UTM33, dtype="uint8")
    crs = pyproj.CRS(UTM33)
    img = read_image(path, dst_crs=crs, dst_bounds=(500_010, 4_000_010, 500_050, 4_000_030),
                     resolution=1.0)
    assert img.shape == (20, 40)
    assert img.resolution == 1.0
    dem = DEM(np.zeros((10, 10)), Affine(2, 0, 500_020.0, 0, -2, 4_000_040.0), crs)
    on = img.on_grid_of(dem)
    assert on.same_grid(dem)
    assert np.nanmean(on.grey) == pytest.approx(np.nanmean(data[160:200, 40:80]), rel=0.05)


def test_image_reads_only_the_window_it_needs(write_raster_tif) -> None:
    data = np.rint(speckle((2000, 2000), rms=0.1) * 100)
    transform = Affine(0.25, 0, 500_000.0, 0, -0.25, 4_000_500.0)
    path = write_raster_tif(data, transform, UTM33, dtype="uint8")
    img = read_image(path, dst_crs=pyproj.CRS(UTM33),
                     dst_bounds=(500_100, 4_000_100, 500_110, 4_000_120), native=True)
    assert img.shape[0] < 100 and img.shape[1] < 60


def test_image_without_crs_or_outside_the_area_is_refused(write_raster_tif) -> None:
    transform = Affine(1, 0, 500_000.0, 0, -1, 4_000_050.0)
    bare = write_raster_tif(np.full((50, 50), 100.0), transform, None, dtype="uint8",
                            name="bare.tif")
    crs = pyproj.CRS(UTM33)
    with pytest.raises(ImageReadError, match="no CRS"):
        read_image(bare, dst_crs=crs, dst_bounds=(500_010, 4_000_010, 500_020, 4_000_020))
    ok = write_raster_tif(np.full((50, 50), 100.0), transform, UTM33, dtype="uint8")
    with pytest.raises(TerrainCoverageError):
        read_image(ok, dst_crs=crs, dst_bounds=(600_000, 4_000_010, 600_020, 4_000_020))
    with pytest.raises(ImageReadError):
        read_image(ok.parent / "missing.tif", dst_crs=crs, dst_bounds=(0, 0, 1, 1))


def test_ground_marked_featureless_is_a_hazard_with_or_without_image() -> None:
    crs = pyproj.CRS(UTM33)
    dem = DEM(np.zeros((60, 60)), Affine(1, 0, 0, 0, -1, 60), crs, vertical_precision_m=0.1)
    sand = box(10, 10, 20, 20)
    maps = assess(dem, LIMITS, featureless=sand)
    assert maps.texture_status == TextureSource.POLYGONS
    assert maps.flight_texture[41:49, 11:19].all()
    assert maps.flight_texture.sum() <= 12 * 12
    assert maps.flight_reason_at(15, 15) == "featureless ground (marked so by the mission)"
    assert maps.flight_reason_at(40, 40) == ""
    # Marked ground counts whatever its width: the mission knows its sand.
    small = assess(dem, LIMITS, featureless=box(30, 30, 32, 32))
    assert small.flight_texture.any()
